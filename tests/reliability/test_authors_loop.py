"""Issue 29, "the author's loop": what an author sees while running models on tasks. One progress line for the
run, notes instead of warnings for a task's known data gaps, result file names as documented, a plugin's
results under its entry point's name, shared ranks for ties, the label of a --limit file, a hub id offline,
and the forms `run --model` accepts."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from forgery import FILE, committed_copies, forge
from test_forged_results import TREC_TASK, build, refusals, set_values

from workbench.fronts.cli.main import main
from workbench.io import stable_hash
from workbench.models import registry
from workbench.models.model import ModelInfo
from workbench.plugins import Registry
from workbench.results.result_file import read_result
from workbench.results.result_store import planned_path
from workbench.run_progress import RunProgress, clock_text

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> object:
    return CliRunner().invoke(main, ["run", *args], catch_exceptions=False)


# ------------------------------------------------------------------------------ 1. one progress line
class LetterCounts:
    """A tiny embedding model: counts of the letters a-z."""

    def __init__(self):
        self.info = ModelInfo(name="letter-counts", revision="1", kind="embedding", training_data=["none"])

    def prompt_for(self, *, role, input_type, group=None):
        return None

    def encode(self, texts, *, role, input_type, group=None):
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for row, text in enumerate(texts):
            for char in text.lower():
                if "a" <= char <= "z":
                    out[row, ord(char) - 97] += 1.0
        return out + 1e-3


@pytest.fixture
def letter_counts():
    registry.register("letter-counts", LetterCounts, description="letter counts", kind="embedding")
    yield "letter-counts"
    registry.unregister("letter-counts")


def test_a_run_shows_one_line_of_items_texts_and_eta(esco_data_dir, cache_dir, tmp_path, letter_counts):
    tasks = "esco-job2skill,esco-skill2job"
    args = ["--model", letter_counts, "--tasks", tasks, "--split", "full", "--data-dir", str(esco_data_dir)]
    done = _run(*args, "--output", str(tmp_path / "out"))
    assert done.exit_code == 0, done.output
    lines = re.split(r"[\r\n]", done.stderr)
    run_lines = [line.strip() for line in lines if line.strip().startswith("run: ")]
    assert run_lines[0] == "run: 0/2 items · ETA ?"
    last = run_lines[-1]
    assert re.fullmatch(r"run: 2/2 items · texts ([\d,]+)/\1 · ETA 0s", last), last
    assert any(line.startswith("run: 1/2 items · texts ") and "ETA ?" not in line for line in run_lines)
    assert "encode queries" in done.stderr and "querys" not in done.stderr
    assert "encode targets" in done.stderr

    again = _run(*args, "--output", str(tmp_path / "out"), "--no-progress")
    assert again.exit_code == 0 and "run: " not in again.stderr and "encode " not in again.stderr


def test_the_eta_is_the_mean_computed_item_times_the_items_left():
    now = [0.0]
    line = RunProgress(4, enabled=False, clock=lambda: now[0])
    line.start_item()
    line.finish_item(computed=False)  # reused: no time, not in the mean
    assert line.eta_seconds() is None and line.line() == "run: 1/4 items · ETA ?"
    line.start_item()
    now[0] = 30.0
    line.finish_item(computed=True)
    line.texts(seen=1200, done=1000)
    assert line.eta_seconds() == 60.0
    assert line.line() == "run: 2/4 items · texts 1,000/1,200 · ETA 1:00"
    assert [clock_text(s) for s in (42, 250, 3723)] == ["42s", "4:10", "1:02:03"]


# ------------------------------------------------------------------------- 2. data gaps are notes at -v
def _gappy_task(tmp_path: Path) -> Path:
    g = tmp_path / "data" / "g"
    g.mkdir(parents=True)
    (g / "queries.tsv").write_text("q1\tpython developer\nq3\tnurse\n", encoding="utf-8")
    (g / "corpus.tsv").write_text("t1\tsoftware developer\nt2\tnurse\n", encoding="utf-8")
    (g / "qrels.tsv").write_text("q1\t0\tt1\t1\nq3\t0\tt2\t1\nqx\t0\tt1\t1\nqy\t0\tt2\t1\n", encoding="utf-8")
    task = tmp_path / "graded-titles.yaml"
    task.write_text(TREC_TASK, encoding="utf-8")
    return task


def test_a_tasks_dropped_pairs_are_a_note_at_verbose_never_a_warning(tmp_path, cache_dir):
    task = _gappy_task(tmp_path)
    args = ["--model", "tfidf", "--tasks", str(task), "--split", "full", "--data-dir", str(tmp_path / "data")]
    quiet = _run(*args, "--output", str(tmp_path / "a"), "--no-progress")
    assert quiet.exit_code == 0, quiet.output
    assert "warning" not in quiet.stderr and "relevance pairs" not in quiet.stderr
    told = _run(*args, "--output", str(tmp_path / "b"), "--no-progress", "-v")
    assert told.exit_code == 0, told.output
    assert (
        "note: task graded-titles: 2 relevance pairs name a query id that is not among the queries (dropped)"
        in told.stderr.splitlines()
    )
    assert "warning" not in told.stderr
    result = read_result(tmp_path / "a" / "tfidf" / "graded-titles__v1__full.json")
    assert result.sizes["dropped_pairs_unknown_query"] == 2  # still counted in the result


# -------------------------------------------------------------------- 3. documented file names are real
def _documented_runs() -> list[tuple[list[str], str]]:
    """(args after `workbench run`, the file named in its comment) of docs/models.md's settings example."""
    text = (REPO / "docs" / "models.md").read_text(encoding="utf-8")
    found = re.findall(r"^workbench run (.+?)\s+# (results/\S+\.json)$", text, re.MULTILINE)
    return [(shlex.split(args), path) for args, path in found]


