# Two commands from a fresh clone: `make run` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The live preview: the camera if there is one, else the synthetic scene; with no display at
# all it says so and writes a short stylized clip to out/ instead.
run: $(STAMP)
	$(BIN)/stylecam live

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

# docs/cli.md from the command line's parsers (tests/test_cli_reference.py fails when it is stale)
docs: $(STAMP)
	$(BIN)/python -m stylecam.cli_reference > docs/cli.md

bench: $(STAMP)
	$(BIN)/stylecam bench --size 640x480 --baseline

clean:
	rm -rf $(VENV) out
