"""Page templates of the CMS families (written for this project from gov-sites.md §2; no real page is
copied): the listing models (`Listing` subclasses) and the article pages around a report body."""

from __future__ import annotations

import hashlib
import html
import json
import math
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from .server import HTML, Answer, Dynamic, Entry, Farm, FarmRequest, Listing, Site, Static, ref


def e(text: str) -> str:
    return html.escape(text, quote=True)


@dataclass
class SiteInfo:
    """What a site's chrome says about its owner."""

    name: str  # SiteName: 桐溪区人民政府
    domain: str  # the public domain the site claims (never the farm's)
    idcode: str
    office: str = ""  # 主办单位
    province: str = "云"  # ICP licence prefix
    footer_year: int | None = None  # a 「© 2019」 in the footer
    column: str = "政府信息公开年报"
    meta_reversed: bool = False  # <meta content=… name=…> (attribute order reversed)
    extra_meta: dict[str, str] = field(default_factory=dict)

    def metas(self, column: bool = True) -> str:
        pairs = [("SiteName", self.name), ("SiteDomain", self.domain), ("SiteIDCode", self.idcode)]
        if column:
            pairs += [("ColumnName", self.column), ("ColumnDescription", f"{self.name}{self.column}"),
                      ("ColumnKeywords", "信息公开，年报"), ("ColumnType", self.column)]
        pairs += list(self.extra_meta.items())
        return "\n".join(meta(n, v, self.meta_reversed) for n, v in pairs)

    def footer(self) -> str:
        office = self.office or self.name + "办公室"
        copyright_ = f"Copyright © {self.footer_year} {self.name} 版权所有　" if self.footer_year else ""
        return (f'<div class="footer"><div class="w1200">\n<p>{copyright_}主办单位：{office}　'
                f"承办单位：{self.name}大数据中心</p>\n<p>网站标识码：{self.idcode}　"
                f"{self.province}ICP备{int(self.idcode[-8:]) % 90000000 + 10000000:08d}号　"
                f"{self.province}公网安备 {self.idcode[:6]}02000{int(self.idcode[-3:]):03d}号</p>\n"
                "<p>建议使用1366×768分辨率、IE9以上版本浏览器</p>\n"
                '<p><script type="text/javascript">document.write(unescape("%3Cspan id=\'_ideConac\' %3E%3C/span%3E"));'
                "</script></p></div></div>")


def meta(name: str, content: str, reversed_: bool = False) -> str:
    if reversed_:
        return f'<meta content="{e(content)}" name="{name}" />'
    return f'<meta name="{name}" content="{e(content)}" />'


def header(info: SiteInfo, nav: Sequence[tuple[str, str]] = ()) -> str:
    links = nav or (("/", "首页"), ("/zwgk/", "政务公开"), ("/zwfw/", "政务服务"), ("/hdjl/", "互动交流"),
                    ("/zjxx/", "走进" + info.name[:3]))
    items = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return (f'<div class="top"><div class="w1200"><span>欢迎访问{info.name}门户网站</span>'
            '<a href="javascript:;" id="jtfz">繁體</a> | <a href="/wza/">无障碍</a></div></div>\n'
            f'<div class="header"><div class="w1200"><a href="/" class="logo"><img src="/images/logo.png" '
            f'alt="{e(info.name)}"></a>\n<div class="search"><form action="/search/" method="get">'
            '<input type="text" name="q" placeholder="请输入关键字"><button type="submit">搜索</button></form>'
            f'</div></div></div>\n<div class="nav"><ul class="w1200">{items}</ul></div>')


# =============================================================================================
# Listings
# =============================================================================================
def relative(url: str, site: Site, base_dir: str) -> str:
    """How a page in `base_dir` links to `url`: `./x` below it, `../..` across, absolute off-site."""
    prefix = ref(site.name)
    if not url.startswith(prefix + "/"):
        return url
    path = url[len(prefix):]
    if path.startswith(base_dir):
        return "./" + path[len(base_dir):]
    return posixpath.relpath(path, base_dir.rstrip("/") or "/")


def href(entry: Entry, site: Site, base_dir: str, *, style: str = "dot") -> str:
    """The href printed for an entry: "dot" (`./x`, `../y`), "bare" (`x`, `../y`) or "absolute" (`/x/y`)
    for a page of the same site; the full URL for another site. An entry's extra["href"] wins."""
    given = entry.extra.get("href")
    if given:
        return str(given)
    prefix = ref(site.name)
    if style == "absolute" and entry.url.startswith(prefix + "/"):
        return entry.url[len(prefix):]
    link = relative(entry.url, site, base_dir)
    return link[2:] if style == "bare" and link.startswith("./") else link