def test_the_documented_settings_file_names_are_the_ones_written(esco_data_dir, cache_dir, tmp_path):
    documented = _documented_runs()
    assert len(documented) == 2 and any("__settings-" in path for _, path in documented)
    for args, path in documented:
        done = _run(*args, "--output", str(tmp_path / "results"), "--data-dir", str(esco_data_dir), "--no-progress")
        assert done.exit_code == 0, done.output
        assert (tmp_path / path).is_file(), sorted(p.name for p in (tmp_path / "results").rglob("*.json"))
    assert f"settings-{stable_hash({'k1': 1.2})[:10]}" in documented[1][1]


def test_a_name_setting_alone_adds_no_tag_and_score_settings_keep_their_own_file(tmp_path):
    where = {"model": "my-model", "task": "esco-job2skill", "version": 1, "split": "test"}
    plain = planned_path(tmp_path, **where)
    assert planned_path(tmp_path, **where, settings={"name": "my-model"}) == plain
    assert plain == tmp_path / "my-model" / "esco-job2skill__v1__test.json"
    tagged = planned_path(tmp_path, **where, settings={"name": "my-model", "fp16": True})
    assert tagged == planned_path(tmp_path, **where, settings={"fp16": True}) != plain


# ------------------------------------------------------------------ 4. a plugin's results under its name
PLUGIN = """
import numpy as np

from workbench.models.model import ModelInfo


class LengthScorer:
    def __init__(self, name):
        self.info = ModelInfo(name=name, revision="1", kind="scoring", training_data=["none"])

    def index(self, targets, *, target_type, group=None):
        return np.array([len(t) for t in targets], dtype=float)

    def score(self, queries, index, *, query_type, group=None):
        return -np.abs(np.array([len(q) for q in queries], dtype=float)[:, None] - index[None, :])


def jobembed():
    return LengthScorer("acme-jobembed-v1-plugin")
"""


