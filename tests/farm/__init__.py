"""A farm of realistic government websites on loopback addresses, for the scrapers' tests.

* `Farm`, `Site` and the handlers (`server`): real HTTP servers on 127.0.0.2, 127.0.0.3, …, a
  request log, conditional GET, mutations between crawls, faults.
* `build_farm()` (`sites`): one site per CMS family (TRS, Hanweb, VSB, gkmlpt, generic, GBK), blocked
  and faulty hosts, with the registry and the expected outcome of every agency (`truth`).
* `build_bench_farm()` (`bench`): many simple TRS-like agencies for bench/crawl.py.
"""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parents[1])  # synth.py, synth_documents.py
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from .bench import build_bench_farm  # noqa: E402
from .server import (  # noqa: E402
    Answer,
    Drip,
    Dynamic,
    Endless,
    Entry,
    Fail,
    FailFirst,
    Farm,
    FarmRequest,
    Listing,
    Redirect,
    RequestRecord,
    Reset,
    Site,
    Slow,
    Static,
    ref,
)
from .sites import BEIJING, DEFAULT_NOW, DocTruth, FixtureFarm, build_farm  # noqa: E402
from .truth import (  # noqa: E402
    FIRST_YEAR,
    AgencyTruth,
    Timeliness,
    Version,
    YearTruth,
    deadline,
    registry_toml,
    timeliness,
)

__all__ = [
    "BEIJING", "DEFAULT_NOW", "FIRST_YEAR", "AgencyTruth", "Answer", "DocTruth", "Drip", "Dynamic", "Endless",
    "Entry", "Fail", "FailFirst", "Farm", "FarmRequest", "FixtureFarm", "Listing", "Redirect", "RequestRecord",
    "Reset", "Site", "Slow", "Static", "Timeliness", "Version", "YearTruth", "build_bench_farm", "build_farm",
    "deadline", "ref", "registry_toml", "timeliness",
]