class TrsListing(Listing):
    """TRS WCM column: `index.html`, then `index_1.html`… (classic) or `index_2.shtml`… (new style).

    Classic pages end with `createPageHTML(N,i,"index","html")` and `var countPage = N`; new ones
    with `createPageHTML('page_div',N,i+1,'index','shtml',total)`.
    """

    def __init__(self, site: Site, info: SiteInfo, base_dir: str, entries: Sequence[Entry] = (), *,
                 per_page: int = 10, style: str = "classic", breadcrumb: str = "政府信息公开",
                 sidebar: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(site, entries, per_page=per_page)
        self.info, self.base_dir, self.style = info, base_dir, style
        self.ext = "html" if style == "classic" else "shtml"
        self.breadcrumb, self.sidebar = breadcrumb, list(sidebar)

    def paths(self) -> list[str]:
        if self.style == "classic":
            names = ["index"] + [f"index_{i}" for i in range(1, self.count())]
        else:
            names = ["index"] + [f"index_{i}" for i in range(2, self.count() + 1)]
        return [f"{self.base_dir}{n}.{self.ext}" for n in names]

    def page(self, index: int) -> str:
        info = self.info
        items = []
        for entry in self.chunk(index):
            link = href(entry, self.site, self.base_dir)
            text = str(entry.extra.get("text", entry.title))
            items.append(f'<li><a href="{e(link)}" target="_blank" title="{e(entry.title)}">{e(text)}</a>'
                         f"<span>{entry.date}</span></li>")
        n = self.count()
        if self.style == "classic":
            pager = ('<div class="page"><script type="text/javascript">\n'
                     f"var countPage = {n}; //共多少页\nvar currentPage = {index}; //当前页\n"
                     f'createPageHTML({n},{index},"index","html");\n</script></div>')
        else:
            pager = ('<div class="page" id="page_div"></div>\n<script type="text/javascript">\n'
                     f"createPageHTML('page_div',{n},{index + 1},'index','shtml',{len(self.entries)});\n</script>")
        side = "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for h, t in self.sidebar)
        return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
{info.metas()}
<title>{info.column}_{info.name}</title>
<link rel="stylesheet" href="/images/2021/css/common.css">
<script src="/images/2021/js/jquery-1.12.4.min.js"></script>
<script src="/images/2021/js/page.js"></script>
</head>
<body>
{header(info)}
<div class="w1200 main">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="../">{self.breadcrumb}</a> &gt; {info.column}</div>
<div class="left-nav"><h3>{self.breadcrumb}</h3><ul>{side}</ul></div>
<div class="right-list">
<div class="list-title"><h2>{info.column}</h2></div>
<ul class="list">
{chr(10).join(items)}
</ul>
{pager}
</div>
</div>
{info.footer()}
</body>
</html>
"""


class HanwebColumn(Listing):
    """大汉 JCMS column page: an empty <ul>, the first records embedded as datastore XML; the rest via
    POST /module/web/jpage/dataproxy.jsp (see `mount_dataproxy`)."""

    def __init__(self, site: Site, info: SiteInfo, columnid: int, unitid: int, entries: Sequence[Entry] = (), *,
                 webid: int = 25, per_page: int = 15) -> None:
        super().__init__(site, entries, per_page=per_page)
        self.info, self.columnid, self.unitid, self.webid = info, columnid, unitid, webid

    def paths(self) -> list[str]:
        return [f"/col/col{self.columnid}/index.html"]

    def record(self, entry: Entry) -> str:
        link = href(entry, self.site, "/", style="absolute")
        text = str(entry.extra.get("text", entry.title))
        return (f'<li><a href="{e(link)}" target="_blank" title="{e(entry.title)}">{e(text)}</a>'
                f"<span>{entry.date}</span></li>")

    def query(self) -> str:
        return (f"appid=1&webid={self.webid}&path=/&columnid={self.columnid}&sourceContentType=1"
                f"&unitid={self.unitid}&webname={quote(self.info.name)}&permissiontype=0")

    def page(self, index: int) -> str:
        info = self.info
        records = "\n".join(f"<record><![CDATA[{self.record(x)}]]></record>" for x in self.chunk(0))
        total = len(self.entries)
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
{info.metas()}
<title>{info.name} {info.column}</title>
<link href="/images/hw/css/style.css" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>
</head>
<body>
{header(info)}
<div class="main w1200">
<div class="bt-position">您当前的位置：<a href="/">首页</a> &gt;
 <a href="/col/col31200/index.html">政府信息公开</a> &gt; {info.column}</div>
<div class="main_list"><ul></ul></div>
<div id="{self.unitid}">
<script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&{self.query()}"></a>]]></nextgroup>
<recordset>
{records}
</recordset></datastore></script>
<script language="javascript" src="/module/jslib/jquery/jpage/jquery.page.min.js"></script>
<script>
$(document).ready(function(){{
  $('#{self.unitid}').jpage({{dataStore: dataStore, perPage: {self.per_page}, totalRecord: {total}, groupSize: 3,
    proxyUrl: '/module/web/jpage/dataproxy.jsp', barPosition: 'bottom', dataBefore: '<ul class="list">',
    dataAfter: '</ul>', showMode: 'full', ajaxParam: {{col: 1, appid: 1, webid: {self.webid}, path: '/',
    columnid: {self.columnid}, sourceContentType: 1, unitid: {self.unitid}, webname: '{info.name}',
    permissiontype: 0}}}});
}});
</script>
<form id="jpageform_{self.unitid}" name="jpageform_{self.unitid}" method="post"
 action="/module/web/jpage/dataproxy.jsp"></form>
</div>
</div>
{info.footer()}
</body>
</html>
"""


def mount_dataproxy(site: Site) -> None:
    """POST (or GET) /module/web/jpage/dataproxy.jsp?startrecord=&endrecord=&perpage= with the column's
    form fields: records startrecord..endrecord (1-based) of the column named by columnid + unitid."""

    def answer(request: FarmRequest, farm: Farm) -> Answer:
        columnid, unitid = request.arg("columnid"), request.arg("unitid")
        column = next((c for c in site.listings if isinstance(c, HanwebColumn)
                       and str(c.columnid) == columnid and str(c.unitid) == unitid), None)
        entries = list(column.entries) if column else []
        try:
            per = max(1, int(request.arg("perpage", "15")))
            if request.arg("startrecord"):
                start = max(1, int(request.arg("startrecord")))
                end = int(request.arg("endrecord", str(start + per - 1)))
            else:  # ?page=N (some sites)
                page = max(1, int(request.arg("page", "1")))
                start, end = (page - 1) * per + 1, page * per
        except ValueError:
            return Answer(500, HTML, b"<html><body>java.lang.NumberFormatException</body></html>")
        chosen = entries[start - 1:end]
        records = "\n".join(f"<record><![CDATA[{column.record(x)}]]></record>" for x in chosen) if column else ""
        pages = math.ceil(len(entries) / per) if entries else 0
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore><totalrecord>{len(entries)}</totalrecord>'
               f"<totalpage>{pages}</totalpage>\n<recordset>\n{records}\n</recordset>\n</datastore>\n")
        return Answer(200, "text/xml;charset=UTF-8", xml.encode("utf-8"))

    site.add("/module/web/jpage/dataproxy.jsp", Dynamic(answer))


