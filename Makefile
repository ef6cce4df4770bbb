# The README's commands. Everything is installed from the project's own files:
# requirements.lock (Python, via uv) and infra/dev-idp/package-lock.json (npm).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(PYTHON) -m uv
DEVIDP := infra/dev-idp
# npm packages: the dev IdP, the console's browser libraries, the browser tests' driver.
NPM_DIRS := $(DEVIDP) gateway/web tests/browser
NPM_STAMPS := $(foreach d,$(NPM_DIRS),$(if $(wildcard $(d)/package-lock.json),$(d)/node_modules/.synced))

.PHONY: help install up test lint fmt lock bench k8s clean

help:
	@echo "make up     install, migrate, start the whole platform with demo data (Ctrl-C stops it)"
	@echo "make test   every test suite (SQLite; PostgreSQL when GIP_TEST_DATABASE_URL is set)"
	@echo "make lint   ruff + mypy;  make fmt  format;  make lock  re-lock after editing pyproject files"
	@echo "make bench  benchmarks (ratios against a reference run in the same process)"

install: $(VENV)/.synced $(NPM_STAMPS)

# uv itself comes from PyPI when absent.
$(VENV)/.synced: requirements.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) venv --quiet --allow-existing --python 3.11 $(VENV)
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	@touch $@

%/node_modules/.synced: %/package-lock.json
	cd $* && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

up: install
	$(PY) scripts/up.py

test: install
	bash scripts/test.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy libs/gipkit/src services/*/src gateway/src

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock:
	$(UV) lock
	$(UV) export --quiet --format requirements-txt --all-packages --all-groups --frozen -o requirements.lock

bench: install
	$(PY) bench/run.py

k8s: install
	$(PY) infra/k8s/render_realm_import.py
	$(VENV)/bin/kubectl kustomize infra/k8s/overlays/dev

clean:
	rm -rf var test-output
