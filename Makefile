# Club platform: development tasks. GNU make; Python 3.11 as `python3`.
#
#   make run            the development server on http://127.0.0.1:5000/ (migrated, with demo data)
#   make test           the whole suite on SQLite, then again on a throw-away PostgreSQL cluster
#   make test-sqlite    only the SQLite run        make test-postgres   only the PostgreSQL run
#   make lint           ruff                       make extract         refresh the translation catalogs
#   make serve          gunicorn (gunicorn.conf.py) on http://127.0.0.1:8000/, as in production
#
# PYTEST_ARGS passes options to pytest, e.g. `make test-sqlite PYTEST_ARGS="-x -k login"`.
# With TEST_DATABASE_URL set, the PostgreSQL run uses that database instead of starting a cluster.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := CLUB_ENV=development $(BIN)/flask --app app
PYTEST := $(BIN)/python -m pytest
PYTEST_ARGS ?=
CATALOGS := $(wildcard club/translations/*/LC_MESSAGES/messages.po)

.PHONY: help venv .venv translations run serve test test-sqlite test-postgres lint extract clean distclean

help:
	@sed -n '2,10p' Makefile | sed 's/^# \{0,1\}//'

# The virtual environment, re-installed whenever a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || { echo "==> creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv .venv: $(STAMP)

# Compiled catalogs (.mo) are build products, not committed.
translations: $(STAMP)
ifeq ($(strip $(CATALOGS)),)
	@echo "==> no translation catalogs yet (club/translations/*/LC_MESSAGES/messages.po): nothing to compile"
else
	$(BIN)/pybabel compile --statistics -d club/translations
endif

run: $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "==> development server on http://127.0.0.1:5000/ (sent mail: http://127.0.0.1:5000/dev/mailbox); Ctrl-C stops it"
	CLUB_RUN_SCHEDULER=1 $(FLASK) --debug run --no-reload --host 127.0.0.1 --port 5000

# The production server locally: migrated like `make run`, served by gunicorn with its configuration
# (workers from the CPU count); no scheduler in the web workers, run `flask --app app scheduler` beside.
serve: $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	@echo "==> gunicorn on http://$${GUNICORN_BIND:-127.0.0.1:8000}/ (Ctrl-C stops it)"
	CLUB_ENV=$${CLUB_ENV:-development} $(BIN)/gunicorn -c gunicorn.conf.py app:app

# The two runs, as shell snippets shared by `test` and the single-backend targets.
RUN_SQLITE = echo "==> test suite on SQLite"; env -u TEST_DATABASE_URL $(PYTEST) $(PYTEST_ARGS)
RUN_POSTGRES = if [ -n "$${TEST_DATABASE_URL:-}" ]; then \
		echo "==> test suite on PostgreSQL (TEST_DATABASE_URL from the environment)"; \
		$(PYTEST) $(PYTEST_ARGS); \
	else \
		echo "==> test suite on PostgreSQL (throw-away cluster)"; \
		$(BIN)/python -m tests.pgcluster -- $(PYTEST) $(PYTEST_ARGS); \
	fi

# Both runs always happen (Ctrl-C stops everything); the target fails if either failed.
test: $(STAMP) translations
	@trap 'exit 130' INT TERM; status=0; \
	( $(RUN_SQLITE) ) || status=1; \
	( $(RUN_POSTGRES) ) || status=1; \
	if [ $$status -eq 0 ]; then echo "==> tests passed on SQLite and PostgreSQL"; \
	else echo "==> TESTS FAILED (see above)"; fi; \
	exit $$status

test-sqlite: $(STAMP) translations
	@$(RUN_SQLITE)

test-postgres: $(STAMP) translations
	@$(RUN_POSTGRES)

lint: $(STAMP)
	$(BIN)/ruff check .

# Refresh messages.pot from the code and templates, then merge it into every catalog.
# --ignore-dirs replaces Babel's default, which would skip directories starting with "_" (templates/_macros).
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --add-comments=TRANSLATORS: \
		--ignore-dirs=".* ._ __pycache__ node_modules" --project=club --no-wrap -o messages.pot .
	@if compgen -G 'club/translations/*/LC_MESSAGES/messages.po' > /dev/null; then \
		$(BIN)/pybabel update -i messages.pot -d club/translations --no-fuzzy-matching --no-wrap; \
	else \
		echo "==> no catalogs to update; start one with: $(BIN)/pybabel init -i messages.pot -d club/translations -l en"; \
	fi

clean:
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name '*.pyc' \) -print0 | xargs -0 rm -rf
	find club/translations -name '*.mo' -delete 2>/dev/null || true
	rm -rf .pytest_cache .ruff_cache messages.pot

distclean: clean
	rm -rf $(VENV)
