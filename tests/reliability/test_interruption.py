"""A run killed at any point loses nothing finished, leaves no half-written file, and a rerun completes it.

- SIGKILL in the middle of the second of three tasks, rerun: the three result files equal those of an
  uninterrupted run (everything but created_at/timing/environment), and the finished first task is
  reused, not recomputed (log says `reuse`, file bytes, inode and mtime unchanged).
- SIGKILL while a result file is being written: the old file stays whole; the leftover is a hidden
  `.NAME.*.tmp` that no reader picks up; concurrent readers never see partial JSON.
- SIGKILL while embeddings are being written to the SQLite cache: the cache opens, passes
  `PRAGMA integrity_check`, every stored row passes its CRC, every returned vector is the one encoded,
  and a resumed run encodes exactly the missing texts.
- Two runs on one output folder: the second stops at once with one clear line and exit code 2.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

from rel_support import (
    CLI,
    REPO,
    cli,
    comparable,
    result_files,
    shake_encode,
    task_file,
    write_big_release,
    write_esco_release,
)
from workbench.caches.embeddings import EmbeddingCache, encode_with_cache, text_key
from workbench.results.result_file import read_result, result_path, write_result

pytestmark = pytest.mark.sigkill


def _env(cache: Path) -> dict:
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(cache)}
    env.pop("WORKBENCH_DATA_DIR", None)
    return env


def _wait_for_line(proc: subprocess.Popen, prefix: str, timeout: float) -> list[str]:
    """Read the child's stderr until a line starts with `prefix`; return the lines read so far."""
    lines: list[str] = []
    seen = threading.Event()

    def pump():
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            if line.startswith(prefix):
                seen.set()
        seen.set()  # EOF: the child ended without printing the line

    threading.Thread(target=pump, daemon=True).start()
    assert seen.wait(timeout), f"no line starting with {prefix!r} within {timeout}s; got {lines}"
    return lines


def test_sigkill_mid_task_then_rerun_equals_uninterrupted_run(tmp_path):
    data = tmp_path / "data"
    write_esco_release(data)
    write_big_release(data)  # esco/big: 1200 occupations × 4000 skills, a task that takes seconds
    big = task_file(tmp_path / "big-job2skill.yaml", "big-job2skill", folder="esco/big")
    tasks = f"esco-job2skill,{big},esco-skillnorm"
    args = [
        "run",
        "--model",
        "edit-distance",
        "--tasks",
        tasks,
        "--split",
        "full",
        "--data-dir",
        str(data),
        "--no-progress",
    ]

    reference = tmp_path / "reference"
    done = cli(*args, "--output", str(reference), cache_dir=tmp_path / "cache-ref")
    assert done.returncode == 0, done.stderr
    expected = result_files(reference)
    assert sorted(expected) == [
        "edit-distance/big-job2skill__v1__full.json",
        "edit-distance/esco-job2skill__v1__full.json",
        "edit-distance/esco-skillnorm__v2__full.json",
    ]

    out, cache = tmp_path / "out", tmp_path / "cache"
    proc = subprocess.Popen(
        [*CLI, *args, "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(cache),
        cwd=REPO,
    )
    try:
        lines = _wait_for_line(proc, "run edit-distance on big-job2skill@v1 [full]", timeout=240)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(60)
    assert proc.returncode == -signal.SIGKILL, lines
    first = result_path(out, "edit-distance", "esco-job2skill", 1, "full")
    assert sorted(result_files(out)) == ["edit-distance/esco-job2skill__v1__full.json"]  # killed inside task 2
    read_result(first)  # the finished task's file is whole and valid
    before = first.stat()
    first_bytes = first.read_bytes()

    rerun = cli(*args, "--output", str(out), cache_dir=cache)  # the killed run's lock died with it
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.strip() == f"2 written, 1 reused, 0 failed → {out}"
    assert f"reuse {first} (task, data, model and settings unchanged)" in rerun.stderr
    assert "run edit-distance on esco-job2skill@v1" not in rerun.stderr
    assert "run edit-distance on big-job2skill@v1 [full]" in rerun.stderr
    assert "run edit-distance on esco-skillnorm@v2 [full]" in rerun.stderr
    after = first.stat()
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert first.read_bytes() == first_bytes

    final = result_files(out)
    assert sorted(final) == sorted(expected)
    for rel, path in final.items():
        assert comparable(path) == comparable(expected[rel]), rel
        got, want = read_result(path).per_query, read_result(expected[rel]).per_query
        assert got.values == want.values and got.query_ids == want.query_ids  # per-query bytes identical


_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from workbench.io import atomic_write_bytes
    payload = b'{"padding": "' + b"x" * (300 << 20) + b'"}'
    print("writing", flush=True)
    atomic_write_bytes(Path(sys.argv[1]), payload)
    print("done", flush=True)
""")


def test_sigkill_during_result_write_keeps_the_old_file_whole(tmp_path):
    target = tmp_path / "out" / "m" / "task__v1__test.json"
    target.parent.mkdir(parents=True)
    old = b'{"old": true}\n'
    target.write_bytes(old)
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert proc.stdout.readline().strip() == "writing"
        deadline = time.monotonic() + 120
        while not list(target.parent.glob(f".{target.name}.*.tmp")):
            assert proc.poll() is None, "the writer finished before a temporary file was seen"
            assert time.monotonic() < deadline
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(60)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_bytes() == old  # never half a file under the real name
    leftovers = sorted(p.name for p in target.parent.iterdir() if p != target)
    assert len(leftovers) == 1 and leftovers[0].startswith(f".{target.name}.") and leftovers[0].endswith(".tmp")
    assert sorted(result_files(tmp_path / "out")) == ["m/task__v1__test.json"]  # readers glob *.json only


_REWRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from workbench.io import atomic_write_bytes
    target, a, b = (Path(p) for p in sys.argv[1:4])
    payloads = [a.read_bytes(), b.read_bytes()]
    print("writing", flush=True)
    for i in range(200):
        atomic_write_bytes(target, payloads[i % 2])
""")


