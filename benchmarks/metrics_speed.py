"""Speed of workbench.metrics.evaluate_scores against a per-query Python loop.

The loop is written the way existing work-domain benchmarks (WorkRB) compute
ranking metrics: argsort each query's scores, then plain Python loops over the
ranked list; nothing is vectorised beyond that per-query numpy argsort.

    python benchmarks/metrics_speed.py [--queries 20000] [--loop-queries 2000]
"""

from __future__ import annotations

import argparse
import math
import resource
import time
import tracemalloc

import numpy as np
import scipy.sparse as sp

from workbench.metrics import aggregate, evaluate_scores

METRICS = ["map", "rp@10", "mrr", "ndcg@10"]


def make_data(n_q: int, n_t: int, seed: int):
    """Uniform float32 scores, distinct within each row (so MAP has no tie ambiguity),
    and ESCO-like relevance: 1-40 relevant targets per query."""
    rng = np.random.default_rng(seed)
    scores = np.empty((n_q, n_t), np.float32)
    base = np.arange(n_t, dtype=np.float32)
    for r0 in range(0, n_q, 1000):
        c = min(1000, n_q - r0)
        perm = rng.permuted(np.broadcast_to(base, (c, n_t)), axis=1)
        # integer part distinct per row; the jitter (< 0.5) never closes the gap
        scores[r0 : r0 + c] = (perm + 0.5 * rng.random((c, n_t), np.float32)) / n_t
    counts = rng.integers(1, 41, n_q)
    cols = [np.sort(rng.choice(n_t, c, replace=False)) for c in counts]
    indptr = np.concatenate(([0], np.cumsum(counts)))
    rel = sp.csr_matrix((np.ones(indptr[-1]), np.concatenate(cols), indptr), shape=(n_q, n_t))
    return scores, rel, cols


def loop_metrics(scores: np.ndarray, positives: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Per-query reference: argsort, then Python loops (WorkRB style)."""
    out = {m: [] for m in METRICS}
    for s, pos in zip(scores, positives, strict=True):
        ranked = np.argsort(-s)
        pos_set = set(pos.tolist())
        hits, ap, rr = 0, 0.0, 0.0
        for rank, idx in enumerate(ranked.tolist(), start=1):
            if idx in pos_set:
                hits += 1
                ap += hits / rank
                if rr == 0.0:
                    rr = 1.0 / rank
        top = ranked[:10].tolist()
        in_top = sum(1 for idx in top if idx in pos_set)
        dcg = sum(1.0 / math.log2(i + 2) for i, idx in enumerate(top) if idx in pos_set)
        idcg = sum(1.0 / math.log2(i + 2) for i in range(min(10, len(pos))))
        out["map"].append(ap / len(pos))
        out["rp@10"].append(in_top / min(10, len(pos)))
        out["mrr"].append(rr)
        out["ndcg@10"].append(dcg / idcg)
    return {m: np.array(v) for m, v in out.items()}


def timed(repeat: int, fn, *args):
    """(result, CPU seconds, wall seconds), each the best of `repeat` calls."""
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        out = fn(*args)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return out, min(cpu), min(wall)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=20000)
    ap.add_argument("--targets", type=int, default=13896)
    ap.add_argument("--loop-queries", type=int, default=2000, help="queries timed in the loop")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=2, help="best of this many timings, both sides")
    args = ap.parse_args()
    n_q, n_t = args.queries, args.targets
    n_loop = min(args.loop_queries, n_q)

    scores, rel, positives = make_data(n_q, n_t, args.seed)
    print(
        f"matrix {n_q} x {n_t} float32 ({scores.nbytes / 2**30:.2f} GiB), "
        f"{rel.nnz} relevant pairs (1-40 per query), metrics {METRICS}"
    )

    evaluate_scores(scores[:100], rel[:100], METRICS)  # warm-up (imports, first calls)
    ours, cpu_ours, wall_ours = timed(args.repeat, evaluate_scores, scores, rel, METRICS)

    tracemalloc.start()
    evaluate_scores(scores, rel, METRICS)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    ref, cpu_loop, wall_loop = timed(args.repeat, loop_metrics, scores[:n_loop], positives[:n_loop])
    _, cpu_sort, _ = timed(1, lambda: [np.argsort(-s) for s in scores[:n_loop]])

    # Rates use CPU time of this process (time.process_time): the machine may be
    # shared, and both sides are single-threaded. Wall times are shown alongside;
    # both sides report the best of --repeat runs.
    rate_ours, rate_loop = n_q / cpu_ours, n_loop / cpu_loop
    print(
        f"evaluate_scores : {n_q} queries, {cpu_ours:.2f} s CPU ({wall_ours:.2f} s wall) = {rate_ours:,.0f} queries/s"
    )
    print(
        f"per-query loop  : first {n_loop} queries only, {cpu_loop:.2f} s CPU ({wall_loop:.2f} s wall) "
        f"= {rate_loop:,.0f} queries/s (est. {n_q / rate_loop:.0f} s CPU for all {n_q})"
    )
    print(
        f"  argsort alone : {cpu_sort / n_loop * 1e6:.0f} us/query, i.e. any per-query-sort "
        f"loop is capped at {n_loop / cpu_sort:,.0f} queries/s"
    )
    print(f"speed ratio     : {rate_ours / rate_loop:.1f}x (queries/s, CPU time, best of {args.repeat} each)")
    print(
        f"peak memory     : {peak / 2**20:.1f} MiB = tracemalloc peak of allocations made during "
        f"evaluate_scores (the {scores.nbytes / 2**30:.2f} GiB input matrix excluded); "
        f"process ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB"
    )
    ok = True
    for m in METRICS:
        diff = float(np.max(np.abs(ours[m][:n_loop] - ref[m])))
        ok &= diff <= 1e-6
        print(f"check {m:8s}: max |diff| over the {n_loop} looped queries = {diff:.1e}")
    print("means (all queries):", {m: round(v, 6) for m, v in aggregate(ours).items()})
    print("all four metrics (MAP included) equal to 1e-6:", "yes" if ok else "NO")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
