# The README's commands. A fresh machine needs only `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# PySide6 6.12 drops a reference to None on every Python slot call; Python 3.12+ makes None immortal,
# so the app prefers it. On 3.11 pyproject.toml falls back to PySide6 6.11.3, which is free of it.
PYTHON ?= $(shell ./scripts/find-python)
PLAYER := resources/player
STAMPS := .stamps
ROOT_ENV := $(if $(filter 0,$(shell id -u)),QTWEBENGINE_DISABLE_SANDBOX=1,)

.PHONY: setup run test lint bench clean system-packages

setup: $(STAMPS)/system $(VENV)/.installed $(STAMPS)/npm $(STAMPS)/sdk-page $(STAMPS)/desktop

$(STAMPS)/system: scripts/ensure-system-packages
	./scripts/ensure-system-packages
	@mkdir -p $(STAMPS) && touch $@

$(VENV)/.installed: pyproject.toml setup.py
	./scripts/find-python --check $(PY) || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[app,server,dev]'
	touch $@

$(STAMPS)/npm: $(PLAYER)/package.json $(PLAYER)/package-lock.json
	cd $(PLAYER) && npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# The page the replay API end-to-end tests load: the real mixpanel-browser SDK, pinned by its lock file.
$(STAMPS)/sdk-page: tests/e2e/sdk-page/package.json tests/e2e/sdk-page/package-lock.json
	cd tests/e2e/sdk-page && npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/desktop: scripts/install-desktop-entry $(VENV)/.installed
	./scripts/install-desktop-entry
	@mkdir -p $(STAMPS) && touch $@

run: setup
	$(ROOT_ENV) $(VENV)/bin/replay-viewer

lint: setup
	$(VENV)/bin/ruff check replay_core replay_fetch viewer replay_api tests bench scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# On both cores (pytest-xdist): about half the wall time of one process here. Each worker has its own
# temporary folders, free ports and PostgreSQL cluster, so the tests do not share state.
test: lint
	QT_QPA_PLATFORM=offscreen $(ROOT_ENV) $(VENV)/bin/pytest -q -n 2

# The whole UI test folder twenty times over, stopping at the first failure: a flaky test is a broken one.
.PHONY: test-repeat
test-repeat: setup
	QT_QPA_PLATFORM=offscreen $(ROOT_ENV) $(VENV)/bin/pytest -q tests/ui --count 20 --repeat-scope session -x

# The property tests of the reader and the ingest decoders (tests/core/test_fuzz_properties.py) with
# 10,000 examples each instead of the 200 of `make test`, and the replay API server fuzzed from its OpenAPI
# schema (tests/replay_api/test_openapi_fuzz.py) with 10,000 cases per operation instead of 30.
.PHONY: fuzz
fuzz: setup
	FUZZ_EXAMPLES=10000 QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q --timeout 0 tests/core/test_fuzz_properties.py
	REPLAY_FUZZ_EXAMPLES=10000 $(VENV)/bin/pytest -q --timeout 0 tests/replay_api/test_openapi_fuzz.py

# The keyframe conformance test (tests/player/test_keyframes.py) with 100 seeded moments per recording
# instead of the 6 of `make test` (every one's pixels compared, not 2), and a 20-minute recording without
# checkouts made for it.
.PHONY: conformance
conformance: setup
	KEYFRAME_MOMENTS=100 KEYFRAME_PNG_MOMENTS=100 KEYFRAME_LONG_MINUTES=20 QT_QPA_PLATFORM=offscreen $(ROOT_ENV) $(VENV)/bin/pytest -q --timeout 0 tests/player/test_keyframes.py

bench: setup
	QT_QPA_PLATFORM=offscreen $(ROOT_ENV) $(PY) -m bench

clean:
	rm -rf $(VENV) $(STAMPS) $(PLAYER)/node_modules build dist

# The wheel (dist/replay_viewer-*.whl) with the player inside: the build installs rrweb from the player's lock
# file (or reuses node_modules when it holds the locked versions). `pipx install` it, or pip into any venv.
.PHONY: wheel
wheel: $(VENV)/.installed
	rm -rf build dist/replay_viewer-*.whl
	$(PY) -m pip wheel --no-deps -w dist .

# The wheel built from a copy of the sources, installed with its extras into a fresh venv outside the repo,
# and its commands run from outside it (tests/packaging/test_wheel.py; about 2.5 minutes).
.PHONY: test-wheel
test-wheel: setup
	REPLAY_VIEWER_WHEEL_TEST=1 QT_QPA_PLATFORM=offscreen $(ROOT_ENV) $(VENV)/bin/pytest -q tests/packaging/test_wheel.py

# The replay API tests whose PostgreSQL variant `make test` skips for time (the schema fuzzer, the real SDK
# in a browser), on PostgreSQL; every other replay API test runs on SQLite and PostgreSQL in `make test`.
.PHONY: test-postgres
test-postgres: setup
	REPLAY_API_ALL_ON_POSTGRES=1 $(VENV)/bin/pytest -q tests/replay_api/test_openapi_fuzz.py tests/replay_api/test_e2e_sdk.py -k postgresql
