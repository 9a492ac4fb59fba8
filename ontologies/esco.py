"""ESCO classification loader (any release, any language) from the publisher's CSV downloads.

Layout read (ESCO download portal, "CSV" format):

* per language, ``ESCO dataset - v1.1.1 - classification - en - csv.zip`` holding
  ``skills_en.csv``, ``occupations_en.csv``, ``ISCOGroups_en.csv``, ``skillGroups_en.csv``,
  ``skillsHierarchy_en.csv`` and collection files;
* v1.1.x: the language-independent ``ESCO dataset - v1.1.1 - classification -  - csv.zip`` (two
  spaces) holding ``occupationSkillRelations.csv`` (occupationUri, relationType, skillType,
  skillUri), ``skillSkillRelations.csv`` (originalSkillUri, originalSkillType, relationType,
  relatedSkillType, relatedSkillUri), ``broaderRelationsSkillPillar.csv`` and
  ``broaderRelationsOccPillar.csv`` (conceptType, conceptUri, broaderType, broaderUri);
* v1.2.x: the same relation tables inside the language zip as ``*_en.csv`` with extra label
  columns (e.g. ``occupationSkillRelations_en.csv``: occupationUri, occupationLabel, relationType,
  skillType, skillUri, skillLabel), sometimes under a sub-folder of the zip. Extra columns are ignored.

``EscoRelease`` takes one or more folders (holding the zips and/or the unpacked CSVs, directly or
one sub-folder down) or zip files. Zip members are read in memory, never extracted. CSVs are read
as text with no NA coercion, so a label "NA" stays "NA". Multi-line label cells (altLabels,
hiddenLabels) become ``list[str]``: one label per line, stripped, empties and exact duplicates
dropped, order kept. Parsed frames are cached per process, keyed by resolved path and content (size +
xxh3 of the bytes, ``workbench.data.file_hashes``); each call returns a copy (label lists included).
"""

from __future__ import annotations

import functools
import os
import zipfile
import zlib
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from workbench.ontologies._files import (
    OntologyFileNotFoundError,
    OntologyFormatError,
    is_safe_member,
    require_columns,
    split_labels,
    stat_key,
    to_string,
)

RELATION_TYPES = frozenset({"essential", "optional"})
_LABELS = "labels"  # marker: split a multi-line label cell into list[str]

# table -> (file names to look for, in order; {lang} is the language code), output column -> source column
_TABLES: dict[str, tuple[tuple[str, ...], dict[str, str | tuple[str, str]]]] = {
    "skills": (
        ("skills_{lang}.csv",),
        {
            "uri": "conceptUri",
            "preferred_label": "preferredLabel",
            "alt_labels": ("altLabels", _LABELS),
            "hidden_labels": ("hiddenLabels", _LABELS),
            "description": "description",
            "skill_type": "skillType",
            "reuse_level": "reuseLevel",
            "status": "status",
        },
    ),
    "occupations": (
        ("occupations_{lang}.csv",),
        {
            "uri": "conceptUri",
            "preferred_label": "preferredLabel",
            "alt_labels": ("altLabels", _LABELS),
            "hidden_labels": ("hiddenLabels", _LABELS),
            "description": "description",
            "isco_group": "iscoGroup",
            "code": "code",
            "status": "status",
        },
    ),
    "isco_groups": (
        ("ISCOGroups_{lang}.csv",),
        {
            "uri": "conceptUri",
            "code": "code",
            "preferred_label": "preferredLabel",
            "alt_labels": ("altLabels", _LABELS),
            "description": "description",
            "status": "status",
        },
    ),
    "skill_groups": (
        ("skillGroups_{lang}.csv",),
        {
            "uri": "conceptUri",
            "code": "code",
            "preferred_label": "preferredLabel",
            "alt_labels": ("altLabels", _LABELS),
            "hidden_labels": ("hiddenLabels", _LABELS),
            "description": "description",
            "status": "status",
        },
    ),
    "skill_hierarchy": (("skillsHierarchy_{lang}.csv",), {}),  # built by _hierarchy
    "occupation_skill_relations": (
        ("occupationSkillRelations_{lang}.csv", "occupationSkillRelations.csv"),
        {
            "occupation_uri": "occupationUri",
            "skill_uri": "skillUri",
            "relation_type": "relationType",
            "skill_type": "skillType",
        },
    ),
    "skill_skill_relations": (
        ("skillSkillRelations_{lang}.csv", "skillSkillRelations.csv"),
        {
            "original_skill_uri": "originalSkillUri",
            "original_skill_type": "originalSkillType",
            "relation_type": "relationType",
            "related_skill_type": "relatedSkillType",
            "related_skill_uri": "relatedSkillUri",
        },
    ),
    "skill_broader_relations": (
        ("broaderRelationsSkillPillar_{lang}.csv", "broaderRelationsSkillPillar.csv"),
        {
            "concept_type": "conceptType",
            "concept_uri": "conceptUri",
            "broader_type": "broaderType",
            "broader_uri": "broaderUri",
        },
    ),
    "occupation_broader_relations": (
        ("broaderRelationsOccPillar_{lang}.csv", "broaderRelationsOccPillar.csv"),
        {
            "concept_type": "conceptType",
            "concept_uri": "conceptUri",
            "broader_type": "broaderType",
            "broader_uri": "broaderUri",
        },
    ),
}