class VsbListing(Listing):
    """博达 VSB column: `/name.htm` is page 1, then `/name/{N-1}.htm` … `/name/1.htm` (descending)."""

    def __init__(self, site: Site, info: SiteInfo, name: str, entries: Sequence[Entry] = (), *, per_page: int = 6,
                 owner: int = 1324601795) -> None:
        super().__init__(site, entries, per_page=per_page)
        self.info, self.name, self.owner = info, name, owner

    def paths(self) -> list[str]:
        n = self.count()
        return [f"/{self.name}.htm"] + [f"/{self.name}/{n - i}.htm" for i in range(1, n)]

    def page(self, index: int) -> str:
        n = self.count()
        base = "/" if index == 0 else f"/{self.name}/"
        paths = self.paths()

        def link(i: int) -> str:
            return posixpath.relpath(paths[i], base.rstrip("/") or "/")

        items = []
        ids = []
        for k, entry in enumerate(self.chunk(index)):
            news = entry.url.rsplit("/", 1)[1].split(".")[0]
            ids.append(news)
            target = href(entry, self.site, base, style="bare")
            items.append(f'<li id="line_u8_{k}"><a href="{e(target)}" target="_blank" '
                         f'title="{e(entry.title)}">{e(str(entry.extra.get("text", entry.title)))}</a>'
                         f"<span>{entry.date}</span></li>")
        nums = []
        for i in range(n):
            nums.append(f'<span class="p_no_d">{i + 1}</span>' if i == index
                        else f'<span class="p_no"><a href="{link(i)}">{i + 1}</a></span>')
        prev = (f'<span class="p_prev p_fun"><a href="{link(index - 1)}">上页</a></span>' if index
                else '<span class="p_first_d p_fun_d">首页</span><span class="p_prev_d p_fun_d">上页</span>')
        nxt = (f'<span class="p_next p_fun"><a href="{link(index + 1)}">下页</a></span>'
               f'<span class="p_last p_fun"><a href="{link(n - 1)}">尾页</a></span>' if index < n - 1
               else '<span class="p_next_d p_fun_d">下页</span><span class="p_last_d p_fun_d">尾页</span>')
        clicks = ",".join(f"'dynclicks_u8_{i}'" for i in ids)
        return f"""<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>{self.info.column}-{self.info.name}</title>
{self.info.metas()}
<link rel="stylesheet" type="text/css" href="{'' if index == 0 else '../'}style/list.vsb.css">
<!--Announced by Visual SiteBuilder 9-->
<link rel="stylesheet" type="text/css" href="{'' if index == 0 else '../'}_sitegray/_sitegray_d.css" />
<script language="javascript" src="{'' if index == 0 else '../'}_sitegray/_sitegray.js"></script>
<!-- CustomerNO:77656262657232307e78475c5356574703090000000b4652 -->
<script type="text/javascript" src="/system/resource/js/vsbscreen.min.js" id="_vsbscreen" devices="pc|pad"></script>
<script type="text/javascript" src="/system/resource/js/counter.js"></script>
<script type="text/javascript">_jsq_(1008,'/list.jsp',-1,{self.owner})</script>
</head>
<body>
<div class="top"><a href="/">{self.info.name}</a></div>
<div class="main"><div class="dqwz">当前位置：<a href="/index.htm">首页</a>
&gt;&gt;<a href="/xxgk.htm">信息公开</a>&gt;&gt;{self.info.column}</div>
<ul class="list">
{chr(10).join(items)}
</ul>
<div class="pb_sys_common pb_sys_normal pb_sys_style1" style="margin-top:10px;text-align:center;">
<span class="p_t">共{len(self.entries)}条</span> <span class="p_pages">{prev}{''.join(nums)}{nxt}</span>
 <span class="p_t">{index + 1}/{n}</span></div>
<script>_showDynClickBatch([{clicks}],[{','.join(ids)}],"wbnews", {self.owner})</script>
</div>
<div class="foot">{self.info.footer()}</div>
</body></html>
"""


