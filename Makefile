# Jingmeng Market (京蒙优选). `make run` starts the demo store, `make test` runs every test.
# Each target creates .venv and installs what it needs on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENV := DEBUG=true

.PHONY: run test bench bench-search lighthouse lint install system-deps messages migrate demo clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) system-deps

system-deps:
	@scripts/system-deps.sh

messages: $(STAMP)
	@if command -v msgfmt >/dev/null; then \
		$(DEMO_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv --verbosity 0; fi

migrate: install messages
	@mkdir -p var/media var/static
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(DEMO_ENV) $(BIN)/python manage.py load_demo

run: demo
	HOST=$(HOST) PORT=$(PORT) scripts/run-demo.sh

test: install messages
	@mkdir -p var
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@# search's judged queries pass on both databases: on PostgreSQL (above, in CI) and SQLite
	@case "$$DATABASE_URL" in postgres*) env -u DATABASE_URL $(BIN)/python -m pytest \
		$(PYTEST_ARGS) -q tests/catalog/test_search_relevance.py tests/catalog/test_search.py;; esac

# Flash sale, checkout, pages, SQL counts and webhooks on PostgreSQL + gunicorn + Celery (README:
# Performance). BENCH_ARGS passes options, e.g. BENCH_ARGS="--stock 3000 --duration 30".
bench: install messages
	$(BIN)/python bench/flash_sale.py $(BENCH_ARGS)

# Search (issue 24) over a generated catalogue of 20,000 products on PostgreSQL: search, 联想 and
# query counts, beside the old substring search and a SELECT 1 (docs/performance.md: Search).
# BENCH_SEARCH_ARGS passes options, e.g. BENCH_SEARCH_ARGS="--products 2000 --profile".
bench-search: install messages
	$(BIN)/python bench/search.py $(BENCH_SEARCH_ARGS)

# Lighthouse (mobile) scores of home, category, product, checkout and live room, served as in
# production (nginx, gunicorn, DEBUG off; docs/performance.md). Node's npm installs the pinned
# Lighthouse; LIGHTHOUSE_ARGS passes options, e.g. LIGHTHOUSE_ARGS="--runs 1 --pages checkout".
lighthouse: install messages
	@command -v npm >/dev/null || SYSTEM_DEPS_EXTRA="nodejs npm" scripts/system-deps.sh
	npm ci --prefix bench/lighthouse --no-audit --no-fund --loglevel=error
	CHROME_PATH=$${CHROME_PATH:-/usr/bin/chromium} $(BIN)/python bench/lighthouse.py $(LIGHTHOUSE_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(DEMO_ENV) DATABASE_URL=sqlite://:memory: $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var
