"""`workbench run --executor ray` on a local Ray cluster (ray.init(num_cpus=2)) over the fixture ESCO release:
the same result files as a local run, reuse both ways, a failing item does not stop the others, a worker
killed mid-item is restarted and its item retried.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from workbench.errors import WorkBenchError  # noqa: E402
from workbench.models.registry import load_model  # noqa: E402
from workbench.results.result_file import read_result  # noqa: E402
from workbench.running.ray_executor import actor_resources, run_on_ray  # noqa: E402
from workbench.running.runner import run  # noqa: E402
from workbench.taskfiles.catalog import get_task_spec  # noqa: E402

pytestmark = pytest.mark.slow

MODELS = ["tfidf", "bm25", "edit-distance", "random"]
TASKS = ["esco-job2skill", "esco-skill2job"]
VOLATILE = ("created_at", "timing", "environment")  # the clock and the machine

# The load_model functions below run in Ray's worker processes, which cannot import this test module.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def local_cluster():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="warning")
    yield
    ray.shutdown()


def _kwargs(out: Path, data_dir: Path, cache_dir: Path, **extra) -> dict:
    return dict(
        split="full",
        output=out,
        load_model=load_model,
        data_dir=data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda msg: None,
        **extra,
    )


def _comparable(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in VOLATILE:
        data.pop(key)
    return data


def _files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.glob("*/*.json"))}


def test_ray_run_writes_the_local_runs_files(local_cluster, esco_data_dir, tmp_path):
    specs = [get_task_spec(t) for t in TASKS]
    local = run(MODELS, specs, **_kwargs(tmp_path / "local", esco_data_dir, tmp_path / "cache-local"))
    remote = run_on_ray(MODELS, specs, **_kwargs(tmp_path / "ray", esco_data_dir, tmp_path / "cache-ray"))
    assert len(local.written) == len(remote.written) == 8 and not remote.failed and not remote.reused
    local_files, ray_files = _files(tmp_path / "local"), _files(tmp_path / "ray")
    assert set(local_files) == set(ray_files)
    for rel, path in local_files.items():
        # per-query values as stored (float32 little-endian, base64): byte-identical
        assert read_result(ray_files[rel]).per_query.values == read_result(path).per_query.values, rel
        assert _comparable(ray_files[rel]) == _comparable(path), rel
    assert not list((tmp_path / "ray").rglob("*.tmp"))  # every file written whole (temporary name, then renamed)


def test_finished_files_are_reused_across_executors(local_cluster, esco_data_dir, tmp_path):
    specs = [get_task_spec(t) for t in TASKS]
    out, cache = tmp_path / "results", tmp_path / "cache"
    first = run(["tfidf"], specs[:1], **_kwargs(out, esco_data_dir, cache))
    stamp = first.written[0].stat().st_mtime_ns
    both = run_on_ray(["tfidf"], specs, **_kwargs(out, esco_data_dir, cache))
    assert both.reused == first.written and len(both.written) == 1
    assert first.written[0].stat().st_mtime_ns == stamp  # not rewritten
    again = run(["tfidf"], specs, **_kwargs(out, esco_data_dir, cache))
    assert sorted(again.reused) == sorted(both.reused + both.written) and not again.written
    # a non-default tie policy is another file, in a Ray run as in a local one
    assert len(run_on_ray(["tfidf"], specs[:1], **_kwargs(out, esco_data_dir, cache, ties="pessimistic")).written) == 1


class _Wrapped:
    """A real model whose score() first calls a hook (to fail or to kill its process)."""

    def __init__(self, real, hook):
        self._real, self._hook = real, hook
        self.info = real.info

    def score(self, queries, index, **kwargs):
        self._hook(kwargs)
        return self._real.score(queries, index, **kwargs)

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self._real, attr)


def test_failing_item_is_reported_and_others_go_on(local_cluster, esco_data_dir, tmp_path):
    def refuse_skill_queries(kwargs):
        if kwargs.get("query_type") == "skill_name":
            raise WorkBenchError("refusing skill queries")

    def loader(name, **settings):
        return _Wrapped(load_model(name, **settings), refuse_skill_queries)

    specs = [get_task_spec(t) for t in TASKS]
    report = run_on_ray(
        ["tfidf", "no-such-model"],
        specs,
        **{**_kwargs(tmp_path / "out", esco_data_dir, tmp_path / "cache"), "load_model": loader},
    )
    assert [p.name for p in report.written] == ["esco-job2skill__v1__full.json"]
    failed = {(model, task): err for model, task, err in report.failed}
    assert failed[("tfidf", "esco-skill2job")] == "refusing skill queries"
    assert set(failed) == {
        ("tfidf", "esco-skill2job"),
        ("no-such-model", "esco-job2skill"),
        ("no-such-model", "esco-skill2job"),
    }
    assert "unknown model 'no-such-model'" in failed[("no-such-model", "esco-job2skill")]


def test_worker_killed_mid_item_is_retried(local_cluster, esco_data_dir, tmp_path):
    marker = tmp_path / "killed-once"

    def die_once(kwargs):
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            os._exit(1)  # the actor's process dies in the middle of the item

    def loader(name, **settings):
        return _Wrapped(load_model(name, **settings), die_once)

    spec = get_task_spec("esco-job2skill")
    report = run_on_ray(
        ["tfidf"], [spec], **{**_kwargs(tmp_path / "ray", esco_data_dir, tmp_path / "cache"), "load_model": loader}
    )
    assert marker.exists() and len(report.written) == 1 and not report.failed
    local = run(["tfidf"], [spec], **_kwargs(tmp_path / "local", esco_data_dir, tmp_path / "cache"))
    assert read_result(report.written[0]).per_query.values == read_result(local.written[0]).per_query.values


def test_resources_per_model():
    assert actor_resources("tfidf", {}, cluster_gpus=4) == {"num_cpus": 1}
    assert actor_resources("all-MiniLM-L6-v2", {}, cluster_gpus=0) == {"num_cpus": 1}
    assert actor_resources("all-MiniLM-L6-v2", {}, cluster_gpus=2) == {"num_cpus": 1, "num_gpus": 1}
    assert actor_resources("all-MiniLM-L6-v2", {"device": "cpu"}, cluster_gpus=2) == {"num_cpus": 1}
    assert actor_resources("all-MiniLM-L6-v2", {"devices": ["cuda:0", "cuda:1"]}, cluster_gpus=2) == {
        "num_cpus": 1,
        "num_gpus": 2,
    }
    assert actor_resources("uwe:runs/uwe/model", {"device": "cuda"}, cluster_gpus=1) == {"num_cpus": 1, "num_gpus": 1}
    assert actor_resources("multilingual-e5-small", {}, cluster_gpus=2) == {"num_cpus": 1}  # a CPU engine, no device
    assert actor_resources("no-such-model", {}, cluster_gpus=2) == {"num_cpus": 1}


def test_cli_executor_ray(esco_data_dir, tmp_path):
    """The command line starts its own local cluster (a fresh interpreter, so not the test's cluster)."""
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "cli"
    args = [
        sys.executable,
        "-m",
        "workbench.fronts.cli",
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
        "--executor",
        "ray",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    assert "2 written, 0 reused, 0 failed" in done.stdout
    assert "work items" in done.stderr  # the driver's one progress bar
    wrong = subprocess.run(args[:-2] + ["--address", "auto"], capture_output=True, text=True, timeout=600, env=env)
    assert wrong.returncode == 2 and "--address is for --executor ray" in wrong.stderr


def test_worker_with_other_code_is_refused(local_cluster, esco_data_dir, tmp_path, monkeypatch):
    """A worker whose workbench differs from the driver's (another install on a node, files edited mid-run)
    fails its items with one clear line instead of sending results the driver would read otherwise."""
    from workbench.running import ray_executor

    monkeypatch.setattr(ray_executor, "code_stamp", lambda: "0.0.0+driver")  # the driver's side only
    report = run_on_ray(
        ["tfidf"], [get_task_spec("esco-job2skill")], **_kwargs(tmp_path / "out", esco_data_dir, tmp_path / "cache")
    )
    assert not report.written and len(report.failed) == 1
    assert "install the same workbench on every node" in report.failed[0][2] and "0.0.0+driver" in report.failed[0][2]


def test_a_worker_follows_the_drivers_no_fetch(tmp_path, monkeypatch):
    """The actor class itself (no cluster): fetching off in the driver is off in the worker, whatever the
    worker's environment says; a worker told it may fetch tries to (here: an unreachable mirror)."""
    from workbench.running.ray_executor import ModelWorker

    monkeypatch.setenv("WORKBENCH_OFFLINE", "0")  # the worker's own environment would allow it
    monkeypatch.setenv("WORKBENCH_DATA_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setattr("workbench.data.fetch.BACKOFF_S", 0.0)
    empty = tmp_path / "data"
    empty.mkdir()
    spec = get_task_spec("esco-skillnorm")
    for fetch, expected in ((False, "fetching is off"), (True, r"could not fetch 2 file\(s\)")):
        worker = ModelWorker("tfidf", {}, load_model, empty, tmp_path / "cache", fetch)
        with pytest.raises(WorkBenchError, match=expected):
            worker.evaluate(spec, "test", None, "average")
    assert not any(empty.rglob("*.zip"))
