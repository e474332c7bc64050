"""Site adapters: each reads one CMS family's listing pages (links, their dates, further pages).

Each adapter module has `NAME`, `detect(page) -> bool` and `parse(page) -> ListingPage`. They are
tried in the order of ADAPTERS; the generic one, last, reads any page. The crawl remembers which
adapter read a listing's first page and names it for the continuation pages (Hanweb dataproxy.jsp
XML answers, gkmlpt JSON pages), which only that adapter understands.
"""

from __future__ import annotations

from types import ModuleType

from scrapers.adapters import generic, gkmlpt, hanweb, trs, vsb
from scrapers.model import ListingPage, Page

ADAPTERS: tuple[ModuleType, ...] = (gkmlpt, hanweb, trs, vsb, generic)
_BY_NAME = {adapter.NAME: adapter for adapter in ADAPTERS}


def adapter_for(page: Page) -> ModuleType:
    """The first adapter that recognises the page (the generic one when none does)."""
    return next(adapter for adapter in ADAPTERS if adapter.detect(page))


def parse_listing(page: Page, adapter: str | None = None) -> ListingPage:
    """The listing on a page, read by the adapter named (None: the one detected from the page)."""
    if adapter is None:
        module = adapter_for(page)
    elif adapter in _BY_NAME:
        module = _BY_NAME[adapter]
    else:
        raise ValueError(f"unknown site adapter: {adapter!r}")
    listing: ListingPage = module.parse(page)
    return listing
