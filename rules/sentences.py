"""Splitting narrative text into sentences (shared by the narrative and history rules)."""

import re

# A sentence or clause: text between 。；!? (full-width or ASCII) and line ends.
SENTENCE = re.compile(r"[^。；;\n!?！？]+")
