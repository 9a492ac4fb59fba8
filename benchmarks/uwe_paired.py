"""Compare one model's test files with others' on the tasks both have: per-task main score, macro with its
bootstrap interval, Δ and the board's paired randomisation p (leaderboard/stats.py), queries paired by id.

    python benchmarks/uwe_paired.py leaderboard/results uwe-cpu-mpnet all-mpnet-base-v2 uwe-cpu-long \
        --suite workbench-core

Reads only committed result files; prints one Markdown table per suite.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from workbench.leaderboard.stats import macro_bootstrap_ci, paired_randomisation, rng_for
from workbench.results.result_file import read_result
from workbench.taskfiles.catalog import suite_tasks


def _per_query(folder: Path, model: str, task: str, version: int) -> dict[str, float] | None:
    path = folder / model / f"{task}__v{version}__test.json"
    if not path.is_file():
        return None
    result = read_result(path)
    values = result.per_query.decode(result.sizes.get("queries"))[result.task.main_score]
    return dict(zip(result.per_query.query_ids, values.astype(np.float64), strict=True))


def compare(folder: Path, model: str, others: list[str], suite: str) -> str:
    specs = suite_tasks(suite)
    lines = [f"### {suite}: {model} vs {', '.join(others)}", ""]
    for other in others:
        pairs = []
        for spec in specs:
            a = _per_query(folder, model, spec.name, spec.version)
            b = _per_query(folder, other, spec.name, spec.version)
            if a is None or b is None:
                continue
            ids = sorted(set(a) & set(b))
            pairs.append((spec.name, np.array([a[i] for i in ids]), np.array([b[i] for i in ids])))
        if not pairs:
            lines.append(f"- {other}: no task in common")
            continue
        mine, theirs = [p[1] for p in pairs], [p[2] for p in pairs]
        ci = macro_bootstrap_ci(mine, rng_for(0, model, suite))
        p = paired_randomisation(mine, theirs, rng_for(0, model, other, suite), n_perm=10000)
        macro_a, macro_b = np.mean([m.mean() for m in mine]), np.mean([t.mean() for t in theirs])
        lines += [
            f"| task | {model} | {other} | Δ |",
            "|---|---|---|---|",
            *(
                f"| {n} | {a.mean() * 100:.2f} | {b.mean() * 100:.2f} | {(a.mean() - b.mean()) * 100:+.2f} |"
                for n, a, b in pairs
            ),
            f"| **macro ({len(pairs)} tasks)** | **{macro_a * 100:.2f}** [{ci[0] * 100:.2f}, {ci[1] * 100:.2f}] | "
            f"{macro_b * 100:.2f} | {(macro_a - macro_b) * 100:+.2f} (p {p:.4f}) |",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("model")
    parser.add_argument("others", nargs="+")
    parser.add_argument("--suite", action="append", default=None)
    args = parser.parse_args()
    for suite in args.suite or ["workbench-core"]:
        print(compare(args.folder, args.model, args.others, suite))


if __name__ == "__main__":
    main()
