# One-command set-up: every target bootstraps .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint docs bench bench-documents bench-history libreoffice clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Until the scheduled service exists, `make run` runs the monitor's main job as far as it exists:
# migrate the embedded SQLite database, store the bundled sample report, list what was found.
run: $(STAMP)
	$(BIN)/monitor init
	$(BIN)/monitor ingest monitor/samples/weibin-office-2025.txt --agency weibin-office
	$(BIN)/monitor findings

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m rules.catalog --check docs/rules.md
	@$(BIN)/python -m pytest; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check .

docs: $(STAMP)
	$(BIN)/python -m rules.catalog > docs/rules.md

# Benchmarks write their own marked section of docs/performance.md.
bench: $(STAMP)
	$(BIN)/python bench/check_throughput.py --write docs/performance.md

bench-documents: $(STAMP)
	$(BIN)/python bench/document_formats.py --write docs/performance.md

bench-history: $(STAMP)
	$(BIN)/python bench/history_bench.py --write docs/performance.md
	$(BIN)/python bench/history_bench.py --workers 2 --write docs/performance.md

# DOC and WPS files are read through LibreOffice (optional; CI installs it). Needs root and apt.
libreoffice:
	command -v soffice >/dev/null || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui fonts-wqy-microhei)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
