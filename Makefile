# One command per chore. Every target builds the virtual environment first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system demo test test-fast lint bench clean

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

# Main job end to end on embedded defaults: a SQLite file and the YAML configs in ./config.
demo: install system
	rm -rf demo-out && mkdir -p demo-out
	cd demo-out && SAURO_CONFIG_DIR=../config ../$(BIN)/sauro init
	cd demo-out && SAURO_CONFIG_DIR=../config ../$(BIN)/sauro import ../tests/fixtures/kien_tuong_3838.docx \
		--org kien-tuong --plan-number 3838/KH-UBND --plan-date 2023-12-28
	cd demo-out && SAURO_CONFIG_DIR=../config ../$(BIN)/sauro check --org kien-tuong --xlsx kiem-tra-6-ro.xlsx
	cd demo-out && SAURO_CONFIG_DIR=../config SAURO_OUTBOX_DIR=outbox ../$(BIN)/sauro remind \
		--org kien-tuong --at 2024-06-25T07:00
	cd demo-out && SAURO_CONFIG_DIR=../config SAURO_OUTBOX_DIR=outbox ../$(BIN)/sauro reporting run \
		--org kien-tuong --at 2024-06-03T07:30 --out bao-cao
	cd demo-out && SAURO_CONFIG_DIR=../config ../$(BIN)/sauro report --org kien-tuong \
		--period 2024-H1 --number 5 --date 2024-06-16 --out bao-cao
	@echo "Kết quả: demo-out/sauro.db, demo-out/kiem-tra-6-ro.xlsx, demo-out/outbox/*.eml, demo-out/bao-cao/"

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

clean:
	rm -rf demo-out .pytest_cache .mypy_cache .ruff_cache
