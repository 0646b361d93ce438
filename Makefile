# pivotwatch: `make demo` runs the main job on the bundled sample, `make test` runs the checks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := out/demo.duckdb

.PHONY: demo test lint install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

demo: install
	@mkdir -p out
	@rm -f $(DEMO_DB) $(DEMO_DB).wal $(DEMO_DB).watch.lock
	$(BIN)/pivotwatch --db $(DEMO_DB) ingest sample
	$(BIN)/pivotwatch --db $(DEMO_DB) ingest reference
	$(BIN)/pivotwatch --db $(DEMO_DB) status
	$(BIN)/pivotwatch --db $(DEMO_DB) assess --dyad RUS-PRK
	$(BIN)/pivotwatch --db $(DEMO_DB) indicators --dyad RUS-CHN --freq year --from 2014-01-01 --dimension all,political,military
	$(BIN)/pivotwatch --db $(DEMO_DB) indicators --dyad RUS-PRK --freq year --dimension all
	$(BIN)/pivotwatch --db $(DEMO_DB) alignment RUS PRK --from 2012
	$(BIN)/pivotwatch --db $(DEMO_DB) fuel RUS PRK
	$(BIN)/pivotwatch --db $(DEMO_DB) sanctions --country PRK --linked RUS
	$(BIN)/pivotwatch --db $(DEMO_DB) claims examples/article.md
	$(BIN)/pivotwatch --db $(DEMO_DB) report --dyad RUS-PRK --documents examples/article.md -o out/briefing.html
	@rm -f out/alerts.atom
	$(BIN)/pivotwatch --db $(DEMO_DB) watch --once --gdelt src/pivotwatch/data/sample/gdelt --no-sanctions --feed out/alerts.atom
	@echo
	@echo "The dashboard on this store: $(BIN)/pivotwatch --db $(DEMO_DB) serve"
	@echo "then open http://127.0.0.1:8787/ (Ctrl-C stops it; docs/web.md)"

lint: dev
	$(BIN)/ruff check src tests benchmarks tools

test: lint
	$(BIN)/python -m pytest -q

clean:
	rm -rf out .pytest_cache .ruff_cache build dist
