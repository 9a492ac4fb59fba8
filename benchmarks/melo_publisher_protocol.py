"""Our edit-distance under MELO's own protocol against MELO's published table, on every MELO set.

    python benchmarks/melo_publisher_protocol.py [--data-dir D] [--sets aut_q_de_c_de,...] [--no-default]

Published: benchmarks/melo_edit_distance_published.tsv, the trec_eval summaries of MELO's edit-distance
baseline (github.com/Avature/melo-benchmark @ 014982fe, results/edit_distance/<set>/summary.tsv, 4 decimals).
Ours, through the real task pipeline (Task.evaluate, what `workbench run` calls):

* publisher: `edit-distance -s processor=lower --ties publisher`: lowercase only (MELO's baseline), scored
  as MELO's evaluator does (top-100 cut, 5-decimal run file, trec_eval's order: workbench.metrics.publisher);
* lower/average: the same scores under our protocol (every target ranked, tie expectation);
* default: `edit-distance` as the board runs it (rapidfuzz default processing, tie expectation).

Every metric MELO reports that has a name here is compared (trec_eval's Rprec is not one of ours):
map, recip_rank = mrr, P_k = precision@k, recall_k = recall@k, success_k = hit@k. "Equal to 4 decimals"
means |ours - published| < 0.00005 (the published value is ours rounded). Also printed, per set: relevance
pairs naming a target that is not in the corpus (trec_eval would count them in |R|), texts with
surrounding white space (the publisher's reader strips them), and the listed pairs whose scores differ but
print alike with 5 decimals on our 0..1 scale (the publisher's scale is 0..100; a merge could reorder).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from workbench.baselines.lexical import EditDistanceModel
from workbench.data.settings import resolve_data_dir
from workbench.metrics.publisher import PUBLISHER, publisher_protocol
from workbench.results.result_file import aggregate_scores, encode_per_query
from workbench.running.task import load_task
from workbench.scoring.matrix import score_dataset
from workbench.sources.melo import MELO_DIR, scan, task_name

PUBLISHED = Path(__file__).with_name("melo_edit_distance_published.tsv")
# MELO's trec_eval measure -> our metric name
MEASURES = {
    "map": "map",
    "recip_rank": "mrr",
    "P_5": "precision@5",
    "P_10": "precision@10",
    "P_20": "precision@20",
    "recall_5": "recall@5",
    "recall_10": "recall@10",
    "recall_20": "recall@20",
    "success_1": "hit@1",
    "success_5": "hit@5",
    "success_10": "hit@10",
}
EQUAL_4_DECIMALS = 0.00005


def read_published(path: Path) -> dict[str, dict[str, float]]:
    lines = [line.rstrip("\n").split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line[0] and not line[0].startswith("#")]
    header, rows = lines[0], lines[1:]
    return {row[0]: dict(zip(header[1:], map(float, row[1:]), strict=True)) for row in rows}


def trec_eval_mean(values: np.ndarray) -> float:
    """trec_eval's summary: per-query values in double, summed in query order, over the number of queries."""
    total = 0.0
    for v in values.tolist():
        total += v
    return total / len(values)


def merged_by_rounding(scores: np.ndarray, protocol, order: np.ndarray) -> int:
    """Pairs adjacent in a run (same query) whose scores differ but print alike with `protocol.decimals`."""
    rows, cols = protocol.run(scores, order)
    raw = scores[rows, cols].astype(np.float64)
    printed = np.array([float(f"{v:.{protocol.decimals}f}") for v in raw.tolist()])
    same_row = rows[1:] == rows[:-1]
    return int((same_row & (printed[1:] == printed[:-1]) & (raw[1:] != raw[:-1])).sum())


def count_merges(model, dataset, protocol) -> int:
    index = model.index(dataset.target_texts.tolist(), target_type="occupation")
    order, texts = protocol.target_order(dataset.target_ids), dataset.query_texts.tolist()
    return sum(
        merged_by_rounding(model.score(texts[i : i + 256], index, query_type="job_title"), protocol, order)
        for i in range(0, len(texts), 256)
    )


