"""O*NET database loader for the publisher's text and Excel releases (one folder per release).

Layouts read (O*NET Resource Center, https://www.onetcenter.org/database.html):

* text release (``db_29_2_text``): one tab-delimited, unquoted UTF-8 file per table, e.g.
  ``Occupation Data.txt``, header row with the official column names, ``n/a`` for missing values;
* Excel release (``db_29_2_excel``): one ``.xlsx`` workbook per table, first sheet, same header
  names plus denormalised look-up columns (the occupation ``Title`` on most tables, ``Scale Name``
  on ratings, ``Task``/``DWA Title`` on Tasks to DWAs, ``Element Name``/``IWA Title`` on
  DWA Reference, ``Related Title``); missing values are empty cells.

``OnetRelease(folder)`` detects the format per table (``.txt`` preferred when both exist) and
returns the text-release columns, so both formats give equal frames; pass ``extras=True`` to keep
the Excel-only look-up columns. Column names come from ``HEADER_TO_COLUMN``. Types: codes and
IDs (O*NET-SOC, Task ID, DWA ID, Commodity Code, ...) and text are nullable ``string``; ratings are
``float64``; counts are ``Int64``; Y/N flags are nullable ``boolean``; missing values are NA.
Parsed frames are cached per process (resolved path, content key); each call returns a copy.
"""

from __future__ import annotations

import csv
import functools
import os
import zipfile
from pathlib import Path

import pandas as pd

from workbench.ontologies._files import (
    OntologyFileNotFoundError,
    OntologyFormatError,
    require_columns,
    stat_key,
    to_string,
)

# Official header -> column name (snake case, close to O*NET's own database column names).
HEADER_TO_COLUMN: dict[str, str] = {
    "O*NET-SOC Code": "onetsoc_code",
    "Title": "title",
    "Description": "description",
    "Alternate Title": "alternate_title",
    "Short Title": "short_title",
    "Source(s)": "sources",
    "Reported Job Title": "reported_job_title",
    "Shown in My Next Move": "shown_in_my_next_move",
    "Example": "example",
    "Commodity Code": "commodity_code",
    "Commodity Title": "commodity_title",
    "Hot Technology": "hot_technology",
    "In Demand": "in_demand",
    "Task ID": "task_id",
    "Task": "task",
    "Task Type": "task_type",
    "Incumbents Responding": "incumbents_responding",
    "Date": "date",
    "Domain Source": "domain_source",
    "Element ID": "element_id",
    "Element Name": "element_name",
    "IWA ID": "iwa_id",
    "IWA Title": "iwa_title",
    "DWA ID": "dwa_id",
    "DWA Title": "dwa_title",
    "Scale ID": "scale_id",
    "Scale Name": "scale_name",
    "Data Value": "data_value",
    "N": "n",
    "Standard Error": "standard_error",
    "Lower CI Bound": "lower_ci_bound",
    "Upper CI Bound": "upper_ci_bound",
    "Recommend Suppress": "recommend_suppress",
    "Not Relevant": "not_relevant",
    "Related O*NET-SOC Code": "related_onetsoc_code",
    "Related Title": "related_title",
    "Relatedness Tier": "relatedness_tier",
    "Index": "related_index",  # not "index": that would shadow DataFrame.index / reset_index()
}
FLOAT_COLUMNS = frozenset({"Data Value", "Standard Error", "Lower CI Bound", "Upper CI Bound"})
INT_COLUMNS = frozenset({"N", "Incumbents Responding", "Index"})
FLAG_COLUMNS = frozenset({"Hot Technology", "In Demand", "Shown in My Next Move", "Recommend Suppress", "Not Relevant"})
MISSING = ("n/a", "")

