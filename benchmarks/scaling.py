"""How blocked scoring + metrics (workbench.scoring.matrix.score_dataset's scoring loop: query block @
targets.T, then workbench.metrics.evaluate_scores) scale with the target space and the queries.

Synthetic unit-normalised embeddings (d=384, a model whose `encode` looks them up) and ESCO-like
relevance (1-40 relevant targets per query). Each point runs in a fresh child process; its scoring
loop is timed (wall and CPU seconds of the process) and its resident memory sampled every 5 ms
while the loop runs: "loop peak" is the most it rose above the memory held when the loop began
(inputs: the embeddings and the relevance). Prints the fitted log-log slope of time against
queries x targets (1 = linear) and, with --ann, the optional approximate top-k path
(benchmarks/ann.py: IVFIndex, numpy inverted lists) against exact search for @k metrics.

The machine may be shared: CPU seconds are the steadier number; the slope uses them.

    python benchmarks/scaling.py [--targets 1000,10000,100000,1000000] [--queries-fixed 1000]
                                 [--queries 1000,10000,100000] [--targets-fixed 10000] [--ann 100000,1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np

DIM = 384
METRICS = ["map", "rp@10", "mrr", "ndcg@10", "recall@10"]


# ------------------------------------------------------------------------------------ child side
def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _Sampler:
    def __init__(self, every: float = 0.005):
        self.every, self.peak, self._stop = every, 0, threading.Event()

    def __enter__(self):
        self.base = self.peak = _rss()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, _rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def unit(rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.empty((rows, DIM), np.float32)
    for s in range(0, rows, 100_000):
        e = min(rows, s + 100_000)
        x[s:e] = rng.standard_normal((e - s, DIM), np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def relevance(n_q: int, n_t: int, seed: int):
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 41, n_q)
    cols = np.concatenate([np.sort(rng.choice(n_t, min(c, n_t), replace=False)) for c in counts])
    indptr = np.concatenate(([0], np.cumsum(np.minimum(counts, n_t))))
    return sp.csr_matrix((np.ones(len(cols), np.float32), cols, indptr), shape=(n_q, n_t))


class LookupModel:
    """An embedding model whose encode returns precomputed rows: texts are 'q<i>' / 't<j>'."""

    def __init__(self, q, t):
        from workbench.models.model import ModelInfo

        self.q, self.t = q, t
        self.info = ModelInfo(name="synthetic-lookup", revision="0", kind="embedding", embedding_dim=DIM)

    def prompt_for(self, **_):
        return None

    def encode(self, texts, *, role, input_type, group=None):
        rows = np.fromiter((int(s[1:]) for s in texts), np.int64, len(texts))
        return (self.q if role == "query" else self.t)[rows]


def one_point(n_q: int, n_t: int) -> dict:
    import workbench.scoring.matrix as ev
    from workbench.dataset.ranking import RankingDataset

    q, t = unit(n_q, 1), unit(n_t, 2)
    rel = relevance(n_q, n_t, 3)
    ds = RankingDataset(
        query_ids=np.array([f"q{i}" for i in range(n_q)], object),
        query_texts=np.array([f"q{i}" for i in range(n_q)], object),
        target_ids=np.array([f"t{j}" for j in range(n_t)], object),
        target_texts=np.array([f"t{j}" for j in range(n_t)], object),
        relevance=rel,
        query_splits=np.array(["full"] * n_q, object),
    )
    loop: dict = {}
    original = ev.progress_bar

    @contextlib.contextmanager
    def timed_progress(total, desc, enabled):
        # score_dataset opens the "score" bar right around its scoring loop: time exactly that
        with original(total, desc, False) as bar:
            if desc != "score":
                yield bar
                return
            with _Sampler() as sampler:
                c0, w0 = time.process_time(), time.perf_counter()
                yield bar
                loop.update(cpu=time.process_time() - c0, wall=time.perf_counter() - w0)
            loop.update(base=sampler.base, peak=sampler.peak)

    ev.progress_bar = timed_progress
    try:
        w0 = time.perf_counter()
        scored = ev.score_dataset(
            LookupModel(q, t), ds, query_type="x", target_type="y", group=None, metrics=METRICS, progress=False
        )
        total = time.perf_counter() - w0
    finally:
        ev.progress_bar = original
    assert np.isfinite(scored.per_query["map"]).all()
    return {
        "queries": n_q,
        "targets": n_t,
        "loop_cpu_s": loop["cpu"],
        "loop_wall_s": loop["wall"],
        "score_dataset_wall_s": total,
        "rss_at_loop_start": loop["base"],
        "loop_peak_above_start": loop["peak"] - loop["base"],
        "map": float(scored.per_query["map"].mean()),
    }


def lowdim(rows: int, seed: int, intrinsic: int = 48) -> np.ndarray:
    """Unit vectors near a random 48-dimensional subspace: sentence embeddings have far fewer
    effective dimensions than coordinates, which is what makes any approximate index work."""
    basis = np.random.default_rng(99).standard_normal((intrinsic, DIM)).astype(np.float32)
    rng = np.random.default_rng(seed)
    x = np.empty((rows, DIM), np.float32)
    for s in range(0, rows, 100_000):
        e = min(rows, s + 100_000)
        x[s:e] = rng.standard_normal((e - s, intrinsic), np.float32) @ basis
        x[s:e] += 0.3 * np.sqrt(intrinsic / DIM) * rng.standard_normal((e - s, DIM), np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def ann_point(n_q: int, n_t: int, probes: list[int]) -> dict:
    import ann  # benchmarks/ann.py, beside this script
    import scipy.sparse as sp

    from workbench.metrics import evaluate_scores

    q, t = lowdim(n_q, 11), lowdim(n_t, 12)
    c0, w0 = time.process_time(), time.perf_counter()
    exact = ann.exact_topk(q, t, 50)
    out = {
        "queries": n_q,
        "targets": n_t,
        "exact_topk_cpu_s": time.process_time() - c0,
        "exact_topk_wall_s": time.perf_counter() - w0,
    }
    # relevant targets: 1-5 of each query's true top 50 (so @10 metrics are far from 0) plus 0-9 random ones
    rng = np.random.default_rng(13)
    rows, cols = [], []
    for i in range(n_q):
        pick = np.unique(
            np.concatenate([rng.choice(exact[i], rng.integers(1, 6)), rng.choice(n_t, rng.integers(0, 10))])
        )
        rows += [i] * len(pick)
        cols += pick.tolist()
    rel = sp.csr_matrix((np.ones(len(cols), np.float32), (rows, cols)), shape=(n_q, n_t))
    at_k = ["recall@10", "ndcg@10"]
    # exact path: the blocked scoring loop with the @k metrics only (what the approximate path replaces)
    block = max(1, (128 * 2**20) // (4 * n_t))
    t_T = np.ascontiguousarray(t.T)
    parts = {m: [] for m in at_k}
    c0, w0 = time.process_time(), time.perf_counter()
    for s in range(0, n_q, block):
        vals = evaluate_scores(q[s : s + block] @ t_T, rel[s : s + block], at_k)
        for m in at_k:
            parts[m].append(vals[m])
    out.update(
        exact_loop_cpu_s=time.process_time() - c0,
        exact_loop_wall_s=time.perf_counter() - w0,
        exact={m: float(np.concatenate(v).mean()) for m, v in parts.items()},
    )
    del t_T
    c0, w0 = time.process_time(), time.perf_counter()
    index = ann.IVFIndex(t)
    out.update(n_lists=index.n_lists, build_cpu_s=time.process_time() - c0, build_wall_s=time.perf_counter() - w0)
    out["probes"] = []
    for n_probe in probes:
        c0, w0 = time.process_time(), time.perf_counter()
        top = index.search(q, 10, n_probe=n_probe)
        vals = ann.cutoff_metrics_from_topk(top, rel, at_k)
        out["probes"].append(
            {
                "n_probe": n_probe,
                "cpu_s": time.process_time() - c0,
                "wall_s": time.perf_counter() - w0,
                "topk_recall@10": ann.topk_recall(top, exact[:, :10]),
                "approx": {m: float(v.mean()) for m, v in vals.items()},
            }
        )
    return out


# ----------------------------------------------------------------------------------- parent side
def child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def slope(points: list[dict], key: str) -> float:
    x = np.log([p["queries"] * p["targets"] for p in points])
    y = np.log([p[key] for p in points])
    return float(np.polyfit(x, y, 1)[0])


def ints(text: str) -> list[int]:
    return [int(float(v)) for v in text.split(",") if v]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", default="1000,10000,100000,1000000")
    ap.add_argument("--queries-fixed", type=int, default=1000, help="queries of the target sweep")
    ap.add_argument("--queries", default="1000,10000,100000")
    ap.add_argument("--targets-fixed", type=int, default=10000, help="targets of the query sweep")
    ap.add_argument("--ann", default="100000,1000000", help="target sizes for the approximate path ('' = skip)")
    ap.add_argument("--ann-queries", type=int, default=1000)
    ap.add_argument("--probes", default="16,64", help="lists each query probes (approximate path)")
    ap.add_argument("--point", nargs=2, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--ann-point", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.point:
        print(json.dumps(one_point(*args.point)))
        return
    if args.ann_point:
        print(json.dumps(ann_point(*args.ann_point, ints(args.probes))))
        return

    print(
        f"machine: {os.cpu_count()} CPUs, shared with other users (load average at start: "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}); metrics {METRICS}; d={DIM}; one child per point"
    )
    sweeps = {
        "targets": [(args.queries_fixed, n) for n in ints(args.targets)],
        "queries": [(n, args.targets_fixed) for n in ints(args.queries)],
    }
    everything = []
    for name, grid in sweeps.items():
        points = []
        print(
            f"\n{name} sweep:  queries  targets  q*t      loop CPU s  loop wall s  ns/score(CPU)  loop peak MiB  inputs MiB"
        )
        for n_q, n_t in grid:
            p = child("--point", str(n_q), str(n_t))
            points.append(p)
            print(
                f"  {p['queries']:>18,} {p['targets']:>9,} {n_q * n_t:8.1e} {p['loop_cpu_s']:11.2f} {p['loop_wall_s']:12.2f} "
                f"{p['loop_cpu_s'] / (n_q * n_t) * 1e9:14.2f} {p['loop_peak_above_start'] / 2**20:14.0f} "
                f"{p['rss_at_loop_start'] / 2**20:11.0f}"
            )
        big = [p for p in points if p["queries"] * p["targets"] >= 1e7]
        line = f"  log-log slope of loop CPU time vs queries*targets: {slope(points, 'loop_cpu_s'):.2f} (all points)"
        if len(big) >= 2:
            line += f", {slope(big, 'loop_cpu_s'):.2f} (points >= 1e7 scores)"
        print(line)
        everything += points
    big = [p for p in everything if p["queries"] * p["targets"] >= 1e7]
    print(
        f"\nfitted slope, both sweeps together (points >= 1e7 scores): {slope(big, 'loop_cpu_s'):.2f} CPU, "
        f"{slope(big, 'loop_wall_s'):.2f} wall  (1.00 = linear in queries x targets)"
    )
    peaks = [p["loop_peak_above_start"] / 2**20 for p in everything]
    print(
        f"scoring-loop memory above its inputs: {min(peaks):.0f} .. {max(peaks):.0f} MiB over a "
        f"{min(p['queries'] * p['targets'] for p in everything):.0e} .. {max(p['queries'] * p['targets'] for p in everything):.0e} "
        f"score range (a whole float32 matrix at the largest point would be "
        f"{max(p['queries'] * p['targets'] for p in everything) * 4 / 2**30:.1f} GiB)"
    )

    if args.ann:
        print(
            f"\napproximate top-10 (benchmarks/ann.py IVFIndex: numpy inverted lists, ~sqrt(n) lists) vs exact, "
            f"{args.ann_queries} queries, synthetic embeddings near a 48-d subspace, @k metrics recall@10 + ndcg@10"
        )
        for n_t in ints(args.ann):
            a = child("--ann-point", str(args.ann_queries), str(n_t), "--probes", args.probes)
            print(
                f"  {n_t:>9,} targets, {a['n_lists']} lists: exact top-50 search {a['exact_topk_wall_s']:.1f} s wall "
                f"({a['exact_topk_cpu_s']:.1f} CPU); exact scoring loop with @k metrics {a['exact_loop_wall_s']:.1f} s wall "
                f"({a['exact_loop_cpu_s']:.1f} CPU); index build {a['build_wall_s']:.1f} s wall ({a['build_cpu_s']:.1f} CPU)"
            )
            for pr in a["probes"]:
                speed = a["exact_loop_cpu_s"] / pr["cpu_s"]
                total = a["exact_loop_cpu_s"] / (pr["cpu_s"] + a["build_cpu_s"])
                print(
                    f"    n_probe {pr['n_probe']:>3}: top-10 recall vs exact {pr['topk_recall@10']:.3f}; "
                    f"recall@10 {pr['approx']['recall@10']:.4f} (exact {a['exact']['recall@10']:.4f}), "
                    f"ndcg@10 {pr['approx']['ndcg@10']:.4f} (exact {a['exact']['ndcg@10']:.4f}); "
                    f"search+metrics {pr['wall_s']:.2f} s wall ({pr['cpu_s']:.2f} CPU) -> {speed:.1f}x CPU vs the exact "
                    f"loop, {total:.2f}x counting the build"
                )


if __name__ == "__main__":
    main()
