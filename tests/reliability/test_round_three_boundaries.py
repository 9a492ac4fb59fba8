"""Issue 27 (round three): the encoder boundary, the per-query codec and result files, `results merge`, the
board build, and one-line errors where a traceback was. Each test failed before its fix (docs/reliability.md,
"Round three — encoder boundary, codec, board build, merge")."""

from __future__ import annotations

import base64
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

from rel_support import REPO, cli
from workbench.caches.embeddings import CachedModel
from workbench.errors import WorkBenchError
from workbench.models.adapters import as_model
from workbench.results.result_file import ResultFile, read_result

COMMITTED = REPO / "leaderboard" / "results"
FILE = "house-skill-extraction__v1__test.json"
MIB = 2**20


def _committed(model: str = "bm25", name: str = FILE) -> dict:
    return json.loads((COMMITTED / model / name).read_text(encoding="utf-8"))


def _write(path: Path, data: dict | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def _peak_bytes(call) -> int:
    """Peak of Python-tracked memory while `call` runs (zlib's output buffers are Python bytes)."""
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _refused(path: Path) -> str:
    with pytest.raises(WorkBenchError) as err:
        read_result(path)
    return str(err.value)


def _no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr, done.stderr[-3000:]


# ------------------------------------------------------------------ item 7: an encoder's reused output buffer
def _features(texts: list[str]) -> np.ndarray:
    """Deterministic 16-dim vectors from a text's bytes (a stand-in encoder with real, distinct outputs)."""
    out = np.full((len(texts), 16), 0.5, dtype=np.float32)
    for i, text in enumerate(texts):
        for j, byte in enumerate(text.encode("utf-8")):
            out[i, (byte + j) % 16] += 1.0
    return out


class BufferReuser:
    """Returns a view of one buffer it overwrites on every call, as some inference runtimes do."""

    def __init__(self):
        self.buffer = np.zeros((0, 16), dtype=np.float32)

    def __call__(self, texts):
        if len(self.buffer) < len(texts):
            self.buffer = np.zeros((len(texts), 16), dtype=np.float32)
        view = self.buffer[: len(texts)]
        view[:] = _features(list(texts))
        return view


def test_an_encoder_that_reuses_its_output_buffer_gets_the_vectors_it_returned(tmp_path):
    texts = [f"skill {i} {'x' * (i % 7)}" for i in range(3000)]  # two calls to the model: 2048 and 952 texts
    fresh = _features(texts)
    # no cache; a first run that fills the cache; the cached rerun (it used to differ from the first run)
    for folder in (None, tmp_path / "cache", tmp_path / "cache"):
        model = CachedModel(as_model(BufferReuser(), name="reuser", revision="1"), folder)
        got = model.encode(texts, role="target", input_type="skill")
        assert np.array_equal(got, fresh), f"cache folder {folder}"


# ------------------------------------------------------------------ item 8: decompression bombs, file limits
def _bomb(n_values: int) -> str:
    """A zlib blob of n_values float32 zeros (80 MB of values in about 80 KB)."""
    return "zlib:" + base64.b64encode(zlib.compress(bytes(4 * n_values), 9)).decode("ascii")


def test_an_unknown_per_query_encoding_is_refused_before_anything_is_inflated(tmp_path):
    data = _committed()
    data["per_query"]["encoding"] = "evil"
    blob = _bomb(20_000_000)
    data["per_query"]["values"] = dict.fromkeys(data["per_query"]["values"], blob)
    path = _write(tmp_path / "bm25" / FILE, data)
    messages = []
    peak = _peak_bytes(lambda: messages.append(_refused(path)))
    assert "per_query.encoding 'evil' is not known" in messages[0], messages
    assert peak < 16 * MIB, f"{peak / MIB:.0f} MiB used to refuse the file"


def test_every_decoder_bounds_what_it_inflates_by_the_query_count():
    """Past `read_result` (which refuses the blob first), the file's own check inflates at most its query count."""
    data = _committed()
    data["per_query"]["query_ids"] = None
    data["per_query"]["values"]["map"] = _bomb(20_000_000)
    result = ResultFile.model_validate(data)
    messages = []

    def check():
        with pytest.raises(WorkBenchError) as err:
            result.check_aggregates()
        messages.append(str(err.value))

    peak = _peak_bytes(check)
    assert "per-query map" in messages[0], messages
    assert peak < 16 * MIB, f"{peak / MIB:.0f} MiB inflated for {data['sizes']['queries']} queries"


def test_a_result_file_over_the_size_limit_is_refused_unread(tmp_path):
    text = json.dumps(_committed())
    path = _write(tmp_path / "bm25" / FILE, text + " " * (64 * MIB))  # valid JSON: trailing whitespace
    messages = []
    peak = _peak_bytes(lambda: messages.append(_refused(path)))
    assert "bytes, more than a result file may hold" in messages[0], messages
    assert peak < 16 * MIB


def test_an_oversized_environment_and_duplicated_keys_are_refused(tmp_path):
    data = _committed()
    data["environment"]["note"] = "x" * 200_000
    assert "environment holds" in _refused(_write(tmp_path / "a" / "bm25" / FILE, data))
    text = json.dumps(_committed())
    assert '"official": true' in text
    doubled = text.replace('"official": true', '"official": false, "official": true', 1)
    message = _refused(_write(tmp_path / "b" / "bm25" / FILE, doubled))
    assert "key 'official' appears twice" in message, message


def _deep(tmp_path: Path) -> Path:
    data = _committed()
    data["config"]["deep"] = 0
    text = json.dumps(data).replace('"deep": 0', '"deep": ' + "[" * 100_000 + "]" * 100_000)
    return _write(tmp_path / "deep" / "bm25" / FILE, text)


def test_deeply_nested_json_is_one_line_in_merge_reproduce_and_export(tmp_path):
    path = _deep(tmp_path)
    shard, cache = path.parents[1], tmp_path / "cache"
    for args in (
        ("results", "merge", str(shard), "--out", str(tmp_path / "merged")),
        ("results", "reproduce", str(path), "--data-dir", str(tmp_path)),
        ("results", "export", str(shard), "--format", "mteb", "--out", str(tmp_path / "mteb")),
    ):
        done = cli(*args, cache_dir=cache, timeout=120)
        _no_traceback(done)
        said = done.stdout + done.stderr  # export lists the files it skips on stdout
        assert done.returncode != 0 and "nested too deeply" in said and FILE in said, (args, said)


# ------------------------------------------------------------------ item 10: a failed board rebuild
def _results(root: Path, models: tuple[str, ...]) -> Path:
    for model in models:
        shutil.copytree(COMMITTED / model, root / model, dirs_exist_ok=True)
    return root


def _board(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _limit_file_size(limit: int):
    def limit_in_child():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_in_child


def test_a_write_failure_during_a_board_rebuild_leaves_the_old_board_whole(tmp_path):
    results, out, cache = _results(tmp_path / "R", ("bm25", "tfidf")), tmp_path / "board", tmp_path / "cache"
    build = ["leaderboard", "build", str(results), "--out", str(out), "--n-bootstrap", "20"]
    assert cli(*build, cache_dir=cache).returncode == 0
    (out / "notes.txt").write_text("kept across rebuilds\n")
    old = _board(out)
    _results(results, ("edit-distance",))  # the next board differs in every file
    scratch = tmp_path / "scratch"
    assert cli(*build[:4], str(scratch), *build[5:], cache_dir=cache).returncode == 0
    sizes = {name: len(data) for name, data in _board(scratch).items()}
    limit = sizes["index.html"] - 1  # every other file of the new board fits; index.html, written last, does not
    assert max(size for name, size in sizes.items() if name != "index.html") < limit, sizes
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "workbench.fronts.cli", *build],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=REPO,
        preexec_fn=_limit_file_size(limit),
    )
    _no_traceback(done)
    assert done.returncode != 0 and "the board there is unchanged" in done.stderr, done.stderr[-2000:]
    assert _board(out) == old  # not one new file beside old ones, no leftover temporary folder
    assert sorted(p.name for p in out.iterdir()) == sorted(old)
    assert cli(*build, cache_dir=cache).returncode == 0  # without the limit: the new board, the notes kept
    assert _board(out) == {**_board(scratch), "notes.txt": b"kept across rebuilds\n"}


