"""Issue 27 items 1, 5 and 9, and the weak qrels / wrong-reason items: every input is a regular file
(checked on the opened descriptor, never waited on), one TSV reader that never cuts a text, and
`data_files` keys that stay inside the data directory.

Each case runs the real CLI in a subprocess with a timeout: before the fixes the FIFO and /dev/zero
cases hung (the subprocess timeout is the failure), the TSV cases read a cut text or raised a pandas
traceback, and a result naming '../../etc/hostname' was read and hashed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from rel_support import CLASSIFICATION_ZIP, ESCO_VERSION_DIR, REPO, cli
from workbench.data.datafiles import EXTERNAL_PREFIX, ChecksumMemo, checksum_files
from workbench.errors import WorkBenchError
from workbench.leaderboard.collect import collect
from workbench.results.result_file import read_result
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec

TASK = """\
name: acme-title-norm-test
version: 1
description: >-
  Job-title normalisation on ACME's titles, every query a test query: rank the ACME occupation list.
group: job_normalization
query_type: job_title
target_type: occupation
languages: {query: [en], target: [en]}
source:
  loader: trec
  files: {queries: "acme/queries.tsv", corpus: "acme/corpus.tsv", qrels: "acme/qrels.tsv"}
splits:
  method: hash
  fractions: {test: 1.0}
  available: [test, full]
policies: {duplicate_queries: merge, duplicate_targets: keep}
metrics: [map, mrr, ndcg@10]
main_score: map
license: "CC BY 4.0 (ACME)"
citation: |
  ACME (2025). In-house job titles.
