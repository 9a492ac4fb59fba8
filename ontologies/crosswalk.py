"""ESCO–O*NET crosswalk loader (ESCO Secretariat with US DOL/ETA, version 1, Sep 2022).

The crosswalk links ESCO v1.1.0 occupations (and some ISCO-08 groups) with O*NET-SOC 2019
occupations. Two CSV files, UTF-8 (the first with a byte-order mark), comma-separated, quoted
cells, descriptions spanning several lines:

* ``crosswalk_esco_onet.csv`` (O*NET -> ESCO): first a block of ``key,value`` metadata rows
  ("Mapping project name", "... author", "... version", "Classification 1 Name", ...), blank rows,
  then the header ``O*NET Id, O*NET Title, O*NET Description, ESCO or ISCO URI,
  ESCO or ISCO Title, ESCO or ISCO Description, Type of Match``. Type of Match holds the SKOS
  relations exactMatch, closeMatch, broadMatch, narrowMatch, plus ``exactISCO`` where the target
  is an ISCO group URI (``.../esco/isco/C1111``) instead of an ESCO occupation.
* ``crosswalk_esco_onet_reverse.csv`` (ESCO -> O*NET): header on the first row,
  ``ESCO/ISCO Code, ESCO/ISCO Title, O*NET-SOC 2019 Code, O*NET-SOC 2019 Title``; ESCO codes
  (``2654.1.7``) or ISCO group codes (``1111``), no URIs, no match type; the file ends with a blank
  row and an attribution row, which are dropped.

The header row is found by its content (an O*NET code column and an ESCO URI or code column), not
by line number. ``read_crosswalk`` returns one row per pair with the columns ``onet_soc_code,
onet_title, esco_uri, esco_code, esco_title, esco_concept_type ('occupation' | 'isco_group'),
match_type``; a column the file lacks is all NA. Descriptions are not returned. The metadata rows
are in ``frame.attrs["metadata"]``, dropped trailing text in ``frame.attrs["notes"]``.
Titles with mojibake from UTF-8 read as Windows-1252 or Latin-1 (``pipelineÂ superintendent``,
``Teachersâ€™ aides``; the reverse file has the Latin-1 variant) are repaired and no-break spaces
become spaces, unless ``repair_text=False``.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
from pathlib import Path

import pandas as pd

from workbench.ontologies._files import OntologyFileNotFoundError, OntologyFormatError, stat_key, to_string

ESCO_ONET_FILES = ("crosswalk_esco_onet.csv", "crosswalk_esco_onet_reverse.csv")
MATCH_TYPES = frozenset({"exactMatch", "closeMatch", "broadMatch", "narrowMatch", "exactISCO"})
COLUMNS = ["onet_soc_code", "onet_title", "esco_uri", "esco_code", "esco_title", "esco_concept_type", "match_type"]
_ONET_CODE = re.compile(r"\d{2}-\d{4}\.\d{2}")
_HEADER_SCAN_ROWS = 200


def _role(header: str) -> str | None:
    """Which output column a publisher header feeds (None: not returned, e.g. descriptions)."""
    h = header.strip().lower()
    if "o*net" in h or "onet" in h:
        if "code" in h or re.search(r"\bid\b", h):
            return "onet_soc_code"
        return "onet_title" if "title" in h else None
    if "esco" in h or "isco" in h:
        for word, role in (("uri", "esco_uri"), ("code", "esco_code"), ("title", "esco_title")):
            if word in h:
                return role
        return None
    return "match_type" if "match" in h else None


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252 or Latin-1 ('â€™' -> '’', 'Â\\xa0' -> ' '); no-break spaces -> spaces.

    Text that does not round-trip (a genuine 'â' as in 'pâte') is left as it is.
    """
    if any(mark in text for mark in ("Â", "Ã", "â")):
        for wrong in ("cp1252", "latin-1"):
            try:
                text = text.encode(wrong).decode("utf-8")
                break
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
    return text.replace("\xa0", " ")


def _concept_type(uri: str | None, code: str | None) -> str | None:
    if uri:
        return "isco_group" if "/isco/" in uri else "occupation" if "/occupation/" in uri else None
    if code:
        return "occupation" if "." in code else "isco_group" if code.isdigit() else None
    return None


@functools.lru_cache(maxsize=8)
def _load(key: tuple[str, str], repair_text: bool) -> pd.DataFrame:
    path = Path(key[0])
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header_at, roles = None, {}
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        found = {j: _role(cell) for j, cell in enumerate(row) if cell.strip()}
        wanted = set(found.values())
        if "onet_soc_code" in wanted and wanted & {"esco_uri", "esco_code"}:
            header_at, roles = i, {j: r for j, r in found.items() if r}
            break
    if header_at is None:
        raise OntologyFormatError(
            f"{path}: no header row with an O*NET code column and an ESCO URI/code column "
            f"in the first {_HEADER_SCAN_ROWS} rows"
        )
    metadata = {row[0].strip(): row[1].strip() for row in rows[:header_at] if len(row) > 1 and row[0].strip()}
    records, notes = [], []
    for row in rows[header_at + 1 :]:
        rec = dict.fromkeys(COLUMNS)
        for j, role in roles.items():
            value = row[j].strip() if j < len(row) else ""
            rec[role] = value or None
        if not rec["onet_soc_code"] and not rec["esco_uri"] and not rec["esco_code"]:
            notes += [cell.strip() for cell in row if cell.strip()]  # blank or footer row
            continue
        if not rec["onet_soc_code"] or not _ONET_CODE.fullmatch(rec["onet_soc_code"]):
            raise OntologyFormatError(f"{path}: row {row!r} has no valid O*NET-SOC code (NN-NNNN.NN)")
        if rec["match_type"] is not None and rec["match_type"] not in MATCH_TYPES:
            raise OntologyFormatError(
                f"{path}: unknown match type {rec['match_type']!r}; expected one of {sorted(MATCH_TYPES)}"
            )
        if repair_text:
            for col in ("onet_title", "esco_title"):
                if rec[col]:
                    rec[col] = repair_mojibake(rec[col])
        rec["esco_concept_type"] = _concept_type(rec["esco_uri"], rec["esco_code"])
        records.append(rec)
    frame = pd.DataFrame(records, columns=COLUMNS)
    for col in COLUMNS:
        frame[col] = to_string(frame[col])
    frame.attrs["metadata"] = metadata
    frame.attrs["notes"] = notes
    frame.attrs["source"] = str(path)
    return frame


def read_crosswalk(path: str | os.PathLike, *, repair_text: bool = True) -> pd.DataFrame:
    """Read one ESCO–O*NET crosswalk CSV (either direction); see the module docstring for columns."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise OntologyFileNotFoundError(
            f"crosswalk file {path.name} not found in {path.parent} "
            f"(the ESCO–O*NET release ships {', '.join(ESCO_ONET_FILES)})"
        )
    frame = _load(stat_key(path), repair_text)
    out = frame.copy()
    out.attrs = {k: (v.copy() if isinstance(v, (dict, list)) else v) for k, v in frame.attrs.items()}
    return out
