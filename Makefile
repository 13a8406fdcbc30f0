# Two set-up commands (README): `make run` and `make test`. Everything else here serves those two.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= 1
SEED ?= 42
LANDING ?= data/landing

.PHONY: run test lint sample-data bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Generates the sample rosters once (deterministic), then consolidates them into data/warehouse.duckdb.
run: $(BIN)/.installed
	@test -f $(LANDING)/.generated || { $(BIN)/wardmerge sample-data --out $(LANDING) --scale $(SCALE) --seed $(SEED) && touch $(LANDING)/.generated; }
	$(BIN)/wardmerge run --landing $(LANDING)

test: $(BIN)/.installed lint
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

sample-data: $(BIN)/.installed
	$(BIN)/wardmerge sample-data --out $(LANDING) --scale $(SCALE) --seed $(SEED) && touch $(LANDING)/.generated

bench: $(BIN)/.installed
	$(BIN)/python bench/run_benchmark.py

clean:
	rm -rf data/staging data/warehouse.duckdb