# ------------------------------------------------------------------ weak: merge
def _shard(root: Path, placements: dict[str, tuple[str, str]]) -> Path:
    """A shard folder holding committed files: {relative path: (model, file name) of the committed file}."""
    for rel, (model, name) in placements.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(COMMITTED / model / name, target)
    return root


def _merged(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json")) if out.exists() else []


def test_results_merge_is_all_or_nothing(tmp_path):
    good = _shard(
        tmp_path / "a",
        {
            f"bm25/{FILE}": ("bm25", FILE),
            "bm25/esco-job2skill__v1__test.json": ("bm25", "esco-job2skill__v1__test.json"),
        },
    )
    bad = _shard(tmp_path / "b", {f"tfidf/{FILE}": ("tfidf", FILE)})
    edited = json.loads((bad / "tfidf" / FILE).read_text())
    edited["scores"]["map"] += 0.1
    _write(bad / "tfidf" / FILE, edited)
    out = tmp_path / "out"
    done = cli("results", "merge", str(good), str(bad), "--out", str(out), cache_dir=tmp_path / "cache")
    _no_traceback(done)
    assert done.returncode != 0 and f"tfidf/{FILE}" in done.stderr and "nothing merged" in done.stderr, done.stderr
    assert _merged(out) == []
    done = cli("results", "merge", str(good), "--out", str(out), cache_dir=tmp_path / "cache")
    assert done.returncode == 0 and _merged(out) == sorted(["bm25/esco-job2skill__v1__test.json", f"bm25/{FILE}"])


@pytest.mark.parametrize(
    "rel, words",
    [(f"tfidf/{FILE}", "model bm25"), ("bm25/esco-job2skill__v1__test.json", "task house-skill-extraction")],
)
def test_results_merge_refuses_a_file_stored_under_another_path(tmp_path, rel, words):
    shard = _shard(
        tmp_path / "a",
        {rel: ("bm25", FILE), "bm25/esco-jobnorm__v2__test.json": ("bm25", "esco-jobnorm__v2__test.json")},
    )
    out = tmp_path / "out"
    done = cli("results", "merge", str(shard), "--out", str(out), cache_dir=tmp_path / "cache")
    _no_traceback(done)
    assert done.returncode != 0 and rel in done.stderr and words in done.stderr, done.stderr
    assert _merged(out) == []


def test_results_merge_respects_another_runs_lock(tmp_path):
    shard = _shard(tmp_path / "a", {f"bm25/{FILE}": ("bm25", FILE)})
    out = tmp_path / "out"
    out.mkdir()
    with FileLock(str(out / ".workbench.lock")):
        done = cli("results", "merge", str(shard), "--out", str(out), cache_dir=tmp_path / "cache")
    assert done.returncode != 0 and "another workbench run is writing" in done.stderr, done.stderr
    assert _merged(out) == []


# ------------------------------------------------------------------ weak: workbench.evaluate isolates a task
BAD_OUTPUTS = {
    "strings": lambda good: good.astype(str).tolist(),
    "sparse": lambda good: __import__("scipy.sparse").sparse.csr_matrix(good),
    "generator": lambda good: (row for row in good),
    "object": lambda good: np.array([row[: 1 + i % 3] for i, row in enumerate(good)], dtype=object),
    "complex": lambda good: good.astype(np.complex64) + 1j,
    "raises": None,
}


class FirstTaskFails:
    """Sound on the probe texts and from the second task on; its first call on a task's texts misbehaves."""

    def __init__(self, kind: str):
        self.kind, self.misbehaved = kind, False

    def __call__(self, texts):
        good = _features(list(texts))
        if self.misbehaved or len(texts) == 5:  # the adapter's probe: 5 texts
            return good
        self.misbehaved = True
        if self.kind == "raises":
            raise RuntimeError("CUDA error: out of memory\nwhile encoding")
        return BAD_OUTPUTS[self.kind](good)


@pytest.mark.parametrize("kind", sorted(BAD_OUTPUTS))
def test_evaluate_fails_only_the_task_whose_encoding_failed(esco_data_dir, cache_dir, tmp_path, kind):
    import workbench

    rows = workbench.evaluate(
        FirstTaskFails(kind),
        tasks=["esco-job2skill", "esco-skill2job"],
        split="full",
        output=tmp_path / "out",
        name=f"bad-{kind}",
        revision="1",
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
    )
    assert [row["status"] for row in rows] == ["failed", "written"], rows
    error = rows[0]["error"]
    assert "\n" not in error and (f"bad-{kind}" in error or "RuntimeError: CUDA error" in error), error


# ------------------------------------------------------------------ weak: board build and one-line errors
def test_board_build_for_a_split_no_file_is_for_exits_non_zero(tmp_path):
    results = _results(tmp_path / "R", ("bm25",))
    _write(results / "junk" / "esco-job2skill__v1__test.json", {"schema_version": 1})  # an invalid file beside
    out = tmp_path / "board"
    done = cli("leaderboard", "build", str(results), "--out", str(out), "--split", "tset", cache_dir=tmp_path / "c")
    _no_traceback(done)
    assert done.returncode != 0 and "nothing to rank" in done.stderr, done.stderr
    assert not out.exists()


def test_a_board_folder_inside_the_results_folder_is_never_read_as_results(tmp_path):
    results = _results(tmp_path / "R", ("bm25", "tfidf"))
    args = ["--n-bootstrap", "10"]

    def build(out: str) -> str:
        done = cli("leaderboard", "build", str(results), "--out", str(tmp_path / out), *args, cache_dir=tmp_path / "c")
        assert done.returncode == 0, done.stderr
        return done.stdout.replace(str(tmp_path / out), "OUT")

    before = build("first")
    assert (
        cli(
            "leaderboard", "build", str(results), "--out", str(results / "board"), *args, cache_dir=tmp_path / "c"
        ).returncode
        == 0
    )
    after = build("elsewhere")
    assert "board/" not in after and after == before, (before, after)  # the same files seen, the same verdicts


def test_negative_seeds_and_unwritable_outputs_are_one_line(tmp_path):
    results = _results(tmp_path / "R", ("bm25",))
    cache = tmp_path / "c"
    path = results / "bm25" / FILE
    cases = [
        (("leaderboard", "build", str(results), "--out", str(tmp_path / "b"), "--seed", "-1"), "-1"),
        (("results", "reproduce", str(path), "--seed", "-1", "--data-dir", str(tmp_path)), "-1"),
        (("leaderboard", "build", str(results), "--out", "/dev/full", "--n-bootstrap", "10"), "/dev/full"),
        (("results", "merge", str(results), "--out", "/dev/full"), "/dev/full"),
        (("run", "--model", "bm25", "--tasks", "esco-job2skill", "--output", "/proc/self"), "cannot be written"),
    ]
    for args, words in cases:
        done = cli(*args, cache_dir=cache)
        _no_traceback(done)
        assert done.returncode != 0 and words in done.stderr, (args, done.stderr)
        assert "another workbench run is writing" not in done.stderr


# ------------------------------------------------------------------ weak: the page's sort script
def _chromium():
    sys.path.insert(0, str(REPO / "tests" / "leaderboard"))
    import lb_chromium

    if lb_chromium.find_chromium() is None:
        pytest.skip("headless-browser test: /usr/bin/chromium is not installed")
    return lb_chromium


@pytest.mark.parametrize("fragment", ["#sort=%", "#sort=%E0%A4%A&dir=asc", "#%=x&sort=model&dir=asc", "?sort=%ZZ"])
def test_a_crafted_link_never_stops_the_page_scripts(tmp_path, fragment):
    """`#sort=%` threw a URIError in the sort script; the filters (the same inlined script) never loaded."""
    lb = _chromium()
    results, out = _results(tmp_path / "R", ("bm25", "tfidf")), tmp_path / "board"
    assert (
        cli(
            "leaderboard", "build", str(results), "--out", str(out), "--n-bootstrap", "10", cache_dir=tmp_path / "c"
        ).returncode
        == 0
    )
    browser = lb.DevTools(lb.find_chromium(), tmp_path / "profile")
    try:
        browser.open((out / "index.html").resolve().as_uri() + fragment)
        shown = browser.evaluate("document.getElementById('filter-count').textContent")
        sorted_by = browser.evaluate("document.getElementById('ranking').getAttribute('data-sorted-by')")
    finally:
        browser.close()
    thrown = [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"]
    assert thrown == [] and shown.endswith("models shown"), (thrown, shown)
    assert sorted_by == ("model" if "sort=model" in fragment else None)  # the readable part of a link still sorts


def test_a_pipe_among_the_results_never_blocks_the_board_task_discovery(tmp_path):
    """With no suite the board names its tasks from the result files; that scan opened a pipe and waited."""
    from workbench.leaderboard import build_leaderboard

    results = _results(tmp_path / "R", ("bm25",))
    os.mkfifo(results / "bm25" / "pipe__v1__test.json")
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("the board build waited on a named pipe"))
    signal.alarm(60)
    try:
        report = build_leaderboard(results, tmp_path / "board", suite=None, n_bootstrap=5)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
    assert report.accepted > 0 and (tmp_path / "board" / "index.html").is_file()