class GkmlptCatalog(Listing):
    """广东 gkmlpt: the SPA shell `/gkmlpt/index` (listing URL `/gkmlpt/index#CAT`) and the JSON API
    `GET /gkmlpt/api/all/{cat}?page=N&sid=S` (1-based pages of `per_page`, unix create_time)."""

    def __init__(self, site: Site, info: SiteInfo, cat_id: int, sid: str, entries: Sequence[Entry] = (), *,
                 per_page: int = 10) -> None:
        super().__init__(site, entries, per_page=per_page)
        self.info, self.cat_id, self.sid = info, cat_id, sid

    def paths(self) -> list[str]:
        return ["/gkmlpt/index"]

    def page(self, index: int) -> str:
        info = self.info
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
{info.metas(column=False)}
<title>{info.name}政府信息公开目录</title>
<link href="/gkmlpt/static/css/app.6c1e0f2b.css" rel="stylesheet">
<script>
  window._CONFIG = {{
    SID: '{self.sid}',
    SITE_NAME: '{info.name}',
    API_BASE: '/gkmlpt/api',
    ROOT_CATALOG: [{{id: 2843, name: '政府信息公开指南'}}, {{id: 2844, name: '政府信息公开制度'}},
                   {{id: {self.cat_id}, name: '政府信息公开年报'}}, {{id: 2848, name: '法定主动公开内容'}}]
  }};
