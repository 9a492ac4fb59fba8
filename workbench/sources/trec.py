"""A TREC-style folder: queries.tsv (id, text), corpus.tsv (id, text), qrels.tsv (query_id, 0, target_id, grade).

Lets a curator add a task with only a task file. File names can be overridden in `source.files`.
"""

from __future__ import annotations

import pandas as pd

from ..errors import WorkBenchError
from . import LoaderContext, SourceFrames, loader


def _read_tsv(path, names, what) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, sep="\t", header=None, dtype=str, keep_default_na=False, quoting=3, encoding="utf-8")
    except FileNotFoundError:
        raise WorkBenchError(f"{path}: {what} file not found") from None
    except pd.errors.EmptyDataError:
        raise WorkBenchError(f"{path}: the {what} file is empty") from None
    except UnicodeDecodeError as err:
        raise WorkBenchError(f"{path}: not UTF-8 ({err.reason} at byte {err.start})") from None
    if frame.shape[1] < len(names):
        raise WorkBenchError(
            f"{path}: expected {len(names)} tab-separated columns ({', '.join(names)}), found {frame.shape[1]}"
        )
    frame = frame.iloc[:, : len(names)]
    frame.columns = names
    return frame


def read_trec(ctx: LoaderContext) -> SourceFrames:
    """queries / corpus / qrels files as published (TREC qrels: query, iteration, doc, grade).

    Grades <= 0 are dropped and counted."""
    queries = _read_tsv(ctx.file("queries"), ["id", "text"], "queries")
    targets = _read_tsv(ctx.file("corpus"), ["id", "text"], "corpus")
    qrels = _read_tsv(ctx.file("qrels"), ["query_id", "iteration", "target_id", "grade"], "qrels")
    try:
        qrels["grade"] = qrels["grade"].astype(float)
    except ValueError:
        raise WorkBenchError(f"{ctx.file('qrels')}: the 4th column (grade) must be numeric") from None
    positive = qrels["grade"] > 0
    notes = {"dropped_non_positive_annotations": int((~positive).sum())}
    return SourceFrames(queries, targets, qrels.loc[positive, ["query_id", "target_id", "grade"]], notes)


@loader("trec", assigns_splits=False)
def trec_folder(ctx: LoaderContext) -> SourceFrames:
    return read_trec(ctx)
