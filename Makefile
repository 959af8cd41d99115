# Aktivitetsportalen. `make help` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PYTHON ?= python3
PACKAGES := portal checkin admin
HOST ?= 127.0.0.1
PORT ?= 5000
# Tests use two worker processes (the machines have 2 cores); override with PYTEST_ARGS.
PYTEST_ARGS ?= -n 2 --dist loadgroup

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-16s %s\n", $$1, $$2}'

# Exact versions with hashes from the lock files (requirements/*.txt, made by `make lock` with
# pip-tools' pip-compile, so pip can install exactly them);
# pyproject.toml keeps the ranges. The app itself is installed without its dependencies.
$(VENV)/.installed: pyproject.toml requirements/app.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements/app.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements/dev.txt $(VENV)/.installed
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

.PHONY: lock
lock: $(VENV)/.installed ## Re-resolve the lock files (requirements/*.txt) from pyproject.toml's ranges
	$(VENV)/bin/pip install --quiet pip-tools
	cd requirements && ../$(VENV)/bin/pip-compile ../pyproject.toml --generate-hashes \
	  --strip-extras --upgrade -q -o app.txt
	cd requirements && ../$(VENV)/bin/pip-compile ../pyproject.toml --extra dev --generate-hashes \
	  --strip-extras --upgrade -q -o dev.txt

.PHONY: install install-dev
install: $(VENV)/.installed translations assets ## Create .venv and install the app

install-dev: $(VENV)/.installed-dev translations assets ## Install the app with test and lint tools

.PHONY: translations
translations: $(VENV)/.installed ## Compile the message catalogs (.po -> .mo)
	@for dir in $$(find $(PACKAGES) -type d -name translations -not -path "*/node_modules/*"); do $(PY) -m babel.messages.frontend -q compile -d $$dir; done

.PHONY: i18n
i18n: $(VENV)/.installed ## Re-extract strings into every package's catalogs
	$(PY) -m portal.i18n_tools extract
	$(PY) -m portal.i18n_tools missing en

.PHONY: assets
assets: ## Install the scanner's front-end packages from the lock file (npm ci)
	@if [ -f checkin/package-lock.json ]; then \
	  if [ ! -d checkin/node_modules ] || [ checkin/package-lock.json -nt checkin/node_modules ]; then \
	    (cd checkin && npm ci --no-audit --no-fund --loglevel=error) && touch checkin/node_modules; \
	  fi; \
	fi

.PHONY: db
db: install ## Upgrade the database (DATABASE_URL, default a SQLite file in instance/) to head
	$(FLASK) db upgrade heads

.PHONY: run
run: db ## Install, migrate, load demo data if empty, and serve on http://127.0.0.1:5000
	$(FLASK) demo load
	@echo
	@$(FLASK) demo logins --base-url http://$(HOST):$(PORT)
	@echo
	@echo "Scheduled jobs are not started (see docs/operations.md). To send notices by hand:"
	@echo "  make mail-sink    # in another terminal: a local SMTP sink on 127.0.0.1:8025 that prints mail"
	@echo "  MAIL_SERVER=127.0.0.1 MAIL_PORT=8025 MAIL_USE_TLS=0 $(FLASK) notices queue"
	@echo "  MAIL_SERVER=127.0.0.1 MAIL_PORT=8025 MAIL_USE_TLS=0 $(FLASK) notices send"
	@echo "  and every few minutes: $(FLASK) checkin auto-close; nightly:"
	@echo "  $(FLASK) compliance reconcile --month YYYY-MM"
	@echo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C stops)"
	$(FLASK) run --host $(HOST) --port $(PORT)

.PHONY: mail-sink
mail-sink: $(VENV)/.installed-dev ## A local SMTP sink on 127.0.0.1:8025 that prints every mail (for notices)
	$(PY) -m aiosmtpd -n -l 127.0.0.1:8025

# Debian packages the tests need: installed when run as root (CI), else named with the command
# to install them; never sudo.
define debian_packages
	@missing=""; \
	for pair in $(1); do \
	  path=$${pair%%=*}; package=$${pair#*=}; [ -e "$$path" ] || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing. Install them as root: apt-get install -y$$missing" >&2; \
	    exit 1; \
	  fi; \
	fi
endef

.PHONY: browser fonts
browser: ## Debian's Chromium for the browser tests (installed as root, else explained)
	$(call debian_packages,/usr/bin/chromium=chromium)

fonts: ## Debian's DejaVu fonts for Swedish and Arabic in every PDF (installed as root, else explained)
	$(call debian_packages,/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf=fonts-dejavu-core)

.PHONY: test
test: install-dev browser fonts ## Install dev extras and run every test (SQLite; PostgreSQL too with TEST_DATABASE_URL)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

.PHONY: lint
lint: install-dev ## Lint and check formatting with ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: fmt
fmt: install-dev ## Format and auto-fix with ruff
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

.PHONY: bench
bench: bench-reconcile bench-checkin bench-reports bench-pdf ## Run every benchmark

.PHONY: bench-reconcile
bench-reconcile: install ## Reconcile a synthetic municipality of 8 000 people (ratio vs fetch)
	$(PY) bench/reconcile.py

.PHONY: bench-reports
bench-reports: install ## IVO quarter and returns for a synthetic municipality of 41 000 (ratio vs fetch)
	$(PY) bench/reports.py

.PHONY: bench-pdf
bench-pdf: install ## The busiest demo applicant's "My data" PDF, shaped vs plain (ratio)
	$(PY) bench/pdf.py

.PHONY: bench-checkin
bench-checkin: install ## A morning rush of scans under gunicorn against a bare baseline
	$(PY) bench/checkin.py

.PHONY: clean
clean: ## Remove the virtualenv, compiled catalogs and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name '*.mo' -path '*/translations/*' -delete
