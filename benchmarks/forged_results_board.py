"""The public board built from the committed results plus a folder of forged files (issues 15 and 25).

    .venv/bin/python benchmarks/forged_results_board.py [--suite workbench-core] [--keep DIR]

Copies leaderboard/results into a fresh git repository (one commit: what the repository received), adds
one forged file per fault of issues 15 and 25 (uncommitted: a pull request's files), and builds the board
with the committed verification ledger, as CI does. Prints, for every forgery, its refusal and reason or
the section it is listed in (never ranked), then whether every real row kept its section and every task
score, then the in-place edits (a second board: the edited row leaves the ranking) and the checks of
`workbench results check` (a renamed folder, a copied card, a missing --board), and the build seconds.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.errors import WorkBenchError  # noqa: E402
from workbench.leaderboard.build import build_leaderboard  # noqa: E402
from workbench.leaderboard.submission import check_submission  # noqa: E402
from workbench.leaderboard.verification import LEDGER_PATH, Ledger  # noqa: E402
from workbench.results.per_query_codec import unpack, unpack_ids  # noqa: E402

COMMITTED = ROOT / "leaderboard" / "results"
JOB2SKILL = "esco-job2skill__v1__test.json"
HOUSE = "house-skill-extraction__v1__test.json"  # 262 queries; tfidf/house is the issue's example


def _set_values(data: dict, value, n: int | None = None) -> None:
    pq = data["per_query"]
    if n is not None:
        pq["query_ids"] = unpack_ids(pq["query_ids"], data["sizes"]["queries"])[:n]  # written in the plain form
        pq["query_ids_sha256"] = hashlib.sha256("\n".join(pq["query_ids"]).encode()).hexdigest()
        data["sizes"]["queries"] = n
    values = np.resize(np.asarray(value, dtype="<f4"), data["sizes"]["queries"])
    for metric in pq["values"]:
        pq["values"][metric] = base64.b64encode(values.tobytes()).decode("ascii")
        data["scores"][metric] = float(values.astype(np.float64).mean())


def _scale(data: dict, factor: float, share: float = 1.0) -> None:
    """Per-query values ×factor (capped at 1) on the first `share` of the queries; aggregates recomputed."""
    for metric, blob in data["per_query"]["values"].items():
        values = unpack(blob).astype(np.float64)
        edited = max(1, int(len(values) * share))
        values[:edited] = np.minimum(values[:edited] * factor, 1.0)
        stored = values.astype("<f4")
        data["per_query"]["values"][metric] = base64.b64encode(stored.tobytes()).decode("ascii")
        data["scores"][metric] = float(stored.astype(np.float64).mean())


def _rename(name: str) -> Callable[[dict], None]:
    return lambda d: d["model"].update(name=name)


def _oversized(d: dict) -> None:
    n = 6_000_000
    d["model"]["name"] = "forged-oversized"
    d["sizes"]["queries"] = n
    d["per_query"]["query_ids"] = None
    d["per_query"]["values"] = dict.fromkeys(d["scores"], base64.b64encode(bytes(4 * n)).decode("ascii"))


def _fabricate(name: str, with_ids: bool) -> Callable[[dict], None]:
    def edit(d: dict) -> None:
        d["model"].update(name=name, revision=("5" if with_ids else "6") * 64)
        _set_values(d, 0.99 if with_ids else 0.98)
        if not with_ids:
            d["per_query"]["query_ids"] = None

    return edit


def issue_15() -> dict[str, tuple[str, str, Callable[[dict], None]]]:
    """relative path -> (source model, source file, edit of the raw JSON)."""
    return {
        "forged/bm25-map100.json": ("bm25", JOB2SKILL, lambda d: _set_values(d, 1.0)),
        "forged/one-query.json": (
            "bm25",
            JOB2SKILL,
            lambda d: (_rename("forged-one-query")(d), _set_values(d, 1.0, 1)),
        ),
        "forged/out-of-range.json": (
            "bm25",
            JOB2SKILL,
            lambda d: (_rename("forged-out-of-range")(d), _set_values(d, [1000.0, -5.0])),
        ),
        "forged/empty-name.json": ("bm25", JOB2SKILL, _rename("")),
        "forged/limit-official.json": (
            "bm25",
            JOB2SKILL,
            lambda d: (_rename("forged-limit")(d), d["config"].update(limit=10), _set_values(d, 1.0, n=10)),
        ),
        "forged/tfidf-year-9999.json": (
            "tfidf",
            JOB2SKILL,
            lambda d: (d.update(created_at="9999-01-01T00:00:00+00:00"), _set_values(d, 0.9)),
        ),
        "forged/oversized.json": ("bm25", JOB2SKILL, _oversized),
    }


def issue_25() -> dict[str, tuple[str, str, Callable[[dict], None]]]:
    ahead = (datetime.now(timezone.utc) + timedelta(minutes=59)).isoformat()
    copy = {  # a forged copy of tfidf/house, values ×1.5, beside the real file (issue 25, first bullet)
        f"tfidf/{HOUSE[:-5]}.{what}.json": ("tfidf", HOUSE, lambda d, e=edit: (_scale(d, 1.5), e(d)))
        for what, edit in {
            "new-revision": lambda d: d["model"].update(revision="f" * 64),
            "new-settings": lambda d: d["model"]["settings"].update(extra="x"),
            "new-ties": lambda d: d["config"].update(ties="min"),
            "ahead-59min": lambda d: d.update(created_at=ahead),
        }.items()
    }
    zeros = {  # three files with all-zero data checksums (more than agree with the real data on this task)
        f"zero{i}/{HOUSE}": (
            "bm25",
            HOUSE,
            lambda d, i=i: (
                d["model"].update(name=f"zero{i}", revision=str(i) * 64),
                d.update(data_files=dict.fromkeys(d["data_files"], "0" * 64)),
                _set_values(d, 1.0),
            ),
        )
        for i in range(3)
    }
    lookalikes = {
        f"lookalike-{label}/{HOUSE}": ("bm25", HOUSE, lambda d, n=name: d["model"].update(name=n, revision="9" * 64))
        for label, name in {
            "cyrillic-i": "tf\u0456df",
            "no-break-space": "tfidf\u00a0",
            "line-separator": "tfidf\u2028",
            "fullwidth": "ｔｆｉｄｆ",
        }.items()
    }
    return {
        **copy,
        f"super-model/{HOUSE}": ("random", HOUSE, _fabricate("super-model", with_ids=True)),
        f"super-model-no-ids/{HOUSE}": ("random", HOUSE, _fabricate("super-model-no-ids", with_ids=False)),
        f"zzz-stolen/{HOUSE}": (
            "tfidf",
            HOUSE,
            lambda d: (_rename("zzz-stolen")(d), d.update(created_at="2000-01-01T00:00:00+00:00")),
        ),
        f"aaa-first/{HOUSE}": ("tfidf", HOUSE, _rename("aaa-first")),
        **zeros,
        f"negative-parameters/{HOUSE}": (
            "bm25",
            HOUSE,
            lambda d: d["model"].update(name="negative-parameters", parameters=-5, revision="8" * 64),
        ),
        **lookalikes,
        # MiniLM's card (its name) on other weights, and MiniLM's weights under a new name
        f"copied-card/{HOUSE}": (
            "all-MiniLM-L6-v2",
            HOUSE,
            lambda d: (d["model"].update(revision="c" * 64), _scale(d, 0.9)),
        ),
        f"my-minilm/{HOUSE}": ("all-MiniLM-L6-v2", HOUSE, lambda d: (_rename("my-minilm")(d), _scale(d, 1.01))),
    }


DUPLICATE_KEYS = f"duplicate-keys/{HOUSE}"  # written as text: JSON cannot hold two equal keys once parsed


def _write_forgeries(results: Path) -> list[str]:
    written = []
    for rel, (model, name, edit) in {**issue_15(), **issue_25()}.items():
        data = json.loads((COMMITTED / model / name).read_text(encoding="utf-8"))
        edit(data)
        (results / rel).parent.mkdir(parents=True, exist_ok=True)
        (results / rel).write_text(json.dumps(data), encoding="utf-8")
        written.append(rel)
    text = (COMMITTED / "bm25" / HOUSE).read_text(encoding="utf-8")
    (results / DUPLICATE_KEYS).parent.mkdir(parents=True, exist_ok=True)
    # a reviewer reads the first "name"; a parser that lets the last win would rank "super-bm25"
    (results / DUPLICATE_KEYS).write_text(text.replace('"name": "bm25"', '"name": "bm25", "name": "super-bm25"', 1))
    return [*written, DUPLICATE_KEYS]


def _git(cwd: Path, *args: str) -> None:
    ident = ["-c", "user.name=board", "-c", "user.email=board@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", *ident, *args], cwd=cwd, check=True, capture_output=True)


def _rows(out: Path) -> dict[str, dict]:
    data = json.loads((out / "leaderboard.json").read_text(encoding="utf-8"))
    return {m["name"]: m for m in data["models"]}


def _fingerprint(row: dict) -> tuple:
    return row["section"], row["rank"], tuple(sorted((t, c["score"]) for t, c in row["tasks"].items()))


def build(results: Path, out: Path, suite: str, ledger: Ledger):
    started = time.perf_counter()
    report = build_leaderboard(results, out, suite=suite, ledger=ledger)
    return report, time.perf_counter() - started


def _board_demo(work: Path, suite: str, ledger: Ledger) -> None:
    results = work / "results"
    shutil.copytree(COMMITTED, results)
    _git(results, "init", "-q")
    _git(results, "add", ".")
    _git(results, "commit", "-q", "-m", "the committed results (what the repository received)")
    clean, clean_seconds = build(results, work / "board-clean", suite, ledger)
    forged = _write_forgeries(results)  # uncommitted: a pull request's files, received after every committed one
    report, forged_seconds = build(results, work / "board", suite, ledger)
    print(report.summary().splitlines()[0])
    refused = {r.path: r for r in report.refused}
    rows = _rows(work / "board")
    by_file = {c["file"]: (name, row["section"]) for name, row in rows.items() for c in row["tasks"].values()}
    for rel in forged:
        if rel in refused:
            print(f"{rel}: REFUSED [{refused[rel].kind}] {refused[rel].reason}")
        elif rel in by_file:
            name, section = by_file[rel]
            rank = rows[name]["rank"]
            print(f"{rel}: LISTED as {name!r} in section {section!r}, rank {rank}" + ("  <-- RANKED" if rank else ""))
        else:
            print(f"{rel}: skipped (another task or split)")
    real = _rows(work / "board-clean")
    kept = [name for name in real if name in rows and _fingerprint(rows[name]) == _fingerprint(real[name])]
    ranked = sorted(name for name, row in real.items() if row["rank"])
    print(
        f"real rows unchanged (section, rank, every task score): {len(kept)} of {len(real)}; ranked before and "
        f"after: {len(ranked)} ({', '.join(ranked) or 'none'})"
    )
    for name in sorted(set(real) - set(kept)):
        print(
            f"  CHANGED: {name}: {_fingerprint(real[name])[:2]} -> {_fingerprint(rows[name])[:2] if name in rows else None}"
        )
    for r in report.refused:
        if r.path not in refused or r.path in forged:
            continue
        if not any(r.path == c.path for c in clean.refused):
            print(f"  also refused now (a real file): {r.path}: [{r.kind}] {r.reason}")
    print(f"build seconds: committed results {clean_seconds:.1f}, with the forged files {forged_seconds:.1f}")


def _in_place_demo(work: Path, suite: str, ledger: Ledger) -> None:
    """An in-place edit (×1.5, or 5 % of the queries ×0.5) of the verified tfidf/house file: its bytes are no
    longer the verified ones, so tfidf leaves the ranking for the self-reported section."""
    for label, edit in (("x1.5", lambda d: _scale(d, 1.5)), ("5% of queries", lambda d: _scale(d, 0.5, 0.05))):
        results = work / f"in-place-{label.split()[0]}"
        shutil.copytree(COMMITTED, results)
        path = results / "tfidf" / HOUSE
        data = json.loads(path.read_text(encoding="utf-8"))
        edit(data)
        path.write_text(json.dumps(data), encoding="utf-8")
        build(results, work / f"board-{label.split()[0]}", suite, ledger)
        row = _rows(work / f"board-{label.split()[0]}")["tfidf"]
        print(f"in-place edit {label} of tfidf/{HOUSE}: tfidf in section {row['section']!r}, rank {row['rank']}")


def _check_demo(work: Path) -> None:
    turbo = work / "bm25-turbo"
    for path in sorted((COMMITTED / "bm25").glob("*__test.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["model"]["name"] = "bm25-turbo"
        turbo.mkdir(exist_ok=True)
        (turbo / path.name).write_text(json.dumps(data), encoding="utf-8")
    report = check_submission(turbo, COMMITTED)
    print(f"results check bm25-turbo (a renamed bm25 folder): {'ok' if report.ok else 'FAILED'}")
    for line in [p for p in report.problems if "already on the board" in p][:1] + report.problems[-1:]:
        print(f"  {line}")
    try:
        check_submission(turbo, work / "nonexistent")
    except WorkBenchError as err:
        print(f"results check --board {work / 'nonexistent'}: error: {err}")
    try:
        check_submission(turbo, None)
    except WorkBenchError as err:
        print(f"results check outside the repository (no board): error: {err}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="workbench-core")
    parser.add_argument("--keep", type=Path, default=None, help="Build in this folder and keep it.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="forged-board-"))
    ledger = Ledger.load(LEDGER_PATH)
    print(f"verification ledger {LEDGER_PATH}: {len(ledger.files)} files judged")
    _board_demo(work, args.suite, ledger)
    _in_place_demo(work, args.suite, ledger)
    _check_demo(work)
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
