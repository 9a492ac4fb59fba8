"""The Ray executor against the sequential runner on one machine, and the executor's cost per work item.

    WORKBENCH_DATA_DIR=../shared/data python benchmarks/ray_vs_sequential.py [--cpus 2] [--grid 1000]
                                        [--models bm25,tfidf,edit-distance,random]
                                        [--suites workbench-core,workbench-zero-shot]

1. Real grid: the lexical models on the suites' test splits, first with `runner.run` (one process), then
   with `ray_executor.run_on_ray` on a local cluster of `--cpus` CPUs (`ray.init(num_cpus=...)`; its start
   is timed apart). Both read the same warm dataset cache (built before either is timed), write to fresh
   folders, and must give byte-identical per-query values. Printed: wall times, their ratio, and the
   executor's overhead per item = (Ray wall × CPUs − Σ the items' own evaluation seconds) / items, an
   upper bound (idle CPUs at the end of the run count as overhead).
2. Synthetic grid: `--grid` tiny items (4 models × copies of the fixture ESCO release's esco-job2skill
   under other names: 1 query × 12 targets each) through the same two executors, at two sizes, so the
   per-item cost at 1,000 items shows whether the scheduler, not the work, is what limits a big grid.
   Also the bare Ray round trip (an actor method that does nothing) per item.

The machine may be shared: the load average before and after each part is printed with the numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from workbench.models.registry import load_model
from workbench.results.result_file import read_result
from workbench.running.ray_executor import run_on_ray
from workbench.running.run_config import RunConfig
from workbench.running.runner import RunReport, run
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec, suite_tasks


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timed(label: str, fn):
    before, started = _load(), time.perf_counter()
    out = fn()
    wall = time.perf_counter() - started
    print(f"  {label:<34} {wall:8.2f} s   (load avg before: {before}; after: {_load()})", flush=True)
    return out, wall


def _item_seconds(report: RunReport) -> float:
    return sum(read_result(p).timing.total_seconds for p in report.written)


def _check_identical(a: RunReport, b: RunReport, root_a: Path, root_b: Path) -> None:
    rel_a = {p.relative_to(root_a): p for p in a.written}
    rel_b = {p.relative_to(root_b): p for p in b.written}
    assert set(rel_a) == set(rel_b), "the two runs wrote different files"
    for rel, path in rel_a.items():
        if read_result(path).per_query.values != read_result(rel_b[rel]).per_query.values:
            raise SystemExit(f"per-query values differ: {rel}")
    print(f"  per-query values identical in all {len(rel_a)} files")


def compare(models, specs, split, data_dir, cache_dir, work: Path, cpus: int, label: str) -> None:
    config = RunConfig(
        split=split,
        output=work / f"{label}-seq",
        load_model=load_model,
        data_dir=data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda msg: None,
    )
    items = len(models) * len(specs)
    print(f"{label}: {len(models)} models × {len(specs)} tasks = {items} items")
    seq, seq_wall = _timed("sequential (runner.run)", lambda: run(models, specs, config))
    ray_report, ray_wall = _timed(
        f"Ray, {cpus} CPUs (run_on_ray)", lambda: run_on_ray(models, specs, config, output=work / f"{label}-ray")
    )
    assert not seq.failed and not ray_report.failed, (seq.failed, ray_report.failed)
    _check_identical(seq, ray_report, work / f"{label}-seq", work / f"{label}-ray")
    own = _item_seconds(ray_report)
    print(
        f"  sequential / Ray wall time: {seq_wall / ray_wall:.2f}x;  per item: sequential {1000 * seq_wall / items:.1f} ms, "
        f"Ray {1000 * ray_wall / items:.1f} ms"
    )
    print(
        f"  items' own evaluation time in the Ray run: {own:.1f} s; executor overhead per item "
        f"≤ {1000 * max(0.0, ray_wall * cpus - own) / items:.1f} ms (Ray wall × {cpus} CPUs − evaluation, / items)"
    )


def synthetic_specs(n_tasks: int):
    base = get_task_spec("esco-job2skill")
    return [base.model_copy(update={"name": f"synthetic-{i:04d}"}) for i in range(n_tasks)]


def bare_round_trip(ray, n: int) -> None:
    @ray.remote(num_cpus=1)
    class Nothing:
        def item(self, k):
            return k

    actors = [Nothing.remote() for _ in range(2)]
    ray.get([a.item.remote(0) for a in actors])
    started = time.perf_counter()
    pending = [actors[k % 2].item.remote(k) for k in range(n)]
    while pending:  # the driver's loop: one ready ref at a time
        [ready], pending = ray.wait(pending, num_returns=1)
        ray.get(ready)
    wall = time.perf_counter() - started
    print(f"  bare Ray round trip (no-op actor method, same wait loop): {1e6 * wall / n:.0f} µs per item over {n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--grid", type=int, default=1000, help="Items of the synthetic grid (a multiple of 4).")
    parser.add_argument("--models", default="bm25,tfidf,edit-distance,random")
    parser.add_argument("--suites", default="workbench-core,workbench-zero-shot")
    parser.add_argument("--skip-real", action="store_true", help="Only the synthetic grid.")
    args = parser.parse_args()
    import ray

    models = args.models.split(",")
    with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
        work = Path(tmp)
        cache = work / "cache"
        os.environ["WORKBENCH_CACHE_DIR"] = str(cache)  # before ray.init: the workers inherit it
        print(
            f"machine: {os.cpu_count()} CPUs, load average {_load()} (shared machines: see the load with each number)"
        )
        _, _start = _timed(
            f"ray.init(num_cpus={args.cpus})",
            lambda: ray.init(num_cpus=args.cpus, include_dashboard=False, logging_level="warning"),
        )
        if not args.skip_real:
            data_dir = Path(os.environ["WORKBENCH_DATA_DIR"])
            specs = list({s.name: s for suite in args.suites.split(",") for s in suite_tasks(suite)}.values())
            specs = [s for s in specs if "test" in s.splits.available]
            _timed(
                "dataset cache warm-up (not in either run)",
                lambda: [Task(s, data_dir=data_dir, cache_dir=cache).dataset("test") for s in specs],
            )
            compare(models, specs, "test", data_dir, cache, work, args.cpus, "real grid")
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from esco_fixture import write_esco_release

        fixture = work / "fixture-data"
        write_esco_release(fixture)
        for n in (args.grid // 10, args.grid):
            compare(
                models, synthetic_specs(n // len(models)), "full", fixture, cache, work, args.cpus, f"synthetic {n}"
            )
        bare_round_trip(ray, args.grid)
        ray.shutdown()


if __name__ == "__main__":
    main()
