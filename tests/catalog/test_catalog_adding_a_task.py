"""docs/adding-a-task.md, end to end: a curator's TREC folder plus one task file, evaluated with a baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalog_fixtures import write_tsv
from workbench.errors import WorkBenchError
from workbench.fronts.cli.main import main
from workbench.fronts.docs_gen import render
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec
from workbench.taskfiles.spec import load_task_spec

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
    titles = [
        "senior python developer",
        "python programmer",
        "registered nurse",
        "staff nurse",
        "head chef",
        "sous chef",
        "taxi driver",
        "cab driver",
        "data analyst",
        "junior data analyst",
        "math teacher",
        "school teacher",
    ]
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
        from workbench.models.registry import load_model

        model = load_model("tfidf")
    except ImportError as err:  # registry or scikit-learn not installed in this environment
        pytest.skip(f"no tfidf baseline available ({err}): workbench.models.registry.load_model('tfidf') is needed")
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


# ---------------------------------------------------------------- the curator's path (issue 14)
DOC = Path(__file__).resolve().parents[2] / "docs" / "adding-a-task.md"


def _doc_task_file() -> str:
    """The 'test-only TREC set' YAML block of docs/adding-a-task.md, verbatim."""
    text = DOC.read_text(encoding="utf-8")
    after = text.split("#### A test-only TREC set", 1)[1]
    return after.split("```yaml\n", 1)[1].split("```", 1)[0]


def _validate(*args):
    return CliRunner().invoke(main, ["tasks", "validate", *map(str, args)])


def test_the_documented_test_only_trec_set_validates_and_runs(curated, tmp_path):
    data, _ = curated
    task_file = tmp_path / "acme-title-norm-test.yaml"
    task_file.write_text(_doc_task_file(), encoding="utf-8")
    done = _validate(task_file, "--data-dir", data)
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        f"ok: {task_file} (acme-title-norm-test@v1)  test: 12×6 (12 positives)  full: 12×6 (12 positives)\n"
    )
    out = tmp_path / "results"
    done = CliRunner().invoke(
        main,
        [
            "run",
            "--model",
            "tfidf",
            "--tasks",
            str(task_file),
            "--split",
            "test",
            "--output",
            str(out),
            "--data-dir",
            str(data),
            "--no-progress",
        ],
    )
    assert done.exit_code == 0, done.output
    result = json.loads((out / "tfidf" / "acme-title-norm-test__v1__test.json").read_text())
    assert result["sizes"]["queries"] == 12 and 0.5 < result["scores"]["map"] <= 1.0


def test_validate_catches_split_method_file_name_and_missing_files(curated, tmp_path):
    data, task_file = curated
    source_split = tmp_path / "source" / "acme-title-norm.yaml"
    source_split.parent.mkdir()
    source_split.write_text(TASK_FILE.replace("method: hash\n  fractions: {val: 0.5, test: 0.5}", "method: source"))
    renamed = tmp_path / "acme.yaml"
    renamed.write_text(TASK_FILE, encoding="utf-8")
    missing = tmp_path / "missing" / "acme-title-norm.yaml"
    missing.parent.mkdir()
    missing.write_text(TASK_FILE.replace("acme/qrels.tsv", "acme/qrels-2024.tsv"), encoding="utf-8")
    done = _validate(source_split, renamed, missing, tmp_path / "nope.yaml", task_file, "--data-dir", data)
    assert done.exit_code == 2
    sizes = Task(load_task_spec(task_file), data_dir=data).sizes()  # the dataset the run would build
    assert sizes["val"]["queries"] + sizes["test"]["queries"] == sizes["full"]["queries"] == 12
    shown = "  ".join(f"{s}: {n['queries']}×{n['targets']} ({n['positives']} positives)" for s, n in sizes.items())
    assert done.stdout == f"ok: {task_file} (acme-title-norm@v1)  {shown}\n"
    errors = done.stderr.splitlines()
    assert errors[0] == f"error: {source_split}: invalid task file"
    assert errors[1].startswith(
        "  splits.method: loader 'trec' assigns no splits, so method 'source' leaves every query "
        "without one; use method: hash"
    )
    assert errors[2] == f"error: {renamed}: invalid task file"
    assert errors[3] == (
        "  name: 'acme-title-norm' differs from the file name 'acme.yaml' (the catalog finds a task as "
        "tasks/<name>.yaml: rename the file to acme-title-norm.yaml)"
    )
    assert errors[4] == (
        f"error: {missing}: does not build from {data.resolve()}: task acme-title-norm: source.files.qrels: "
        f"{data.resolve() / 'acme/qrels-2024.tsv'} not found (data directory {data.resolve()})"
    )
    assert errors[5] == f"error: no such task file: {tmp_path / 'nope.yaml'}"


def test_a_mistyped_task_path_is_no_such_file(tmp_path):
    for name in (str(tmp_path / "acme-titel-norm.yaml"), "tasks/esco-skilnorm.yaml"):
        with pytest.raises(WorkBenchError) as err:
            get_task_spec(name)
        assert str(err.value) == f"no such task file: {name}"
    done = CliRunner().invoke(main, ["run", "--model", "tfidf", "--tasks", "tasks/esco-skilnorm.yaml"])
    assert done.exit_code == 2 and done.stderr == "error: no such task file: tasks/esco-skilnorm.yaml\n"
    with pytest.raises(WorkBenchError, match="unknown task 'esco-skilnorm'"):  # a name stays a name
        get_task_spec("esco-skilnorm")
