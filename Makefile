# Paracrine Atlas: the entry point for developers and CI.
# `make run` serves the site with the curated dataset on SQLite; `make test` runs every check.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: install run test lint check pytest browser e2e clean

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

# Debian's chromium for the browser tests (no browser download from the internet).
browser:
	@test -x $(CHROMIUM) || (command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)) || \
		(echo "chromium is missing: install Debian's chromium package" && exit 1)
	@test -x $(CHROMIUM)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

pytest: install browser
	CHROMIUM_PATH=$(CHROMIUM) $(VENV)/bin/pytest

test: lint check pytest

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
