# Two set-up commands (README): `make run` and `make test`. Everything else here serves those two.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= 1
SEED ?= 42
LANDING ?= data/landing

.PHONY: run ui test lint sample-data bench bench-curve clean marts-docs

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Generates the sample rosters once (deterministic), then consolidates them into data/warehouse.duckdb. The run is
# recorded in the checkout's Dagster instance (dagster.yaml), so `make ui` shows it afterwards.
run: $(BIN)/.installed
	@test -f $(LANDING)/.generated || { $(BIN)/wardmerge sample-data --out $(LANDING) --scale $(SCALE) --seed $(SEED) && touch $(LANDING)/.generated; }
	DAGSTER_HOME=$(CURDIR) $(BIN)/wardmerge run --landing $(LANDING)

# The Dagster UI on the same instance and settings: http://127.0.0.1:3000
ui: $(BIN)/.installed
	umask 077; DAGSTER_HOME=$(CURDIR) $(BIN)/dagster dev

test: $(BIN)/.installed lint
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

sample-data: $(BIN)/.installed
	$(BIN)/wardmerge sample-data --out $(LANDING) --scale $(SCALE) --seed $(SEED) && touch $(LANDING)/.generated

# The stage table against both floors and the naive script, the 1%-change night and quality against the truth,
# from one run at scale 1 (docs/performance.md). `make bench-curve` measures scales 0.1, 1 and 3 and plots them.
bench: $(BIN)/.installed
	$(BIN)/python bench/run_benchmark.py --steps-compare

bench-curve: $(BIN)/.installed
	$(BIN)/python bench/run_benchmark.py --curve 0.1,1,3 --plot docs/performance.png

clean:
	rm -rf data/staging data/warehouse.duckdb

# The marts' data dictionary with lineage (dbt docs), from data/warehouse.duckdb: open data/dbt_docs/static_index.html
marts-docs: $(BIN)/.installed
	cd marts && WARDMERGE_DBT_DUCKDB_PATH=$(CURDIR)/data/warehouse.duckdb ../$(BIN)/dbt docs generate --profiles-dir . --static --target-path $(CURDIR)/data/dbt_docs