</script>
</head>
<body>
<noscript><strong>请开启浏览器的JavaScript功能后访问本页面。</strong></noscript>
<div id="app"></div>
<script src="/gkmlpt/static/js/chunk-vendors.91d3a2c4.js"></script>
<script src="/gkmlpt/static/js/app.3f5b7e10.js"></script>
</body>
</html>
"""

    def mount(self, **static: object) -> GkmlptCatalog:  # type: ignore[override]
        super().mount(**static)

        def api(request: FarmRequest, farm: Farm) -> Answer:
            if request.arg("sid") != self.sid:
                body = {"total": 0, "page": 1, "size": self.per_page, "articles": []}
            else:
                try:
                    page = max(1, int(request.arg("page", "1")))
                except ValueError:
                    page = 1
                articles = [dict(entry.extra["api"], title=entry.title, url=entry.url)  # type: ignore[call-overload]
                            for entry in self.chunk(page - 1)]
                body = {"total": len(self.entries), "page": page, "size": self.per_page, "articles": articles}
            data = farm.substitute(json.dumps(body, ensure_ascii=False).encode("utf-8"))
            return Answer(200, "application/json;charset=UTF-8", data,
                          etag='"' + hashlib.md5(data).hexdigest() + '"', subst=False)

        self.site.add(f"/gkmlpt/api/all/{self.cat_id}", Dynamic(api))
        return self


class GenericListing(Listing):
    """A home-made CMS: a table of links and dates, `list.html`, `list_2.html`… with 「下一页」."""

    def __init__(self, site: Site, info: SiteInfo, base_dir: str, entries: Sequence[Entry] = (), *,
                 per_page: int = 8) -> None:
        super().__init__(site, entries, per_page=per_page)
        self.info, self.base_dir = info, base_dir

    def paths(self) -> list[str]:
        return [f"{self.base_dir}list.html"] + [f"{self.base_dir}list_{i}.html" for i in range(2, self.count() + 1)]

    def page(self, index: int) -> str:
        rows = "\n".join(
            f'<tr><td class="bt"><a href="{e(href(x, self.site, self.base_dir))}" target="_blank">{e(x.title)}</a>'
            f'</td><td class="rq">{x.date}</td></tr>' for x in self.chunk(index))
        names = [p.rsplit("/", 1)[1] for p in self.paths()]
        pager = [f"共{len(self.entries)}条记录 第{index + 1}/{self.count()}页"]
        if index:
            pager.append(f'<a href="{names[0]}">首页</a> <a href="{names[index - 1]}">上一页</a>')
        if index < self.count() - 1:
            pager.append(f'<a href="{names[index + 1]}">下一页</a> <a href="{names[-1]}">尾页</a>')
        info = self.info
        return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>{info.column} - {info.name}</title>
<link rel="stylesheet" href="/static/css/xxgk.css">
</head>
<body>
<div class="head"><img src="/static/img/banner.jpg" alt="{e(info.name)}"></div>
<div class="crumbs">您现在的位置：<a href="/">首页</a> » <a href="/xxgk/">政府信息公开</a> » {info.column}</div>
<div class="xxgk-box">
<div class="xxgk-left"><ul><li><a href="/xxgk/xxgkzn/">政府信息公开指南</a></li>
<li><a href="/xxgk/xxgkzd/">政府信息公开制度</a></li>
<li class="on"><a href="{self.base_dir}list.html">{info.column}</a></li>
<li><a href="/xxgk/fdzdgknr/">法定主动公开内容</a></li></ul></div>
<div class="xxgk-right">
<table class="xxgk-list" width="100%">
<tr><th>标题</th><th width="120">发布日期</th></tr>
{rows}
</table>
<div class="pager">{' '.join(pager)}</div>
</div></div>
<div class="bottom"><p>{info.name} 版权所有 地址：青岚市滨江路88号</p></div>
</body>
</html>
"""


class GbkListing(Listing):
    """A 2000s ASP site: table layout, `List.asp?ClassID=…`, served as GBK with no charset header."""

    def __init__(self, site: Site, info: SiteInfo, target: str, entries: Sequence[Entry] = ()) -> None:
        super().__init__(site, entries, per_page=50)
        self.info, self.target = info, target

    def paths(self) -> list[str]:
        return [self.target]

    def page(self, index: int) -> bytes:
        rows = "\n".join(
            f'<tr><td width="20" align="center"><img src="../images/dot.gif"></td><td height="24">'
            f'<a href="{e(href(x, self.site, "/Article/", style="bare"))}" target="_blank">{e(x.title)}</a></td>'
            f'<td width="90" align="center" class="date">[{x.date}]</td></tr>' for x in self.chunk(index))
        info = self.info
        page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{info.name}--{info.column}</title>
<link href="../css/style.css" rel="stylesheet" type="text/css">
</head>
<body topmargin="0" leftmargin="0">
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="130" background="../images/top.jpg">&nbsp;</td></tr>
  <tr><td class="nav"><a href="../index.asp">网站首页</a> | <a href="List.asp?ClassID=3">镇务公开</a> |
  <a href="List.asp?ClassID=12">信息公开年报</a> | <a href="List.asp?ClassID=15">办事指南</a></td></tr>
</table>
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr>
    <td width="220" valign="top" class="left">
      <table width="100%"><tr><td class="lm">信息公开</td></tr>
      <tr><td><a href="List.asp?ClassID=11">信息公开指南</a></td></tr>
      <tr><td><a href="List.asp?ClassID=12">{info.column}</a></td></tr></table></td>
    <td valign="top">
      <table width="100%" border="0" cellspacing="0" cellpadding="0">
        <tr><td class="lmbt">当前位置：首页 &gt;&gt; {info.column}</td></tr>
        <tr><td><table width="100%" border="0" cellspacing="0" cellpadding="0">
{rows}
        </table></td></tr>
        <tr><td align="center">共 {len(self.entries)} 条记录 首页 上一页 下一页 尾页 页次：1/1页</td></tr>
      </table>
    </td>
  </tr>
