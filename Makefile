# The README's commands. `make run` and `make test` each set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= data

.PHONY: run test lint format extract bench golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-scale.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

## run: install, extract the seeds if the store is empty, start the dashboard
## (the store: $DATELINE_DATABASE_URL, else data/dateline.db, a SQLite file; see extract/store/location.py)
run: $(VENV)/.runtime
	DATELINE_DATA=$(DATA) $(BIN)/python -m extract seeds --if-empty
	DATELINE_DATA=$(DATA) $(BIN)/streamlit run dashboard/app.py

## test: install (with dev tools) and run the whole test suite
test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## extract: re-extract the seeds into the store, merged: a run merges by default, so documents uploaded in
## the dashboard are kept (only `python -m extract ... --replace` drops what the run did not extract)
extract: $(VENV)/.runtime
	DATELINE_DATA=$(DATA) $(BIN)/python -m extract seeds

## bench: accuracy and speed figures (needs ../shared)
bench: $(VENV)/.dev
	$(BIN)/python benchmarks/timeml.py ../shared/bench/te3-tbaq
	$(BIN)/python benchmarks/annotated.py
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/long_document.py
	$(BIN)/python benchmarks/dashboard.py
	$(BIN)/python benchmarks/store.py

## golden: rewrite tests/golden/ from the current extractor (only when a change of output is intended)
golden: $(VENV)/.dev
	$(BIN)/python tests/golden/regenerate.py

clean:
	rm -rf $(VENV)
