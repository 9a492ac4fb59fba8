"""Leakage audit: how much of a task's evaluation data also occurs in training data or in other tasks.

Texts are compared exactly and after normalisation (case-folded, whitespace collapsed). A pair is
unordered, because the bi-encoders trained here are symmetric: a training pair (a, b) leaks the
evaluation pair (b, a) as much as (a, b).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from workbench.data.tsv import read_tsv_rows
from workbench.running.task import Task

_SPACE = re.compile(r"\s+")
PAIRS_FILE = "training_pairs.tsv.gz"  # what a trained model folder ships for `workbench audit --model-dir`


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def _pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class EvalSet:
    task: str
    split: str
    queries: list[str]
    pairs: list[tuple[str, str]]

    @classmethod
    def from_task(cls, task: Task, split: str) -> EvalSet:
        ds = task.dataset(split)
        rel = ds.relevance.tocoo()
        pairs = [(ds.query_texts[i], ds.target_texts[j]) for i, j in zip(rel.row, rel.col, strict=True)]
        return cls(task.name, split, ds.query_texts.tolist(), pairs)


def _keys(texts: Iterable[str], norm: bool) -> set[str]:
    return {normalise(t) if norm else t for t in texts}


def _pair_keys(pairs: Iterable[tuple[str, str]], norm: bool) -> set[tuple[str, str]]:
    f = normalise if norm else (lambda s: s)
    return {_pair_key(f(a), f(b)) for a, b in pairs}


def audit_training_pairs(training: list[tuple[str, str]], eval_sets: list[EvalSet]) -> list[dict]:
    """Per evaluation set: queries, query texts and relevant pairs that also occur in training."""
    train_texts = {norm: _keys((t for pair in training for t in pair), norm) for norm in (False, True)}
    train_pairs = {norm: _pair_keys(training, norm) for norm in (False, True)}
    rows = []
    for ev in eval_sets:
        row = {"task": ev.task, "split": ev.split, "queries": len(ev.queries), "pairs": len(ev.pairs)}
        for norm, suffix in ((False, "exact"), (True, "normalised")):
            f = normalise if norm else (lambda s: s)
            row[f"queries_in_training_{suffix}"] = sum(f(q) in train_texts[norm] for q in ev.queries)
            row[f"pairs_in_training_{suffix}"] = sum(_pair_key(f(a), f(b)) in train_pairs[norm] for a, b in ev.pairs)
        rows.append(row)
    return rows


def cross_task_overlap(eval_sets: list[EvalSet]) -> list[dict]:
    """Task × task: shared (normalised) query texts and shared relevant pairs."""
    queries = [_keys(ev.queries, True) for ev in eval_sets]
    pairs = [_pair_keys(ev.pairs, True) for ev in eval_sets]
    rows = []
    for i, a in enumerate(eval_sets):
        for j, b in enumerate(eval_sets):
            if j <= i:
                continue
            rows.append(
                {
                    "task_a": a.task,
                    "task_b": b.task,
                    "split": a.split,
                    "shared_query_texts": len(queries[i] & queries[j]),
                    "shared_pairs": len(pairs[i] & pairs[j]),
                }
            )
    return rows


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """Training pairs from a TSV file (optionally .gz): one `query<TAB>target` per line (``workbench.data.tsv``'s rules)."""
    return [(query, target) for _, (query, target) in read_tsv_rows(path, ["query", "target"], "training pairs")]


def _text_writer(raw, gz: bool) -> io.TextIOWrapper:
    """UTF-8 text into `raw`; gzip without a name or time in its header, so the same pairs are the same bytes."""
    stream = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if gz else raw
    return io.TextIOWrapper(stream, encoding="utf-8", newline="")


def write_pairs(path: Path, pairs: Iterable[tuple[str, str]]) -> int:
    """Write `query<TAB>target` lines (gzip when the name ends in .gz), atomically; returns the count.

    A TSV line cannot hold a tab or newline, so each whitespace run becomes one space: the audit's
    normalised comparison is unaffected, its exact one sees such texts with single spaces.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    n = 0
    try:
        with open(tmp, "wb") as raw, _text_writer(raw, gz=path.name.endswith(".gz")) as handle:
            for query, target in pairs:
                handle.write(f"{_SPACE.sub(' ', str(query)).strip()}\t{_SPACE.sub(' ', str(target)).strip()}\n")
                n += 1
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n


def format_table(rows: list[dict]) -> str:
    if not rows:
        return "(nothing to report)"
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(row[h]) for h in header) + " |" for row in rows]
    return "\n".join(lines)
