"""Blocked is not missing: an answer that shows the site kept the monitor from looking.

`blocked(response)` names the kind of refusal, or None for an answer to be read as the page. The
signals, in the order they are tried:

* CHALLENGE: any HTTP 412 (瑞数 Ruishu: a small page with a `$_ts=` script and `<meta … r="m">`)
  or 521 (知道创宇 加速乐: a script setting `__jsl_clearance` / `__jsluid` cookies), whatever the
  body; a 202 carrying those markers; a 2xx page with those markers and under SHORT_TEXT characters
  of visible text (a protected site's real pages may carry the script too, but around their text).
* WAF: HTTP 403 (a firewall or an IP block) and 488 (博达 VSB's firewall).
* CAPTCHA: a 2xx page with under SHORT_TEXT characters of visible text that asks for a verification
  code (the words 验证码 or "captcha" and an <input> or <img>; or an <input>/<img> whose markup
  says captcha) or to drag a slider (滑动验证, 拖动滑块 …).
* SOFT_404: HTTP 2xx, under SHORT_TEXT characters of visible text, saying the page does not exist
  (页面不存在, 您访问的页面不存在, 找不到页面, 页面已删除, 404 Not Found …).
* HOME_REDIRECT: the request was redirected (response.redirects) and ended on a home page ("/" or
  /index.html, .htm, .shtml, .jsp, .php, .asp(x)) although the requested path was not one.

Other statuses (404, 410, 5xx) are the caller's: removed or down, not blocked. A page larger than
SCAN_BYTES is never a CAPTCHA or a soft 404. Nothing here solves or bypasses a challenge.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from scrapers.fetch import Response
from scrapers.model import BlockKind

SHORT_TEXT = 2000  # characters of visible text
SCAN_BYTES = 512 * 1024

_RUISHU = re.compile(rb"\$_ts\s*=|<meta\b[^>]{0,500}\sr\s*=\s*[\"']?m[\"'\s/>]", re.IGNORECASE)
_JSL = re.compile(rb"__jsl_clearance|__jsluid", re.IGNORECASE)
_FIELD = re.compile(rb"<(?:input|img)\b", re.IGNORECASE)
_CODE = re.compile(r"验证码|captcha", re.IGNORECASE)
_CODE_FIELD = re.compile(rb"<(?:input|img)\b[^>]{0,300}captcha", re.IGNORECASE)
_SLIDER = re.compile(r"滑动验证|滑块验证|拖动滑块|向右滑动|拖动下方滑块|请完成安全验证|人机验证")
_SOFT_404 = re.compile(
    r"页面不存在|网页不存在|访问的页面不存在|找不到(?:该|您要的|您访问的)?(?:页面|网页)|页面(?:找不到|未找到|已删除|已被删除)"
    r"|(?:信息|文章|内容|稿件)(?:不存在|已删除|已被删除|已撤销)|404\s*not\s*found|404\s*错误|错误\s*404",
    re.IGNORECASE)
_HOME = re.compile(r"/(?:index\.(?:html?|shtml|jsp|php|aspx?))?", re.IGNORECASE)


def blocked(response: Response, requested_url: str | None = None) -> BlockKind | None:
    """The kind of refusal `response` is, or None (see the module docstring). `requested_url` is the
    URL asked for (default: the response's request's)."""
    status = response.status
    if status in (412, 521):
        return BlockKind.CHALLENGE
    if status in (403, 488):
        return BlockKind.WAF
    if not 200 <= status < 300:
        return None
    body = response.body[:SCAN_BYTES]
    challenge = bool(_RUISHU.search(body) or _JSL.search(body))
    if challenge and status == 202:
        return BlockKind.CHALLENGE
    if len(response.body) <= SCAN_BYTES:
        kind = _small_page(response, challenge)
        if kind is not None:
            return kind
    if response.redirects and _is_home(response.url) and not _is_home(requested_url or response.request.url):
        return BlockKind.HOME_REDIRECT
    return None


def _small_page(response: Response, challenge: bool) -> BlockKind | None:
    """CHALLENGE, CAPTCHA or SOFT_404 for a page of little visible text. The page is parsed for its
    visible text only when its markup holds one of the signals (most pages hold none)."""
    html = response.text()
    signals = (_CODE.search(html) or _CODE_FIELD.search(response.body) or _SLIDER.search(html)
               or _SOFT_404.search(html))
    if not challenge and not signals:
        return None
    text = _visible_text(html)
    if len(text) >= SHORT_TEXT:
        return None
    if challenge:
        return BlockKind.CHALLENGE
    asks_code = _CODE.search(text) and _FIELD.search(response.body)
    if asks_code or _CODE_FIELD.search(response.body) or _SLIDER.search(text):
        return BlockKind.CAPTCHA
    if _SOFT_404.search(text):
        return BlockKind.SOFT_404
    return None


def _is_home(url: str) -> bool:
    return _HOME.fullmatch(urlsplit(url).path or "/") is not None


class _Text(HTMLParser):
    """The text a browser shows: outside <script>, <style>, <noscript> and <template>, and the <title>."""

    _HIDDEN = frozenset(("script", "style", "noscript", "template"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())
