"""Issue 25, "wrong today": the board ranked what files claim. Each test forges files as a hostile submitter
would, on copies of the committed (real) results of one task, and checks that identity, the package's data
manifest, the verification ledger and the repository's history decide — never a file's own date or name.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from forgery import COMMITTED, FILE, MODELS, TASK, committed_copies, forge

from workbench.fronts.cli.main import main as workbench_main
from workbench.io import sha256_file
from workbench.leaderboard import build_leaderboard
from workbench.leaderboard.submission import card_problems, check_submission
from workbench.leaderboard.verification import VERIFIED, Ledger, Verdict
from workbench.results.result_file import ModelRecord
from workbench.taskfiles.catalog import get_task_spec

ROOT = Path(__file__).resolve().parents[2]
GIT = ["git", "-c", "user.name=board", "-c", "user.email=board@example.org", "-c", "commit.gpgsign=false"]

pytestmark = pytest.mark.skipif(not (COMMITTED / "tfidf" / FILE).is_file(), reason="committed results not present")


@pytest.fixture
def results(tmp_path) -> Path:
    """The committed results of TASK for four models, copied."""
    return committed_copies(tmp_path / "results")


def scale(data: dict, factor: float, share: float = 1.0) -> None:
    """Per-query values ×factor (capped at 1) on the first `share` of the queries; aggregates recomputed."""
    for metric, blob in data["per_query"]["values"].items():
        from workbench.results.per_query_codec import unpack

        values = unpack(blob).astype(np.float64)
        edited = max(1, int(len(values) * share))
        values[:edited] = np.minimum(values[:edited] * factor, 1.0)
        stored = values.astype("<f4")
        data["per_query"]["values"][metric] = base64.b64encode(stored.tobytes()).decode("ascii")
        data["scores"][metric] = float(stored.astype(np.float64).mean())


def ledger_of(results: Path, *paths: str) -> Ledger:
    """The ledger the board's CI would hold after verifying these files (their current bytes)."""
    return Ledger({sha256_file(results / p): Verdict(p, VERIFIED, "matched", 90, 262, 1e-4) for p in paths})


def build(results: Path, out: Path, ledger: Ledger | None = None):
    return build_leaderboard(results, out, tasks=[get_task_spec(TASK)], n_bootstrap=20, ledger=ledger)


def board(out: Path) -> dict[str, dict]:
    data = json.loads((out / "leaderboard.json").read_text(encoding="utf-8"))
    return {m["name"]: m for m in data["models"]}


def refusals(report) -> dict[str, tuple[str, str]]:
    return {r.path: (r.kind, r.reason) for r in report.refused}


def git(cwd: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["model"].update(revision="f" * 64),
        lambda d: d["model"]["settings"].update(extra="x"),
        lambda d: d["config"].update(ties="min"),
        lambda d: None,  # the date alone
    ],
    ids=["revision", "settings", "ties", "created_at"],
)
def test_a_forged_copy_never_displaces_the_real_result(results, tmp_path, edit):
    """Today: the forgery (values ×1.5, a new revision, settings or ties, created_at 59 minutes ahead: inside
    the clock-skew allowance) supersedes the real file as 'newer' and is ranked as tfidf."""
    real = results / "tfidf" / FILE
    ahead = (datetime.now(timezone.utc) + timedelta(minutes=59)).isoformat()
    forge(real, results / "tfidf" / "forged.json", lambda d: (scale(d, 1.5), edit(d), d.update(created_at=ahead)))
    real_score = json.loads(real.read_text())["scores"]["map"]

    report = build(results, tmp_path / "verified", ledger_of(results, *(f"{m}/{FILE}" for m in MODELS)))
    rows = board(tmp_path / "verified")
    assert rows["tfidf"]["tasks"][TASK]["score"] == pytest.approx(real_score, abs=1e-6)
    assert rows["tfidf"]["section"] == "main"
    kind, _ = refusals(report)["tfidf/forged.json"]
    assert kind in ("other-version", "conflict")  # conflict: same identity (only the date differs)

    report = build(results, tmp_path / "unverified")  # no ledger: nothing decides between the two
    kinds = {refusals(report)[p][0] for p in ("tfidf/forged.json", f"tfidf/{FILE}")}
    assert kinds <= {"version-conflict", "conflict"} and "tfidf" not in board(tmp_path / "unverified")


