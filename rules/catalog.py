"""Generate docs/rules.md from the rule registry (`python -m rules.catalog [--check FILE]`)."""

from __future__ import annotations

import sys

from rules import REGISTRY

HEADER = """# Rule catalogue

Generated from the rule registry by `make docs` (`python -m rules.catalog`); do not edit by hand.
Rule IDs are stable: they appear in alerts, in the database and in `monitor check --json`.

Scope: `document` rules judge one report alone (`monitor check`); `history` rules compare it with the
same agency's stored reports and run when a version is stored (`monitor ingest`, the crawler);
`publication` rules judge what the crawls recorded of an agency-year (dates, listings, links) and run
in `monitor deadlines` and after every crawl.

| ID | severity | scope | title |
|---|---|---|---|
"""


def render() -> str:
    lines = [HEADER]
    lines.extend(f"| [`{r.id}`](#{r.id.lower()}) | {r.severity} | {r.scope} | {r.title} |\n" for r in REGISTRY.values())
    for r in REGISTRY.values():
        lines.append(f"\n## {r.id}\n\n**{r.severity}**, {r.scope} — {r.title}\n\n{r.description}\n")
    return "".join(lines)


def main(argv: list[str]) -> int:
    text = render()
    if argv[:1] == ["--check"]:
        with open(argv[1], encoding="utf-8") as handle:
            if handle.read() != text:
                print(f"{argv[1]} is out of date: run `make docs`", file=sys.stderr)
                return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