</table>
<table width="980" border="0" align="center"><tr><td align="center" class="foot">
Copyright &copy; {info.footer_year} {info.name} 版权所有 技术支持：青岚网络科技有限公司</td></tr></table>
</body>
</html>
"""
        return page.encode("gbk")


# =============================================================================================
# Article pages
# =============================================================================================
@dataclass
class Article:
    """What an article page shows. `pubdate` is the PubDate meta ("" = none); `shown` the visible
    「发布时间」 (or 「发布日期」) text; `updated` a 「更新时间」 printed before it."""

    title: str
    body: str
    source: str
    pubdate: str = ""
    shown: str = ""
    updated: str = ""
    written: str = ""  # 成文日期 in the xxgk table
    index_no: str = ""  # 索引号
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (href, file name)
    keywords: str = "政府信息公开,年度报告"
    reversed_meta: bool = False
    url_meta: str = ""


def _xxgk_table(a: Article, publisher: str, shown_day: str, cls: str = "xxgk-table") -> str:
    return (f'<table class="{cls}" width="100%" border="0" cellspacing="0" cellpadding="0">\n'
            f"<tr><td>索引号：</td><td>{a.index_no}</td><td>主题分类：</td><td>综合政务\\政务公开</td></tr>\n"
            f"<tr><td>发布机构：</td><td>{e(publisher)}</td><td>成文日期：</td><td>{a.written}</td></tr>\n"
            f"<tr><td>名　　称：</td><td colspan=\"3\">{e(a.title)}</td></tr>\n"
            f"<tr><td>文　　号：</td><td></td><td>发布日期：</td><td>{shown_day}</td></tr>\n</table>")


def _attachments(a: Article, wrapper: str = "appendix-list") -> str:
    if not a.attachments:
        return f'<div id="{wrapper}"></div>'
    links = "".join(f'<p>附件：<a href="{e(h)}" target="_blank">{e(n)}</a></p>' for h, n in a.attachments)
    return f'<div id="{wrapper}">{links}</div>'


def trs_article(info: SiteInfo, a: Article, *, xxgk: bool = True, editor: str = "new") -> str:
    """A TRS article: full meta set, xxgk table, `.trs_editor_view` body, attachments after it.
    `editor="old"`: the older template (`.TRS_Editor`, no article metas, 「发布时间：」 only)."""
    if editor == "old":
        return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
{info.metas()}
<title>{e(a.title)}</title>
<link href="/images/css/css.css" rel="stylesheet" type="text/css">
</head>
<body>
{header(info)}
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="main">
<tr><td class="position">您的位置：<a href="../../../">首页</a> &gt; <a href="../../">政务公开</a> &gt;
 <a href="../">{info.column}</a></td></tr>
<tr><td align="center" class="bt">{e(a.title)}</td></tr>
<tr><td align="center" class="fbsj">发布时间：{a.shown}　　来源：{e(a.source)}　　【字体：
<a href="javascript:doZoom(16)">大</a>
 <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】</td></tr>
<tr><td class="content" id="fontzoom"><div class="TRS_Editor"><style type="text/css">
.TRS_Editor P{{margin-top:0px;margin-bottom:12px;line-height:1.8;font-family:宋体;font-size:12pt;}}
</style>
{a.body}
</div></td></tr>
</table>
{info.footer()}
</body>
</html>
"""
    metas = [("ArticleTitle", a.title)]
    if a.pubdate:
        metas.append(("PubDate", a.pubdate))
    metas += [("ContentSource", a.source), ("Keywords", a.keywords), ("Author", ""), ("Description", a.title)]
    if a.url_meta:
        metas.append(("Url", a.url_meta))
    article_metas = "\n".join(meta(n, v, a.reversed_meta) for n, v in metas)
    shown_day = a.shown.split(" ")[0]
    info_line = []
    if a.updated:
        info_line.append(f"<span>更新时间：{a.updated}</span>")
    info_line.append(f"<span>发布时间：{a.shown}</span><span>来源：{e(a.source)}</span>"
                     '<span>浏览次数：<script language="javascript">document.write(GetCount());</script></span>')
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
{info.metas()}
{article_metas}
<title>{e(a.title)}_{info.column}_{info.name}</title>
<link rel="stylesheet" href="/images/2021/css/common.css">
<script src="/images/2021/js/jquery-1.12.4.min.js"></script>
</head>
<body>
{header(info)}
<div class="w1200 main">
<div class="position">当前位置：<a href="../../../">首页</a> &gt; <a href="../../">政务公开</a> &gt;
 <a href="../">{info.column}</a></div>
{_xxgk_table(a, a.source, shown_day) if xxgk else ''}
<div class="article">
<h1 class="title">{e(a.title)}</h1>
<div class="info">{''.join(info_line)}</div>
<div id="zoom"><div class="trs_editor_view TRS_UEDITOR trs_paper_default trs_web">
{a.body}
</div></div>
{_attachments(a)}
<div class="share">分享到：<a href="javascript:;" class="wx">微信</a><a href="javascript:;" class="wb">微博</a></div>
<div class="print"><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
</div>
{info.footer()}
</body>
</html>
"""


def hanweb_article(info: SiteInfo, a: Article, *, maketime: str, columnid: int, articleid: int) -> str:
    """A 大汉 article: Maketime / i_columnid metas, ZJEG_RSS markers in div#zoom, downfile.jsp links."""
    attachments = "".join(f'<p><a href="{e(h)}">{e(n)}</a></p>' for h, n in a.attachments)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
{info.metas()}
{meta("ArticleTitle", a.title)}
{meta("PubDate", a.pubdate)}
{meta("ContentSource", a.source)}
{meta("Keywords", a.keywords)}
<meta name="Maketime" content="{maketime}">
<meta name="i_columnid" content="{columnid}"><meta content="{articleid}" name="i_articleid">
<title>{info.name} {info.column} {e(a.title)}</title>
<link href="/images/hw/css/style.css" rel="stylesheet" type="text/css" />
</head>
<body>
{header(info)}
<div class="main w1200">
<div class="bt-position">您当前的位置：<a href="/">首页</a> &gt;
 <a href="/col/col{columnid}/index.html">{info.column}</a></div>
