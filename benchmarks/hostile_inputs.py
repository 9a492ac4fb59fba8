"""Issue 27 ("Must show"): the whole hostile set of round three, every case a subprocess under `timeout 60`.

Each case gets a sandbox folder (fixture data in the publishers' formats, copies of committed results, the
hostile file itself), runs one command in it and is judged on four counts:

- hang: the command ran into `timeout 60` (exit 124/137);
- traceback: "Traceback" anywhere in its output;
- outside: a file or folder created, changed or removed in the sandbox (listed recursively, with sizes and
  mtimes, before and after) or beside it (the sandbox's parent, listed) that is not under one of the
  case's roots (its --output / --out / cache folders);
- outcome: the exit status (non-zero unless the case is one that must succeed) and the phrase the one-line
  reason must hold.

Run (heavy: ~60 subprocesses): `flock /tmp/heavy.lock .venv/bin/python benchmarks/hostile_inputs.py`
(`--only WORD` runs the cases whose name holds WORD; `--keep DIR` keeps the sandboxes in DIR).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "reliability")]

from test_forged_results import TREC_TASK  # noqa: E402
from test_special_inputs import CORPUS, QRELS, QUERIES, TASK  # noqa: E402

from esco_fixture import write_esco_release  # noqa: E402
from rel_support import task_file  # noqa: E402

WB = [sys.executable, "-m", "workbench.fronts.cli"]
COMMITTED = REPO / "leaderboard" / "results"
HOUSE = "house-skill-extraction__v1__test.json"
ACME = "tasks/acme-title-norm-test.yaml"
LIMIT_S = 60


@dataclass
class Case:
    name: str
    item: str  # the item: "1".."10" or "weak"
    argv: list[str]
    expect: str  # a phrase the output must hold
    roots: tuple[str, ...] = ()  # folders (relative to the sandbox) the command may write; cache/ always
    succeed: bool = False  # the command must exit 0 (else it must exit non-zero)
    absent: str | None = None  # a phrase the output must not hold
    check: Callable[[Path], str | None] | None = None  # a further check of the sandbox afterwards
    env: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------ sandbox contents
def trec(box: Path, queries=QUERIES, corpus=CORPUS, qrels=QRELS, task: str = TASK) -> None:
    (box / "data" / "acme").mkdir(parents=True, exist_ok=True)
    for name, text in (("queries", queries), ("corpus", corpus), ("qrels", qrels)):
        if text is not None:
            (box / "data" / "acme" / f"{name}.tsv").write_text(text, encoding="utf-8")
    (box / "tasks").mkdir(exist_ok=True)
    (box / ACME).write_text(task, encoding="utf-8")


def graded(box: Path, edit: Callable[[str], str]) -> str:
    (box / "data" / "g").mkdir(parents=True)
    (box / "data/g/queries.tsv").write_text("q1\tpython developer\nq2\tnurse\n", encoding="utf-8")
    (box / "data/g/corpus.tsv").write_text("t1\tsoftware developer\nt2\tnurse\nt3\tchef\n", encoding="utf-8")
    (box / "data/g/qrels.tsv").write_text("q1\t0\tt1\t1\nq2\t0\tt2\t1\n", encoding="utf-8")
    (box / "graded-titles.yaml").write_text(edit(TREC_TASK), encoding="utf-8")
    return "graded-titles.yaml"


def results(box: Path, models=("bm25", "tfidf"), folder: str = "R") -> Path:
    for model in models:
        shutil.copytree(COMMITTED / model, box / folder / model, dirs_exist_ok=True)
    return box / folder


def forged(box: Path, edit: Callable[[dict], None] | None = None, text: Callable[[str], str] | None = None) -> Path:
    """R/bm25/<house file>: the committed bm25 result, edited as JSON (`edit`) or as text (`text`)."""
    data = json.loads((COMMITTED / "bm25" / HOUSE).read_text(encoding="utf-8"))
    if edit:
        edit(data)
    raw = json.dumps(data)
    path = box / "R" / "bm25" / HOUSE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text(raw) if text else raw, encoding="utf-8")
    return path


def house(box: Path, data: Path | None = None) -> Path:
    data = data or box / "data"
    folder = data / "skill-extraction" / "decorte"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("house", "tech"):
        for part in ("validation", "test"):
            (folder / f"{name}_{part}_annotations.csv").write_text(
                "sentence,span,sub_span,label\nWe use Python daily .,Python,,Python (computer programming)\n",
                encoding="utf-8",
            )
    return folder


def minilm() -> str:
    from workbench.models.weights import minilm_folder

    return str(minilm_folder())


def wb_run(model: str, tasks: str, *extra: str, split: str = "full", out: str = "out") -> list[str]:
    return [*WB, "run", "--model", model, "--tasks", tasks, "--split", split, "--data-dir", "data"] + [
        "--output",
        out,
        "--no-progress",
        *extra,
    ]


def python(code: str) -> list[str]:
    """A snippet of the Python API; a WorkBenchError it raises is printed as one line, exit 2."""
    wrapped = (
        f"import sys; sys.path[:0] = [{str(REPO / 'tests')!r}, {str(REPO / 'tests' / 'reliability')!r}]\n"
        "from workbench.errors import WorkBenchError\n"
        f"try:\n" + "".join(f"    {line}\n" for line in code.splitlines()) + "except WorkBenchError as err:\n"
        "    print('error:', err, file=sys.stderr); sys.exit(2)\n"
    )
    return [sys.executable, "-c", wrapped]


def no_json(folder: str) -> Callable[[Path], str | None]:
    return lambda box: (
        f"result files in {folder}: {found}" if (found := sorted((box / folder).rglob("*.json"))) else None
    )


def has(path: str) -> Callable[[Path], str | None]:
    return lambda box: None if (box / path).is_file() else f"{path} was not written"


CASES: list[Callable[[Path], Case]] = []


def case(setup: Callable[[Path], Case]) -> Callable[[Path], Case]:
    CASES.append(setup)
    return setup


def _special_corpus(kind: str, command: str) -> Callable[[Path], Case]:
    def setup(box: Path) -> Case:
        trec(box, corpus=None)
        corpus = box / "data" / "acme" / "corpus.tsv"
        os.mkfifo(corpus) if kind == "fifo" else corpus.symlink_to("/dev/zero")
        what = "is a named pipe (FIFO)" if kind == "fifo" else "is a character device"
        argv = [*WB, "tasks", "validate", ACME, "--data-dir", "data"] if command == "validate" else wb_run("bm25", ACME)
        return Case(f"{kind}-corpus-{command}", "1", argv, what, roots=("out",), check=no_json("out"))

    setup.__name__ = f"{kind}_{command}"
    return setup


for _kind in ("fifo", "dev-zero"):
    for _command in ("validate", "run"):
        case(_special_corpus(_kind, _command))


@case
def house_pipe_in_linked_data(box: Path) -> Case:
    write_esco_release(box / "real")
    decorte = house(box, box / "real")
    (box / "data" / "skill-extraction" / "decorte").mkdir(parents=True)
    (box / "data" / "esco").symlink_to(box / "real" / "esco")
    for csv in decorte.iterdir():
        (box / "data" / "skill-extraction" / "decorte" / csv.name).symlink_to(csv)
    (decorte / "house_test_annotations.csv").unlink()
    os.mkfifo(decorte / "house_test_annotations.csv")
    argv = wb_run("bm25", "house-skill-extraction,tech-skill-extraction", split="test")
    check = has("out/bm25/tech-skill-extraction__v1__test.json")
    return Case("house-fifo-tech-runs", "1", argv, "house_test_annotations.csv is a named pipe", ("out",), check=check)


@case
def verify_sums_fifo(box: Path) -> Case:
    write_esco_release(box / "data")
    os.mkfifo(box / "sums")
    argv = [*WB, "data", "verify", "--data-dir", "data", "--sums", "sums"]
    return Case("verify-sums-fifo", "1", argv, "checksum list: sums is a named pipe (FIFO)")


@case
def verify_entries(box: Path) -> Case:
    write_esco_release(box / "data")
    os.mkfifo(box / "data" / "pipe")
    (box / "data" / "loop").symlink_to("loop")
    (box / "data" / "SHA256SUMS").write_text(f"{'0' * 64}  pipe\n{'0' * 64}  loop\n", encoding="utf-8")
    return Case(
        "verify-entry-fifo-and-loop",
        "1",
        [*WB, "data", "verify", "--data-dir", "data"],
        "NOTFILE  pipe is a named pipe",
    )


@case
def task_file_fifo(box: Path) -> Case:
    os.mkfifo(box / "acme.yaml")
    return Case("task-file-fifo", "1", [*WB, "tasks", "validate", "acme.yaml"], "acme.yaml is a named pipe (FIFO)")


@case
def corpus_link_loop(box: Path) -> Case:
    trec(box, corpus=None)
    (box / "data" / "acme" / "corpus.tsv").symlink_to("corpus.tsv")
    return Case(
        "corpus-link-loop", "weak", [*WB, "tasks", "validate", ACME, "--data-dir", "data"], "is a symbolic link loop"
    )


@case
def corpus_folder(box: Path) -> Case:
    trec(box, corpus=None)
    (box / "data" / "acme" / "corpus.tsv").mkdir()
    argv = wb_run("bm25", ACME)
    return Case("corpus-is-a-folder-run", "weak", argv, "corpus.tsv is a folder, not a regular file", ("out",))


# ------------------------------------------------------------------ 3. names that are path steps
@case
def setting_name_dotdot(box: Path) -> Case:
    write_esco_release(box / "data")
    argv = wb_run(minilm(), "esco-job2skill", "-s", "name=..", out="box/out")
    return Case("run-s-name-dotdot", "3", argv, "model name '..' is a path step", ("box/out",), check=no_json("box"))


@case
def evaluate_name_dotdot(box: Path) -> Case:
    write_esco_release(box / "data")
    code = "import workbench\nworkbench.evaluate('tfidf', 'esco-job2skill', split='full', output='box/out', name='..', data_dir='data')"
    return Case("evaluate-name-dotdot", "3", python(code), "is a path step", ("box/out",), check=no_json("box"))


@case
def export_dotdot(box: Path) -> Case:
    path = box / "res" / "tfidf" / "esco-job2skill__v1__test.json"
    path.parent.mkdir(parents=True)
    data = json.loads((COMMITTED / "tfidf" / path.name).read_text(encoding="utf-8"))
    data["model"].update(name="..", revision="..")
    path.write_text(json.dumps(data), encoding="utf-8")
    argv = [*WB, "results", "export", "res", "--format", "mteb", "--out", "box/out"]
    return Case("export-mteb-dotdot", "3", argv, "model name '..' is a path step", ("box/out",))


# ------------------------------------------------------------------ 4. loader parameters and file roles
def _esco_task(box: Path, edit: Callable[[dict], None]) -> str:
    import yaml

    write_esco_release(box / "data")
    path = task_file(box / "typo.yaml", "typo")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return "typo.yaml"


@case
def misspelt_param_validate(box: Path) -> Case:
    task = _esco_task(box, lambda d: d["source"].update(params={"language": "en", "relation_typs": ["essential"]}))
    argv = [*WB, "tasks", "validate", task, "--data-dir", "data"]
    return Case("misspelt-param-validate", "4", argv, "relation_typs: loader 'esco_job2skill' has no such parameter")


@case
def misspelt_param_run(box: Path) -> Case:
    task = _esco_task(box, lambda d: d["source"].update(params={"language": "en", "relation_typs": ["essential"]}))
    argv = wb_run("tfidf", task)
    return Case("misspelt-param-run", "4", argv, "has no such parameter", ("out",), check=no_json("out"))


@case
def unknown_file_role(box: Path) -> Case:
    task = _esco_task(box, lambda d: d["source"]["files"].update(relation=d["source"]["files"].pop("relations")))
    return Case("unknown-file-role", "4", [*WB, "tasks", "validate", task], "reads no such file role")


# ------------------------------------------------------------------ 5. TSV texts and qrels
def _tsv_case(name: str, item: str, expect: str, run: bool = False, **files: str) -> Callable[[Path], Case]:
    def setup(box: Path) -> Case:
        trec(box, **files)
        argv = wb_run("bm25", ACME) if run else [*WB, "tasks", "validate", ACME, "--data-dir", "data"]
        return Case(name, item, argv, expect, ("out",), check=no_json("out"))

    setup.__name__ = name
    return setup


TAB = "a tab inside a text cannot be written in TSV"
case(
    _tsv_case(
        "tab-in-first-row",
        "5",
        f"corpus.tsv:1: expected 2 tab-separated columns (id, text), found 3: {TAB}",
        corpus="c1\tchef\tde cuisine\nc2\tfarmer\n",
    )
)
case(
    _tsv_case("tab-in-second-row", "5", "corpus.tsv:2: expected 2", corpus="c1\tchef de cuisine\nc2\tfarmer\tfields\n")
)
case(
    _tsv_case(
        "tab-in-second-row-run",
        "5",
        "corpus.tsv:2: expected 2",
        run=True,
        corpus="c1\tchef de cuisine\nc2\tfarmer\tfields\n",
    )
)
case(
    _tsv_case(
        "qrels-spaced-query-id", "weak", "query_id 'q1 ' has leading or trailing whitespace", qrels="q1 \t0\tc1\t1\n"
    )
)
case(_tsv_case("qrels-spaced-target-id-run", "weak", "target_id ' c1' has leading", run=True, qrels="q1\t0\t c1\t1\n"))
case(_tsv_case("qrels-nan-grade", "weak", "must be a finite number, got 'nan'", qrels="q1\t0\tc1\t1\nq2\t0\tc2\tnan\n"))


# ------------------------------------------------------------------ 6. settings
def _setting_case(name: str, model: str, setting: str, expect: str) -> Callable[[Path], Case]:
    def setup(box: Path) -> Case:
        write_esco_release(box / "data")
        return Case(name, "6", wb_run(model, "esco-job2skill", "-s", setting), expect, ("out",), check=no_json("out"))

    setup.__name__ = name
    return setup


case(_setting_case("sublinear-tf-maybe", "tfidf", "sublinear_tf=maybe", "Input should be a valid boolean"))
case(_setting_case("seed-1.5", "random", "seed=1.5", "Input should be a valid integer"))
case(_setting_case("seed-true", "random", "seed=true", "Input should be a valid integer"))
case(_setting_case("ngram-range-2-1", "tfidf", "word_ngram_range=[2,1]", "n-gram range"))


@case
def ansi_name(box: Path) -> Case:
    write_esco_release(box / "data")
    argv = wb_run(minilm(), "esco-job2skill", "-s", "name=red\x1b[31m")
    return Case(
        "ansi-in-s-name", "weak", argv, "must not hold control or format characters", ("out",), check=no_json("out")
    )


# ------------------------------------------------------------------ 7. an encoder that reuses its buffer
@case
def buffer_reuse(box: Path) -> Case:
    code = (
        "from pathlib import Path\n"
        "import test_round_three_boundaries as t\n"
        "t.test_an_encoder_that_reuses_its_output_buffer_gets_the_vectors_it_returned(Path('scratch'))\n"
        "print('same vectors fresh, cached and reread')"
    )
    return Case("encoder-reuses-buffer", "7", python(code), "same vectors", ("scratch",), succeed=True)


# ------------------------------------------------------------------ 8. bombs, sizes, duplicated keys
def _bomb(n_values: int) -> str:
    return "zlib:" + base64.b64encode(zlib.compress(bytes(4 * n_values), 9)).decode("ascii")


def _merge_case(name: str, item: str, expect: str, **forge) -> Callable[[Path], Case]:
    def setup(box: Path) -> Case:
        forged(box, **forge)
        return Case(name, item, [*WB, "results", "merge", "R", "--out", "out"], expect, ("out",), check=no_json("out"))

    setup.__name__ = name
    return setup


def _evil(d: dict) -> None:
    d["per_query"]["encoding"] = "evil"
    d["per_query"]["values"] = {k: _bomb(40_000_000) for k in d["per_query"]["values"]}


case(_merge_case("merge-evil-encoding-bomb", "8", "per_query.encoding 'evil' is not known", edit=_evil))
case(_merge_case("merge-64mib-file", "8", "more than a result file may hold", text=lambda raw: raw + " " * (64 << 20)))
case(
    _merge_case(
        "merge-duplicate-key",
        "weak",
        "key 'official' appears twice",
        text=lambda raw: raw.replace('"official": true', '"official": false, "official": true', 1),
    )
)
case(
    _merge_case(
        "merge-200k-environment",
        "weak",
        "environment holds",
        edit=lambda d: d["environment"].update(note="x" * 200_000),
    )
)
_DEEP = "[" * 100_000 + "]" * 100_000
case(
    _merge_case(
        "merge-deep-json",
        "weak",
        "nested too deeply",
        text=lambda raw: raw.replace('"config": {', f'"config": {{"deep": {_DEEP}, ', 1),
    )
)
case(
    _merge_case(
        "merge-data-files-key-outside",
        "9",
        "data_files",
        edit=lambda d: d["data_files"].update({"../../../../etc/hostname": "0" * 64}),
    )
)


@case
def board_evil(box: Path) -> Case:
    forged(box, edit=_evil)
    argv = [*WB, "leaderboard", "build", "R", "--out", "board", "--n-bootstrap", "10"]
    return Case("board-evil-encoding-bomb", "8", argv, "per_query.encoding 'evil' is not known", ("board",))


@case
def board_data_files_key(box: Path) -> Case:
    forged(box, edit=lambda d: d["data_files"].update({"../../../../etc/hostname": "0" * 64}))
    (box / "data").mkdir()
    argv = [*WB, "leaderboard", "build", "R", "--out", "board", "--data-dir", "data", "--n-bootstrap", "10"]
    return Case("board-data-files-key-outside", "9", argv, "../../../../etc/hostname", ("board",), absent="hostname:")


def _deep_case(name: str, command: list[str]) -> Callable[[Path], Case]:
    def setup(box: Path) -> Case:
        forged(box, text=lambda raw: raw.replace('"config": {', f'"config": {{"deep": {_DEEP}, ', 1))
        return Case(name, "weak", [*WB, *command], "nested too deeply", ("out",))

    setup.__name__ = name
    return setup


case(_deep_case("reproduce-deep-json", ["results", "reproduce", f"R/bm25/{HOUSE}", "--data-dir", "."]))
case(_deep_case("export-deep-json", ["results", "export", "R", "--format", "mteb", "--out", "out"]))


# ------------------------------------------------------------------ 10. the board, merge
def _build(box: Path, out: str, folder: str = "R") -> None:
    argv = [*WB, "leaderboard", "build", folder, "--out", out, "--n-bootstrap", "20"]
    subprocess.run(argv, cwd=box, capture_output=True, check=True, timeout=300, env=_env(box))


def _board_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@case
def board_rebuild_file_size_limit(box: Path) -> Case:
    results(box)
    _build(box, "board")
    (box / "board" / "notes.txt").write_text("kept\n")
    old = _board_bytes(box / "board")
    results(box, ("edit-distance",))
    _build(box, "scratch")
    limit = (box / "scratch" / "index.html").stat().st_size - 1  # every new file fits but index.html (written last)
    shutil.rmtree(box / "scratch")
    argv = ["prlimit", f"--fsize={limit}", *WB, "leaderboard", "build", "R", "--out", "board", "--n-bootstrap", "20"]

    def unchanged(box: Path) -> str | None:
        return (
            None
            if _board_bytes(box / "board") == old and len(list((box / "board").iterdir())) == len(old)
            else "board changed"
        )

    return Case("board-rebuild-write-fails", "10", argv, "the board there is unchanged", ("board",), check=unchanged)


@case
def board_split_typo(box: Path) -> Case:
    results(box, ("bm25",))
    (box / "R" / "junk").mkdir()
    (box / "R" / "junk" / "esco-job2skill__v1__test.json").write_text('{"schema_version": 1}')
    argv = [*WB, "leaderboard", "build", "R", "--out", "board", "--split", "tset"]
    return Case("board-split-tset-with-invalid-file", "weak", argv, "nothing to rank", ("board",))


@case
def board_inside_results(box: Path) -> Case:
    results(box)
    _build(box, "R/board")
    argv = [*WB, "leaderboard", "build", "R", "--out", "elsewhere", "--n-bootstrap", "10"]
    return Case(
        "board-folder-inside-results", "weak", argv, "result files", ("elsewhere",), succeed=True, absent="board/"
    )


@case
def board_sort_link(box: Path) -> Case:
    results(box)
    _build(box, "board")
    url = (box / "board" / "index.html").as_uri() + "#sort=%"
    argv = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={box / 'profile'}"]
    argv += ["--virtual-time-budget=3000", "--dump-dom", url]
    return Case("page-sort-link-percent", "weak", argv, "models shown", ("profile",), succeed=True)


def _shards(box: Path, placements: dict[str, tuple[str, str]], folder: str) -> None:
    for rel, (model, name) in placements.items():
        (box / folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(COMMITTED / model / name, box / folder / rel)


@case
def merge_half_bad(box: Path) -> Case:
    _shards(box, {f"bm25/{HOUSE}": ("bm25", HOUSE)}, "a")
    _shards(box, {f"tfidf/{HOUSE}": ("tfidf", HOUSE)}, "b")
    edited = json.loads((box / "b" / "tfidf" / HOUSE).read_text())
    edited["scores"]["map"] += 0.1
    (box / "b" / "tfidf" / HOUSE).write_text(json.dumps(edited))
    argv = [*WB, "results", "merge", "a", "b", "--out", "out"]
    return Case("merge-all-or-nothing", "weak", argv, "nothing merged", ("out",), check=no_json("out"))


@case
def merge_misplaced(box: Path) -> Case:
    _shards(box, {f"tfidf/{HOUSE}": ("bm25", HOUSE)}, "a")
    argv = [*WB, "results", "merge", "a", "--out", "out"]
    return Case("merge-file-under-another-model", "weak", argv, "model bm25", ("out",), check=no_json("out"))


@case
def merge_locked(box: Path) -> Case:
    _shards(box, {f"bm25/{HOUSE}": ("bm25", HOUSE)}, "a")
    (box / "out").mkdir()
    argv = ["flock", "out/.workbench.lock", *WB, "results", "merge", "a", "--out", "out"]  # flock(1) holds it
    return Case(
        "merge-under-another-runs-lock",
        "weak",
        argv,
        "another workbench run is writing",
        ("out",),
        check=no_json("out"),
    )


# ------------------------------------------------------------------ weak: one line, not a traceback
def _plain(name: str, argv_of: Callable[[Path], list[str]], expect: str, roots=("out",)) -> Callable[[Path], Case]:
    def setup(box: Path) -> Case:
        results(box, ("bm25",))
        write_esco_release(box / "data")
        return Case(name, "weak", argv_of(box), expect, roots)

    setup.__name__ = name
    return setup


case(_plain("board-seed-minus-one", lambda b: [*WB, "leaderboard", "build", "R", "--out", "out", "--seed", "-1"], "-1"))
case(
    _plain("reproduce-seed-minus-one", lambda b: [*WB, "results", "reproduce", f"R/bm25/{HOUSE}", "--seed", "-1"], "-1")
)
case(
    _plain(
        "board-out-dev-full",
        lambda b: [*WB, "leaderboard", "build", "R", "--out", "/dev/full", "--n-bootstrap", "10"],
        "/dev/full",
    )
)
case(_plain("merge-out-dev-full", lambda b: [*WB, "results", "merge", "R", "--out", "/dev/full"], "/dev/full"))
case(_plain("run-output-proc-self", lambda b: wb_run("bm25", "esco-job2skill", out="/proc/self"), "cannot be written"))


@case
def fetch_unwritable(box: Path) -> Case:
    (box / "afile").write_text("x")
    argv = [*WB, "data", "fetch", "--only", "onet/", "--data-dir", "afile/data"]
    return Case("fetch-into-unwritable-folder", "weak", argv, "afile/data", env={"WORKBENCH_OFFLINE": "0"})


@case
def unwritable_cache_csv(box: Path) -> Case:
    write_esco_release(box / "data")
    house(box)
    (box / "afile").write_text("x")
    argv = wb_run("tfidf", "house-skill-extraction", split="test")
    check = has("out/tfidf/house-skill-extraction__v1__test.json")
    env = {"WORKBENCH_CACHE_DIR": str(box / "afile" / "cache")}
    return Case(
        "unwritable-cache-csv-task",
        "weak",
        argv,
        "warning: cache directory",
        ("out",),
        succeed=True,
        check=check,
        env=env,
    )


def _spec_case(name: str, edit: Callable[[str], str], expect: str) -> Callable[[Path], Case]:
    def setup(box: Path) -> Case:
        return Case(name, "weak", [*WB, "tasks", "validate", graded(box, edit), "--data-dir", "data"], expect)

    setup.__name__ = name
    return setup


case(
    _spec_case(
        "spec-version-40-nines",
        lambda t: t.replace("version: 1", "version: " + "9" * 40),
        "version: Input should be less than or equal to",
    )
)
case(
    _spec_case(
        "spec-metrics-map-map",
        lambda t: t.replace("[map, ndcg@10]", "[map, ndcg@10, map]"),
        "metric 'map' is listed twice",
    )
)
case(
    _spec_case(
        "spec-available-val-no-fraction",
        lambda t: t.replace("fractions: {val: 0.5, test: 0.5}", "fractions: {test: 1.0}"),
        "available split 'val' has no fraction",
    )
)


@case
def evaluate_isolation(box: Path) -> Case:
    write_esco_release(box / "data")
    code = (
        "import workbench\n"
        "from test_round_three_boundaries import FirstTaskFails\n"
        "rows = workbench.evaluate(FirstTaskFails('raises'), tasks=['esco-job2skill', 'esco-skill2job'], split='full',\n"
        "    output='out', name='bad', revision='1', data_dir='data')\n"
        "print([row['status'] for row in rows], rows[0]['error'])"
    )
    return Case(
        "evaluate-encoder-raises-first-task",
        "weak",
        python(code),
        "['failed', 'written'] RuntimeError",
        ("out",),
        succeed=True,
    )


# ------------------------------------------------------------------ running and judging
def _env(box: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(box / "cache"), "WORKBENCH_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    env.pop("WORKBENCH_DATA_DIR", None)  # every case names its data
    return {**env, **(extra or {})}


def listing(box: Path) -> dict[str, tuple]:
    """Every entry under `box` (links not followed, nothing opened: a pipe is listed, never read) with its
    type, size and mtime; folders by name only (adding a file changes a folder's mtime), and the names in
    the sandbox's parent."""
    seen: dict[str, tuple] = {f"../{name}": () for name in os.listdir(box.parent)}
    for folder, dirs, files in os.walk(box):
        for name in dirs + files:
            path = Path(folder) / name
            info = path.lstat()
            rel = path.relative_to(box).as_posix()
            seen[rel] = (
                ("dir",) if name in dirs and not path.is_symlink() else (info.st_mode, info.st_size, info.st_mtime_ns)
            )
    return seen


def outside(before: dict, after: dict, roots: tuple[str, ...]) -> list[str]:
    allowed = tuple(root.rstrip("/") for root in (*roots, "cache") if not root.startswith("/"))
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    return sorted(k for k in changed if not any(k == r or k.startswith(r + "/") for r in allowed))


def run_case(setup: Callable[[Path], Case], root: Path) -> dict:
    box = root / setup.__name__
    box.mkdir()
    spec = setup(box)
    before = listing(box)
    started = time.monotonic()
    try:
        done = subprocess.run(
            ["timeout", str(LIMIT_S), *spec.argv],
            cwd=box,
            capture_output=True,
            text=True,
            errors="replace",
            env=_env(box, spec.env),
            timeout=LIMIT_S + 30,
            stdin=subprocess.DEVNULL,
        )
        rc, text = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired:
        rc, text = 124, ""
    seconds = time.monotonic() - started
    wrote_outside = outside(before, listing(box), spec.roots)
    problems = []
    if rc in (124, 137):
        problems.append("HANG")
    if "Traceback" in text:
        problems.append("TRACEBACK")
    if wrote_outside:
        problems.append(f"OUTSIDE {wrote_outside[:3]}")
    if (rc == 0) != spec.succeed:
        problems.append(f"exit {rc}")
    if spec.expect not in text:
        problems.append(f"no {spec.expect!r}")
    if spec.absent and spec.absent in text:
        problems.append(f"holds {spec.absent!r}")
    if spec.check and (said := spec.check(box)):
        problems.append(said)
    reason = next((line for line in reversed(text.splitlines()) if line.strip()), "")
    if not spec.succeed:
        reason = next((line for line in text.splitlines() if spec.expect in line), reason)
    return {"case": spec.name, "item": spec.item, "rc": rc, "seconds": seconds, "problems": problems, "line": reason}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="run the cases whose name holds this word")
    parser.add_argument("--keep", type=Path, default=None, help="keep the sandboxes in this folder")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="hostile-", dir=args.keep))
    rows = []
    try:
        for setup in CASES:
            if args.only and args.only not in setup.__name__.replace("_", "-") and args.only not in setup.__name__:
                continue
            row = run_case(setup, root)
            rows.append(row)
            mark = "ok  " if not row["problems"] else "FAIL"
            print(
                f"{mark} {row['case']:38} item {row['item']:5} exit {row['rc']:3} {row['seconds']:5.1f} s  "
                f"{row['line'][:150]}" + (f"  <- {'; '.join(row['problems'])}" if row["problems"] else ""),
                flush=True,
            )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    count = {
        word: sum(any(p.startswith(word) for p in r["problems"]) for r in rows)
        for word in ("HANG", "TRACEBACK", "OUTSIDE")
    }
    other = sum(1 for r in rows if r["problems"] and not any(p.startswith(tuple(count)) for p in r["problems"]))
    print(
        f"\n{len(rows)} cases, each under `timeout {LIMIT_S}`: {count['HANG']} hangs, {count['TRACEBACK']} tracebacks, "
        f"{count['OUTSIDE']} with writes outside their roots, {other} other unexpected outcomes; "
        f"longest {max((r['seconds'] for r in rows), default=0):.1f} s, total {sum(r['seconds'] for r in rows):.0f} s"
    )
    return 0 if not any(r["problems"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
