"""Leaderboard build: validation, aggregation, statistics, transfer, escaping, determinism."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from lb_fixtures import DATA_DIR, HOSTILE, MODELS, PIPE_NAME, make_result, query_ids, write
from workbench.io import sha256_file
from workbench.leaderboard import build_leaderboard, leaderboard_cli
from workbench.leaderboard.aggregate import build_board
from workbench.leaderboard.collect import Entry, collect
from workbench.leaderboard.tables import md as escape_md
from workbench.leaderboard.transfer import build_transfer
from workbench.leaderboard.verification import VERIFIED, Ledger, Verdict

N_BOOT = 300


def build(results, out, specs, **kw):
    kw.setdefault("n_bootstrap", N_BOOT)
    kw.setdefault("data_dir", DATA_DIR)  # the fixture results' data files (not in the package manifest)
    return build_leaderboard(results, out, tasks=specs, **kw)


def board_for(results, specs, **kw):
    collection = collect(results, specs, data_dir=DATA_DIR)
    return collection, build_board(collection, specs, suite=None, seed=0, n_bootstrap=N_BOOT, **kw)


def load_json(out):
    return json.loads((out / "leaderboard.json").read_text(encoding="utf-8"))


def refused(report):
    return {r.path: (r.kind, r.reason) for r in report.refused}


# ---------------------------------------------------------------- validation
def test_clean_build_writes_every_output(populated, specs, tmp_path):
    report = build(populated, tmp_path / "site", specs)
    assert report.refused == []
    assert report.files == [
        "index.html",
        "latency.png",
        "leaderboard.csv",
        "leaderboard.json",
        "leaderboard.md",
        "per_task.png",
        "transfer.png",
    ]
    for name in report.files:
        assert (tmp_path / "site" / name).stat().st_size > 0
    for name in ("latency.png", "per_task.png", "transfer.png"):
        assert (tmp_path / "site" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert report.models == len(MODELS) + 1 and report.ranked == len(MODELS)


def test_tampered_aggregate_is_skipped_with_reason(populated, specs, tmp_path):
    path = populated / "bm25" / "job-norm__v1__test.json"
    data = json.loads(path.read_text())
    data["scores"]["map"] += 0.05  # a "better" score, per-query values untouched
    path.write_text(json.dumps(data))
    (populated / "garbage.json").write_text("{not json")
    (populated / "bm25" / "truncated.json").write_text(path.read_text()[:200])

    report = build(populated, tmp_path / "site", specs)
    why = refused(report)
    assert why["bm25/job-norm__v1__test.json"][0] == "invalid"
    assert "edited or corrupted" in why["bm25/job-norm__v1__test.json"][1]
    assert why["garbage.json"][0] == "invalid" and why["bm25/truncated.json"][0] == "invalid"
    assert str(populated) not in json.dumps(why)  # reasons name files relative to the results folder
    data = load_json(tmp_path / "site")
    bm25 = next(m for m in data["models"] if m["name"] == "bm25")
    assert "job-norm" not in bm25["tasks"] and bm25["macro"]["map"] is None  # skipped, never averaged
    assert report.ranked == len(MODELS) - 1  # everything else still built
    md = (tmp_path / "site" / "leaderboard.md").read_text()
    assert escape_md("bm25/job-norm__v1__test.json") in md
    assert "edited or corrupted" in md


def test_wrong_task_version_and_spec_hash_are_refused(populated, specs, tmp_path):
    job_norm = specs[0]
    write(populated, make_result(job_norm, "old-version", version=2, seed=3))
    changed = make_result(job_norm, "changed-spec", seed=4)
    changed.task.spec_hash = "0" * 64
    write(populated, changed)
    report = build(populated, tmp_path / "site", specs)
    why = refused(report)
    kind, reason = why["old-version/job-norm__v2__test.json"]
    assert kind == "spec-mismatch" and "task version 2" in reason and "version 1" in reason
    kind, reason = why["changed-spec/job-norm__v1__test.json"]
    assert kind == "spec-mismatch" and "spec_hash" in reason
    names = {m["name"] for m in load_json(tmp_path / "site")["models"]}
    assert not names & {"old-version", "changed-spec"}


def test_unofficial_duplicates_split_and_unknown_task(populated, specs, tmp_path):
    job_norm = specs[0]
    write(populated, make_result(job_norm, "limited", official=False, quality=0.99))
    # bm25 of two more revisions, dated 2026 and 2024: a date never picks one (issue 25). Without a ledger no
    # version is ranked; with the ledger the verified one is. (Two files of one revision and settings with other
    # values are a conflict instead: see tests/reliability/test_forged_results.py.)
    newer = make_result(job_norm, "bm25", quality=0.7, seed=99, created_at="2026-03-01T00:00:00Z", revision="rev2")
    rerun = write(populated, newer, name="job-norm__v1__test.rerun.json")
    older = make_result(job_norm, "bm25", quality=0.1, seed=98, created_at="2024-03-01T00:00:00+00:00", revision="rev0")
    write(populated, older, name="job-norm__v1__test.old.json")
    write(populated, make_result(job_norm, "bm25", split="val"))
    other = make_result(job_norm, "bm25")
    other.task.name = "not-on-board"
    write(populated, other)

    report = build(populated, tmp_path / "site", specs)
    why = refused(report)
    assert why["limited/job-norm__v1__test.json"][0] == "unofficial"
    for name in ("job-norm__v1__test.json", "job-norm__v1__test.old.json", "job-norm__v1__test.rerun.json"):
        assert why[f"bm25/{name}"][0] == "version-conflict" and "never a file's date" in why[f"bm25/{name}"][1]
    # files of other splits or tasks are counted, not refused: a shared results folder is the normal case
    assert "bm25/job-norm__v1__val.json" not in why and "bm25/not-on-board__v1__test.json" not in why
    assert report.skipped == 2
    data = load_json(tmp_path / "site")
    assert "limited" not in {m["name"] for m in data["models"]}
    assert "job-norm" not in next(m for m in data["models"] if m["name"] == "bm25")["tasks"]

    ledger = Ledger({sha256_file(rerun): Verdict("bm25/job-norm__v1__test.rerun.json", VERIFIED, "matched")})
    why = refused(build(populated, tmp_path / "site", specs, ledger=ledger))
    assert why["bm25/job-norm__v1__test.json"][0] == why["bm25/job-norm__v1__test.old.json"][0] == "other-version"
    assert "the verified version, bm25/job-norm__v1__test.rerun.json" in why["bm25/job-norm__v1__test.json"][1]
    data = load_json(tmp_path / "site")
    bm25 = next(m for m in data["models"] if m["name"] == "bm25")
    assert bm25["tasks"]["job-norm"]["file"] == "bm25/job-norm__v1__test.rerun.json"
    assert bm25["tasks"]["job-norm"]["score"] == pytest.approx(newer.scores["map"], abs=1e-6)


def test_data_checksums_against_the_manifest_or_the_data_dir(populated, specs, tmp_path):
    odd = dict(make_result(specs[0], "x").data_files)
    odd["esco/occupations_en.csv"] = "c" * 64
    write(populated, make_result(specs[0], "other-data", data_files=odd))
    why = refused(build(populated, tmp_path / "a", specs))
    kind, reason = why["other-data/job-norm__v1__test.json"]
    assert kind == "data-mismatch" and "esco/occupations_en.csv" in reason
    # Without a data directory the reference is the package's data manifest, which does not list the
    # fixtures' files: every file is refused, however many agree with one another (no vote).
    why = refused(collect(populated, specs))
    assert {kind for kind, _ in why.values()} == {"data-mismatch"} and len(why) == 21
    assert "not in the package's data manifest" in why["bm25/job-norm__v1__test.json"][1]
    assert "pass --data-dir" in why["bm25/job-norm__v1__test.json"][1]

    # With a data directory, the files there are the reference: only a result that matches them is kept.
    data_dir = tmp_path / "data"
    (data_dir / "esco").mkdir(parents=True)
    (data_dir / "esco" / "occupations_en.csv").write_text("id,label\n1,nurse\n")
    (data_dir / "esco" / "skills_en.csv").write_text("id,label\n1,care\n")
    real = {rel: sha256_file(data_dir / rel) for rel in ("esco/occupations_en.csv", "esco/skills_en.csv")}
    write(populated, make_result(specs[0], "real-data", data_files=real))
    report = build(populated, tmp_path / "b", specs, data_dir=data_dir)
    why = refused(report)
    assert "real-data/job-norm__v1__test.json" not in why
    assert why["bm25/job-norm__v1__test.json"][0] == "data-mismatch"
    assert "sha256" in why["bm25/job-norm__v1__test.json"][1]


# ---------------------------------------------------------------- aggregation
def test_missing_task_gets_no_macro(populated, specs, tmp_path):
    build(populated, tmp_path / "site", specs)
    data = load_json(tmp_path / "site")
    partial = next(m for m in data["models"] if m["name"] == "partial-model")
    assert partial["tasks_completed"] == 2 and partial["rank"] is None and partial["complete"] is False
    assert partial["macro"] == {"map": None, "rp@10": None}
    assert partial["group_means"]["skill_similarity"] is None and partial["group_means"]["job2skill"] is not None
    assert data["models"][-1]["name"] == "partial-model"  # listed after every ranked model
    md = (tmp_path / "site" / "leaderboard.md").read_text()
    row = next(
        line
        for line in md.splitlines()
        if line.startswith("| — | partial\\-model") or ("partial-model" in line and line.startswith("| —"))
    )
    assert "incomplete" in row and "2/3" in row

    complete = next(m for m in data["models"] if m["name"] == "bm25")
    expected = np.mean([complete["tasks"][t]["scores"]["map"] for t in ("job-norm", "job2skill", "skill-sim")])
    assert complete["macro"]["map"] == pytest.approx(expected, abs=2e-6)


def test_ranking_order_and_group_means(populated, specs):
    _, board = board_for(populated, specs)
    ranked = [r for r in board.models if r.rank]
    assert ranked[0].name == "strong-model" and ranked[0].rank == 1
    assert [r.macro["map"] for r in ranked] == sorted((r.macro["map"] for r in ranked), reverse=True)
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))
    for r in ranked:
        assert r.group_means["job_normalization"] == pytest.approx(board.cell(r.name, "job-norm").score)


def test_bootstrap_ci_contains_point_estimate(populated, specs):
    _, board = board_for(populated, specs)
    for cell in board.cells.values():
        lo, hi = cell.ci
        assert lo <= cell.score <= hi and hi - lo < 0.2
    for row in board.models:
        for metric, value in row.macro.items():
            if value is not None:
                lo, hi = row.macro_ci[metric]
                assert lo <= value <= hi
    # The macro interval is narrower than the per-task intervals it averages (independent resampling).
    strong = next(r for r in board.models if r.name == "strong-model")
    widths = [board.cell("strong-model", t.name).ci[1] - board.cell("strong-model", t.name).ci[0] for t in specs]
    assert strong.macro_ci["map"][1] - strong.macro_ci["map"][0] < np.mean(widths)


def test_significance_marks_on_a_clear_case(tmp_path, specs):
    root = tmp_path / "results"
    spec = specs[0]
    ids = query_ids(spec.name, 200)
    rng = np.random.default_rng(5)
    base = rng.beta(2, 3, size=200)
    values = {
        "clear-winner": np.clip(base + 0.25, 0, 1),
        "loser": base,
        "near-tie": np.clip(base + 0.25 + rng.normal(0, 0.01, size=200), 0, 1),  # indistinguishable from the winner
    }
    for model, ap in values.items():
        write(root, make_result(spec, model, ids=ids, values={"map": ap, "mrr": ap, "rp@10": ap}))
    # Same task, different queries: cannot be paired. (collect refuses such a file as `query-set`; the
    # board's own guard is tested by handing it one directly.)
    other_ids = [i + "x" for i in ids]
    odd = make_result(spec, "other-queries", ids=other_ids, values={"map": base, "mrr": base, "rp@10": base})
    collection = collect(root, [spec], data_dir=DATA_DIR)
    collection.accepted[("other-queries", spec.name)] = Entry("other-queries/job-norm__v1__test.json", odd)
    board = build_board(collection, [spec], suite=None, seed=0, n_bootstrap=N_BOOT)
    best = board.best[spec.name]
    assert best in ("clear-winner", "near-tie") and board.cell(best, spec.name).is_best
    loser = board.cell("loser", spec.name)
    assert loser.p_vs_best < 0.01 and loser.significant
    tie = next(board.cell(m, spec.name) for m in ("clear-winner", "near-tie") if m != best)
    assert not tie.significant and tie.p_vs_best > 0.05
    skipped = board.cell("other-queries", spec.name)
    assert skipped.p_vs_best is None and "query ids differ" in skipped.test_note

    report = build(root, tmp_path / "site", [spec])
    assert report.refused == []
    md = (tmp_path / "site" / "leaderboard.md").read_text()
    per_task = md.split("## Per-task scores")[1].split("## Tasks")[0]
    loser_line = next(line for line in per_task.splitlines() if line.startswith("| loser"))
    assert "†" in loser_line
    best_line = next(line for line in per_task.splitlines() if line.startswith(f"| {best.replace('-', '-')}"))
    assert "**" in best_line and "†" not in best_line
    data = load_json(tmp_path / "site")
    loser_json = next(m for m in data["models"] if m["name"] == "loser")
    assert loser_json["tasks"]["job-norm"]["significant"] is True
    assert loser_json["macro_significant"] is True  # single task: the macro test agrees


def test_zero_shot_flag_and_overlaps(populated, specs):
    from workbench.leaderboard.zeroshot import overlaps

    _, board = board_for(populated, specs)
    assert not board.cell("uwe-ft-jobnorm", "job-norm").zero_shot
    assert board.cell("uwe-ft-jobnorm", "job2skill").zero_shot
    assert all(board.cell("bm25", t.name).zero_shot for t in specs)
    record = make_result(specs[1], "m", training_data=["ESCO/Skills_EN.csv"]).model
    assert overlaps(record, specs[1])  # source file name, case-insensitive
    assert overlaps(make_result(specs[0], "m", training_data=["esco_titles"]).model, specs[0])  # loader name
    assert not overlaps(make_result(specs[0], "m", training_data=["msmarco", "job2skill"]).model, specs[0])


def test_a_structured_training_entry_overlaps_every_task_of_its_dataset_family():
    from workbench.leaderboard.zeroshot import overlaps
    from workbench.results.result_file import ModelRecord
    from workbench.taskfiles.catalog import list_tasks

    catalog = {spec.name: spec for spec in list_tasks()}
    uwe = ModelRecord(
        name="uwe",
        revision="r",
        kind="scoring",
        trained_on=["job", "sentence", "alias"],
        training_data=[
            "esco:v1.1.1:train-partition:occupation-skill",
            "decorte:house+tech:validation",
            "skillskape:train",
            "esco:v1.1.1:train-partition:skill-alias",
        ],
    )
    not_zero_shot = {name for name, spec in catalog.items() if overlaps(uwe, spec)}
    # jobbert and the crosswalk rank ESCO occupations (they read the ESCO release): not zero-shot either
    assert {
        "esco-job2skill",
        "esco-skillnorm",
        "house-skill-extraction",
        "tech-skill-extraction",
        "skillskape-skill-extraction",
        "onet-esco-crosswalk",
        "jobbert-jobnorm",
    } <= not_zero_shot
    assert not {"onet-jobnorm", "onet-task2dwa", "onet-job2tech", "melo-usa-q-en-c-en"} & not_zero_shot
    # "job" (a graph name) is no family: a task merely named like a graph does not match
    assert not overlaps(
        ModelRecord(name="m", revision="r", kind="embedding", trained_on=["job"]), catalog["onet-jobnorm"]
    )


def test_transfer_matrix_values(populated, specs, tmp_path):
    _, board = board_for(populated, specs)
    transfer = build_transfer(board)
    assert transfer is not None
    base_row, ft_row = transfer.rows
    assert (base_row.model, base_row.base, base_row.label) == ("uwe-base", None, "(base)")
    assert (ft_row.model, ft_row.base, ft_row.trained_on) == ("uwe-ft-jobnorm", "uwe-base", ["job-norm"])
    for spec in specs:
        ft, base = board.cell("uwe-ft-jobnorm", spec.name), board.cell("uwe-base", spec.name)
        assert ft_row.values[spec.name] == ft.scores["map"]
        assert ft_row.gains[spec.name] == pytest.approx(ft.scores["map"] - base.scores["map"])
    assert ft_row.gains["job-norm"] > 0.05  # trained on it: clear gain
    assert abs(ft_row.gains["job2skill"]) < 1e-3 and abs(ft_row.gains["skill-sim"]) < 1e-3  # one query moved
    assert ft_row.in_domain == {"job-norm": True, "job2skill": False, "skill-sim": False}

    build(populated, tmp_path / "site", specs)
    md = (tmp_path / "site" / "leaderboard.md").read_text()
    assert "## Cross-task transfer" in md and "### MAP gain over the base model" in md
    gain_line = next(
        line
        for line in md.split("### MAP gain over the base model")[1].splitlines()
        if "uwe\\-ft\\-jobnorm" in line or "uwe-ft-jobnorm" in line
    )
    assert f"{100 * ft_row.gains['job-norm']:+.2f}§" in gain_line and "+0.00" in gain_line
    data = load_json(tmp_path / "site")
    assert data["transfer"]["rows"][1]["gain"]["job2skill"] == pytest.approx(0.0, abs=1e-3)


def test_transfer_notes_when_base_is_missing(tmp_path, specs):
    root = tmp_path / "results"
    write(root, make_result(specs[0], "orphan-ft", trained_on=["job-norm"], settings={"base_model": "nowhere"}))
    _, board = board_for(root, [specs[0]])
    transfer = build_transfer(board)
    assert transfer.rows[0].base is None and not transfer.has_gains
    assert "nowhere" in transfer.notes[0]


# ---------------------------------------------------------------- output formats
def test_hostile_names_are_escaped_everywhere(populated, specs, tmp_path):
    out = tmp_path / "site"
    build(populated, out, specs)
    md = (out / "leaderboard.md").read_text()
    assert HOSTILE not in md and "<img" not in md
    assert "&lt;img src=x onerror=alert(1)&gt;" in md
    assert "pipe\\|model \\`code\\` \\*bold\\* \\[x\\](y)" in md
    for table in md.split("\n\n"):
        rows = [line for line in table.splitlines() if line.startswith("|")]
        if rows:  # every row of every table has the header's column count (no stray '|')
            counts = {len(line.replace("\\|", "").split("|")) for line in rows}
            assert len(counts) == 1, table

    page = (out / "index.html").read_text()
    assert HOSTILE not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "http://" not in page and "https://" not in page and "<script src" not in page and "<link" not in page
    assert page.count("<script>") == 1 and "script-src 'sha256-" in page

    rows = list(csv.reader(io.StringIO((out / "leaderboard.csv").read_text())))
    names = [r[1] for r in rows[1:]]
    assert HOSTILE in names and PIPE_NAME in names
    assert len({len(r) for r in rows}) == 1
    data = load_json(out)
    assert HOSTILE in {m["name"] for m in data["models"]}


def test_csv_neutralises_formulas(tmp_path, specs):
    root = tmp_path / "results"
    write(root, make_result(specs[0], '=HYPERLINK("http://x")'), name="formula.json")
    build(root, tmp_path / "site", [specs[0]], n_bootstrap=50)
    rows = list(csv.reader(io.StringIO((tmp_path / "site" / "leaderboard.csv").read_text())))
    assert rows[1][1] == '\'=HYPERLINK("http://x")'


def test_double_build_is_byte_identical(populated, specs, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    build(populated, first, specs, seed=7)
    build(populated, second, specs, seed=7)
    build(populated, first, specs, seed=7)  # rebuilding in place changes nothing either
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir()) and len(names) == 7
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # Moving the results folder changes nothing; another seed changes the intervals.
    moved = tmp_path / "elsewhere" / "results"
    moved.parent.mkdir()
    populated.rename(moved)
    build(moved, tmp_path / "three", specs, seed=7)
    assert (tmp_path / "three" / "leaderboard.json").read_bytes() == (first / "leaderboard.json").read_bytes()
    build(moved, tmp_path / "four", specs, seed=8)
    assert (tmp_path / "four" / "leaderboard.json").read_bytes() != (first / "leaderboard.json").read_bytes()
    png = (first / "per_task.png").read_bytes()
    assert b"Software" not in png and b"matplotlib" not in png.lower()


def test_output_folder_inside_results_is_not_read(populated, specs, tmp_path):
    reference = build(populated, tmp_path / "elsewhere", specs)
    out = populated / "leaderboard"  # as `make run` does: results/leaderboard
    build(populated, out, specs)
    (out / "copy").mkdir()
    (out / "copy" / "stray.json").write_text("{}")
    second = build(populated, out, specs)
    assert second.files_seen == reference.files_seen and second.refused == []
    assert (out / "leaderboard.json").read_bytes() == (tmp_path / "elsewhere" / "leaderboard.json").read_bytes()


def test_stale_plots_are_removed(populated, specs, tmp_path):
    out = tmp_path / "site"
    build(populated, out, specs)
    assert (out / "transfer.png").exists()
    lone = tmp_path / "lone"
    write(lone, make_result(specs[0], "bm25"))
    report = build(lone, out, [specs[0]], n_bootstrap=50)
    assert report.files == ["index.html", "leaderboard.csv", "leaderboard.json", "leaderboard.md", "per_task.png"]
    assert not (out / "transfer.png").exists() and not (out / "latency.png").exists()


def test_cli_build(populated, specs, tmp_path, monkeypatch):
    import workbench.leaderboard.build as build_module

    monkeypatch.setattr(build_module, "resolve_tasks", lambda results_dir, suite, tasks, exclude=None: specs)
    (populated / "bad.json").write_text("[]")
    runner = CliRunner()
    result = runner.invoke(
        leaderboard_cli,
        [
            "build",
            str(populated),
            "--out",
            str(tmp_path / "site"),
            "--suite",
            "whatever",
            "--seed",
            "3",
            "--n-bootstrap",
            "50",
            "--data-dir",
            str(DATA_DIR),
        ],
    )
    assert result.exit_code == 0, result.output
    assert " 1 refused" in result.output and "refused bad.json" in result.output
    assert (tmp_path / "site" / "index.html").exists()
    strict = runner.invoke(
        leaderboard_cli,
        [
            "build",
            str(populated),
            "--out",
            str(tmp_path / "s2"),
            "--strict",
            "--n-bootstrap",
            "20",
            "--data-dir",
            str(DATA_DIR),
        ],
    )
    assert strict.exit_code == 1


def test_cli_unknown_suite_is_a_clear_error(populated, tmp_path):
    result = CliRunner().invoke(
        leaderboard_cli, ["build", str(populated), "--out", str(tmp_path / "site"), "--suite", "no-such-suite"]
    )
    assert result.exit_code != 0 and "no-such-suite" in result.output
