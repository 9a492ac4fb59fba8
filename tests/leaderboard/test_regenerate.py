"""`workbench leaderboard regenerate` (issue 26): committed rows recomputed through the normal runner and
compared per query, on the fixture ESCO release: identical, drift within or beyond tolerance, skipped and
not comparable rows; committed files written only with --update and only for the same identity; a committed
file that records an older sentence-transformers version compares (and is rewritten) fine."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from workbench.fronts.cli.main import main
from workbench.models.registry import load_model
from workbench.results.per_query_codec import pack
from workbench.results.result_file import read_result, recorded_fingerprint, write_result
from workbench.running.regenerate import select_rows
from workbench.running.runner import run
from workbench.taskfiles.catalog import get_task_spec

TASKS = ("esco-skillnorm", "esco-jobnorm")


@pytest.fixture
def committed(esco_data_dir, tmp_path):
    """A 'committed' folder: tfidf and random on two fixture tasks (split full), made by a plain run."""
    out = tmp_path / "committed"
    specs = [get_task_spec(name) for name in TASKS]
    report = run(
        ["tfidf", "random"],
        specs,
        split="full",
        output=out,
        load_model=load_model,
        data_dir=esco_data_dir,
        cache_dir=tmp_path / "run-cache",
        progress=False,
        log=lambda line: None,
    )
    assert len(report.written) == 4
    return out


def regenerate(folder, data_dir, *options):
    args = ["leaderboard", "regenerate", str(folder), "--data-dir", str(data_dir), *options]
    return CliRunner().invoke(main, args)


def _files(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*.json"))}


def _shift(path, delta=0.25):
    """Edit a committed file consistently (per-query values and aggregates agree): one query's values move."""
    result = read_result(path)
    values = result.per_query.decode()
    for name in values:
        values[name] = values[name].copy()
        values[name][0] = np.float32(
            min(1.0, values[name][0] + delta) if values[name][0] < 0.5 else values[name][0] - delta
        )
    per_query = result.per_query.model_copy(update={"values": {n: pack(v) for n, v in values.items()}})
    scores = {n: float(v.mean()) for n, v in values.items()}
    write_result(path, result.model_copy(update={"per_query": per_query, "scores": scores}))


def test_unchanged_rows_are_identical_and_nothing_is_written(committed, esco_data_dir):
    before = _files(committed)
    done = regenerate(committed, esco_data_dir)
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert sum(line.startswith("identical") for line in lines) == 4
    assert any(line.startswith("identical") and "tfidf  esco-jobnorm [full]: map " in line for line in lines)
    assert "4 rows: 4 identical, 0 within tolerance" in lines[-1] and "0 committed files updated" in lines[-1]
    assert _files(committed) == before


def test_drift_beyond_tolerance_exits_1_and_update_writes_only_the_same_identity(committed, esco_data_dir):
    path = committed / "tfidf" / "esco-jobnorm__v2__full.json"
    _shift(path)
    drifted = path.read_bytes()
    done = regenerate(committed, esco_data_dir, "--models", "tfidf")
    assert done.exit_code == 1, done.output
    line = next(line for line in done.output.splitlines() if "esco-jobnorm" in line)
    assert line.startswith("DRIFT beyond tolerance") and "max |Δ| per query 0.25" in line and "Δ map" in line
    assert path.read_bytes() == drifted  # never written without --update

    loose = regenerate(committed, esco_data_dir, "--models", "tfidf", "--tolerance", "0.3", "--score-tolerance", "0.3")
    assert loose.exit_code == 0 and "within tolerance        tfidf  esco-jobnorm [full]" in loose.output

    updated = regenerate(committed, esco_data_dir, "--models", "tfidf", "--update")
    assert "(committed file updated)" in updated.output and updated.exit_code == 1  # the drift is still reported
    assert path.read_bytes() != drifted
    assert regenerate(committed, esco_data_dir, "--models", "tfidf").exit_code == 0