<div class="article">
<h1 class="title">{e(a.title)}</h1>
<div class="info">发布日期：{a.shown} 信息来源：<!--<$[信息来源]>begin-->{e(a.source)}<!--<$[信息来源]>end-->
 浏览次数：<span id="c">0</span>
</div>
<div id="zoom"><!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">
{a.body}
{attachments}
<meta name="ContentEnd"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end--></div>
</div>
</div>
{info.footer()}
<script language="javascript" src="/module/visitcount/articlehits.jsp?colid={columnid}&artid={articleid}"></script>
</body>
</html>
"""


def vsb_article(info: SiteInfo, a: Article, *, news_id: int, owner: int) -> str:
    """A 博达 VSB article: #vsb_content .v_news_content, download.jsp attachments, click counters."""
    attachments = "".join(
        f'<li>附件【<a href="{e(h)}" target="_blank">{e(n)}</a>】已下载<span id="nattach{i}">'
        f'<script language="javascript">getClickTimes({i},{news_id},"wbnewsfile","attach")</script></span>次</li>'
        for i, (h, n) in enumerate(a.attachments, start=7654321))
    return f"""<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>{e(a.title)}-{info.name}</title>
<META Name="keywords" Content="{info.name},{e(a.title)}" />
<link rel="stylesheet" type="text/css" href="../../style/content.vsb.css">
<!--Announced by Visual SiteBuilder 9-->
<link rel="stylesheet" type="text/css" href="../../_sitegray/_sitegray_d.css" />
<script language="javascript" src="../../_sitegray/_sitegray.js"></script>
<!-- CustomerNO:77656262657232307e78475c5356574703090000000b4652 -->
<script type="text/javascript" src="/system/resource/js/vsbscreen.min.js" id="_vsbscreen" devices="pc|pad"></script>
<script type="text/javascript" src="/system/resource/js/counter.js"></script>
<script type="text/javascript">_jsq_(1050,'/content.jsp',{news_id},{owner})</script>
</head>
<body>
<div class="top"><a href="/">{info.name}</a></div>
<div class="main">
<div class="dqwz">当前位置：<a href="../../index.htm">首页</a>
&gt;&gt;<a href="../../zfxxgknb.htm">{info.column}</a>&gt;&gt;正文</div>
<form name="_newscontent_fromname">
<h1 align="center">{e(a.title)}</h1>
<div class="info" align="center">发布时间：{a.shown} &nbsp; 来源：{e(a.source)} &nbsp;
点击次数：<script>_showDynClicks("wbnews", {owner}, {news_id})</script></div>
<div id="vsb_content"><div class="v_news_content">
{a.body}
</div></div>
<ul style="list-style-type:none;">
{attachments}
</ul>
</form>
</div>
<div class="foot">{info.footer()}</div>
</body></html>
"""