_RATINGS = (
    "O*NET-SOC Code",
    "Element ID",
    "Element Name",
    "Scale ID",
    "Data Value",
    "N",
    "Standard Error",
    "Lower CI Bound",
    "Upper CI Bound",
    "Recommend Suppress",
    "Not Relevant",
    "Date",
    "Domain Source",
)
# Table -> its columns in the text release (the Excel release has these and the look-up extras).
TABLES: dict[str, tuple[str, ...]] = {
    "Occupation Data": ("O*NET-SOC Code", "Title", "Description"),
    "Alternate Titles": ("O*NET-SOC Code", "Alternate Title", "Short Title", "Source(s)"),
    "Sample of Reported Titles": ("O*NET-SOC Code", "Reported Job Title", "Shown in My Next Move"),
    "Technology Skills": (
        "O*NET-SOC Code",
        "Example",
        "Commodity Code",
        "Commodity Title",
        "Hot Technology",
        "In Demand",
    ),
    "Tools Used": ("O*NET-SOC Code", "Example", "Commodity Code", "Commodity Title"),
    "Task Statements": (
        "O*NET-SOC Code",
        "Task ID",
        "Task",
        "Task Type",
        "Incumbents Responding",
        "Date",
        "Domain Source",
    ),
    "Tasks to DWAs": ("O*NET-SOC Code", "Task ID", "DWA ID", "Date", "Domain Source"),
    "DWA Reference": ("Element ID", "IWA ID", "DWA ID", "DWA Title"),
    "Skills": _RATINGS,
    "Knowledge": _RATINGS,
    "Related Occupations": ("O*NET-SOC Code", "Related O*NET-SOC Code", "Relatedness Tier", "Index"),
}


def column_name(header: str) -> str:
    """Official header -> column name; headers outside the dict get a mechanical snake case."""
    if header in HEADER_TO_COLUMN:
        return HEADER_TO_COLUMN[header]
    cleaned = "".join(ch.lower() if ch.isalnum() else "_" for ch in header.replace("O*NET", "onet"))
    return "_".join(part for part in cleaned.split("_") if part)