def _install(site: Path, package: str, entry_points: str, monkeypatch) -> None:
    """A distribution as pip leaves it (package + .dist-info with its entry points) on sys.path, and the model
    registries read afresh from the installed packages."""
    (site / package).mkdir(parents=True)
    (site / package / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    dist = site / f"{package}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(entry_points, encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(registry, "MODELS", Registry("model", registry.MODELS_GROUP))


def test_a_plugin_models_results_go_under_its_entry_point_name(esco_data_dir, cache_dir, tmp_path, monkeypatch):
    _install(tmp_path / "site", "acme_one", "[workbench.models]\nacme-jobembed-v1 = acme_one:jobembed\n", monkeypatch)
    out = tmp_path / "out"
    done = _run(
        *["--model", "acme-jobembed-v1", "--tasks", "esco-job2skill", "--split", "full", "--output", str(out)],
        *["--data-dir", str(esco_data_dir), "--no-progress"],
    )
    assert done.exit_code == 0, done.output
    assert [p.parent.name for p in out.rglob("*.json")] == ["acme-jobembed-v1"]
    assert read_result(out / "acme-jobembed-v1" / "esco-job2skill__v1__full.json").model.name == "acme-jobembed-v1"


def test_a_plugin_name_equal_to_a_built_in_is_refused_in_one_line(esco_data_dir, cache_dir, tmp_path, monkeypatch):
    _install(tmp_path / "site", "acme_two", "[workbench.models]\nBM25 = acme_two:jobembed\n", monkeypatch)
    listed = CliRunner().invoke(main, ["models", "list"])
    assert listed.exit_code == 2 and "Traceback" not in listed.output
    [line] = listed.stderr.splitlines()
    assert line.startswith("error: model name 'BM25' is registered more than once (")
    assert "acme_two 1.0" in line and "workbench-bench" in line
    ran = _run(
        *["--model", "bm25", "--tasks", "esco-job2skill", "--split", "full", "--output", str(tmp_path / "out")],
        *["--data-dir", str(esco_data_dir), "--no-progress"],
    )
    assert ran.exit_code == 1 and "model name 'bm25' is registered more than once" in ran.stderr
    assert not list((tmp_path / "out").rglob("*.json"))


# ------------------------------------------------------------------------------- 5. ties share a rank
def test_tied_macro_scores_share_a_rank():
    from workbench.leaderboard.aggregate import competition_ranks

    assert competition_ranks([0.5, 0.5, 0.4]) == [1, 1, 3]
    assert competition_ranks([0.6, 0.5, 0.5, 0.5, 0.1]) == [1, 2, 2, 2, 5]
    # shown alike on the board (30.00 and 30.00): tied, whatever the digits the board does not show
    assert competition_ranks([0.300049, 0.300041, 0.299996]) == [1, 1, 1]
    assert competition_ranks([0.30006, 0.30004]) == [1, 2]  # 30.01 and 30.00


# ----------------------------------------------------------------- 6. a --limit file is [unofficial]
def test_a_limit_file_is_refused_as_unofficial_not_invalid(tmp_path):
    results = committed_copies(tmp_path / "results")

    def limited(d):
        d["model"]["name"] = "limited"
        d["official"] = False
        d["config"]["limit"] = 10
        set_values(d, lambda m, n: np.ones(n), n=10)

    forge(results / "bm25" / FILE, results / "limited" / FILE, limited)
    report = build(results, tmp_path / "board")
    assert refusals(report)[f"limited/{FILE}"][0] == "unofficial"
    assert f"refused limited/{FILE}: [unofficial] unofficial run" in report.summary()


# ----------------------------------------------------------------------------- 7. a hub id offline
def test_a_hub_id_offline_and_not_cached_fails_in_one_line(esco_data_dir, cache_dir, tmp_path, monkeypatch):
    pytest.importorskip("huggingface_hub")
    empty = tmp_path / "hf" / "hub"
    empty.mkdir(parents=True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(empty))
    hub_id = "sentence-transformers/all-MiniLM-L6-v2@main"
    done = CliRunner().invoke(
        main,
        [
            *["run", "--model", hub_id, "--tasks", "esco-job2skill", "--split", "full"],
            *["--output", str(tmp_path / "out"), "--data-dir", str(esco_data_dir), "--no-progress"],
        ],
    )
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit), done.output
    assert "Traceback" not in done.output
    failed = [line for line in done.stderr.splitlines() if line.startswith("  failed: ")]
    assert failed == [
        f"  failed: {hub_id} / esco-job2skill: model {hub_id!r}: no such local folder, and as a hub id it is not in "
        f"{empty} while the hub is offline (HF_HUB_OFFLINE=1); download it once with network access, or pass a "
        "local folder"
    ]


def test_the_hub_example_offline_and_not_cached_fails_in_one_line(tmp_path):
    """examples/hub_model.py (docs/models.md, Examples) as a reader runs it, offline with an empty cache."""
    pytest.importorskip("huggingface_hub")
    empty = tmp_path / "hf" / "hub"
    empty.mkdir(parents=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf"), "HF_HUB_CACHE": str(empty)}
    done = subprocess.run(
        [sys.executable, str(REPO / "examples" / "hub_model.py"), "sentence-transformers/all-MiniLM-L6-v2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert done.stderr.splitlines() == [
        "error: model 'sentence-transformers/all-MiniLM-L6-v2': no such local folder, and as a hub id it is not "
        f"in {empty} while the hub is offline (HF_HUB_OFFLINE=1); download it once with network access, or pass "
        "a local folder"
    ]


# --------------------------------------------------------------------------- 8. what --model accepts
def test_run_help_names_every_form_of_model_it_accepts():
    shown = " ".join(CliRunner().invoke(main, ["run", "--help"]).output.split())
    for form in (
        "registered name",
        "plugin's workbench.models entry point",
        "LOADER:ARG",
        "uwe:DIR",
        "sentence-transformers folder",
        "hub id org/name[@revision]",
        "workbench.evaluate",
        "-v, --verbose",
    ):
        assert form in shown, form
