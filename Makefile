# Paracrine Atlas: the entry point for developers and CI.
# `make run` serves the site with the curated dataset on SQLite; `make test` runs every check.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: install run test test-fast lint typecheck format check pytest browser e2e clean serve \
	require-secret backup restore tools bench

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

# Browser tests run in their own process: Playwright needs DJANGO_ALLOW_ASYNC_UNSAFE,
# which must not leak into the other tests.
# PYTEST_ARGS narrows the first run, e.g. PYTEST_ARGS='-m "not reliability"'.
PYTEST_ARGS ?=
pytest: install browser tools
	$(VENV)/bin/pytest --ignore=tests/e2e $(PYTEST_ARGS)
	CHROMIUM_PATH=$(CHROMIUM) $(VENV)/bin/pytest tests/e2e

test: lint check pytest

# The fast tier while you work: no browser, no live servers, no root, no apt-get.
# Keeps the test database between runs (--reuse-db) and runs the failures first.
test-fast: install
	DJANGO_SQLITE_TEST_NAME=$(CURDIR)/.test-db.sqlite3 $(VENV)/bin/pytest -m "not reliability and not e2e" --ignore=tests/e2e \
		--reuse-db --failed-first -q $(PYTEST_ARGS)

# The atlas against Datasette on 100k synthetic trials (SQLite and PostgreSQL), with
# gunicorn and wrk on loopback; writes bench/RESULTS.md. Not part of `make test`.
# Needs PostgreSQL at 127.0.0.1:5432 (BENCH_PG_URL= to skip it); about 10 minutes.
bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
