"""docs/baselines.md: MAP and RP@10 of every model on every task of the given suites, with macro averages.

Reads result files through `collect` (so only valid, official, current results appear) and writes
plain Markdown. `python -m workbench.leaderboard.baselines_doc leaderboard/results --out docs/baselines.md`
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from workbench.taskfiles.catalog import suite_tasks

from .collect import collect
from .tables import md, md_table

METRICS = ("map", "rp@10")


def suite_section(results_dir: Path, suite: str, split: str = "test") -> list[str]:
    tasks = suite_tasks(suite)
    collection = collect(results_dir, tasks, split=split)
    models = sorted({model for model, _ in collection.accepted})
    lines = [f"## Suite `{suite}` ({split} split)", ""]
    for metric in METRICS:
        head = ["Model", *[t.name for t in tasks], f"Macro {metric.upper()}"]
        rows = []
        for model in models:
            values = [
                collection.accepted[(model, t.name)].result.scores.get(metric)
                if (model, t.name) in collection.accepted
                else None
                for t in tasks
            ]
            complete = all(v is not None for v in values)
            macro = float(np.mean(values)) if complete else None
            rows.append((-(macro if macro is not None else -1.0), model, values, macro))
        body = [
            [
                md(model),
                *["" if v is None else f"{100 * v:.2f}" for v in values],
                "incomplete" if macro is None else f"{100 * macro:.2f}",
            ]
            for _, model, values, macro in sorted(rows)
        ]
        lines += [f"### {metric.upper()} ×100", "", *md_table([md(h) for h in head], body), ""]
    return lines


def write_baselines_doc(results_dir: Path, out: Path, suites: list[str]) -> None:
    lines = [
        "# Baseline results",
        "",
        "Generated from the committed result files in `leaderboard/results/` by",
        "`python -m workbench.leaderboard.baselines_doc leaderboard/results --out docs/baselines.md`.",
        "They were produced with `workbench run` over the registered models on `workbench-core` and",
        "`workbench-zero-shot`, test split, plus MELO for the multilingual and lexical models; `make baselines`",
        "recomputes them and says per row and task whether the numbers are identical, drift within tolerance",
        "or beyond (`workbench leaderboard regenerate`). Hardware, library versions and timings are recorded",
        "in each result file.",
        "",
    ]
    for suite in suites:
        lines += suite_section(results_dir, suite)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("results_dir", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--suites", default="workbench-core,workbench-zero-shot,melo")
    args = parser.parse_args()
    write_baselines_doc(args.results_dir, args.out, [s for s in args.suites.split(",") if s])


if __name__ == "__main__":
    main()
