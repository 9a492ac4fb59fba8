"""The scoring version (issue 26): a declared number for the code that builds datasets and computes scores,
recorded in every result file and part of its fingerprint, with a digest that catches code changes made
without moving it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.models.registry import load_model
from workbench.results.result_file import read_result, recorded_fingerprint, write_result
from workbench.results.scoring_version import (
    SCORING_CODE_SHA256,
    SCORING_VERSION,
    digest_of,
    scoring_code_digest,
    scoring_sources,
)
from workbench.running.runner import run
from workbench.taskfiles.catalog import get_task_spec

REPO = Path(__file__).resolve().parents[2]


def test_the_scoring_code_digest_is_recorded_for_the_current_scoring_version():
    got = scoring_code_digest()
    assert got == SCORING_CODE_SHA256, (
        f"The code that builds datasets or computes scores changed (what is covered: workbench/results/scoring_version.py); "
        f"its digest is now {got}, recorded for scoring version {SCORING_VERSION}: {SCORING_CODE_SHA256}. To update:"
        f" (1) if the change can change any score or per-query value, set SCORING_VERSION = {SCORING_VERSION + 1} in "
        f"workbench/results/scoring_version.py (result files of older versions are then recomputed, never reused) and "
        f"regenerate the committed results (`workbench leaderboard regenerate leaderboard/results --update`); if it "
        f"cannot (comments, formatting, a refactor that `workbench leaderboard regenerate` finds identical), keep the "
        f'version. (2) Either way set SCORING_CODE_SHA256 = "{got}" in workbench/results/scoring_version.py (the digest '
        f"of the current code: `python -c 'from workbench.results.scoring_version import scoring_code_digest as d; "
        f"print(d())'`)."
    )


def test_the_digest_covers_every_module_that_builds_datasets_or_scores_and_sees_an_edit():
    labels = {label for label, _ in scoring_sources()}
    folders = ("metrics", "sources", "scoring")
    for folder, package in ((f"workbench/{name}", f"workbench.{name}") for name in folders):
        for file in sorted((REPO / folder).glob("*.py")):
            name = package if file.stem == "__init__" else f"{package}.{file.stem}"
            assert name in labels, f"{file} is not covered by the scoring code digest"
    for file in sorted((REPO / "ontologies").glob("*.py")):
        name = "workbench.ontologies" if file.stem == "__init__" else f"workbench.ontologies.{file.stem}"
        assert name in labels
    assert {"workbench.dataset.ranking", "workbench.scoring.matrix", "workbench.running.task:Task.evaluate"} <= labels
    sources = scoring_sources()
    label = "workbench.metrics.ap"
    assert label in labels
    edited = [(lb, tx.replace("return", "return ", 1) if lb == label else tx) for lb, tx in sources]
    assert digest_of(edited) != digest_of(sources)
    crlf = [(lb, tx.replace("\n", "\r\n")) for lb, tx in sources]
    assert digest_of(crlf) == digest_of(sources)  # a Windows checkout gives the same digest


@pytest.fixture
def tfidf_run(esco_data_dir, cache_dir, tmp_path):
    out = tmp_path / "results"

    def go():
        logs: list[str] = []
        spec = get_task_spec("esco-skillnorm")
        kwargs = dict(split="full", output=out, load_model=load_model, data_dir=esco_data_dir, cache_dir=cache_dir)
        return run(["tfidf"], [spec], progress=False, log=logs.append, **kwargs), logs

    return go


def test_every_result_records_the_scoring_version_and_its_fingerprint_holds_it(tfidf_run):
    report, _ = tfidf_run()
    result = read_result(report.written[0])
    assert result.scoring_version == SCORING_VERSION
    assert result.fingerprint == recorded_fingerprint(result)
    other = result.model_copy(update={"scoring_version": SCORING_VERSION + 1})
    assert recorded_fingerprint(other) != result.fingerprint
    assert result.environment["scoring_code_sha256"] == scoring_code_digest()
    assert set(result.environment["libraries"]) == {"scikit-learn"}  # recorded, outside the identity


@pytest.mark.parametrize("version", [None, SCORING_VERSION + 1])
def test_a_file_of_another_scoring_version_is_recomputed_never_reused(tfidf_run, version):
    """None: a file written before scoring versions (no field): still readable, but never reused."""
    path = tfidf_run()[0].written[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    if version is None:
        del data["scoring_version"]
    else:
        data["scoring_version"] = version
    path.write_text(json.dumps(data), encoding="utf-8")
    old = read_result(path)
    assert old.scoring_version == version
    write_result(path, old.model_copy(update={"fingerprint": recorded_fingerprint(old)}))  # consistent, not edited

    report, logs = tfidf_run()
    assert report.written == [path] and not report.reused and not report.failed, logs
    assert read_result(path).scoring_version == SCORING_VERSION
    again, _ = tfidf_run()
    assert again.reused == [path]
