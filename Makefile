# Two commands on a fresh machine: `make run` (set up, solve the default instance) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench smoke-bench bench-report clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sourcing solve

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# Benchmarks (see benchmarks/README.md): `make bench BENCH_SIZES=M,L BENCH_ARGS="--benchmark-json out.json"`.
BENCH_SIZES ?= S,M,L,XL
BENCH_ARGS ?=

bench: $(STAMP)
	$(BIN)/pytest benchmarks --benchmark-only --sizes $(BENCH_SIZES) $(BENCH_ARGS)

# CI: every benchmark once, untimed, at S and M only.
smoke-bench: $(STAMP)
	$(BIN)/pytest benchmarks --benchmark-disable -q --sizes S,M

# One markdown table, every phase per size: `make bench-report BENCH_REPORT=out.md`.
bench-report: $(STAMP)
	$(BIN)/python benchmarks/report.py --sizes $(BENCH_SIZES) $(if $(BENCH_REPORT),--output $(BENCH_REPORT))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build dist