def test_rows_of_unknown_models_are_skipped_and_changed_tasks_are_not_comparable(committed, esco_data_dir):
    folder = committed / "not-a-model"
    folder.mkdir()
    source = read_result(committed / "random" / "esco-jobnorm__v2__full.json")
    renamed = source.model_copy(update={"model": source.model.model_copy(update={"name": "not-a-model"})})
    write_result(folder / "esco-jobnorm__v2__full.json", renamed.model_copy(update={"fingerprint": "x"}))
    stale = committed / "random" / "esco-skillnorm__v2__full.json"
    old = read_result(stale)
    edited_task = old.model_copy(update={"task": old.task.model_copy(update={"spec_hash": "f" * 64})})
    write_result(stale, edited_task.model_copy(update={"fingerprint": recorded_fingerprint(edited_task)}))

    done = regenerate(committed, esco_data_dir, "--update")
    lines = done.output.splitlines()
    assert done.exit_code == 1, done.output  # a row no longer comparable with the catalog's task fails the run
    assert any(
        line.startswith("skipped") and "not-a-model" in line and "not a registered model" in line for line in lines
    )
    assert any(line.startswith("not comparable") and "random  esco-skillnorm" in line for line in lines)
    assert read_result(stale).task.spec_hash == "f" * 64  # another identity: never replaced, even with --update
    assert "5 rows: 3 identical" in lines[-1] and "1 not comparable" in lines[-1] and "1 skipped" in lines[-1]


def test_a_seeded_sample_draws_the_same_rows(committed):
    first, _ = select_rows(committed, sample=2, seed=3)
    again, _ = select_rows(committed, sample=2, seed=3)
    assert [row.path for row, _ in first] == [row.path for row, _ in again] and len(first) == 2
    only, _ = select_rows(committed, models=["random"], tasks=["esco-jobnorm"])
    assert [(row.model, row.task) for row, _ in only] == [("random", "esco-jobnorm")]


def _as_committed_in_issue(path):
    """The committed form the issue found: sentence-transformers 6.2.0 and torch in model.settings, written
    before scoring versions (no scoring_version, the fingerprint of that time)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["scoring_version"]
    data["model"]["settings"].update({"sentence_transformers": "6.2.0", "torch": "2.13.0"})
    data["environment"].pop("libraries")
    path.write_text(json.dumps(data), encoding="utf-8")
    legacy = read_result(path)
    write_result(path, legacy.model_copy(update={"fingerprint": recorded_fingerprint(legacy)}))


@pytest.mark.torch
@pytest.mark.models
def test_a_file_recording_an_older_sentence_transformers_compares_and_is_rewritten(esco_data_dir, tmp_path):
    pytest.importorskip("sentence_transformers")
    out = tmp_path / "committed"
    spec = get_task_spec("esco-jobnorm")
    kwargs = dict(split="full", output=out, load_model=load_model, data_dir=esco_data_dir, progress=False)
    path = run(["all-MiniLM-L6-v2"], [spec], cache_dir=tmp_path / "c", log=lambda line: None, **kwargs).written[0]
    _as_committed_in_issue(path)
    values = read_result(path).per_query.values

    done = regenerate(out, esco_data_dir)
    assert done.exit_code == 0, done.output
    # stdout only: the library may draw a weight-loading progress bar on stderr
    assert done.stdout.startswith(("identical", "within tolerance")), done.output
    rewritten = regenerate(out, esco_data_dir, "--update")
    assert rewritten.exit_code == 0 and "(committed file updated)" in rewritten.output, rewritten.output
    result = read_result(path)
    assert result.scoring_version is not None and "sentence_transformers" not in result.model.settings
    assert "sentence-transformers" in result.environment["libraries"]
    assert result.per_query.values == values or done.stdout.startswith("within")
    # and a plain run into that folder now reuses it
    assert run(["all-MiniLM-L6-v2"], [spec], cache_dir=tmp_path / "c", log=lambda line: None, **kwargs).reused
    shutil.rmtree(tmp_path / "c", ignore_errors=True)
