"""Tiny publisher-format files for the catalog loader tests (written under tmp_path, never real data).

ESCO: the shared fixture release of tests/conftest.py (`esco_data_dir`), whose skill and
occupation URIs are `.../skill/<slug>-0000` and `.../occupation/<slug>-0000`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd

# The ESCO fixture release and its URI helpers live in tests/esco_fixture.py (tests/ is on sys.path under pytest).
from esco_fixture import CLASSIFICATION_ZIP, RELATIONS_ZIP, SKILL_REL_HEADER, _csv_bytes
from esco_fixture import ESCO_VERSION_DIR as ESCO_DIR
from esco_fixture import occupation_uri as occupation
from esco_fixture import skill_uri as skill  # noqa: F401 - re-exported to the catalog tests

CLASSIFICATION = f"{ESCO_DIR}/{CLASSIFICATION_ZIP}"
RELATIONS = f"{ESCO_DIR}/{RELATIONS_ZIP}"


def csv_text(header, rows) -> str:
    return _csv_bytes(header, rows).decode("utf-8")


def write_csv(path: Path, header, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(csv_text(header, rows), encoding="utf-8")
    return path


def replace_skill_relations(data_dir: Path, rows) -> None:
    """Rewrite the relations zip with these skillSkillRelations rows (other members kept)."""
    path = data_dir / RELATIONS
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["skillSkillRelations.csv"] = csv_text(SKILL_REL_HEADER, rows).encode("utf-8")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


# ---- O*NET, Excel release layout (first sheet, official headers incl. the look-up columns) ----
ONET_DIR = "onet/29.2"
OCCUPATIONS = [
    ("15-1252.00", "Software Developers", "Develop software."),
    ("29-1141.00", "Registered Nurses", "Care for patients."),
    ("35-1011.00", "Chefs and Head Cooks", "Direct cooking."),
    ("53-3054.00", "Taxi Drivers", "Drive taxis."),
]
TITLES = {code: title for code, title, _ in OCCUPATIONS}


def write_xlsx(folder: Path, table: str, header: list[str], rows: list[list]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.xlsx"
    pd.DataFrame(rows, columns=header).to_excel(path, index=False, engine="openpyxl")
    return path


def write_onet(data_dir: Path) -> Path:
    folder = data_dir / ONET_DIR
    write_xlsx(folder, "Occupation Data", ["O*NET-SOC Code", "Title", "Description"], [list(r) for r in OCCUPATIONS])
    tech = [
        ("15-1252.00", "Python", "43232701", "Object or component oriented development software", "Y", "Y"),
        ("15-1252.00", "Git", "43232702", "Configuration management software", "Y", "N"),
        ("29-1141.00", "Epic Systems", "43231602", "Medical software", "Y", "N"),
        ("35-1011.00", "Microsoft Excel", "43232110", "Spreadsheet software", "Y", "N"),
        ("29-1141.00", "Microsoft Excel", "43232110", "Spreadsheet software", "Y", "N"),
    ]
    write_xlsx(
        folder,
        "Technology Skills",
        ["O*NET-SOC Code", "Title", "Example", "Commodity Code", "Commodity Title", "Hot Technology", "In Demand"],
        [[c, TITLES[c], *rest] for c, *rest in tech],
    )
    tasks = [
        ("15-1252.00", "101", "Write code.", "Core"),
        ("29-1141.00", "201", "Record patient data.", "Core"),
        ("35-1011.00", "301", "Record patient data.", "Supplemental"),  # same text, other occupation
        ("53-3054.00", "401", "Drive passengers.", "Core"),
    ]  # no DWA
    write_xlsx(
        folder,
        "Task Statements",
        ["O*NET-SOC Code", "Title", "Task ID", "Task", "Task Type", "Incumbents Responding", "Date", "Domain Source"],
        [[c, TITLES[c], i, t, ty, "12", "08/2023", "Incumbent"] for c, i, t, ty in tasks],
    )
    dwas = [
        (
            "4.A.3.b.1",
            "Interacting With Computers",
            "4.A.3.b.1.I01",
            "Program computers.",
            "4.A.3.b.1.I01.D01",
            "Write computer code.",
        ),
        (
            "4.A.2.a.1",
            "Processing Information",
            "4.A.2.a.1.I01",
            "Record information.",
            "4.A.2.a.1.I01.D01",
            "Record patient information.",
        ),
        (
            "4.A.2.a.1",
            "Processing Information",
            "4.A.2.a.1.I01",
            "Record information.",
            "4.A.2.a.1.I01.D02",
            "Maintain records.",
        ),
        ("4.A.3.a.4", "Operating Vehicles", "4.A.3.a.4.I01", "Drive vehicles.", "4.A.3.a.4.I01.D01", "Drive vehicles."),
    ]
    write_xlsx(
        folder,
        "DWA Reference",
        ["Element ID", "Element Name", "IWA ID", "IWA Title", "DWA ID", "DWA Title"],
        [list(r) for r in dwas],
    )
    links = [
        ("15-1252.00", "101", "Write code.", "4.A.3.b.1.I01.D01", "Write computer code."),
        ("29-1141.00", "201", "Record patient data.", "4.A.2.a.1.I01.D01", "Record patient information."),
        ("35-1011.00", "301", "Record patient data.", "4.A.2.a.1.I01.D02", "Maintain records."),
    ]
    write_xlsx(
        folder,
        "Tasks to DWAs",
        ["O*NET-SOC Code", "Title", "Task ID", "Task", "DWA ID", "DWA Title", "Date", "Domain Source"],
        [[c, TITLES[c], i, t, d, dt, "03/2014", "Analyst"] for c, i, t, d, dt in links],
    )
    alternate = [
        ("15-1252.00", "Programmer", "", "08"),
        ("15-1252.00", "Coder", "", "10"),
        ("29-1141.00", "RN (Registered Nurse)", "RN", "02"),
        ("35-1011.00", "Kitchen Manager", "", "08"),
        ("53-3054.00", "Cab Driver", "", "08"),
        ("35-1011.00", "Programmer", "", "09"),
    ]  # shared title
    write_xlsx(
        folder,
        "Alternate Titles",
        ["O*NET-SOC Code", "Title", "Alternate Title", "Short Title", "Source(s)"],
        [[c, TITLES[c], a, s, src] for c, a, s, src in alternate],
    )
    reported = [("15-1252.00", "Coder", "Y"), ("53-3054.00", "Taxi Cab Operator", "N")]  # the second is new
    write_xlsx(
        folder,
        "Sample of Reported Titles",
        ["O*NET-SOC Code", "Title", "Reported Job Title", "Shown in My Next Move"],
        [[c, TITLES[c], r, y] for c, r, y in reported],
    )
    related = [
        ("15-1252.00", "29-1141.00", "Primary-Short", "1"),
        ("15-1252.00", "35-1011.00", "Primary-Long", "6"),
        ("15-1252.00", "53-3054.00", "Supplemental", "11"),
        ("29-1141.00", "15-1252.00", "Supplemental", "11"),
        ("29-1141.00", "35-1011.00", "Secondary", "21"),
    ]  # a tier with no grade: dropped, counted
    write_xlsx(
        folder,
        "Related Occupations",
        ["O*NET-SOC Code", "Title", "Related O*NET-SOC Code", "Related Title", "Relatedness Tier", "Index"],
        [[c, TITLES[c], r, TITLES[r], t, i] for c, r, t, i in related],
    )
    return folder


# ---- ESCO–O*NET crosswalk (metadata block, blank rows, header, rows) ----
CROSSWALK = "crosswalks/esco-onet/crosswalk_esco_onet.csv"


def write_crosswalk(data_dir: Path, rows) -> Path:
    meta = [
        ["Mapping project name", "ESCO-O*NET Crosswalk", "", "", "", "", ""],
        ["Mapping project version", "1", "", "", "", "", ""],
        ["", "", "", "", "", "", ""],
    ]
    header = [
        "O*NET Id",
        "O*NET Title",
        "O*NET Description",
        "ESCO or ISCO URI",
        "ESCO or ISCO Title",
        "ESCO or ISCO Description",
        "Type of Match",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(meta)
    writer.writerow(header)
    writer.writerows(rows)
    path = data_dir / CROSSWALK
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


# ---- TREC-style folders (MELO layout; the `trec` loader's default names) ----
def write_tsv(path: Path, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    return path


def write_melo_folder(root: Path, name: str, *, corpus: bool = True) -> Path:
    folder = root / "job-normalization" / "melo" / name
    write_tsv(
        folder / "queries.tsv",
        [
            ("Q000001", "Landarbeiter/in"),
            ("Q000002", "Koch/Köchin"),
            ("Q000003", "Koch/Köchin"),
            ("Q000004", "Ohne Treffer"),
        ],
    )
    if corpus:
        write_tsv(
            folder / "corpus_elements.tsv",
            [
                ("C000001_de_000", "Landarbeiter"),
                ("C000001_de_001", "Feldarbeiter"),
                ("C000002_de_000", "Koch"),
                ("C000003_de_000", "Koch"),
            ],
        )
        write_tsv(
            folder / "concept_mapping.tsv",
            [
                ("C000001_de_000", occupation("farm")),
                ("C000001_de_001", occupation("farm")),
                ("C000002_de_000", occupation("cook")),
                ("C000003_de_000", "http://data.europa.eu/esco/isco/C5120"),
            ],
        )
    write_tsv(
        folder / "annotations.tsv",
        [
            ("Q000001", 0, "C000001_de_000", 1),
            ("Q000001", 0, "C000001_de_001", 1),
            ("Q000002", 0, "C000002_de_000", 1),
            ("Q000003", 0, "C000003_de_000", 1),
        ],
    )
    return folder