def _read_raw(path: Path) -> pd.DataFrame:
    if path.suffix == ".xlsx":
        try:
            return pd.read_excel(path, engine="openpyxl", dtype=str, keep_default_na=False, na_filter=False)
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise OntologyFormatError(f"{path}: not a valid Excel .xlsx workbook ({exc})") from exc
    options = dict(sep="\t", dtype=str, keep_default_na=False, na_filter=False, quoting=csv.QUOTE_NONE)
    try:
        try:
            return pd.read_csv(path, encoding="utf-8-sig", **options)
        except UnicodeDecodeError:  # releases before the switch to UTF-8 are Windows-1252
            return pd.read_csv(path, encoding="cp1252", **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise OntologyFormatError(f"{path}: cannot parse as a tab-delimited O*NET table ({exc})") from exc


def _typed(series: pd.Series, header: str, where: str) -> pd.Series:
    stripped = series.astype(str).str.strip()
    text = stripped.mask(stripped.isin(MISSING))
    if header in FLAG_COLUMNS:
        bad = sorted(set(text.dropna()) - {"Y", "N"})
        if bad:
            raise OntologyFormatError(f"{where}: column {header!r} has values {bad[:5]}; expected Y, N or n/a")
        return text.map({"Y": True, "N": False}).astype("boolean")
    if header in FLOAT_COLUMNS or header in INT_COLUMNS:
        numbers = pd.to_numeric(text, errors="coerce")
        bad = text[numbers.isna() & text.notna()]
        if len(bad):
            raise OntologyFormatError(f"{where}: column {header!r} has non-numeric values {list(bad[:5])}")
        if header in FLOAT_COLUMNS:
            return numbers.astype("float64")
        if (numbers.dropna() % 1 != 0).any():
            raise OntologyFormatError(f"{where}: column {header!r} has non-integer values")
        return numbers.astype("Int64")
    return to_string(series.astype(str).mask(text.isna()))


@functools.lru_cache(maxsize=32)
def _load(table: str, key: tuple[str, str], extras: bool) -> pd.DataFrame:
    path = Path(key[0])
    raw = _read_raw(path)
    raw.columns = [str(c).strip() for c in raw.columns]
    require_columns(raw, TABLES[table], str(path))
    headers = list(raw.columns) if extras else list(TABLES[table])  # extras: the file's own order
    return pd.DataFrame({column_name(h): _typed(raw[h], h, str(path)) for h in headers})


class OnetRelease:
    """One O*NET release folder (text ``.txt`` or Excel ``.xlsx`` files, detected per table)."""

    def __init__(self, folder: str | os.PathLike, *, prefer: str = "text") -> None:
        self.folder = Path(folder).expanduser()
        if not self.folder.is_dir():
            raise OntologyFileNotFoundError(f"O*NET release folder {self.folder} does not exist")
        if prefer not in ("text", "excel"):
            raise ValueError(f"prefer must be 'text' or 'excel', not {prefer!r}")
        self.prefer = prefer

    def __repr__(self) -> str:
        return f"OnetRelease({str(self.folder)!r})"

    def path(self, table: str) -> Path:
        """The file that holds `table`: ``<table>.txt`` or ``<table>.xlsx``."""
        suffixes = (".txt", ".xlsx") if self.prefer == "text" else (".xlsx", ".txt")
        candidates = [self.folder / f"{table}{suffix}" for suffix in suffixes]
        for candidate in candidates:
            if candidate.is_file():
                return candidate
        raise OntologyFileNotFoundError(
            f"O*NET table {table!r}: neither {candidates[0].name!r} nor {candidates[1].name!r} found in {self.folder}"
        )

    def table(self, table: str, *, extras: bool = False) -> pd.DataFrame:
        """Any table listed in ``TABLES`` by its official name, e.g. ``table("Task Statements")``."""
        if table not in TABLES:
            raise ValueError(f"unknown O*NET table {table!r}; known: {sorted(TABLES)}")
        return _load(table, stat_key(self.path(table)), extras).copy()

    def occupation_data(self, **kw) -> pd.DataFrame:
        return self.table("Occupation Data", **kw)

    def alternate_titles(self, **kw) -> pd.DataFrame:
        return self.table("Alternate Titles", **kw)

    def sample_of_reported_titles(self, **kw) -> pd.DataFrame:
        return self.table("Sample of Reported Titles", **kw)

    def technology_skills(self, **kw) -> pd.DataFrame:
        return self.table("Technology Skills", **kw)

    def tools_used(self, **kw) -> pd.DataFrame:
        return self.table("Tools Used", **kw)

    def task_statements(self, **kw) -> pd.DataFrame:
        return self.table("Task Statements", **kw)

    def tasks_to_dwas(self, **kw) -> pd.DataFrame:
        return self.table("Tasks to DWAs", **kw)

    def dwa_reference(self, **kw) -> pd.DataFrame:
        return self.table("DWA Reference", **kw)

    def related_occupations(self, **kw) -> pd.DataFrame:
        return self.table("Related Occupations", **kw)

    def skills(self, *, wide: bool = False, **kw) -> pd.DataFrame:
        """Skills ratings, long (one row per scale) or ``wide=True``: importance (IM) and level (LV)."""
        return _wide(self.table("Skills", **kw), self.path("Skills")) if wide else self.table("Skills", **kw)

    def knowledge(self, *, wide: bool = False, **kw) -> pd.DataFrame:
        """Knowledge ratings, long (one row per scale) or ``wide=True``: importance (IM) and level (LV)."""
        return _wide(self.table("Knowledge", **kw), self.path("Knowledge")) if wide else self.table("Knowledge", **kw)


def _wide(long: pd.DataFrame, path: Path) -> pd.DataFrame:
    """onetsoc_code, element_id, element_name, importance (IM), level (LV), not_relevant (from LV)."""
    unexpected = sorted(set(long["scale_id"].dropna()) - {"IM", "LV"})
    if unexpected:
        raise OntologyFormatError(f"{path}: unexpected Scale ID value(s) {unexpected}; expected IM and LV")
    keys = ["onetsoc_code", "element_id", "element_name"]
    importance = long[long["scale_id"] == "IM"][keys + ["data_value"]].rename(columns={"data_value": "importance"})
    level = long[long["scale_id"] == "LV"][keys + ["data_value", "not_relevant"]].rename(
        columns={"data_value": "level"}
    )
    return importance.merge(level, on=keys, how="outer", validate="one_to_one").reset_index(drop=True)
