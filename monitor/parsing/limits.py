"""Budgets that hold for any input: how much a document may hold before it is refused with one line.

Every reader takes its limits from here, so that the whole set is visible in one place; each limit is
far above what a real annual report needs (the template has about 200 cells in three tables).
"""

# The document as fetched.
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
