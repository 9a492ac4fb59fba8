"""Property (issue 27), the approach of test_hostile_results_property.py carried to task files and TREC folders:
whatever bytes a hostile curator puts in a task file or in a TREC folder, `tasks validate` and a run never
hang, never fail with anything but one WorkBenchError, and never report a verdict they do not keep:

- TREC folders: an oracle written here, apart from ``workbench.data.tsv`` and the loader, parses the three files
  by the documented rules; a file it finds malformed must be an error, and when the loader succeeds every
  text it built is one of the oracle's texts, never cut at a tab or altered.
- Task files: a file `validate` accepts is run (bm25, in process) and writes its result inside the output
  folder with exactly the sizes `validate` reported; nothing appears outside the example's folder.

Each example runs under an alarm: a hang (a pipe waited on, a decompression loop) fails the example instead
of stalling the suite. Few examples, small files: seconds in all.
"""

from __future__ import annotations

import math
import signal
from contextlib import contextmanager
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_special_inputs import CORPUS, QRELS, QUERIES, TASK

from workbench.errors import WorkBenchError

HANG_S = 30  # one example (a validate, or a validate and a bm25 run of two queries) takes well under a second
BASE = {"queries": QUERIES, "corpus": CORPUS, "qrels": QRELS}
HOSTILE_BYTES = [
    b"\t",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b'"',
    b"\\",
    b" ",
    b"nan",
    b"inf",
    b"-1",
    b"\x1b[31m",
    "\u202e".encode(),
    "é".encode(),
    b"..",
    b"/",
    b": ",
    b"- ",
    b"&a ",
    b"*a",
    b"!!python/object:os.system ",
    b"{",
    b"[",
    b"#",
]
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None
)


@contextmanager
def no_hang(seconds: int = HANG_S):
    def expired(signum, frame):
        raise AssertionError(f"hung: more than {seconds} s on one example")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def byte_edits(draw, size: int):
    """A few insertions, replacements and deletions of hostile bytes at random offsets of a `size`-byte text."""
    edits = []
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, size))
        kind = draw(st.sampled_from(["insert", "insert", "replace", "delete", "truncate"]))
        edits.append((kind, at, draw(st.sampled_from(HOSTILE_BYTES)), draw(st.integers(1, 4))))
    return edits


def apply(data: bytes, edits) -> bytes:
    for kind, at, piece, width in edits:
        at = min(at, len(data))
        if kind == "insert":
            data = data[:at] + piece + data[at:]
        elif kind == "replace":
            data = data[:at] + piece + data[at + width :]
        elif kind == "delete":
            data = data[:at] + data[at + width :]
        else:
            data = data[:at]
    return data


# ------------------------------------------------------------------ the oracle of a TREC folder
class Malformed(Exception):
    pass