def test_fabrications_are_listed_as_self_reported_never_ranked_or_best(results, tmp_path):
    """Today: an in-place ×1.5 edit ranks; a made-up `super-model` at 0.99 is 99.00, bold as best."""
    ledger = ledger_of(results, *(f"{m}/{FILE}" for m in MODELS))  # verified before the edits
    forge(results / "tfidf" / FILE, results / "tfidf" / FILE, lambda d: scale(d, 1.5))

    def fabricate(d):
        d["model"].update(name="super-model", revision="s" * 64)
        scale(d, 0.0)
        for metric in d["per_query"]["values"]:
            d["per_query"]["values"][metric] = base64.b64encode(np.full(262, 0.99, "<f4").tobytes()).decode()
            d["scores"][metric] = float(np.float32(0.99))

    forge(results / "random" / FILE, results / "super-model" / FILE, fabricate)
    build(results, tmp_path / "b", ledger)
    rows = board(tmp_path / "b")
    assert rows["tfidf"]["section"] == rows["super-model"]["section"] == "self-reported"
    assert rows["super-model"]["rank"] is None and not rows["super-model"]["tasks"][TASK]["best"]
    best = json.loads((tmp_path / "b" / "leaderboard.json").read_text())["tasks"][0]["best_model"]
    assert best == "all-MiniLM-L6-v2"
    md = (tmp_path / "b" / "leaderboard.md").read_text(encoding="utf-8")
    assert "## Self-reported (not verified)" in md and "**99.00**" not in md


def test_a_back_dated_renamed_copy_never_evicts_the_real_model(results, tmp_path):
    """Today: tfidf renamed `zzz-stolen` with created_at 2000-01-01 evicts the real tfidf (exit 0)."""
    git(results, "init", "-q")
    git(results, "add", ".")
    git(results, "commit", "-q", "-m", "real results")
    for name, stamp in (("zzz-stolen", "2000-01-01T00:00:00+00:00"), ("aaa-first", None)):
        forge(
            results / "tfidf" / FILE,
            results / name / FILE,
            lambda d, n=name, s=stamp: (d["model"].update(name=n), s and d.update(created_at=s)),
        )
    git(results, "add", ".")
    git(results, "commit", "-q", "-m", "a later pull request")
    report = build(results, tmp_path / "b")
    why = refusals(report)
    assert f"tfidf/{FILE}" not in why and "tfidf" in board(tmp_path / "b")
    for name in ("zzz-stolen", "aaa-first"):
        kind, reason = why[f"{name}/{FILE}"]
        assert kind == "renamed-duplicate" and "the repository received it first" in reason


def test_a_new_version_waits_for_verification_behind_the_version_received_first(results, tmp_path):
    """Without a ledger entry for either, the version the repository received first stays ranked; a pull
    request's new revision (dated earlier) is listed as another version, never chosen by its date."""
    git(results, "init", "-q")
    git(results, "add", ".")
    git(results, "commit", "-q", "-m", "real results")
    forge(
        results / "tfidf" / FILE,
        results / "tfidf" / "new.json",
        lambda d: (scale(d, 1.5), d["model"].update(revision="f" * 64), d.update(created_at="2000-01-01T00:00:00Z")),
    )
    real_score = json.loads((results / "tfidf" / FILE).read_text())["scores"]["map"]
    kind, reason = refusals(build(results, tmp_path / "b"))["tfidf/new.json"]
    assert kind == "other-version" and f"the version the repository received first, tfidf/{FILE}" in reason
    assert board(tmp_path / "b")["tfidf"]["tasks"][TASK]["score"] == pytest.approx(real_score, abs=1e-6)


def test_outside_git_no_copy_is_chosen(results, tmp_path):
    forge(results / "tfidf" / FILE, results / "aaa" / FILE, lambda d: d["model"].update(name="aaa"))
    why = refusals(build(results, tmp_path / "b"))
    assert why[f"tfidf/{FILE}"][0] == why[f"aaa/{FILE}"][0] == "duplicate-undecided"
    assert "not in a git checkout" in why[f"aaa/{FILE}"][1]


