"""Issue 15, "wrong today": forged, oversized, misplaced and clashing result files, NaN from the data,
named pipes. The board checks run on copies of the committed (real) results of one task; the run and
merge checks on the fixture ESCO release and a small TREC folder.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from forgery import FILE, MODELS, TASK, committed_copies, forge

from rel_support import cli
from workbench.errors import WorkBenchError
from workbench.io import sha256_file
from workbench.leaderboard import build_leaderboard, leaderboard_cli
from workbench.leaderboard.verification import VERIFIED, Ledger, Verdict
from workbench.results.per_query_codec import unpack_ids
from workbench.results.result_file import PerQuery, read_result
from workbench.results.result_store import store
from workbench.running.shards import merge_result_dirs
from workbench.taskfiles.catalog import get_task_spec


@pytest.fixture
def results(tmp_path) -> Path:
    """The committed results of TASK for four models, copied."""
    return committed_copies(tmp_path / "results")


def set_values(data: dict, value_of, n: int | None = None) -> None:
    """Replace every per-query value (value_of(metric, n) -> array) and keep the file self-consistent:
    aggregates, query count and (when `n` shrinks it) the query ids and their hash."""
    import hashlib

    pq = data["per_query"]
    n = n if n is not None else data["sizes"]["queries"]
    if n != data["sizes"]["queries"]:
        pq["query_ids"] = unpack_ids(pq["query_ids"], data["sizes"]["queries"])[:n]  # written in the plain form
        pq["query_ids_sha256"] = hashlib.sha256("\n".join(pq["query_ids"]).encode()).hexdigest()
        data["sizes"]["queries"] = n
    for metric in pq["values"]:
        values = np.asarray(value_of(metric, n), dtype="<f4")
        pq["values"][metric] = base64.b64encode(values.tobytes()).decode("ascii")
        data["scores"][metric] = float(values.astype(np.float64).mean())


def build(results: Path, out: Path):
    return build_leaderboard(results, out, tasks=[get_task_spec(TASK)], n_bootstrap=20)


def refusals(report) -> dict[str, tuple[str, str]]:
    return {r.path: (r.kind, r.reason) for r in report.refused}


def ranked(out: Path) -> dict[str, float]:
    data = json.loads((out / "leaderboard.json").read_text(encoding="utf-8"))
    return {m["name"]: m["tasks"][TASK]["score"] for m in data["models"] if TASK in m["tasks"]}


def test_committed_files_of_the_task_are_all_accepted(results, tmp_path):
    report = build(results, tmp_path / "board")
    assert report.refused == [] and report.accepted == len(MODELS)


def test_consistent_forged_copy_is_a_conflict_shown_on_the_board(results, tmp_path):
    """Per-query values and aggregate edited consistently (MAP 100) beside the real file: same model,
    revision, settings, task and split with other values cannot both be true; neither is ranked."""
    forge(results / "bm25" / FILE, results / "bm25" / "forged.json", lambda d: set_values(d, lambda m, n: np.ones(n)))
    report = build(results, tmp_path / "board")
    why = refusals(report)
    assert why[f"bm25/{FILE}"][0] == why["bm25/forged.json"][0] == "conflict"
    assert "neither is ranked" in why["bm25/forged.json"][1]
    assert "bm25" not in ranked(tmp_path / "board")
    assert "conflict" in (tmp_path / "board" / "leaderboard.md").read_text(encoding="utf-8")
    assert "bm25/forged.json" in (tmp_path / "board" / "index.html").read_text(encoding="utf-8")


def test_identical_copy_is_a_duplicate_and_the_result_stays_ranked(results, tmp_path):
    shutil.copyfile(results / "tfidf" / FILE, results / "tfidf" / "zz-copy.json")
    report = build(results, tmp_path / "board")
    assert refusals(report) == {"tfidf/zz-copy.json": ("duplicate", f"identical to tfidf/{FILE}, which is used")}
    assert "tfidf" in ranked(tmp_path / "board")


def test_one_query_file_with_map_one_is_refused(results, tmp_path):
    forge(
        results / "bm25" / FILE,
        results / "cheat" / FILE,
        lambda d: (set_values(d, lambda m, n: np.ones(n), n=1), d["model"].update(name="cheat")),
    )
    report = build(results, tmp_path / "board")
    kind, reason = refusals(report)[f"cheat/{FILE}"]
    assert kind == "invalid" and "sizes.queries is 1, but the task's canonical query set has 262 queries" in reason
    assert "cheat" not in ranked(tmp_path / "board")


def test_same_count_other_queries_is_refused_by_the_query_set(results, tmp_path):
    def other_ids(d):
        d["model"]["name"] = "cheat"
        d["per_query"]["query_ids"] = None
        d["per_query"]["query_ids_sha256"] = "0" * 64

    forge(results / "bm25" / FILE, results / "cheat" / FILE, other_ids)
    report = build(results, tmp_path / "board")
    kind, reason = refusals(report)[f"cheat/{FILE}"]
    assert kind == "query-set" and "the recorded query set of house-skill-extraction has 262" in reason


def test_values_outside_the_metric_range_and_an_empty_name_are_refused(results, tmp_path):
    def wild(d):
        d["model"]["name"] = "wild"
        set_values(d, lambda m, n: np.where(np.arange(n) % 2 == 0, 1000.0, -5.0))

    forge(results / "bm25" / FILE, results / "wild" / FILE, wild)
    forge(results / "bm25" / FILE, results / "noname" / FILE, lambda d: d["model"].update(name=""))
    forge(results / "bm25" / FILE, results / "blank" / FILE, lambda d: d["model"].update(name="  "))
    report = build(results, tmp_path / "board")
    why = refusals(report)
    assert why[f"wild/{FILE}"][0] == "invalid" and "values outside [0.0, 1.0] (e.g. 1000)" in why[f"wild/{FILE}"][1]
    for name in ("noname", "blank"):
        assert why[f"{name}/{FILE}"][0] == "invalid" and "model.name" in why[f"{name}/{FILE}"][1]
    assert set(ranked(tmp_path / "board")) == set(MODELS)


def test_limit_file_marked_official_is_refused(results, tmp_path):
    def limited(d):
        d["model"]["name"] = "limited"
        d["config"]["limit"] = 10
        set_values(d, lambda m, n: np.ones(n), n=10)

    forge(results / "bm25" / FILE, results / "limited" / FILE, limited)
    with pytest.raises(WorkBenchError, match=r"official: true, but config\.limit is 10"):
        read_result(results / "limited" / FILE)
    report = build(results, tmp_path / "board")
    assert refusals(report)[f"limited/{FILE}"][0] == "invalid"


def test_a_future_timestamp_decides_nothing_and_the_verified_file_is_kept(results, tmp_path):
    """Issue 25: a file's own date never decides. A copy dated 9999 with other values is a conflict of one
    identity: with no ledger neither is ranked; with the ledger the verified (real) file is ranked."""
    real = read_result(results / "tfidf" / FILE)
    forge(
        results / "tfidf" / FILE,
        results / "tfidf" / "newer.json",
        lambda d: (set_values(d, lambda m, n: np.full(n, 0.9)), d.update(created_at="9999-01-01T00:00:00+00:00")),
    )
    why = refusals(build(results, tmp_path / "board"))
    assert why["tfidf/newer.json"][0] == why[f"tfidf/{FILE}"][0] == "conflict"
    assert "tfidf" not in ranked(tmp_path / "board")
    ledger = Ledger({sha256_file(results / m / FILE): Verdict(f"{m}/{FILE}", VERIFIED, "matched") for m in MODELS})
    report = build_leaderboard(
        results, tmp_path / "verified", tasks=[get_task_spec(TASK)], n_bootstrap=20, ledger=ledger
    )
    kind, reason = refusals(report)["tfidf/newer.json"]
    assert kind == "conflict" and f"tfidf/{FILE} is the verified one and is used" in reason
    assert ranked(tmp_path / "verified")["tfidf"] == pytest.approx(real.main_score, abs=1e-6)


def test_oversized_per_query_arrays_are_refused_by_count_before_decoding(results, tmp_path, monkeypatch):
    n = 600_000
    zeros = base64.b64encode(bytes(4 * n)).decode()
    forge(
        results / "bm25" / FILE,
        results / "big" / FILE,
        lambda d: (
            d["model"].update(name="big"),
            d["sizes"].update(queries=n),
            d["per_query"].update(query_ids=None),
            d["per_query"]["values"].update(dict.fromkeys(d["scores"], zeros)),
        ),
    )
    # the count claims 262 but the arrays hold far more
    forge(
        results / "bm25" / FILE,
        results / "padded" / FILE,
        lambda d: (d["model"].update(name="padded"), d["per_query"]["values"].update(map=zeros)),
    )
    decoded: list[int] = []
    original = PerQuery.decode
    monkeypatch.setattr(
        PerQuery,
        "decode",
        lambda self, max_values=None: (
            decoded.append(len(next(iter(self.values.values())))) or original(self, max_values)
        ),
    )
    report = build(results, tmp_path / "board")
    why = refusals(report)
    assert set(ranked(tmp_path / "board")) == set(MODELS)  # the real files were decoded and ranked
    assert "sizes.queries is 600000, but the task's canonical query set has 262 queries" in why[f"big/{FILE}"][1]
    assert why[f"padded/{FILE}"][1].startswith("per_query.values.map holds 3200000 base64 characters; 262 float32")
    assert max(decoded) < 4 * 600  # no array of the oversized files was decoded


def test_out_equal_to_the_results_or_containing_them_is_an_error(results, tmp_path):
    runner = CliRunner()
    for out in (results, tmp_path, tmp_path.parent):
        done = runner.invoke(leaderboard_cli, ["build", str(results), "--out", str(out), "--suite", "all"])
        assert done.exit_code == 1 and "Error: --out" in done.output, done.output
        assert ("contains the results folder" in done.output) or ("is the results folder" in done.output)
    assert not (results / "leaderboard.md").exists() and not (tmp_path / "leaderboard.md").exists()
    inside = runner.invoke(
        leaderboard_cli, ["build", str(results), "--out", str(results / "leaderboard"), "--suite", "all"]
    )
    assert inside.exit_code == 0, inside.output


def test_board_for_a_split_no_file_has_is_an_error(results, tmp_path):
    done = CliRunner().invoke(
        leaderboard_cli, ["build", str(results), "--out", str(tmp_path / "b"), "--suite", "all", "--split", "tset"]
    )
    assert done.exit_code == 1 and "nothing to rank: none of the 4 result files" in done.output


# ------------------------------------------------------------------- result store: merge, NaN, pipes
def test_merge_never_replaces_another_result_in_out(results, tmp_path):
    shard, out = tmp_path / "shard", tmp_path / "out"
    forge(results / "bm25" / FILE, shard / "bm25" / FILE, lambda d: d["model"].update(revision="other-revision"))
    (out / "bm25").mkdir(parents=True)
    shutil.copyfile(results / "bm25" / FILE, out / "bm25" / FILE)
    before = (out / "bm25" / FILE).read_bytes()
    with pytest.raises(WorkBenchError, match=r"holds another result .* differs in model revision: it is not replaced"):
        merge_result_dirs([shard], out)
    assert (out / "bm25" / FILE).read_bytes() == before
    same = tmp_path / "same"
    (same / "bm25").mkdir(parents=True)
    shutil.copyfile(results / "bm25" / FILE, same / "bm25" / FILE)
    assert merge_result_dirs([same], out) == 0  # the same result: kept, not copied again
    assert (out / "bm25" / FILE).read_bytes() == before


def test_a_result_holding_nan_or_out_of_range_values_is_never_written(results, tmp_path):
    result = read_result(results / "bm25" / FILE)
    values = result.per_query.decode()
    values["map"][3] = np.nan
    result.per_query.values["map"] = base64.b64encode(values["map"].astype("<f4").tobytes()).decode()
    path = tmp_path / "out" / "bm25" / FILE
    with pytest.raises(WorkBenchError, match="not written: per-query map holds NaN/inf values"):
        store(path, result)
    assert not path.exists()


TREC_TASK = """\
name: graded-titles
version: 1
description: Titles with graded relevance, for the NaN guard.
group: job_normalization
query_type: job_title
target_type: occupation
languages: {query: [en], target: [en]}
source:
  loader: trec
  files: {queries: "g/queries.tsv", corpus: "g/corpus.tsv", qrels: "g/qrels.tsv"}
