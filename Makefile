# Paracrine Atlas: the entry point for developers and CI.
# `make run` serves the site with the curated dataset on SQLite; `make test` runs every check.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: install run test test-fast lint typecheck format check pytest pytest-fast \
	pytest-slow browser npm e2e clean serve require-secret backup restore tools bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_curated
	@echo "Serving Paracrine Atlas at http://$(HOST):$(PORT)/ (admin: /admin/, API: /api/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production: DJANGO_DEBUG=0 with DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL ...
# (README, "Operations"); gunicorn reads gunicorn.conf.py (GUNICORN_* variables).
serve: require-secret install
	DJANGO_DEBUG=0 $(PY) manage.py check --deploy --fail-level WARNING
	DJANGO_DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0
	DJANGO_DEBUG=0 $(PY) manage.py createcachetable
	DJANGO_DEBUG=0 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=0 exec $(VENV)/bin/gunicorn --config gunicorn.conf.py

require-secret:
	@test -n "$$DJANGO_SECRET_KEY" || \
		(echo "make serve: DJANGO_SECRET_KEY is not set; refusing to start." >&2 && exit 1)

# Backups: the database (pg_dump -Fc, or the SQLite file) and the curated YAML export,
# in $(BACKUP_DIR)/<timestamp>/. `make restore BACKUP=<folder>` (default: the latest).
BACKUP_DIR ?= backups
BACKUP ?= latest
backup: install
	$(PY) manage.py backup --directory $(BACKUP_DIR)

restore: install
	$(PY) manage.py restore $(BACKUP) --directory $(BACKUP_DIR) --yes

# Tools of the reliability tests: wrk (load) from Debian; PostgreSQL's own binaries.
tools:
	@command -v wrk >/dev/null || (command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)) || \
		(echo "wrk is missing: install Debian's wrk package" && exit 1)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		(echo "PostgreSQL server binaries (initdb, pg_ctl) are missing" && exit 1)

# Debian's chromium for the browser tests (no browser download from the internet).
browser:
	@test -x $(CHROMIUM) || (command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)) || \
		(echo "chromium is missing: install Debian's chromium package" && exit 1)
	@test -x $(CHROMIUM)

# axe-core for the browser tests, at the version package.json pins (package-lock.json),
# from the npm registry; again only when the lock file changes.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || \
		(echo "npm is missing: install Node.js 20 and npm (Debian: nodejs npm)" && exit 1)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

npm: node_modules/.installed

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(MAKE) --no-print-directory typecheck

# mypy with django-stubs on the files listed in pyproject.toml ([tool.mypy] files).
typecheck: install
	$(VENV)/bin/mypy

# Rewrites the code: the formatter, then the linter's safe fixes (import order ...).
format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

# The tiers (tests/conftest.py applies them by folder): the fast tier runs in parallel
# (pytest-xdist) and needs no root, no apt-get, no browser; then the slow and reliability
# tiers (live servers, a private PostgreSQL, wrk: `make tools`); then the browser tests,
# in their own process: Playwright needs DJANGO_ALLOW_ASYNC_UNSAFE, which must not leak
# into the other tests. PYTEST_ARGS goes to every run (e.g. --durations=25);
# SLOW_TIER narrows the second, e.g. SLOW_TIER='slow' skips the reliability tests.
PYTEST := $(VENV)/bin/pytest
WORKERS ?= 2
# Whole modules to one worker: their module fixtures (the curated dataset) load once.
XDIST := -n $(WORKERS) --dist loadfile
FAST_TIER := not slow and not reliability and not e2e
SLOW_TIER ?= slow or reliability
PYTEST_ARGS ?=
# CI sets COVERAGE='--cov --cov-report=term-missing:skip-covered': the fast tier's
# coverage report, which fails under the floor of pyproject.toml ([tool.coverage.report]).
COVERAGE ?=
pytest: pytest-fast pytest-slow e2e

pytest-fast: install
	$(PYTEST) $(XDIST) -m "$(FAST_TIER)" --ignore=tests/e2e $(COVERAGE) $(PYTEST_ARGS)

pytest-slow: install tools
	$(PYTEST) -m "$(SLOW_TIER)" --ignore=tests/e2e $(PYTEST_ARGS)

e2e: install browser npm
	CHROMIUM_PATH=$(CHROMIUM) $(PYTEST) tests/e2e $(PYTEST_ARGS)

test: lint check pytest

# The fast tier while you work: no browser, no live servers, no root, no apt-get; in
# parallel, keeping each worker's test database between runs (--reuse-db; `--create-db`
# in PYTEST_ARGS rebuilds them), the failures of the last run first.
test-fast: install
	DJANGO_SQLITE_TEST_NAME=$(CURDIR)/.test-db.sqlite3 $(PYTEST) $(XDIST) \
		-m "$(FAST_TIER)" --ignore=tests/e2e --reuse-db --failed-first -q $(PYTEST_ARGS)

# The atlas against Datasette on 100k synthetic trials (SQLite and PostgreSQL), with
# gunicorn and wrk on loopback; writes bench/RESULTS.md. Not part of `make test`.
# Needs PostgreSQL at 127.0.0.1:5432 (BENCH_PG_URL= to skip it); about 10 minutes.
bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .test-db.sqlite3* node_modules
