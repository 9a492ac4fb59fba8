"""The one reader of tab-separated text files (TREC folders: queries, corpus, qrels; training pairs).

Quoting rules, explicit because TSV has no standard:

- UTF-8 text; a byte-order mark at the very start is dropped.
- A row ends at a line feed; one carriage return before it is dropped (files written on Windows). The
  last row needs no line feed. An empty line is skipped.
- Fields are separated by tabs. There is no quoting and no escaping: quotes and backslashes are text.
  So a tab cannot be part of a field: a row with another number of fields than the file's columns is an
  error naming the file and the line, never cut to fit (pandas kept the text before the tab) or padded.
- Every other character, a lone carriage return included, is text and kept as written (no stripping).

The file is opened through ``workbench.io.open_regular``: a named pipe, device or folder is refused
with one line, never waited on.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence

import pandas as pd

from workbench.errors import WorkBenchError
from workbench.io import InputFileError, open_regular


def read_tsv_rows(path: str | os.PathLike, columns: Sequence[str], what: str) -> list[tuple[int, list[str]]]:
    """[(line number, fields)] of a TSV file with exactly ``len(columns)`` fields on every row (``.gz``
    files are decompressed). Raises WorkBenchError naming the file (and line) for every problem."""
    try:
        with open_regular(path) as raw:
            data = gzip.GzipFile(fileobj=raw).read() if str(path).endswith(".gz") else raw.read()
    except InputFileError as err:
        raise WorkBenchError(f"{what} file: {err}") from None
    except (OSError, EOFError) as err:  # a damaged .gz
        raise WorkBenchError(f"{path}: {what} file is not readable gzip ({err})") from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        raise WorkBenchError(f"{path}: not UTF-8 ({err.reason} at byte {err.start})") from None
    rows = []
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line:
            continue
        fields = line.split("\t")
        if len(fields) != len(columns):
            raise WorkBenchError(_width_problem(path, number, columns, fields))
        rows.append((number, fields))
    if not rows:
        raise WorkBenchError(f"{path}: the {what} file is empty")
    return rows


def _width_problem(path, number: int, columns: Sequence[str], fields: list[str]) -> str:
    expected = f"{len(columns)} tab-separated columns ({', '.join(columns)})"
    if len(fields) > len(columns):
        return (
            f"{path}:{number}: expected {expected}, found {len(fields)}: a tab inside a text cannot be "
            "written in TSV (there is no quoting); replace it with a space"
        )
    return f"{path}:{number}: expected {expected}, found {len(fields)}"


def read_tsv(path: str | os.PathLike, columns: Sequence[str], what: str) -> pd.DataFrame:
    """The rows of ``read_tsv_rows`` as a frame of strings, indexed by line number (for error messages)."""
    rows = read_tsv_rows(path, columns, what)
    return pd.DataFrame(
        [fields for _, fields in rows],
        columns=list(columns),
        index=pd.Index([number for number, _ in rows], name="line"),
        dtype=str,
    )
