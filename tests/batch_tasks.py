"""A worker task for tests/test_batch.py, in a module of its own so that a worker imports it at once."""

from __future__ import annotations

import os
import time

from monitor import batch


def hostile_task(agency_id, location, now, year, data, content_type):
    """A worker's task that breaks its limits for some locations, and ingests the others."""
    if location == "hangs.html":
        time.sleep(60)
    if location == "kills.html":
        os._exit(9)
    if location == "swallows.html":
        hoard = []
        while True:
            hoard.append(bytearray(64 * 1024 * 1024))
    return batch._ingest(agency_id, location, now, year, data, content_type)