def test_concurrent_readers_never_see_partial_json(esco_data_dir, cache_dir, tmp_path):
    from workbench.models.registry import load_model
    from workbench.running.task import Task
    from workbench.taskfiles.catalog import get_task_spec

    task = Task(get_task_spec("esco-skillnorm"), data_dir=esco_data_dir, cache_dir=cache_dir)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_result(a, task.evaluate(load_model("tfidf"), "full", progress=False))
    write_result(b, task.evaluate(load_model("random"), "full", progress=False))
    target = tmp_path / "out" / "result.json"
    target.parent.mkdir()
    target.write_bytes(a.read_bytes())
    proc = subprocess.Popen(
        [sys.executable, "-c", _REWRITER, str(target), str(a), str(b)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    seen, reads = set(), 0
    try:
        assert proc.stdout.readline().strip() == "writing"
        while proc.poll() is None:
            seen.add(read_result(target).model.name)  # raises on any partial or invalid file
            reads += 1
    finally:
        proc.wait(120)
    assert proc.returncode == 0
    assert reads > 20 and seen == {"tfidf", "random"}  # both versions were read, never a partial one
    assert read_result(target).model.name == "random"  # the last of 200 writes


_CACHE_WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    sys.path[:0] = [sys.argv[3], sys.argv[4]]  # tests/reliability and tests/ (esco_fixture)
    from rel_support import shake_encode as encode
    from workbench.caches.embeddings import EmbeddingCache, encode_with_cache
    cache = EmbeddingCache(Path(sys.argv[1]), {"model": "shake", "revision": "1"})
    texts = [f"text number {i}" for i in range(int(sys.argv[2]))]
    encode_with_cache(texts, encode, cache, batch=1000, progress=lambda n: print(n, flush=True))
    print("done", flush=True)
""")


def test_embedding_cache_survives_sigkill_during_encode(tmp_path):
    encode = shake_encode
    folder, total = tmp_path / "embeddings", 60_000
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _CACHE_WRITER,
            str(folder),
            str(total),
            str(Path(__file__).parent),
            str(Path(__file__).parents[1]),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        batches = 0
        while batches < 5:  # at least 5 committed batches, then kill wherever the writer is
            line = proc.stdout.readline()
            assert line and line.strip() != "done", "the writer finished before it could be killed"
            batches += 1
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(60)
    assert proc.returncode == -signal.SIGKILL

    cache = EmbeddingCache(folder, {"model": "shake", "revision": "1"})  # opens and recovers the WAL
    try:
        assert cache._conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = cache._conn.execute("SELECT key, dim, crc, vec FROM emb").fetchall()
        assert all(zlib.crc32(blob) == crc and len(blob) == 4 * dim == 4 * 128 for _, dim, crc, blob in rows)
        texts = [f"text number {i}" for i in range(total)]
        keys = [text_key(t) for t in texts]
        found = cache.get_many(keys)
        assert len(found) == len(rows) and 5 * 1000 <= len(found) < total
        stored = [i for i, k in enumerate(keys) if k in found]
        assert np.array_equal(np.stack([found[keys[i]] for i in stored]), encode([texts[i] for i in stored]))

        asked: list[str] = []

        def counting(batch):
            asked.extend(batch)
            return encode(batch)

        matrix, encoded = encode_with_cache(texts, counting, cache, batch=5000)
        assert encoded == total - len(found) == len(asked)
        assert not set(asked) & {texts[i] for i in stored}
        assert np.array_equal(matrix, encode(texts))
    finally:
        cache.close()


def test_second_run_on_the_same_output_is_refused(esco_data_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    args = [
        "run",
        "--model",
        "tfidf",
        "--tasks",
        "esco-job2skill",
        "--split",
        "full",
        "--output",
        str(out),
        "--data-dir",
        str(esco_data_dir),
        "--no-progress",
    ]
    lock = FileLock(str(out / ".workbench.lock"))
    lock.acquire()
    try:
        blocked = cli(*args, cache_dir=tmp_path / "cache")
    finally:
        lock.release()
    assert blocked.returncode == 2
    assert blocked.stderr.strip() == (
        f"error: another workbench run is writing to {out} (lock {out / '.workbench.lock'}); "
        "wait for it or use another --output"
    )
    assert "Traceback" not in blocked.stderr and not result_files(out)
    assert cli(*args, cache_dir=tmp_path / "cache").returncode == 0  # once the first run is gone
