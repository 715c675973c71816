# One entry point for every task. The first use of any target builds .venv from nothing
# (a fresh machine needs only python3), so `make run` and `make test` work on a clean clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# named after the extras it installs: a change of them makes a new stamp
STAMP  := $(VENV)/.installed-dev-train
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run demo test lint typecheck imports check bench clean topics-model topics-cv

# the train extra too: the tests of training/ (idf scaling, the training set, and that
# training the shipped corpus gives the shipped model file) run with the suite
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	touch $(STAMP)

## The main job: the service with a fresh demo database (the three worked court cases and
## cases in every state), web portals and API on http://$(HOST):$(PORT), sign-in links printed.
run: $(STAMP)
	$(BIN)/fairscreen serve --demo --host $(HOST) --port $(PORT)

## The three worked court cases through the live service, ending with a ledger audit.
demo: $(STAMP)
	$(BIN)/fairscreen demo

## The whole test suite.
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

## Every check: lint, format, types, the layer rule, and the tests.
check: lint typecheck imports test

## Rebuild the prohibited-topic filter's data (the `train` extra, which every target's
## virtual environment has: scikit-learn, numpy, OpenCC): the Traditional -> Simplified
## table, then the model and its card. One thread and fixed seeds: the same corpus gives
## the same bytes (and SHA-256) on this machine.
topics-model: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m fairscreen.training.t2s_table
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m fairscreen.training.topic_model
	sha256sum src/fairscreen/data/topic_model.json src/fairscreen/data/t2s.txt

## Compare candidate models with the shipped recipe by grouped cross-validation on the
## training corpus (never the held-out batches): the table of docs/topics.md, "What we
## tried". Its own virtual environment (torch is large): .venv-train.
TRAIN_VENV ?= .venv-train
TOPICS_CV ?= baseline,balanced,trigrams,jieba,jieba_tri,nostop,fasttext,fasttext:64:0:15:0.1:0.02,wordllama_only,wordllama:0.6,wordllama:1,wordllama_en:1,clusters:1000,clusters:3000,hit_feature,no_hits
topics-cv:
	test -x $(TRAIN_VENV)/bin/python || $(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet -e '.[train,topics-cv]'
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(TRAIN_VENV)/bin/python -m fairscreen.training.topic_cv --candidates $(TOPICS_CV)

bench: $(STAMP)
	$(BIN)/python bench/evaluate.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
