"""Sharded runs: `workbench run --shard 1/2` and `--shard 2/2` into two folders, merged with
`workbench results merge`, give the same result files as one unsharded run (clock fields aside).

Cheap real models (tfidf, random, edit-distance) on two tasks of the fixture ESCO release, through
the command line in fresh interpreters, as a user would run the shards on two machines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from workbench.results.result_file import read_result

pytestmark = pytest.mark.slow  # six CLI processes

MODELS = "tfidf,random,edit-distance"
TASKS = "esco-job2skill,esco-skill2job"
VOLATILE = ("created_at", "timing", "environment")  # depend on the clock and the machine


def _cli(*args: str, cache_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(cache_dir)}
    env.pop("WORKBENCH_DATA_DIR", None)  # the data directory is named explicitly
    done = subprocess.run(
        [sys.executable, "-m", "workbench.fronts.cli", *args], capture_output=True, text=True, timeout=600, env=env
    )
    assert done.returncode == 0, f"workbench {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _run(out: Path, data_dir: Path, cache_dir: Path, *extra: str) -> None:
    _cli(
        "run",
        "--model",
        MODELS,
        "--tasks",
        TASKS,
        "--split",
        "full",
        "--output",
        str(out),
        "--data-dir",
        str(data_dir),
        "--no-progress",
        *extra,
        cache_dir=cache_dir,
    )


def _files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*.json"))}


def _comparable(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in VOLATILE:
        data.pop(key)
    return data


def test_two_shards_merged_equal_one_unsharded_run(esco_data_dir, tmp_path):
    cache = tmp_path / "cache"
    shard1, shard2, merged, whole = (tmp_path / name for name in ("shard1", "shard2", "merged", "whole"))
    _run(shard1, esco_data_dir, cache, "--shard", "1/2")
    _run(shard2, esco_data_dir, cache, "--shard", "2/2")
    _run(whole, esco_data_dir, cache)

    # The shards split the 6 (model, task) items 3 + 3, with no item in both.
    one, two = set(_files(shard1)), set(_files(shard2))
    assert len(one) == 3 and len(two) == 3 and not one & two

    # JSON that is not a result (a training log beside the model folders) is not read or copied
    (shard1 / "train_log.json").write_text('{"history": []}')
    done = _cli("results", "merge", str(shard1), str(shard2), "--out", str(merged), cache_dir=cache)
    assert "6 result files merged" in done.stdout
    assert not (merged / "train_log.json").exists() and not list(merged.rglob(".*.partial"))

    merged_files, whole_files = _files(merged), _files(whole)
    assert set(merged_files) == set(whole_files) and len(whole_files) == 6
    for rel, path in whole_files.items():
        a, b = read_result(merged_files[rel]), read_result(path)
        assert a.fingerprint == b.fingerprint, rel
        assert a.scores == b.scores, rel
        assert a.per_query.query_ids == b.per_query.query_ids, rel
        decoded_a, decoded_b = a.per_query.decode(), b.per_query.decode()
        assert set(decoded_a) == set(decoded_b), rel
        for metric in decoded_b:
            np.testing.assert_array_equal(decoded_a[metric], decoded_b[metric], err_msg=f"{rel} {metric}")
        # everything else in the file too, apart from the clock and the machine
        assert _comparable(merged_files[rel]) == _comparable(path), rel

    # Merging again into the same folder is idempotent (identical duplicates are accepted).
    _cli("results", "merge", str(shard1), str(shard2), str(whole), "--out", str(merged), cache_dir=cache)
    assert set(_files(merged)) == set(whole_files)