def test_forged_data_checksums_cannot_outvote_the_real_files(results, tmp_path):
    """Today: more forged files with all-zero data_files than real ones make the real files `data-mismatch`."""
    for i in range(len(MODELS) + 1):
        forge(
            results / "bm25" / FILE,
            results / f"zero{i}" / FILE,
            lambda d, i=i: (
                d["model"].update(name=f"zero{i}", revision=str(i) * 64),
                d.update(data_files=dict.fromkeys(d["data_files"], "0" * 64)),
                scale(d, 1.0 + i / 10),
            ),
        )
    why = refusals(build(results, tmp_path / "b"))
    assert {why[f"zero{i}/{FILE}"][0] for i in range(len(MODELS) + 1)} == {"data-mismatch"}
    assert not [p for p in why if not p.startswith("zero")]
    assert set(board(tmp_path / "b")) == set(MODELS)


@pytest.mark.parametrize(
    "name",
    ["tf\u0456df", "tfidf\u00a0", "tfidf\u2028", "ｔｆｉｄｆ"],
    ids=["cyrillic-i", "no-break-space", "line-separator", "fullwidth"],
)
def test_names_that_read_like_another_are_refused(results, tmp_path, name):
    forge(
        results / "bm25" / FILE,
        results / "imitator" / FILE,
        lambda d: d["model"].update(name=name, revision="9" * 64),
    )
    kind, _ = refusals(build(results, tmp_path / "b"))[f"imitator/{FILE}"]
    assert kind == "model-card"


def test_negative_parameters_are_refused(results, tmp_path):
    forge(results / "bm25" / FILE, results / "neg" / FILE, lambda d: d["model"].update(name="neg", parameters=-5))
    assert refusals(build(results, tmp_path / "b"))[f"neg/{FILE}"][0] == "model-card"
    card = ModelRecord(name="m", revision="r", kind="embedding", parameters=-5, license="MIT", training_data=["x"])
    assert card_problems(card) == ["model.parameters is -5; a parameter count is >= 0"]


