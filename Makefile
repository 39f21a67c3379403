# make demo: set everything up and run the main job (no download needed).
# make test: set everything up and run the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba

.PHONY: setup demo test lint deploy-check oldest-check clean

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

# A fresh venv with only deploy-requirements.txt and skser runs an exported model.
deploy-check: setup
	.ci/deploy-check $(BIN)/python

# A fresh venv with the oldest declared versions (.ci/oldest.txt) runs a fast subset.
oldest-check:
	.ci/oldest-check

lint: setup
	$(BIN)/ruff check skser tests benchmarks examples

clean:
	rm -rf $(VENV) .venv-oldest .cache build *.egg-info

# make docs: the documentation site in doc/_build/html. Warnings (-W), broken
# cross-references (-n) and failing gallery examples fail the build; --keep-going lists
# them all first. doc/requirements.txt is installed into the same venv.
.PHONY: docs
docs: $(VENV)/.docs-installed
	cd doc && $(abspath $(BIN))/sphinx-build -b html -W --keep-going -n . _build/html

$(VENV)/.docs-installed: $(VENV)/.installed doc/requirements.txt
	$(BIN)/python -m pip install --quiet -r doc/requirements.txt
	touch $@
