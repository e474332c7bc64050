"""The reading pieces on their own: cells, charsets, media types, titles, dates, body detection."""

from __future__ import annotations

from datetime import datetime

import pytest

from monitor.parsing.cells import label_key, read_cell
from monitor.parsing.decode import decode
from monitor.parsing.meta import date_claims
from monitor.parsing.sniff import sniff
from monitor.pipeline import check_document
from monitor.report import BEIJING, title_parts


@pytest.mark.parametrize("raw,kind,value", [
    ("81", "number", 81), ("1,234", "number", 1234), ("１２３", "number", 123), (" 0 ", "number", 0),
    ("18651.06", "number", 18651.06), ("5.00", "number", 5), ("-185", "number", -185), ("12件", "number", 12),
    ("无", "number", 0), ("", "blank", None), ("—", "blank", None), ("/", "blank", None), ("－", "blank", None),
    ("——", "blank", None), ("自然人", "text", None), ("1.属于国家秘密", "text", None), ("减4", "text", None),
    # punctuation hanging over from the neighbouring label cell (Word's 允许标点溢出边界, in PDFs)
    ("、 221", "number", 221), ("0，", "number", 0), ("3.", "text", None), ("3．", "text", None),
])
def test_read_cell(raw, kind, value):
    cell = read_cell(raw)
    assert (cell.kind, cell.value) == (kind, value)


def test_label_key_folds_punctuation_spaces_and_quotes():
    assert label_key("（一） 予以\n公开") == label_key("(一)予以公开")
    assert label_key("3.危及“三安全一稳定”") == label_key('3.危及"三安全一稳定"')


@pytest.mark.parametrize("encoding,declare", [("gb18030", True), ("gb18030", False), ("gbk", True), ("utf-8", False)])
def test_decode_chinese_pages(encoding, declare):
    text = "<html><head>{}</head><body><p>朱镕基、王堃：政府信息公开工作年度报告。</p></body></html>".format(
        '<meta charset="gb2312">' if declare else "")
    assert "朱镕基、王堃" in decode(text.encode(encoding))


def test_decode_prefers_valid_utf8_over_a_wrong_declaration():
    data = '<meta charset="gb2312"><p>政府信息公开工作年度报告</p>'.encode()
    assert "政府信息公开工作年度报告" in decode(data)


@pytest.mark.parametrize("data,media", [
    (b"%PDF-1.4\n", "application/pdf"), (b"PK\x03\x04" + b"\0" * 30 + b"word/document.xml", "application/"
                                         "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword"), (b"<!DOCTYPE html><html>", "text/html"),
    ("一、总体情况\n全年……".encode(), "text/plain"), (b"\x00\x01\x02\x03" * 100, "application/octet-stream"),
])
def test_sniff(data, media):
    assert sniff(data) == media


@pytest.mark.parametrize("title,agency,year", [
    ("平潭综合实验区2024年度政府信息公开工作年度报告_政府信息公开年报_平潭", "平潭综合实验区", 2024),
    ("宿迁市 2025 年政府信息公开工作年度报告", "宿迁市", 2025),
    ("上海市黄浦区人民政府2023年政府信息公开工作年度报告.pdf", "上海市黄浦区人民政府", 2023),
    ("关于某某镇2024年政府信息公开工作年度报告（超链版）", "某某镇", 2024),
    ("2024年度某某县财政局政府信息公开工作年度报告", "某某县财政局", 2024),
    ("2024年政府信息公开工作年度报告", None, 2024),
    ("某某局2024年度部门决算", None, None),
])
def test_title_parts(title, agency, year):
    assert title_parts(title) == (agency, year)


def test_date_claims_from_meta_text_and_url():
    claims = date_claims({"pubdate": "2025-01-20 09:30", "firstpublishedtime": "2025-01-19-21:50:00"},
                         "成文日期：2025-01-15 发布时间：2025年1月21日 更新时间：2025-03-02",
                         "https://www.example.gov.cn/zfxxgknb/202501/t20250118_4567890.html")
    found = {c.source: c.value for c in claims}
    assert found == {
        "meta:pubdate": datetime(2025, 1, 20, 9, 30, tzinfo=BEIJING),
        "meta:firstpublishedtime": datetime(2025, 1, 19, 21, 50, tzinfo=BEIJING),
        "text": datetime(2025, 1, 21, tzinfo=BEIJING),
        "url": datetime(2025, 1, 18, tzinfo=BEIJING),
    }


def test_hanweb_url_date():
    [claim] = date_claims({}, "", "http://www.example.gov.cn/art/2025/3/28/art_1229_3456.html")
    assert claim.value.date().isoformat() == "2025-03-28"


IMAGE_TABLES = """<html><head><title>青石镇人民政府2024年政府信息公开工作年度报告</title></head><body>
<div class=nav><a href=/>首页</a></div><div class=article>
<p>一、总体情况</p><p>2024年，我镇坚持……</p><p>二、主动公开政府信息情况</p><p><img src=t2.png></p>
<p>三、收到和处理政府信息公开申请情况</p><p><img src=t3.png></p>
<p><span>四、</span><span>政府信息公开行政复议、行政诉讼情况</span></p><p><img src=t4.png></p>
<p>五、存在的主要问题及改进情况</p><p>……</p><p>六、其他需要报告的事项</p><p>无。</p></div></body></html>"""


def test_tables_as_images_are_reported_not_passed():
    result = check_document(IMAGE_TABLES.encode(), "image-tables.html")
    blank = [f for f in result.findings if f.rule == "BLANK-CELL"]
    assert [len(f.evidence["cells"]) for f in blank] == [10, 175, 15]
    assert all("图片" in f.message for f in blank)
    assert result.report.template == "unknown" and result.report.present_sections == [
        "overview", "active_disclosure", "applications", "review_litigation", "problems", "other_matters"]
