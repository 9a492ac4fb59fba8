"""A TREC-style folder: queries.tsv (id, text), corpus.tsv (id, text), qrels.tsv (query_id, 0, target_id, grade).

Lets a curator add a task with only a task file. File names can be overridden in `source.files`.
Files are read by the one TSV reader (``workbench.data.tsv``: no quoting, a tab is never inside a field,
every row has exactly the file's columns).
"""

from __future__ import annotations

import math

import pandas as pd

from workbench.data.tsv import read_tsv
from workbench.errors import WorkBenchError
from workbench.sources import LoaderContext, SourceFrames, loader

_ID_COLUMNS = {"queries": ("id",), "corpus": ("id",), "qrels": ("query_id", "target_id")}


def _read(ctx: LoaderContext, role: str, names: list[str]) -> pd.DataFrame:
    path = ctx.file(role)
    frame = read_tsv(path, names, role)
    for column in _ID_COLUMNS[role]:
        _check_ids(path, frame[column], column)
    return frame


def _check_ids(path, ids: pd.Series, column: str) -> None:
    """Ids are compared exactly: one with spaces around it would silently match nothing (its pairs dropped)."""
    spaced = ids[ids.str.strip() != ids]
    if len(spaced):
        line, value = spaced.index[0], spaced.iloc[0]
        what = "is empty" if not value.strip() else "has leading or trailing whitespace"
        raise WorkBenchError(
            f"{path}:{line}: {column} {value!r} {what} ({len(spaced)} such row(s)); ids are compared "
            "exactly, so it would match nothing: remove the whitespace in the file"
        )
    if (ids == "").any():
        raise WorkBenchError(f"{path}:{ids[ids == ''].index[0]}: {column} is empty")


def _grades(path, text: pd.Series) -> pd.Series:
    """The 4th column as finite numbers: 'nan' or 'inf' is an error, never a silently dropped row."""
    for line, value in text.items():
        try:
            grade = float(value)
        except ValueError:
            raise WorkBenchError(f"{path}:{line}: the 4th column (grade) must be numeric, got {value!r}") from None
        if not math.isfinite(grade):
            raise WorkBenchError(f"{path}:{line}: the 4th column (grade) must be a finite number, got {value!r}")
    return text.astype(float)


def read_trec(ctx: LoaderContext) -> SourceFrames:
    """queries / corpus / qrels files as published (TREC qrels: query, iteration, doc, grade).

    Grades <= 0 are dropped and counted."""
    queries = _read(ctx, "queries", ["id", "text"])
    targets = _read(ctx, "corpus", ["id", "text"])
    qrels = _read(ctx, "qrels", ["query_id", "iteration", "target_id", "grade"])
    qrels["grade"] = _grades(ctx.file("qrels"), qrels["grade"])
    positive = qrels["grade"] > 0
    notes = {"dropped_non_positive_annotations": int((~positive).sum())}
    frames = [
        f.reset_index(drop=True) for f in (queries, targets, qrels.loc[positive, ["query_id", "target_id", "grade"]])
    ]
    return SourceFrames(*frames, notes)


TREC_FILES = ("queries", "corpus", "qrels")


@loader("trec", files=TREC_FILES, params={}, assigns_splits=False)
def trec_folder(ctx: LoaderContext) -> SourceFrames:
    return read_trec(ctx)