"""
QUERIES = "q1\tcook\nq2\tfarm worker\n"
CORPUS = "c1\tchef de cuisine\nc2\tfarmer\n"
QRELS = "q1\t0\tc1\t1\nq2\t0\tc2\t1\n"
TIMEOUT = 60  # every case ends in seconds; a hang is the failure this file guards against


def _trec(tmp_path: Path, queries=QUERIES, corpus=CORPUS, qrels=QRELS) -> tuple[Path, Path]:
    """(task file, data directory) of a small TREC folder."""
    data = tmp_path / "data"
    (data / "acme").mkdir(parents=True)
    for name, text in (("queries", queries), ("corpus", corpus), ("qrels", qrels)):
        if text is not None:
            (data / "acme" / f"{name}.tsv").write_text(text, encoding="utf-8")
    task = tmp_path / "tasks" / "acme-title-norm-test.yaml"
    task.parent.mkdir()
    task.write_text(TASK, encoding="utf-8")
    return task, data


def _one_line_error(done, *parts: str) -> None:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    for part in parts:
        assert part in done.stderr, done.stderr


def _validate(task: Path, data: Path, tmp_path: Path):
    return cli("tasks", "validate", str(task), "--data-dir", str(data), cache_dir=tmp_path / "cache", timeout=TIMEOUT)


def _run(task: str, data: Path, tmp_path: Path, *extra: str):
    out = tmp_path / "out"
    return cli(
        *("run", "--model", "bm25", "--tasks", task, "--data-dir", str(data), "--output", str(out), "--no-progress"),
        *extra,
        cache_dir=tmp_path / "cache",
        timeout=TIMEOUT,
    )


# ------------------------------------------------------------------ 1. special files are refused, not read
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_corpus_that_is_a_pipe_or_a_device_is_one_line_in_validate_and_run(tmp_path, kind):
    task, data = _trec(tmp_path, corpus=None)
    corpus = data / "acme" / "corpus.tsv"
    os.mkfifo(corpus) if kind == "fifo" else corpus.symlink_to("/dev/zero")
    what = "a named pipe (FIFO)" if kind == "fifo" else "a character device"
    expected = f"source.files.corpus: {corpus} is {what}, not a regular file; it is not read"
    _one_line_error(_validate(task, data, tmp_path), expected)
    ran = _run(str(task), data, tmp_path)
    _one_line_error(ran, expected)


def test_a_pipe_in_place_of_house_annotations_fails_house_only_and_tech_runs(esco_data_dir, tmp_path):
    """The real task files; a data directory of links (as a curator mirrors data) whose house test file is a pipe."""
    header = "sentence,span,sub_span,label\n"
    decorte = tmp_path / "decorte"
    decorte.mkdir()
    for name in ("house", "tech"):
        for part in ("validation", "test"):
            (decorte / f"{name}_{part}_annotations.csv").write_text(
                header + "We use Python daily .,Python,,Python (computer programming)\n", encoding="utf-8"
            )
    linked = tmp_path / "linked"
    (linked / "skill-extraction" / "decorte").mkdir(parents=True)
    (linked / "esco").symlink_to(esco_data_dir / "esco")
    for csv in decorte.iterdir():
        (linked / "skill-extraction" / "decorte" / csv.name).symlink_to(csv)
    (decorte / "house_test_annotations.csv").unlink()
    os.mkfifo(decorte / "house_test_annotations.csv")
    ran = _run("house-skill-extraction,tech-skill-extraction", linked, tmp_path)
    assert "Traceback" not in ran.stderr, ran.stderr
    assert "house_test_annotations.csv is a named pipe (FIFO), not a regular file" in ran.stderr + ran.stdout
    written = sorted(p.name for p in (tmp_path / "out").rglob("*.json"))
    assert written == ["tech-skill-extraction__v1__test.json"], (written, ran.stderr)


def test_data_verify_refuses_a_pipe_as_its_list_and_names_a_pipe_entry_as_such(esco_data_dir, tmp_path):
    fifo = tmp_path / "sums"
    os.mkfifo(fifo)
    done = cli("data", "verify", "--data-dir", str(esco_data_dir), "--sums", str(fifo), cache_dir=tmp_path / "c")
    assert done.returncode == 2 and done.stderr == (
        f"error: checksum list: {fifo} is a named pipe (FIFO), not a regular file; it is not read\n"
    )
    os.mkfifo(esco_data_dir / "pipe")
    (esco_data_dir / "loop").symlink_to("loop")
    (esco_data_dir / "SHA256SUMS").write_text(f"{'0' * 64}  pipe\n{'0' * 64}  loop\n", encoding="utf-8")
    done = cli("data", "verify", "--data-dir", str(esco_data_dir), cache_dir=tmp_path / "c", timeout=TIMEOUT)
    assert done.returncode == 1
    assert done.stdout == (
        "NOTFILE  pipe is a named pipe (FIFO), not a regular file; it is not read\n"
        "NOTFILE  loop is a symbolic link loop (a link that leads back to itself); it is not read\n"
        f"0 ok, 0 mismatched, 0 missing, 2 not a regular file in {esco_data_dir}\n"
    )


def test_a_task_file_that_is_a_pipe_is_one_line(tmp_path):
    task = tmp_path / "acme.yaml"
    os.mkfifo(task)
    done = _validate(task, tmp_path, tmp_path)
    _one_line_error(done, f"{task} is a named pipe (FIFO), not a regular file; it is not read")


def test_a_link_loop_is_named_a_loop_and_a_folder_is_named_a_folder(tmp_path):
    task, data = _trec(tmp_path, corpus=None)
    corpus = data / "acme" / "corpus.tsv"
    corpus.symlink_to("corpus.tsv")
    _one_line_error(_validate(task, data, tmp_path), f"{corpus} is a symbolic link loop")
    corpus.unlink()
    corpus.mkdir()
    _one_line_error(_validate(task, data, tmp_path), f"{corpus} is a folder, not a regular file")


def test_a_pipe_inside_a_data_folder_is_refused_by_the_checksum_not_skipped(tmp_path):
    folder = tmp_path / "data" / "folder"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text("x\n")
    os.mkfifo(folder / "b.csv")
    with pytest.raises(WorkBenchError, match=r"b\.csv is a named pipe"):
        checksum_files({"f": folder}, tmp_path / "data", ChecksumMemo(None))


# ------------------------------------------------------------------ 5. one TSV reader, never a cut text
@pytest.mark.parametrize("row", [1, 2])
def test_a_tab_inside_a_text_is_an_error_naming_file_and_line(tmp_path, row):
    lines = ["c1\tchef de cuisine", "c2\tfarmer"]
    lines[row - 1] = lines[row - 1].replace(" de ", "\tde ") if row == 1 else "c2\tfarmer\tfields"
    task, data = _trec(tmp_path, corpus="\n".join(lines) + "\n")
    done = _validate(task, data, tmp_path)
    _one_line_error(
        done,
        f"{data / 'acme' / 'corpus.tsv'}:{row}: expected 2 tab-separated columns (id, text), found 3: "
        "a tab inside a text cannot be written in TSV",
    )


def test_quotes_carriage_returns_and_a_bom_follow_the_stated_rules(tmp_path):
    corpus = '\ufeffc1\t"chef" de \\cuisine\r\n\nc2\tfar\rmer'
    task, data = _trec(tmp_path, corpus=corpus)
    frames = Task(get_task_spec(str(task)), data_dir=data, cache_dir=tmp_path / "cache").dataset("full")
    assert list(frames.target_texts) == ['"chef" de \\cuisine', "far\rmer"]


@pytest.mark.parametrize(
    "qrels, message",
    [
        ("q1 \t0\tc1\t1\n", "qrels.tsv:1: query_id 'q1 ' has leading or trailing whitespace"),
        ("q1\t0\t c1\t1\n", "qrels.tsv:1: target_id ' c1' has leading or trailing whitespace"),
        ("q1\t0\tc1\t1\nq2\t0\tc2\tnan\n", "qrels.tsv:2: the 4th column (grade) must be a finite number, got 'nan'"),
        ("q1\t0\tc1\tinf\n", "qrels.tsv:1: the 4th column (grade) must be a finite number, got 'inf'"),
        ("q1\t0\tc1\thigh\n", "qrels.tsv:1: the 4th column (grade) must be numeric, got 'high'"),
    ],
)
def test_qrels_with_spaced_ids_or_a_nan_grade_are_one_line_errors(tmp_path, qrels, message):
    task, data = _trec(tmp_path, qrels=qrels)
    _one_line_error(_validate(task, data, tmp_path), message)


# ------------------------------------------------------------------ 9. data_files keys stay inside
COMMITTED = REPO / "leaderboard" / "results" / "bm25" / "house-skill-extraction__v1__test.json"


@pytest.mark.parametrize("key", ["../../../../etc/hostname", "/etc/hostname", "a/../../b", ""])
def test_a_result_with_a_data_files_key_outside_the_data_directory_is_refused(tmp_path, key):
    data = json.loads(COMMITTED.read_text(encoding="utf-8"))
    data["data_files"] = {key: "0" * 64, **data["data_files"]}
    path = tmp_path / "r" / "bm25" / COMMITTED.name
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(WorkBenchError, match="invalid result file at data_files") as err:
        read_result(path, check=False)
    assert repr(key) in str(err.value) and "\n" not in str(err.value)
    # The board, given a data directory to check against, refuses the file before hashing any key.
    board = collect(tmp_path / "r", [get_task_spec("house-skill-extraction")], data_dir=tmp_path / "data")
    assert not board.accepted and [r.reason for r in board.refused if "data_files" in r.reason]


def test_a_file_outside_the_data_directory_gets_a_relative_key(esco_data_dir, tmp_path):
    outside = tmp_path / "outside" / CLASSIFICATION_ZIP
    outside.parent.mkdir()
    shutil.copy(esco_data_dir / ESCO_VERSION_DIR / CLASSIFICATION_ZIP, outside)
    sums = checksum_files({"classification": outside}, esco_data_dir, ChecksumMemo(None))
    assert list(sums) == [EXTERNAL_PREFIX + outside.resolve().as_posix()]
    assert not Path(next(iter(sums))).is_absolute()
