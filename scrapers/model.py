"""The values that pass between the fetcher, the site adapters and the crawl.

The fetcher turns a Request into a Response (it alone does HTTP); a site adapter turns a fetched
listing Page into a ListingPage (links with their listed dates, and the Requests of further pages);
discovery turns links into report Candidates. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Method(StrEnum):
    GET = "GET"
    POST = "POST"


@dataclass(frozen=True)
class Request:
    """One HTTP request: GET a URL, or POST form fields to it (Hanweb's dataproxy.jsp)."""

    url: str
    method: Method = Method.GET
    form: tuple[tuple[str, str], ...] = ()  # POST form fields, in order
    headers: tuple[tuple[str, str], ...] = ()  # extra headers (X-Requested-With, Referer)


@dataclass(frozen=True)
class Page:
    """A fetched listing page as an adapter sees it: its final URL (after redirects), decoded text
    and media type, and the request that fetched it."""

    url: str
    text: str
    content_type: str | None
    request: Request


@dataclass(frozen=True)
class Link:
    """A link found on a listing page: absolute URL, its title (the `title` attribute when there is one,
    else the text) and the date shown beside it (None: no date shown)."""

    url: str
    title: str
    listed: date | None = None
    listed_raw: str = ""  # the date as printed on the listing


@dataclass(frozen=True)
class ListingPage:
    """What one listing page holds: its links, the further pages of the same listing and sub-listings
    (year subfolders, sub-columns) to read as listings of their own."""

    adapter: str  # the adapter's name (trs, hanweb, vsb, gkmlpt, generic)
    links: tuple[Link, ...] = ()
    next_pages: tuple[Request, ...] = ()
    sublistings: tuple[Request, ...] = ()


class BlockKind(StrEnum):
    """Why a site did not let the monitor look (SOURCE-BLOCKED): never read as "no report"."""

    CHALLENGE = "challenge"  # a JavaScript or cookie challenge (HTTP 412 $_ts, 521 __jsl_clearance)
    WAF = "waf"  # a firewall's refusal (HTTP 488, 403)
    CAPTCHA = "captcha"  # a page that asks for a verification code
    SOFT_404 = "soft-404"  # HTTP 200 with 「页面不存在」
    HOME_REDIRECT = "home-redirect"  # redirected to the site's home page
    ROBOTS = "robots"  # robots.txt forbids the page


@dataclass(frozen=True)
class Candidate:
    """A link that names an annual report: its report year, whether it is a correction (更正, 修订版:
    a new version of the same agency-year), and its twins ((超链版)/(图片版) of the same report)."""

    link: Link
    year: int
    publisher: str = ""  # the title's words before the year (「某某区人民政府办公室」), "" when none
    correction: bool = False
    variant: str = ""  # 超链版, 图片版, 文字版 … as the title says; "" for the plain title
    twins: tuple[Link, ...] = field(default=())
