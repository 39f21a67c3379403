# make demo: set everything up and run the main job (no download needed).
# make test: set everything up and run the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba

.PHONY: setup demo test lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned in the same command as the packages that need it: see README.
	$(BIN)/python -m pip install --quiet "torch==2.13.0" -e ".[test]"
	touch $@

demo: setup
	$(BIN)/skser demo

test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: setup
	$(BIN)/ruff check skser tests benchmarks examples

clean:
	rm -rf $(VENV) .cache build *.egg-info
