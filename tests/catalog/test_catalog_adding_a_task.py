"""docs/adding-a-task.md, end to end: a curator's TREC folder plus one task file, evaluated with a baseline."""
from __future__ import annotations

import textwrap

import pytest

from catalog_fixtures import write_tsv
from workbench.docs_gen import render
from workbench.spec import load_task_spec
from workbench.task import Task

TASK_FILE = """\
name: acme-title-norm
version: 1
description: >-
  Job-title normalisation on ACME's in-house titles: rank the ACME occupation list for a title.
group: job_normalization
query_type: job_title
target_type: occupation
languages: {query: [en], target: [en]}
source:
  loader: trec
  files:
    queries: "acme/queries.tsv"
    corpus: "acme/corpus.tsv"
    qrels: "acme/qrels.tsv"
splits:
  method: hash
  fractions: {val: 0.5, test: 0.5}
  available: [val, test, full]
policies: {duplicate_queries: merge, duplicate_targets: keep}
metrics: [map, mrr, ndcg@10]
main_score: map
license: "CC BY 4.0 (ACME)"
citation: |
  ACME (2025). In-house job titles.
"""


@pytest.fixture
def curated(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "data"
    titles = ["senior python developer", "python programmer", "registered nurse", "staff nurse", "head chef",
              "sous chef", "taxi driver", "cab driver", "data analyst", "junior data analyst", "math teacher",
              "school teacher"]
    targets = ["software developer", "nurse", "chef", "taxi driver", "data analyst", "teacher"]
    write_tsv(data / "acme/queries.tsv", [(f"q{i}", t) for i, t in enumerate(titles)])
    write_tsv(data / "acme/corpus.tsv", [(f"t{i}", t) for i, t in enumerate(targets)])
    write_tsv(data / "acme/qrels.tsv", [(f"q{i}", 0, f"t{i // 2}", 1) for i in range(len(titles))])
    task_file = tmp_path / "acme-title-norm.yaml"
    task_file.write_text(TASK_FILE, encoding="utf-8")
    return data, task_file


def test_a_task_file_and_a_trec_folder_make_a_task(curated):
    data, task_file = curated
    spec = load_task_spec(task_file)
    task = Task(spec, data_dir=data)
    full = task.dataset("full")
    assert full.n_queries == 12 and full.n_targets == 6 and full.n_positives == 12
    assert task.dataset("val").n_queries + task.dataset("test").n_queries == 12


def test_evaluate_end_to_end_with_tfidf(curated):
    data, task_file = curated
    try:
        from workbench.registry import load_model
        model = load_model("tfidf")
    except ImportError as err:  # registry or scikit-learn not installed in this environment
        pytest.skip(f"no tfidf baseline available ({err}): workbench.registry.load_model('tfidf') is needed")
    task = Task(load_task_spec(task_file), data_dir=data)
    result = task.evaluate(model, split="full", progress=False)
    assert result.task.name == "acme-title-norm" and result.split == "full" and result.official
    assert result.sizes["queries"] == 12 and result.sizes["targets"] == 6
    assert set(result.scores) == {"map", "mrr", "ndcg@10"}
    assert 0.5 < result.scores["map"] <= 1.0  # lexical overlap finds most occupations
    assert result.data_files and all(path.startswith("acme/") for path in result.data_files)


def test_docs_gen_renders_a_task(curated):
    data, task_file = curated
    text = render([load_task_spec(task_file)], data)
    assert "### acme-title-norm" in text
    assert "| full | 12 | 6 | 12 | 1.00 |" in text
    assert "job_title → occupation" in text and "CC BY 4.0 (ACME)" in text
