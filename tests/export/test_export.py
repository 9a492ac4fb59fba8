"""Exports for other tools, loaded back: a task as a Hugging Face DatasetDict and as a BEIR folder (one
model's MAP recomputed from each equals the MAP `Task.evaluate` gives), and results as MTEB's layout
(read by the `mteb` package) and as one per-query parquet table."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from workbench.metrics.evaluate import evaluate_scores
from workbench.models.registry import load_model
from workbench.results.result_file import read_result
from workbench.running.runner import run
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec

WORKBENCH = [sys.executable, "-m", "workbench.fronts.cli"]
TASKS = ["esco-job2skill", "esco-skill-similarity"]  # the second excludes each query from its own ranking


def _map_from(corpus: list[dict], queries: list[dict], qrels: list[dict], excluded: list[dict], spec) -> float:
    """tfidf scored from the exported texts alone, relevance and exclusions from the exported pairs."""
    model = load_model("tfidf")
    index = model.index([c["text"] for c in corpus], target_type=spec.target_type, group=spec.group)
    scores = np.asarray(
        model.score([q["text"] for q in queries], index, query_type=spec.query_type, group=spec.group), dtype=np.float64
    )
    qpos = {q["_id"]: i for i, q in enumerate(queries)}
    tpos = {c["_id"]: j for j, c in enumerate(corpus)}
    for pair in excluded:  # removed from the query's ranking: below every other target
        scores[qpos[pair["query-id"]], tpos[pair["corpus-id"]]] = scores.min() - 1.0
    rows = [qpos[r["query-id"]] for r in qrels]
    cols = [tpos[r["corpus-id"]] for r in qrels]
    relevance = sp.csr_matrix((np.array([float(r["score"]) for r in qrels]), (rows, cols)), shape=scores.shape)
    return float(np.mean(evaluate_scores(scores, relevance, ["map"])["map"]))


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _read_tsv(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.mark.parametrize("name", TASKS)
def test_task_export_beir_and_hf_recompute_the_same_map(name, esco_data_dir, cache_dir, tmp_path):
    spec = get_task_spec(name)
    task = Task(spec, data_dir=esco_data_dir, cache_dir=cache_dir)
    expected = task.evaluate(load_model("tfidf"), "full", progress=False).scores["map"]
    for fmt in ("beir", "hf"):
        done = subprocess.run(
            [
                *WORKBENCH,
                "tasks",
                "export",
                name,
                "--format",
                fmt,
                "--split",
                "full",
                "--out",
                str(tmp_path / fmt),
                "--data-dir",
                str(esco_data_dir),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr

    beir = tmp_path / "beir"
    assert sorted(p.relative_to(beir).as_posix() for p in beir.rglob("*") if p.is_file()) == sorted(
        ["corpus.jsonl", "queries.jsonl", "qrels/full.tsv"]
        + (
            ["qrels/full.excluded.tsv"]
            if task.dataset("full").excluded is not None and task.dataset("full").excluded.nnz
            else []
        )
    )
    got_beir = _map_from(
        _read_jsonl(beir / "corpus.jsonl"),
        _read_jsonl(beir / "queries.jsonl"),
        _read_tsv(beir / "qrels" / "full.tsv"),
        _read_tsv(beir / "qrels" / "full.excluded.tsv"),
        spec,
    )

    from datasets import load_from_disk

    hf = load_from_disk(str(tmp_path / "hf"))
    assert set(hf) - {"excluded"} == {"corpus", "queries", "qrels"}
    assert hf["corpus"].column_names == ["_id", "title", "text"] and hf["qrels"].column_names == [
        "query-id",
        "corpus-id",
        "score",
    ]
    got_hf = _map_from(
        list(hf["corpus"]),
        list(hf["queries"]),
        list(hf["qrels"]),
        list(hf["excluded"]) if "excluded" in hf else [],
        spec,
    )
    assert got_beir == pytest.approx(expected, abs=1e-6) and got_hf == pytest.approx(expected, abs=1e-6)
    if name == "esco-skill-similarity":
        assert len(hf["excluded"]) > 0 and (beir / "qrels" / "full.excluded.tsv").is_file()  # exclusions exercised


@pytest.fixture
def results(esco_data_dir, cache_dir, tmp_path) -> Path:
    out = tmp_path / "results"
    specs = [get_task_spec(n) for n in TASKS]
    run(
        ["tfidf", "bm25"],
        specs,
        split="full",
        output=out,
        load_model=load_model,
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda m: None,
    )
    run(
        ["tfidf"],
        specs[:1],
        split="full",
        output=out,
        load_model=load_model,
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda m: None,
        limit=2,
    )  # unofficial: never exported
    return out


def test_results_export_parquet_holds_every_per_query_value(results, tmp_path):
    out = tmp_path / "per_query.parquet"
    done = subprocess.run(
        [*WORKBENCH, "results", "export", str(results), "--format", "parquet", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("1 parquet file written, 1 result files skipped")  # the --limit run
    table = pd.read_parquet(out)
    assert list(table.columns) == [
        "model",
        "revision",
        "task",
        "task_version",
        "split",
        "query_index",
        "query_id",
        "metric",
        "value",
    ]
    official = [read_result(p) for p in sorted(results.rglob("*.json")) if read_result(p).official]
    assert len(official) == 4
    for result in official:
        mine = table[(table.model == result.model.name) & (table.task == result.task.name)]
        for metric, value in result.scores.items():
            rows = mine[mine.metric == metric].sort_values("query_index")
            assert len(rows) == result.sizes["queries"]
            assert rows.value.mean() == pytest.approx(value, abs=1e-6)
            assert list(rows.query_id) == result.per_query.query_ids


@pytest.mark.slow
@pytest.mark.torch  # mteb imports torch
def test_results_export_mteb_loads_with_mteb(results, tmp_path):
    mteb = pytest.importorskip("mteb", reason="the mteb package is not installed (pip install -e '.[export]')")
    from mteb.cache import ResultCache

    out = tmp_path / "mteb"
    done = subprocess.run(
        [*WORKBENCH, "results", "export", str(results), "--format", "mteb", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    loaded = ResultCache(out).load_results(include_remote=False, require_model_meta=True)
    by_model = {m.model_name: m for m in loaded.model_results}
    assert set(by_model) == {"tfidf", "bm25"}
    for path in sorted(results.rglob("*.json")):
        result = read_result(path)
        if not result.official:
            continue
        model = by_model[result.model.name]
        assert model.model_revision == result.model.revision
        task = next(t for t in model.task_results if t.task_name == result.task.name)
        assert task.dataset_revision == result.task.spec_hash
        assert task.scores["full"][0]["main_score"] == pytest.approx(result.main_score)
        assert task.scores["full"][0]["map"] == pytest.approx(result.scores["map"])
    assert mteb.__version__
