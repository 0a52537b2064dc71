# shequ: the two commands are `make demo` and `make test`; everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PORT   ?= 8000

.PHONY: install demo test test-fast up down clean contract bench load

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## The whole platform on embedded defaults (Kafka-protocol broker, SQLite, nx-27017 read-store server, projector process).
demo: install
	$(BIN)/shequ demo --port $(PORT)

## Every test, against the real broker and PostgreSQL (starts PostgreSQL and installs Debian packages if missing).
test: install
	bash tests/prerequisites.sh
	$(BIN)/python -m pytest -q -rs -p no:cacheprovider

## Unit tests only (tests/unit without broker or PostgreSQL): seconds, for the edit-test loop.
test-fast: install
	$(BIN)/python -m pytest -q -rs -p no:cacheprovider -m "unit and not broker and not postgres and not readstore" tests/unit

## Benchmarks: shequ against the bare libraries, same run; prints a table, writes bench/results/<time>.json.
bench: install
	$(BIN)/python -m bench.run

## Load: 50 concurrent clients for 60 s against `shequ demo --no-seed`; fails on any error.
load: install
	$(BIN)/python -m bench.load

## Regenerate the public event catalogue (docs/events/*.json, docs/asyncapi.yaml); refuses breaking changes.
contract: install
	$(BIN)/python -m bootstrap.contract write

## Production-like stack (needs a Docker engine).
up:
	docker compose up -d --build
down:
	docker compose down

clean:
	rm -rf $(VENV) .shequ .pytest_cache