def gkmlpt_article(info: SiteInfo, a: Article, *, post_id: int) -> str:
    """A gkmlpt content page: the catalogue's metadata table over the article."""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
{info.metas(column=False)}
{meta("ArticleTitle", a.title)}
{meta("PubDate", a.pubdate)}
{meta("ContentSource", a.source)}
<meta name="ArticleId" content="{post_id}">
<title>{e(a.title)}</title>
<link href="/gkmlpt/static/css/content.css" rel="stylesheet">
</head>
<body>
<div class="header"><a href="/">{info.name}</a> | <a href="/gkmlpt/index">政府信息公开目录</a></div>
<div class="content-box">
<div class="introduce">
<table class="content-table">
<tr><th>索引号：</th><td>{a.index_no}</td><th>分类：</th><td>政府信息公开年报</td></tr>
<tr><th>发布机构：</th><td>{e(a.source)}</td><th>成文日期：</th><td>{a.written}</td></tr>
<tr><th>名称：</th><td colspan="3">{e(a.title)}</td></tr>
<tr><th>文号：</th><td></td><th>发布日期：</th><td>{a.shown}</td></tr>
</table>
</div>
<div class="article-content">
<h1 class="title">{e(a.title)}</h1>
<div class="content">
{a.body}
</div>
</div>
</div>
<div class="footer">{info.footer()}</div>
</body>
</html>
"""


def generic_article(info: SiteInfo, a: Article) -> str:
    """A home-made CMS article: the 信息公开 metadata table (生成日期 ≠ 发布日期), no date metas."""
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>{e(a.title)} - {info.name}</title>
<link rel="stylesheet" href="/static/css/xxgk.css">
</head>
<body>
<div class="head"><img src="/static/img/banner.jpg" alt="{e(info.name)}"></div>
<div class="crumbs">您现在的位置：<a href="/">首页</a> » <a href="/xxgk/">政府信息公开</a>
 » <a href="list.html">{info.column}</a></div>
<div class="detail">
<table class="xxgk-meta" border="1" cellspacing="0" cellpadding="4" width="100%">
<tr><td class="t">索 引 号</td><td>{a.index_no}</td><td class="t">信息分类</td><td>政府信息公开年报</td></tr>
<tr><td class="t">发布机构</td><td>{e(a.source)}</td><td class="t">生成日期</td><td>{a.written}</td></tr>
<tr><td class="t">发布日期</td><td>{a.shown}</td><td class="t">有 效 性</td><td>有效</td></tr>
<tr><td class="t">名　　称</td><td colspan="3">{e(a.title)}</td></tr>
</table>
<h2 class="detail-title">{e(a.title)}</h2>
<div class="article-content" id="content">
{a.body}
</div>
{_attachments(a, "fj")}
</div>
<div class="bottom"><p>{info.name} 版权所有 地址：青岚市滨江路88号</p></div>
</body>
</html>
"""


def gbk_article(info: SiteInfo, a: Article, hits: int) -> bytes:
    """An ASP-era article in table layout, GBK bytes (the page declares gb2312)."""
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{e(a.title)}</title>
<link href="../css/style.css" rel="stylesheet" type="text/css">
</head>
<body topmargin="0" leftmargin="0">
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="130" background="../images/top.jpg">&nbsp;</td></tr>
  <tr><td class="nav"><a href="../index.asp">网站首页</a> | <a href="List.asp?ClassID=12">信息公开年报</a></td></tr>
</table>
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td valign="top">
    <table width="100%" border="0" cellspacing="0" cellpadding="0">
      <tr><td align="center" class="title"><b>{e(a.title)}</b></td></tr>
      <tr><td align="center" class="date">发布日期：{a.shown}　　作者：{e(a.source)}　　点击数：{hits}</td></tr>
      <tr><td class="content" id="zoom">
{a.body}
      </td></tr>
    </table>
  </td></tr>
</table>
<table width="980" border="0" align="center"><tr><td align="center" class="foot">
Copyright &copy; {info.footer_year} {info.name} 版权所有 技术支持：青岚网络科技有限公司</td></tr></table>
</body>
</html>
"""
    return page.encode("gbk")


def notice_page(info: SiteInfo, title: str, paragraphs: Sequence[str], shown: str) -> str:
    """A short TRS-style notice (解读, 更正说明, 决算…): a page that is not an annual report."""
    body = "\n".join(f'<p style="text-indent:2em;">{e(p)}</p>' for p in paragraphs)
    return trs_article(info, Article(title, body, info.name + "办公室", pubdate=shown, shown=shown), xxgk=False)


def static_html(body: str, **options: object) -> Static:
    return Static(body, HTML, **options)  # type: ignore[arg-type]