def evaluate_set(folder: str, data_dir: Path, with_default: bool) -> dict:
    """The set's per-query values under each protocol, through workbench.scoring.matrix.score_dataset (what
    Task.evaluate calls), plus the result-file aggregates (means of the stored float32 values)."""
    task = load_task(task_name(folder), data_dir=data_dir)
    dataset, spec = task.dataset("test"), task.spec
    protocol = publisher_protocol(task.name, spec.source.loader)  # as Task.evaluate(ties="publisher") does
    lower = EditDistanceModel(processor="lower")
    kinds = {"query_type": spec.query_type, "target_type": spec.target_type, "group": spec.group, "progress": False}
    t0 = time.perf_counter()
    metrics = list(MEASURES.values())
    publisher = score_dataset(lower, dataset, metrics=metrics, ties=PUBLISHER, protocol=protocol, **kinds).per_query
    stored = aggregate_scores(encode_per_query(dataset.query_ids.tolist(), publisher))
    out = {
        "queries": dataset.n_queries,
        "publisher": {name: trec_eval_mean(values) for name, values in publisher.items()},
        "stored": stored,
        "average": float(np.mean(score_dataset(lower, dataset, metrics=["map"], **kinds).per_query["map"])),
        "merged": count_merges(lower, dataset, protocol),
        "unknown_target_pairs": int(dataset.stats.get("dropped_pairs_unknown_target", 0)),
        "padded_texts": sum(1 for t in [*dataset.query_texts, *dataset.target_texts] if t != t.strip()),
    }
    if with_default:
        default = score_dataset(EditDistanceModel(), dataset, metrics=["map"], **kinds).per_query["map"]
        out["default"] = float(np.mean(default))
    out["seconds"] = time.perf_counter() - t0
    return out


def report(results: dict[str, dict], published: dict[str, dict[str, float]], with_default: bool) -> int:
    print(
        f"{'set':<22}{'queries':>8}{'published':>10}{'publisher':>11}{'Δ':>10}{'lower/avg':>10}{'Δ':>9}"
        + (f"{'default':>9}{'Δ':>9}" if with_default else "")
        + f"{'merged':>8}{'unk.pairs':>10}{'padded':>8}"
    )
    exact = dict.fromkeys(MEASURES, 0.0)  # |ours (double) - published|
    printed = dict.fromkeys(MEASURES, 0.0)  # |ours printed as trec_eval prints (%.4f) - published|
    stored = dict.fromkeys(MEASURES, 0.0)  # |result-file aggregate - published|
    worst_avg = worst_default = 0.0
    for folder, r in results.items():
        pub = published[folder]
        for measure, name in MEASURES.items():
            ours = r["publisher"][name]
            exact[measure] = max(exact[measure], abs(ours - pub[measure]))
            printed[measure] = max(printed[measure], abs(float(f"{ours:.4f}") - pub[measure]))
            stored[measure] = max(stored[measure], abs(r["stored"][name] - pub[measure]))
        d_avg = r["average"] - pub["map"]
        worst_avg = max(worst_avg, abs(d_avg))
        line = (
            f"{folder:<22}{r['queries']:>8}{pub['map']:>10.4f}{r['publisher']['map']:>11.6f}"
            f"{r['publisher']['map'] - pub['map']:>+10.6f}{r['average']:>10.4f}{d_avg:>+9.4f}"
        )
        if with_default:
            d_default = r["default"] - pub["map"]
            worst_default = max(worst_default, abs(d_default))
            line += f"{r['default']:>9.4f}{d_default:>+9.4f}"
        print(line + f"{r['merged']:>8}{r['unknown_target_pairs']:>10}{r['padded_texts']:>8}")
    print(f"\nmax |Δ| over {len(results)} sets, publisher protocol vs MELO's published table (4 decimals):")
    print(f"  {'measure':<24}{'printed %.4f':>13}{'unrounded':>11}{'result file':>12}")
    for measure, name in MEASURES.items():
        print(
            f"  {measure + ' (' + name + ')':<24}{printed[measure]:>13.4f}{exact[measure]:>11.6f}{stored[measure]:>12.6f}"
        )
    print(f"max |Δ map| lowercase under our protocol (every target, tie expectation): {worst_avg:.4f}")
    if with_default:
        print(
            f"max |Δ map| our default edit-distance (rapidfuzz default processing, our protocol): {worst_default:.4f}"
        )
    return 0 if max(printed.values()) < EQUAL_4_DECIMALS else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--sets", default=None, help="comma-separated MELO folders (default: every set with a task)")
    parser.add_argument("--no-default", action="store_true", help="skip the default edit-distance (one pass less)")
    args = parser.parse_args(argv)
    data_dir = resolve_data_dir(args.data_dir)
    published = read_published(PUBLISHED)
    folders, skipped = scan(data_dir)
    wanted = args.sets.split(",") if args.sets else folders
    for folder, why in skipped.items():
        print(f"skip {folder}: no task ({why})", file=sys.stderr)
    results = {}
    for folder in wanted:
        if folder not in published:
            print(f"skip {folder}: not in the published table", file=sys.stderr)
            continue
        results[folder] = evaluate_set(folder, data_dir, not args.no_default)
        print(f"  {folder}: {results[folder]['seconds']:.0f} s", file=sys.stderr)
    if not results:
        print(f"no MELO set to compare under {data_dir / MELO_DIR}", file=sys.stderr)
        return 1
    return report(results, published, not args.no_default)


if __name__ == "__main__":
    raise SystemExit(main())