class _Source(NamedTuple):
    path: Path  # a CSV file, or the zip holding it
    member: str | None  # zip member name, None for a loose CSV

    def describe(self) -> str:
        return f"{self.path} :: {self.member}" if self.member else str(self.path)


@functools.lru_cache(maxsize=64)
def _zip_members(key: tuple[str, str]) -> dict[str, str]:
    """Base name -> member name for the CSVs in a zip (central directory only; unsafe names skipped)."""
    try:
        with zipfile.ZipFile(key[0]) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise OntologyFormatError(f"{key[0]}: not a valid zip archive ({exc})") from exc
    members: dict[str, str] = {}
    for name in names:
        if name.endswith("/") or not is_safe_member(name):
            continue
        members.setdefault(name.replace("\\", "/").rsplit("/", 1)[-1], name)
    return members


def _read_csv(source: _Source) -> pd.DataFrame:
    options = dict(dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig")
    try:
        if source.member is None:
            return pd.read_csv(source.path, **options)
        with zipfile.ZipFile(source.path) as archive, archive.open(source.member) as handle:
            return pd.read_csv(handle, **options)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise OntologyFormatError(f"{source.path}: not a valid zip archive ({exc})") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise OntologyFormatError(f"{source.describe()}: cannot parse as CSV ({exc})") from exc


def _hierarchy(raw: pd.DataFrame, where: str) -> pd.DataFrame:
    """skillsHierarchy rows (Level 0..3 URI/term/code) -> one row per node with its level and parent."""
    levels = range(4)
    require_columns(
        raw,
        [f"Level {i} {s}" for i in levels for s in ("URI", "preferred term", "code")] + ["Description", "Scope note"],
        where,
    )
    rows = []
    for rec in raw.to_dict("records"):
        filled = [i for i in levels if rec[f"Level {i} URI"]]
        if not filled:
            continue
        level = filled[-1]
        rows.append(
            {
                "uri": rec[f"Level {level} URI"],
                "preferred_label": rec[f"Level {level} preferred term"],
                "code": rec[f"Level {level} code"],
                "level": level,
                "parent_uri": rec[f"Level {level - 1} URI"] if level else None,
                "description": rec["Description"],
                "scope_note": rec["Scope note"],
            }
        )
    frame = pd.DataFrame(
        rows, columns=["uri", "preferred_label", "code", "level", "parent_uri", "description", "scope_note"]
    )
    for col in frame.columns.drop("level"):
        frame[col] = to_string(frame[col])
    frame["level"] = frame["level"].astype("int64")
    return frame


@functools.lru_cache(maxsize=32)
def _load(table: str, key: tuple[str, str], member: str | None) -> pd.DataFrame:
    """Parse one ESCO table once per process (key = resolved path and content key of the file or zip)."""
    source = _Source(Path(key[0]), member)
    where = source.describe()
    raw = _read_csv(source)
    if table == "skill_hierarchy":
        return _hierarchy(raw, where)
    spec = _TABLES[table][1]
    require_columns(raw, [v if isinstance(v, str) else v[0] for v in spec.values()], where)
    out = {}
    for name, src in spec.items():
        if isinstance(src, tuple):
            out[name] = raw[src[0]].map(split_labels).astype(object)
        else:
            out[name] = to_string(raw[src])
    frame = pd.DataFrame(out)
    if table == "occupations":  # ISCO unit group: 4-digit string, restore zeros lost by spreadsheets
        digits = frame["isco_group"].str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
        frame.loc[digits, "isco_group"] = frame.loc[digits, "isco_group"].str.zfill(4)
    if table == "occupation_skill_relations":
        unexpected = sorted(set(frame["relation_type"].dropna()) - RELATION_TYPES)
        if unexpected:
            raise OntologyFormatError(
                f"{where}: unexpected relationType value(s) {unexpected}; expected {sorted(RELATION_TYPES)}"
            )
    return frame


class EscoRelease:
    """One ESCO release in one language, read from the publisher's zips or unpacked CSVs.

    ``EscoRelease(data_dir / "esco" / "v1.1.1")`` or ``EscoRelease(lang_zip, relations_zip)``.
    Every table method returns a fresh pandas DataFrame; text columns use the nullable ``string``
    dtype (empty cells stay ``""``), label columns hold ``list[str]``.
    """

    def __init__(self, *paths: str | os.PathLike, language: str = "en") -> None:
        if not paths:
            raise TypeError("EscoRelease needs at least one folder or zip path")
        self.paths = tuple(Path(p).expanduser() for p in paths)
        for path in self.paths:
            if not path.exists():
                raise OntologyFileNotFoundError(f"ESCO release path {path} does not exist")
        self.language = language

    def __repr__(self) -> str:
        return f"EscoRelease({', '.join(map(str, self.paths))}, language={self.language!r})"

    def _locate(self, table: str) -> _Source:
        names = [n.format(lang=self.language) for n in _TABLES[table][0]]
        folders = [p for p in self.paths if p.is_dir()]
        for folder in folders:  # unpacked CSVs first: in the folder or one sub-folder down
            for directory in [folder, *sorted(d for d in folder.iterdir() if d.is_dir())]:
                for name in names:
                    if (directory / name).is_file():
                        return _Source(directory / name, None)
        zips = [p for p in self.paths if p.is_file()] + [z for f in folders for z in sorted(f.glob("*.zip"))]
        for archive in zips:
            members = _zip_members(stat_key(archive))
            for name in names:
                if name in members:
                    return _Source(archive, members[name])
        searched = ", ".join(str(p) for p in self.paths)
        zip_names = ", ".join(z.name for z in zips) or "none"
        raise OntologyFileNotFoundError(
            f"ESCO file {' or '.join(names)} not found in {searched} "
            f"(searched unpacked CSVs and zip archives: {zip_names})"
        )

    def table(self, table: str) -> pd.DataFrame:
        if table not in _TABLES:
            raise ValueError(f"unknown ESCO table {table!r}; known: {sorted(_TABLES)}")
        source = self._locate(table)
        frame = _load(table, stat_key(source.path), source.member).copy()
        for column in frame.columns[frame.dtypes == object]:  # noqa: E721 - a dtype mask; label lists: the caller's own copies
            frame[column] = frame[column].map(list)
        return frame

    def skills(self) -> pd.DataFrame:
        """uri, preferred_label, alt_labels, hidden_labels, description, skill_type, reuse_level, status."""
        return self.table("skills")

    def occupations(self) -> pd.DataFrame:
        """uri, preferred_label, alt_labels, hidden_labels, description, isco_group (4 digits), code, status."""
        return self.table("occupations")

    def isco_groups(self) -> pd.DataFrame:
        """uri, code (1-4 digits), preferred_label, alt_labels, description, status."""
        return self.table("isco_groups")

    def skill_groups(self) -> pd.DataFrame:
        """uri, code, preferred_label, alt_labels, hidden_labels, description, status."""
        return self.table("skill_groups")

    def skill_hierarchy(self) -> pd.DataFrame:
        """Skill pillar tree (skillsHierarchy file), one row per node.

        uri, preferred_label, code, level (0-3), parent_uri (NA at level 0), description, scope_note.
        """
        return self.table("skill_hierarchy")

    def skill_broader_relations(self) -> pd.DataFrame:
        """concept_type, concept_uri, broader_type, broader_uri for skills and skill groups."""
        return self.table("skill_broader_relations")

    def occupation_broader_relations(self) -> pd.DataFrame:
        """concept_type, concept_uri, broader_type, broader_uri for occupations and ISCO groups."""
        return self.table("occupation_broader_relations")

    def occupation_skill_relations(self) -> pd.DataFrame:
        """occupation_uri, skill_uri, relation_type ('essential' | 'optional'), skill_type."""
        return self.table("occupation_skill_relations")

    def skill_skill_relations(self) -> pd.DataFrame:
        """original_skill_uri, original_skill_type, relation_type, related_skill_type, related_skill_uri."""
        return self.table("skill_skill_relations")


def clear_cache() -> None:
    """Forget parsed ESCO frames (tests; long-running processes after replacing files in place)."""
    _load.cache_clear()
    _zip_members.cache_clear()