# ---------------------------------------------------------------- results check against the board
def test_results_check_needs_a_board_that_exists(tmp_path):
    runner = CliRunner()
    folder = COMMITTED / "bm25"
    missing = runner.invoke(workbench_main, ["results", "check", str(folder), "--board", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    here = Path.cwd()
    try:
        os.chdir(tmp_path)  # outside the repository: no leaderboard/results to compare with
        outside = runner.invoke(workbench_main, ["results", "check", str(folder)])
    finally:
        os.chdir(here)
    assert outside.exit_code == 1 and "pass --board" in outside.output
    ok = runner.invoke(workbench_main, ["results", "check", str(folder), "--board", str(COMMITTED)])
    assert ok.exit_code == 0 and f"compared against the board {COMMITTED}" in ok.output


def test_fabricated_or_copied_card_folders_are_refused(tmp_path):
    """Today: a renamed bm25 folder `bm25-turbo` passes `results check`; a folder carrying MiniLM's card
    (its name) with other weights passes as MiniLM."""
    turbo = tmp_path / "bm25-turbo"
    for path in sorted((COMMITTED / "bm25").glob("*__test.json")):
        forge(path, turbo / path.name, lambda d: d["model"].update(name="bm25-turbo"))
    report = check_submission(turbo, COMMITTED)
    assert any("already on the board as 'bm25'" in p for p in report.problems)
    assert any("per-query values equal the board's bm25/" in p for p in report.problems)

    copied = tmp_path / "all-MiniLM-L6-v2"
    for path in sorted((COMMITTED / "all-MiniLM-L6-v2").glob("*__test.json")):
        forge(path, copied / path.name, lambda d: (d["model"].update(revision="c" * 64), scale(d, 0.9)))
    report = check_submission(copied, COMMITTED)
    assert any("a card copied from a known model is refused" in p for p in report.problems)


# ---------------------------------------------------------------- results verify and the ledger
def test_verify_records_states_and_only_verified_rows_rank(esco_data_dir, tmp_path):
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("WORKBENCH_DATA_DIR", None)
    cli = [sys.executable, "-m", "workbench.fronts.cli"]
    out = tmp_path / "out"
    run = subprocess.run(
        [*cli, "run", "--model", "tfidf", "--tasks", "esco-job2skill", "--split", "full", "--output", str(out)]
        + ["--data-dir", str(esco_data_dir), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    real = out / "tfidf" / "esco-job2skill__v1__full.json"
    forge(real, tmp_path / "edited" / "tfidf" / real.name, lambda d: scale(d, 0.5, share=0.05))
    forge(real, tmp_path / "ghost" / "ghost-model" / real.name, lambda d: d["model"].update(name="ghost-model"))
    ledger = tmp_path / "verification.json"
    verify = subprocess.run(
        [*cli, "results", "verify", str(out / "tfidf"), str(tmp_path / "edited" / "tfidf")]
        + [str(tmp_path / "ghost" / "ghost-model"), "--record", "--ledger", str(ledger)]
        + ["--data-dir", str(esco_data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verify.returncode == 1, verify.stdout + verify.stderr  # the edited file mismatches
    lines = verify.stdout.splitlines()
    queries = json.loads(real.read_text())["sizes"]["queries"]
    assert lines[0] == "sample: 90 queries per file (or all), tolerance 0.0001"
    assert lines[1].startswith(f"tfidf/esco-job2skill: verified — matched: {min(90, queries)} of {queries} queries")
    assert lines[2].startswith("tfidf/esco-job2skill: mismatched — mismatched at query ")
    assert lines[3].startswith("ghost-model/esco-job2skill: not-loadable — model 'ghost-model' does not load here")
    book = Ledger.load(ledger)
    assert book.state_of(sha256_file(real)) == VERIFIED
    assert hashlib.sha256(ledger.read_bytes()).hexdigest()  # written


def test_sample_size_catches_a_five_percent_edit_with_99_percent_probability():
    from workbench.running.reproduce import VERIFY_SAMPLE, verify_sample_size

    assert VERIFY_SAMPLE == 90 and 1 - 0.95**90 >= 0.99 > 1 - 0.95**89
    assert verify_sample_size(40) == 40 and verify_sample_size(10_000) == 90


def test_verify_never_trains_a_card_model_whose_weights_cannot_be_obtained(tmp_path):
    """A UWE row whose card says reproducible: false is not loadable at once (no fetch, no training from the
    recipe), and the board lists it under "Archived — not reproducible" (by the package's card, not the file)."""
    folder = COMMITTED / "uwe-cpu-long"
    if not folder.is_dir():
        pytest.skip("no committed UWE row")
    done = CliRunner().invoke(workbench_main, ["results", "verify", str(folder), "--tasks", TASK])
    assert done.exit_code == 0, done.output
    assert f"uwe-cpu-long/{TASK}: not-loadable — model 'uwe-cpu-long' does not load here: its card says " in done.output
    assert "reproducible: false" in done.output
    results = tmp_path / "results"
    for model in ("uwe-cpu-long", "tfidf"):
        (results / model).mkdir(parents=True)
        shutil.copyfile(COMMITTED / model / FILE, results / model / FILE)
    build(results, tmp_path / "b", ledger_of(results, f"tfidf/{FILE}"))
    rows = board(tmp_path / "b")
    assert rows["uwe-cpu-long"]["section"] == "archived" and rows["tfidf"]["section"] == "main"
    assert "## Archived — not reproducible" in (tmp_path / "b" / "leaderboard.md").read_text(encoding="utf-8")


def test_a_mismatch_under_other_library_versions_is_no_verdict():
    """MiniLM's CJK job-title files re-score differently with sentence-transformers 6.3.0 than the 6.2.0 they
    record (near-ties): the file is not refused as forged; the row stays self-reported until a check with
    the recorded versions. A file claiming old versions gains nothing: it is never verified that way."""
    from importlib.metadata import version

    from workbench.results.result_file import read_result
    from workbench.running.reproduce import library_drift

    result = read_result(COMMITTED / "tfidf" / FILE)
    numpy_here = version("numpy")
    same = result.model_copy(update={"environment": {"libraries": {"numpy": numpy_here + "+cpu"}}})
    other = result.model_copy(update={"environment": {"libraries": {"numpy": "0.0.1"}}})
    assert library_drift(same) == [] and library_drift(result.model_copy(update={"environment": {}})) == []
    assert library_drift(other) == [f"numpy 0.0.1 recorded, {numpy_here} here"]