splits: {method: hash, fractions: {val: 0.5, test: 0.5}, available: [val, test, full]}
metrics: [map, ndcg@10]
main_score: map
license: test
citation: test
"""


@pytest.mark.parametrize("grade", ["inf", "1e308"])
def test_an_infinite_or_huge_grade_is_a_clear_error_not_a_nan_file(tmp_path, grade):
    data = tmp_path / "data"
    (data / "g").mkdir(parents=True)
    (data / "g/queries.tsv").write_text("q1\tpython developer\nq2\tnurse\n", encoding="utf-8")
    (data / "g/corpus.tsv").write_text("t1\tsoftware developer\nt2\tnurse\nt3\tchef\n", encoding="utf-8")
    (data / "g/qrels.tsv").write_text(f"q1\t0\tt1\t{grade}\nq2\t0\tt2\t1\n", encoding="utf-8")
    task = tmp_path / "graded.yaml"
    task.write_text(TREC_TASK, encoding="utf-8")
    out = tmp_path / "out"
    done = cli(
        "run",
        "--model",
        "tfidf",
        "--tasks",
        str(task),
        "--split",
        "full",
        "--output",
        str(out),
        "--data-dir",
        str(data),
        "--no-progress",
        cache_dir=tmp_path / "cache",
    )
    assert done.returncode == 1, done.stderr
    # one clear line: the TSV reader refuses a non-finite grade (naming the file), the loader a huge one
    assert "Traceback" not in done.stderr
    assert (
        "relevance grades must be > 0 and at most 1e+06" in done.stderr
        or f"qrels.tsv:1: the 4th column (grade) must be a finite number, got '{grade}'" in done.stderr
    )
    assert not list(out.rglob("*.json"))


def test_named_pipe_at_a_result_path_fails_that_item_without_hanging(esco_data_dir, tmp_path):
    out = tmp_path / "out"
    (out / "tfidf").mkdir(parents=True)
    pipe = out / "tfidf" / "esco-skillnorm__v2__full.json"
    os.mkfifo(pipe)
    done = cli(
        "run",
        "--model",
        "tfidf,random",
        "--tasks",
        "esco-skillnorm",
        "--split",
        "full",
        "--output",
        str(out),
        "--data-dir",
        str(esco_data_dir),
        "--no-progress",
        cache_dir=tmp_path / "cache",
        timeout=240,
    )
    assert done.returncode == 1, done.stderr
    assert "is a named pipe; a result is only ever written over a regular file" in done.stderr
    assert (out / "random" / "esco-skillnorm__v2__full.json").is_file()
    assert pipe.is_fifo()  # not replaced

    merged = cli(
        "results", "merge", str(out), "--out", str(tmp_path / "merged"), cache_dir=tmp_path / "cache", timeout=60
    )
    assert merged.returncode != 0 and "not a regular file" in merged.stderr + merged.stdout
    assert "Traceback" not in merged.stderr


# ------------------------------------------------------------------- reproduction check
def test_reproduction_check_passes_a_real_file_and_fails_a_consistent_forgery(esco_data_dir, tmp_path):
    """A file edited consistently (values and aggregates, the only file of its model) passes every check of
    the board; re-scoring a sample of its queries with the model exposes it."""
    out = tmp_path / "out"
    done = cli(
        "run",
        "--model",
        "tfidf,random",
        "--tasks",
        "esco-job2skill",
        "--split",
        "full",
        "--output",
        str(out),
        "--data-dir",
        str(esco_data_dir),
        "--no-progress",
        "-s",
        "seed=3",
        cache_dir=tmp_path / "cache",
    )
    assert done.returncode == 0, done.stderr
    real = sorted(out.glob("*/esco-job2skill__v1__full*.json"))
    assert len(real) == 2
    forged = forge(real[0], tmp_path / "forged.json", lambda d: set_values(d, lambda m, n: np.ones(n)))
    check = cli(
        "results",
        "reproduce",
        *map(str, real),
        str(forged),
        "--sample",
        "5",
        "--data-dir",
        str(esco_data_dir),
        cache_dir=tmp_path / "cache",
    )
    assert check.returncode == 1, check.stderr
    lines = check.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        f"reproduced {real[0]}",
        f"reproduced {real[1]}",
        f"NOT REPRODUCED {forged}",
    ]
    assert "sampled values differ, e.g. query" in lines[2] and "stored 1.000000" in lines[2]