def oracle_rows(data: bytes, width: int) -> list[list[str]]:
    """The documented TSV rules (workbench/data/tsv.py's docstring), implemented here apart from it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("not UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = []
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if line == "":
            continue
        fields = line.split("\t")
        if len(fields) != width:
            raise Malformed("width")
        rows.append(fields)
    if not rows:
        raise Malformed("empty")
    return rows


def oracle_texts(files: dict[str, bytes]) -> set[str]:
    """Every text of queries and corpus; Malformed where the loader must refuse the folder."""
    queries, corpus = oracle_rows(files["queries"], 2), oracle_rows(files["corpus"], 2)
    qrels = oracle_rows(files["qrels"], 4)
    ids = [row[0] for row in queries + corpus] + [row[i] for row in qrels for i in (0, 2)]
    if any(i != i.strip() or i == "" for i in ids):
        raise Malformed("an id with whitespace, or empty")
    for row in qrels:
        try:
            grade = float(row[3])
        except ValueError:
            raise Malformed("grade") from None
        if not math.isfinite(grade):
            raise Malformed("grade")
    return {row[1] for row in queries + corpus}


def _folder(root: Path, files: dict[str, bytes], task_text: str = TASK) -> tuple[Path, Path]:
    data = root / "data"
    (data / "acme").mkdir(parents=True)
    for role, content in files.items():
        (data / "acme" / f"{role}.tsv").write_bytes(content)
    task = root / "tasks" / "acme-title-norm-test.yaml"
    task.parent.mkdir()
    task.write_text(task_text, encoding="utf-8")
    return task, data


@SETTINGS
@given(
    role=st.sampled_from(sorted(BASE)),
    edits=st.data(),
)
def test_hostile_bytes_in_a_trec_folder_are_an_error_or_read_exactly(tmp_path_factory, role, edits):
    from workbench.running.task import Task
    from workbench.taskfiles.catalog import get_task_spec

    files = {name: text.encode("utf-8") for name, text in BASE.items()}
    files[role] = apply(files[role], edits.draw(byte_edits(len(files[role]))))
    root = tmp_path_factory.mktemp("trec")
    task, data = _folder(root, files)
    try:
        expected = oracle_texts(files)
    except Malformed:
        expected = None
    with no_hang():
        try:
            built = Task(get_task_spec(str(task)), data_dir=data, cache_dir=root / "cache").dataset("full")
        except WorkBenchError as err:
            assert str(err).strip(), "an empty error"
            event(f"refused ({'malformed' if expected is None else 'well-formed'})")
            return  # refused with a reason: a malformed file, or a well-formed one that makes no task
    event("read")
    assert expected is not None, f"{role} is malformed by the documented rules, yet it was read: {files[role]!r}"
    got = set(built.query_texts.tolist()) | set(built.target_texts.tolist())
    assert got <= expected, (got - expected, files[role])  # never a cut or altered text


# ------------------------------------------------------------------ task files
GENERIC = ["..", "/dev/zero", 10**40, -1, 1.5, True, None, "", "a\tb", "red\x1b[31m", "x" * 300, [], {}, float("inf")]
PATH_VALUES = {  # per key: the values a careless or hostile curator writes there
    ("name",): ["..", "../x", "acme-title-norm-test\x1b[31m"],
    ("version",): [10**40, 0, -1, 2.0, "1"],
    ("main_score",): ["ndcg@10", "recall@5", "nope", "ndcg@0"],
    ("metrics",): [["map", "map"], ["map", "ndcg@10", "ndcg@10"], ["map", "ndcg@-1"], ["mrr"], ["map", "bogus"]],
    ("splits", "available"): [["val"], ["test", "test"], ["train"], ["test", "val"], ["full"]],
    ("splits", "fractions"): [{"val": 0.5, "test": 0.5}, {"test": float("nan")}, {"test": 2.0}, {"test": 0.5}],
    ("splits", "method"): ["random", "hash ", "HASH"],
    ("source", "files", "corpus"): ["../../../etc/hostname", "/dev/zero", "acme/../../outside.tsv", "acme"],
    ("source", "params"): [{"relation_typs": ["essential"]}, {"bogus": 1}, {"language": "en"}],
    ("source", "loader"): ["TREC", "trec ", "esco_job2skill", "../trec"],
    ("policies", "duplicate_queries"): ["drop", "keep", "merge ", True],
    ("languages", "query"): [["xx"], [], "en", ["en", "en"]],
    ("group",): ["bogus", "job_normalization\t"],
    ("bogus",): [1, "x"],
    ("source", "bogus"): [1],
}


@st.composite
def task_text(draw) -> str:
    """The TREC task file with one or two keys set to hostile values, and/or hostile bytes in its text."""
    data = yaml.safe_load(TASK)
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
        path = draw(st.sampled_from(sorted(PATH_VALUES)))
        value = draw(st.sampled_from(PATH_VALUES[path] + (GENERIC if draw(st.integers(0, 3)) == 0 else [])))
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")
    if draw(st.integers(0, 2)) == 0:
        text = apply(text, draw(byte_edits(len(text))))
    return text.decode("utf-8", errors="surrogateescape")


def _listing(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@settings(SETTINGS, max_examples=80)
@given(text=task_text())
def test_a_hostile_task_file_is_an_error_or_runs_as_validated(tmp_path_factory, text):
    import workbench
    from workbench.running.validate import validate_task_file

    root = tmp_path_factory.mktemp("task")
    files = {name: value.encode("utf-8") for name, value in BASE.items()}
    task, data = _folder(root, files)
    task.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    before = _listing(root)
    with no_hang():
        try:
            spec, sizes = validate_task_file(task, data)
        except WorkBenchError as err:
            assert str(err).strip()
            assert _listing(root) == before  # validate writes nothing
            event("refused by validate")
            return
        event("validated")
        split = next(s for s in spec.splits.available)
        rows = workbench.evaluate(
            "bm25", str(task), split=split, output=root / "out", data_dir=data, cache_dir=root / "cache"
        )
    [row] = rows
    if sizes[split]["queries"] == 0:
        assert row["status"] in ("failed", "skipped"), row
        return
    assert row["status"] == "written", row  # validated, so it runs and writes (not: fails at write time)
    result = workbench.results.result_file.read_result(Path(row["path"]))
    assert {k: result.sizes[k] for k in ("queries", "targets")} == {k: sizes[split][k] for k in ("queries", "targets")}
    assert Path(row["path"]).resolve().is_relative_to((root / "out").resolve())
    assert {p for p in _listing(root) - before if not p.startswith(("out", "cache"))} == set()
