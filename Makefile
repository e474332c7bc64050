# One-command set-up: every target bootstraps .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

LOCK := requirements.lock

.PHONY: run demo test lint docs bench lock libreoffice chromium clean

# Installs exactly the versions of requirements.lock (pip constraints: every runtime and dev
# dependency, transitively), so a fresh machine tests what was tested. `make lock` refreshes it.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $(STAMP)

# Re-resolves pyproject.toml's dependency ranges (newest versions allowed) in a throwaway venv and
# rewrites requirements.lock from its `pip freeze`. Then run `make test` and commit the lock.
# (Building the project leaves build/ behind: removed unless it was there before.)
lock:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	if [ ! -e build ]; then trap 'rm -rf "$$tmp" build' EXIT; fi && \
	$(PYTHON) -m venv "$$tmp/venv" && \
	"$$tmp/venv/bin/pip" install --quiet --upgrade pip && \
	"$$tmp/venv/bin/pip" install --quiet '.[dev]' && \
	{ echo "# pip constraints: every runtime and dev dependency of annual-report-monitor, transitively."; \
	  echo "# Used by the install step of the Makefile: pip install -c $(LOCK) -e '.[dev]'."; \
	  echo "# Made by \`make lock\` ($$("$$tmp/venv/bin/python" -V), $$(date -u +%Y-%m-%d)): a throwaway venv,"; \
	  echo "# pip install '.[dev]' without constraints, pip freeze --exclude-editable without the project."; \
	  "$$tmp/venv/bin/pip" freeze --exclude-editable --exclude annual-report-monitor; } > "$$tmp/lock" && \
	cp "$$tmp/lock" $(LOCK) && echo "wrote $(LOCK): $$(grep -cv '^#' $(LOCK)) pinned packages"

# The service with the configuration of ./monitor.toml, else the embedded defaults (SQLite and an .eml
# outbox in the per-user data folder, the bundled registry of real agencies): create or migrate the
# database, say where everything is, then `monitor run` in the foreground until Ctrl-C.
run: $(STAMP)
	$(BIN)/monitor init
	@$(BIN)/python -c 'from monitor.config import load_settings; from monitor.store.database import display_url; \
	s = load_settings(); m = s.mail; \
	print("数据库：" + display_url(s.database.url)); \
	print("邮件：" + (f"SMTP {m.smtp_host}:{m.smtp_port}" if m.smtp_host else f"写入 {m.outbox_dir}（.eml 文件）")); \
	print("日志：本终端（stderr）；各次运行的结果：$(BIN)/monitor status；按 Ctrl-C 停止")'
	$(BIN)/monitor run

# A bundled sample site farm and a mail server on loopback, one full cycle, the mails printed (offline).
demo: $(STAMP)
	$(BIN)/monitor demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy monitor rules scrapers
	$(BIN)/python -m rules.catalog --check docs/rules.md
	@$(BIN)/python -m pytest; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check .

docs: $(STAMP)
	$(BIN)/python -m rules.catalog > docs/rules.md

# Every benchmark, on SQLite and PostgreSQL, written as one page of tables to docs/performance.md.
bench: $(STAMP)
	$(BIN)/python bench/report.py --postgres --write docs/performance.md

# DOC and WPS files are read through LibreOffice (optional; CI installs it), and the PDFs it makes
# of the test documents need a CJK font. Installs whichever of the two is missing. Needs root and apt.
libreoffice:
	@missing=""; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui"; \
	dpkg-query -W -f '$${Status}' fonts-wqy-microhei 2>/dev/null | grep -q 'install ok installed' || \
	  missing="$$missing fonts-wqy-microhei"; \
	if [ -z "$$missing" ]; then echo "LibreOffice and fonts-wqy-microhei are installed"; exit 0; fi; \
	echo "installing:$$missing"; \
	apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

# Debian's headless Chromium, for the test that renders an alert mail to a screenshot, and the CJK
# font it needs. Installs whichever of the two is missing. Needs root and apt.
chromium:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	dpkg-query -W -f '$${Status}' fonts-wqy-microhei 2>/dev/null | grep -q 'install ok installed' || \
	  missing="$$missing fonts-wqy-microhei"; \
	if [ -z "$$missing" ]; then echo "Chromium and fonts-wqy-microhei are installed"; exit 0; fi; \
	echo "installing:$$missing"; \
	apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
