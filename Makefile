# One command per chore. Every target builds the virtual environment first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system demo test test-fast lint bench clean locale

# Debian packages: LibreOffice and the Liberation fonts turn the report into a PDF with
# Vietnamese letters intact; poppler-utils reads PDFs back; Chromium drives the browser tests.
DEBIAN_PACKAGES := libreoffice-writer-nogui fonts-liberation2 poppler-utils chromium chromium-driver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

install: $(STAMP)

system:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Cài gói Debian:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install \
			-y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# A live commune on embedded defaults (a SQLite file, the YAML configs in ./config), built
# relative to today: Xuân Dương's plan of this year, its tasks done, late and due soon, the
# last finished period's unit forms and report, an account per role; then the 6-rõ check as
# a workbook and today's reminder cycle (digests as .eml files in demo-out/outbox/).
demo: install system
	rm -rf demo-out && mkdir -p demo-out
	cd demo-out && SAURO_CONFIG_DIR=../config ../$(BIN)/sauro init
	cd demo-out && SAURO_CONFIG_DIR=../config ../$(BIN)/sauro demo > /dev/null
	cd demo-out && SAURO_CONFIG_DIR=../config ../$(BIN)/sauro check --org xuan-duong --xlsx kiem-tra-6-ro.xlsx
	cd demo-out && SAURO_CONFIG_DIR=../config SAURO_OUTBOX_DIR=outbox ../$(BIN)/sauro remind --org xuan-duong
	@echo "Kết quả: demo-out/sauro.db, demo-out/kiem-tra-6-ro.xlsx, demo-out/outbox/*.eml, demo-out/bao-cao/"
	@cat demo-out/dang-nhap.txt

# The whole suite: SQLite, PostgreSQL and the browser, on two pytest-xdist workers (a database
# per worker; the browser tests kept on one worker, Chromium launched once).
PYTEST_PARALLEL := -n 2 --dist loadgroup
test: install system
	$(BIN)/python -m pytest -q $(PYTEST_PARALLEL) --durations=15

# The edit loop: SQLite only, no browser, no PostgreSQL.
test-fast: install
	SAURO_TEST_POSTGRES=off $(BIN)/python -m pytest -q $(PYTEST_PARALLEL) -m "not browser"

# The import contracts (pyproject.toml, ARCHITECTURE.md) are checked by the test suite too.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python tests/bench/check_bench.py
	$(BIN)/python tests/bench/reminder_bench.py
	$(BIN)/python tests/bench/delivery_bench.py --count 10000
	$(BIN)/python tests/bench/report_bench.py
	$(BIN)/python tests/bench/import_bench.py
	$(BIN)/python tests/bench/render_bench.py
	$(BIN)/python tests/bench/remind_bench.py --orgs 100,1000
	$(BIN)/python tests/bench/web_load_bench.py --db both --seconds 30
	$(BIN)/python tests/bench/prefect_bench.py

clean:
	rm -rf demo-out .pytest_cache .mypy_cache .ruff_cache

# The command line's Vietnamese catalogue (engine/cli/wording.py): compile it after editing
# the .po; tests/engine/test_cli_wording.py checks that the committed .mo matches it.
locale:
	msgfmt --check -o engine/cli/locale/vi/LC_MESSAGES/sauro.mo engine/cli/locale/vi/LC_MESSAGES/sauro.po
