# Rookery: every target does its own set-up (tools, virtual environment, packages, servers).
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON := $(PYTHON)
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help web up test test-split test-fast lint fmt venv venv-all stack-up stack-down stack-status stack-env stack-secret bench bench-quick bench-soak crds image

help:
	@echo "make up          run Rookery on embedded defaults (http://127.0.0.1:8080)"
	@echo "make test        run the whole test suite (starts the real servers it needs)"
	@echo "make test-split  run the API suite in topology split (gateway + a server per role)"
	@echo "make web         build the web client (web/dist, served at /) when its sources changed"
	@echo "make lint        ruff + mypy"
	@echo "make stack-up    start the real stack (SERVICES=\"kafka cassandra\" for some; PROFILE=ha: replicated stores)"
	@echo "make stack-secret NAMESPACE=ns   the datastores Secret for tenants on the stack's cluster"
	@echo "make stack-env   export lines for clients: ROOKERY_*, KUBECONFIG, kubectl on PATH"
	@echo "make image       build localhost/rookery:dev here (buildah, Debian base) and load it into the node"
	@echo "make bench       run the benchmarks"
	@echo "make bench-soak  memory per process under a steady load, 10 minutes a mode (SOAK_ARGS=\"--minutes 3\")"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# core packages only: what `make up` needs; --inexact keeps extras a previous `make test` installed
venv: | $(UV)
	$(UV) sync --frozen --inexact

# every extra (production adapters, operator, ML): what the test suite exercises
venv-all: | $(UV)
	$(UV) sync --frozen --all-extras

# the web client (web/ -> web/dist, served at /) when its sources changed; without npm, a note
WEB_SOURCES := $(shell find web/src web/index.html web/package.json web/package-lock.json web/vite.config.ts \
	web/tsconfig.json -type f 2>/dev/null)
web: web/dist/index.html

web/dist/index.html: $(WEB_SOURCES)
	@if command -v npm >/dev/null; then \
		cd web && { [ node_modules/.package-lock.json -nt package-lock.json ] || \
			npm ci --no-audit --no-fund --loglevel=error --cache "$$HOME/.cache/rookery/npm"; } && npm run build; \
	else echo "web: npm is not installed, so / serves no web client (apt-get install npm, then make up)"; fi

up: venv web
	$(VENV)/bin/rookery up $(ARGS)

test: venv-all web
	$(PY) -m pytest $(PYTEST_ARGS)

# the API suite's [split] mode, which `make test` deselects (~7 s of set-up per test)
test-split: venv-all web
	$(PY) -m pytest tests/api -k split $(PYTEST_ARGS)

lint: venv-all
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

fmt: venv-all
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# PROFILE=ha: the replicated stores (e2e/stack/ha.py) instead of the default servers
STACK_PROFILE = $(if $(PROFILE),--profile $(PROFILE))

stack-up: venv-all
	$(PY) -m e2e.stack up $(STACK_PROFILE) $(SERVICES)

stack-down: venv-all
	$(PY) -m e2e.stack down $(STACK_PROFILE) $(SERVICES)

stack-status: venv-all
	$(PY) -m e2e.stack status $(STACK_PROFILE) $(SERVICES)

stack-env: venv-all
	@$(PY) -m e2e.stack env $(STACK_PROFILE) $(SERVICES)

# Secret rookery-datastores in NAMESPACE (created when absent): the stack's addresses pods reach
stack-secret: venv-all
	@test -n "$(NAMESPACE)" || { echo "usage: make stack-secret NAMESPACE=ns [OIDC=embedded]" >&2; exit 2; }
	$(PY) -m e2e.stack secret --namespace "$(NAMESPACE)" $(if $(OIDC),--oidc "$(OIDC)")

# buildah + mmdebstrap from Debian packages; the base only when its package list changed
image: venv-all
	$(PY) -m e2e.image build $(IMAGE_ARGS)

crds: venv-all
	$(VENV)/bin/rookery crds --out crds/

bench: venv-all
	$(PY) -m bench run $(BENCH_ARGS)

bench-quick: venv-all
	$(PY) -m bench run --quick $(BENCH_ARGS)

bench-soak: venv-all
	$(PY) -m bench soak $(SOAK_ARGS)
