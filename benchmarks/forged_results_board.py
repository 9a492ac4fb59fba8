"""The board built from the committed results plus a folder of forged files (issue 15): which are refused, why.

    .venv/bin/python benchmarks/forged_results_board.py [--suite workbench-core] [--keep DIR]

Copies leaderboard/results to a temporary folder, adds one forged file per fault of the issue (all on
esco-job2skill, copied from the committed bm25 / tfidf results and edited), builds the board, and prints
the build summary, the refusal of each forged file, and the seconds the build took with and without the
oversized file (measured in this one run).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.leaderboard.build import build_leaderboard  # noqa: E402
from workbench.per_query_codec import unpack_ids  # noqa: E402

TASK_FILE = "esco-job2skill__v1__test.json"


def _set_values(data: dict, value, n: int | None = None) -> None:
    pq = data["per_query"]
    if n is not None:
        pq["query_ids"] = unpack_ids(pq["query_ids"], data["sizes"]["queries"])[:n]  # written in the plain form
        pq["query_ids_sha256"] = hashlib.sha256("\n".join(pq["query_ids"]).encode()).hexdigest()
        data["sizes"]["queries"] = n
    count = data["sizes"]["queries"]
    values = np.resize(np.asarray(value, dtype="<f4"), count)
    for metric in pq["values"]:
        pq["values"][metric] = base64.b64encode(values.tobytes()).decode("ascii")
        data["scores"][metric] = float(values.astype(np.float64).mean())


def forgeries() -> dict[str, tuple[str, callable]]:
    """relative path -> (source model, edit of the raw JSON)."""

    def rename(name):
        return lambda d: d["model"].update(name=name)

    def oversized(d):
        n = 6_000_000
        d["model"]["name"] = "forged-oversized"
        d["sizes"]["queries"] = n
        d["per_query"]["query_ids"] = None
        blob = base64.b64encode(bytes(4 * n)).decode("ascii")
        d["per_query"]["values"] = dict.fromkeys(d["scores"], blob)

    return {
        "forged/bm25-map100.json": ("bm25", lambda d: _set_values(d, 1.0)),  # beside the real bm25 file
        "forged/one-query.json": ("bm25", lambda d: (rename("forged-one-query")(d), _set_values(d, 1.0, n=1))),
        "forged/out-of-range.json": ("bm25", lambda d: (rename("")(d), _set_values(d, [1000.0, -5.0]))),
        "forged/limit-official.json": (
            "bm25",
            lambda d: (rename("forged-limit")(d), d["config"].update(limit=10), _set_values(d, 1.0, n=10)),
        ),
        "forged/tfidf-year-9999.json": (
            "tfidf",
            lambda d: (d.update(created_at="9999-01-01T00:00:00+00:00"), _set_values(d, 0.9)),
        ),
        "forged/oversized.json": ("bm25", oversized),
    }


def build(results: Path, out: Path, suite: str):
    started = time.perf_counter()
    report = build_leaderboard(results, out, suite=suite)
    return report, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="workbench-core")
    parser.add_argument("--keep", type=Path, default=None, help="Build in this folder and keep it.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="forged-board-"))
    results = work / "results"
    shutil.copytree(ROOT / "leaderboard" / "results", results)
    _, clean_seconds = build(results, work / "board-clean", args.suite)
    for rel, (model, edit) in forgeries().items():
        data = json.loads((ROOT / "leaderboard" / "results" / model / TASK_FILE).read_text(encoding="utf-8"))
        edit(data)
        (results / rel).parent.mkdir(parents=True, exist_ok=True)
        (results / rel).write_text(json.dumps(data), encoding="utf-8")
    report, forged_seconds = build(results, work / "board", args.suite)
    print(report.summary().splitlines()[0])
    forged = {r.path: r for r in report.refused}
    for rel in sorted(forgeries()):
        refusal = forged.get(rel)
        print(f"{rel}: " + (f"REFUSED [{refusal.kind}] {refusal.reason}" if refusal else "NOT REFUSED"))
    for refusal in report.refused:
        if refusal.path not in forgeries():
            print(f"also refused {refusal.path}: [{refusal.kind}] {refusal.reason}")
    print(
        f"build seconds: committed results {clean_seconds:.1f}, with the forged files (6,000,000-value file "
        f"included) {forged_seconds:.1f}; ratio {forged_seconds / clean_seconds:.2f}"
    )
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
