"""O*NET loader: text (.txt) and Excel (.xlsx) fixture releases written here must give equal frames."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook

from workbench.ontologies import HEADER_TO_COLUMN, ONET_TABLES, OnetRelease, OntologyFormatError

CEO, CFO = ("11-1011.00", "Chief Executives"), ("11-3031.01", "Treasurers and Controllers")
_ = None  # missing: "n/a" in the text release, an empty cell in the Excel release

# Excel-release layout (header, rows with Python-typed cells); the text release is the same minus
# the Excel-only look-up columns, with numbers written as text and "n/a" for missing.
EXCEL: dict[str, tuple[list[str], list[list]]] = {
    "Occupation Data": (
        ["O*NET-SOC Code", "Title", "Description"],
        [
            [*CEO, "Determine and formulate policies and provide overall direction of companies."],
            [*CFO, 'Direct financial activities, such as "cash" management.'],
        ],
    ),
    "Alternate Titles": (
        ["O*NET-SOC Code", "Title", "Alternate Title", "Short Title", "Source(s)"],
        [
            [*CEO, "Aeronautics Commission Director", _, "08"],
            [*CEO, "Chief Executive Officer", "CEO", "01, 02, 10"],
            [*CFO, "NA", _, "09"],
        ],
    ),
    "Sample of Reported Titles": (
        ["O*NET-SOC Code", "Title", "Reported Job Title", "Shown in My Next Move"],
        [[*CEO, "CEO (Chief Executive Officer)", "Y"], [*CFO, "Controller", "N"]],
    ),
    "Technology Skills": (
        ["O*NET-SOC Code", "Title", "Example", "Commodity Code", "Commodity Title", "Hot Technology", "In Demand"],
        [
            [*CEO, "Adobe Acrobat", 43232202, "Document management software", "Y", "N"],
            [*CFO, "Oracle PeopleSoft", 43231602, "Enterprise resource planning ERP software", "Y", "Y"],
        ],
    ),
    "Tools Used": (
        ["O*NET-SOC Code", "Title", "Example", "Commodity Code", "Commodity Title"],
        [[*CEO, "10-key calculators", 44101809, "Desktop calculator"]],
    ),
    "Task Statements": (
        ["O*NET-SOC Code", "Title", "Task ID", "Task", "Task Type", "Incumbents Responding", "Date", "Domain Source"],
        [
            [
                *CEO,
                8823,
                "Direct or coordinate an organization's financial or budget activities.",
                "Core",
                95,
                "08/2023",
                "Incumbent",
            ],
            [*CFO, 22689, "Prepare reports.", _, _, "12/2024", "Analyst"],
        ],
    ),
    "Tasks to DWAs": (
        ["O*NET-SOC Code", "Title", "Task ID", "Task", "DWA ID", "DWA Title", "Date", "Domain Source"],
        [
            [
                *CEO,
                20461,
                "Review and analyze legislation.",
                "4.A.2.a.4.I09.D03",
                "Analyze impact of legal or regulatory changes.",
                "07/2014",
                "Analyst",
            ]
        ],
    ),
    "DWA Reference": (
        ["Element ID", "Element Name", "IWA ID", "IWA Title", "DWA ID", "DWA Title"],
        [
            [
                "4.A.1.a.1",
                "Getting Information",
                "4.A.1.a.1.I01",
                "Study details of artistic productions.",
                "4.A.1.a.1.I01.D01",
                "Review art or design materials.",
            ]
        ],
    ),
    "Skills": (
        [
            "O*NET-SOC Code",
            "Title",
            "Element ID",
            "Element Name",
            "Scale ID",
            "Scale Name",
            "Data Value",
            "N",
            "Standard Error",
            "Lower CI Bound",
            "Upper CI Bound",
            "Recommend Suppress",
            "Not Relevant",
            "Date",
            "Domain Source",
        ],
        [
            [
                *CEO,
                "2.A.1.a",
                "Reading Comprehension",
                "IM",
                "Importance",
                4.12,
                8,
                0.125,
                3.88,
                4.37,
                "N",
                _,
                "08/2023",
                "Analyst",
            ],
            [
                *CEO,
                "2.A.1.a",
                "Reading Comprehension",
                "LV",
                "Level",
                4.62,
                8,
                0.183,
                4.2664,
                4.9836,
                "N",
                "N",
                "08/2023",
                "Analyst",
            ],
            [
                *CFO,
                "2.A.1.a",
                "Reading Comprehension",
                "IM",
                "Importance",
                3.0,
                8,
                0.0,
                3.0,
                3.0,
                "N",
                _,
                "08/2023",
                "Analyst",
            ],
            [*CFO, "2.A.1.a", "Reading Comprehension", "LV", "Level", 0.0, 8, _, _, _, "Y", "Y", "08/2023", "Analyst"],
        ],
    ),
    "Knowledge": (
        [
            "O*NET-SOC Code",
            "Title",
            "Element ID",
            "Element Name",
            "Scale ID",
            "Scale Name",
            "Data Value",
            "N",
            "Standard Error",
            "Lower CI Bound",
            "Upper CI Bound",
            "Recommend Suppress",
            "Not Relevant",
            "Date",
            "Domain Source",
        ],
        [
            [
                *CEO,
                "2.C.1.a",
                "Administration and Management",
                "IM",
                "Importance",
                4.78,
                28,
                0.1102,
                4.5564,
                5,
                "N",
                _,
                "08/2023",
                "Incumbent",
            ],
            [
                *CEO,
                "2.C.1.a",
                "Administration and Management",
                "LV",
                "Level",
                6.5,
                _,
                _,
                _,
                _,
                _,
                "N",
                "08/2023",
                "Occupational Expert",
            ],
        ],
    ),
    "Related Occupations": (
        ["O*NET-SOC Code", "Title", "Related O*NET-SOC Code", "Related Title", "Relatedness Tier", "Index"],
        [[*CEO, *CFO, "Primary-Short", 1], [*CFO, *CEO, "Supplemental", 11]],
    ),
}
_TWO_DECIMALS = {"Data Value"}
_FOUR_DECIMALS = {"Standard Error", "Lower CI Bound", "Upper CI Bound"}


def _text_cell(header: str, value) -> str:
    if value is None:
        return "n/a"
    if header in _TWO_DECIMALS:
        return f"{value:.2f}"
    if header in _FOUR_DECIMALS:
        return f"{value:.4f}"
    return str(value)


def write_text(folder, table: str) -> None:
    """Text release: tab-delimited, official headers, no Excel-only columns, 'n/a' for missing, CRLF."""
    header, rows = EXCEL[table]
    keep = [i for i, h in enumerate(header) if h in ONET_TABLES[table]]
    lines = ["\t".join(header[i] for i in keep)]
    lines += ["\t".join(_text_cell(header[i], row[i]) for i in keep) for row in rows]
    (folder / f"{table}.txt").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def write_excel(folder, table: str, header=None, rows=None) -> None:
    """Excel release: one sheet named after the table, numbers as numeric cells, missing as empty cells."""
    book = Workbook()
    sheet = book.active
    sheet.title = table[:31]
    sheet.append(header or EXCEL[table][0])
    for row in rows if rows is not None else EXCEL[table][1]:
        sheet.append(row)
    book.save(folder / f"{table}.xlsx")


@pytest.fixture
def text_release(tmp_path):
    folder = tmp_path / "db_29_2_text"
    folder.mkdir()
    for table in EXCEL:
        write_text(folder, table)
    return folder


@pytest.fixture
def excel_release(tmp_path):
    folder = tmp_path / "db_29_2_excel"
    folder.mkdir()
    for table in EXCEL:
        write_excel(folder, table)
    return folder


def test_fixture_covers_every_table():
    assert set(EXCEL) == set(ONET_TABLES)
    for table, (header, _rows) in EXCEL.items():
        assert set(ONET_TABLES[table]) <= set(header)


@pytest.mark.parametrize("table", sorted(EXCEL))
def test_text_and_excel_give_equal_frames(text_release, excel_release, table):
    from_text = OnetRelease(text_release).table(table)
    from_excel = OnetRelease(excel_release).table(table)
    pd.testing.assert_frame_equal(from_text, from_excel)
    assert list(from_text.columns) == [HEADER_TO_COLUMN[h] for h in ONET_TABLES[table]]
    assert len(from_text) == len(EXCEL[table][1])


def test_column_types_and_missing_values(text_release):
    release = OnetRelease(text_release)
    skills = release.skills()
    assert str(skills["onetsoc_code"].dtype) == "string" and skills["data_value"].dtype == "float64"
    assert str(skills["n"].dtype) == "Int64" and str(skills["not_relevant"].dtype) == "boolean"
    assert skills["data_value"].tolist() == [4.12, 4.62, 3.0, 0.0]
    assert skills["not_relevant"].isna().tolist() == [True, False, True, False]
    assert pd.isna(skills.loc[3, "standard_error"]) and skills.loc[1, "upper_ci_bound"] == 4.9836
    tasks = release.task_statements()
    assert tasks["task_id"].tolist() == ["8823", "22689"]  # IDs stay text
    assert pd.isna(tasks.loc[1, "task_type"]) and pd.isna(tasks.loc[1, "incumbents_responding"])
    titles = release.alternate_titles()
    assert titles["alternate_title"].tolist()[2] == "NA"  # a literal NA title is not missing
    assert titles["sources"].tolist() == ["08", "01, 02, 10", "09"] and pd.isna(titles.loc[0, "short_title"])
    tech = release.technology_skills()
    assert tech["commodity_code"].tolist() == ["43232202", "43231602"]
    assert tech["hot_technology"].tolist() == [True, True] and tech["in_demand"].tolist() == [False, True]
    assert release.related_occupations()["related_index"].tolist() == [1, 11]
    assert release.occupation_data().loc[1, "description"] == 'Direct financial activities, such as "cash" management.'


def test_excel_extras_keep_lookup_columns(excel_release):
    dwas = OnetRelease(excel_release).tasks_to_dwas(extras=True)
    assert list(dwas.columns) == [
        "onetsoc_code",
        "title",
        "task_id",
        "task",
        "dwa_id",
        "dwa_title",
        "date",
        "domain_source",
    ]
    assert dwas.loc[0, "dwa_title"] == "Analyze impact of legal or regulatory changes."
    assert "scale_name" in OnetRelease(excel_release).knowledge(extras=True).columns


def test_wide_ratings(text_release):
    wide = OnetRelease(text_release).skills(wide=True)
    assert list(wide.columns) == ["onetsoc_code", "element_id", "element_name", "importance", "level", "not_relevant"]
    assert wide[["onetsoc_code", "importance", "level"]].values.tolist() == [[CEO[0], 4.12, 4.62], [CFO[0], 3.0, 0.0]]
    assert wide["not_relevant"].tolist() == [False, True]


def test_format_detected_per_table(tmp_path, text_release, excel_release):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    write_text(mixed, "Skills")
    write_excel(mixed, "Knowledge")
    release = OnetRelease(mixed)
    assert release.path("Skills").suffix == ".txt" and release.path("Knowledge").suffix == ".xlsx"
    pd.testing.assert_frame_equal(release.knowledge(), OnetRelease(text_release).knowledge())
    write_excel(mixed, "Skills")
    assert OnetRelease(mixed).path("Skills").suffix == ".txt"
    assert OnetRelease(mixed, prefer="excel").path("Skills").suffix == ".xlsx"


def test_missing_table_names_both_files_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        OnetRelease(tmp_path).occupation_data()
    message = str(info.value)
    assert "'Occupation Data.txt'" in message and "'Occupation Data.xlsx'" in message and str(tmp_path) in message
    with pytest.raises(FileNotFoundError, match="does not exist"):
        OnetRelease(tmp_path / "absent")
    with pytest.raises(ValueError, match="unknown O\\*NET table"):
        OnetRelease(tmp_path).table("Abilities")


def test_missing_column_is_named(tmp_path):
    (tmp_path / "Tools Used.txt").write_text("O*NET-SOC Code\tExample\tCommodity Title\n11-1011.00\tx\ty\n")
    with pytest.raises(ValueError) as info:
        OnetRelease(tmp_path).tools_used()
    message = str(info.value)
    assert "Tools Used.txt" in message and "['Commodity Code']" in message and "'Example'" in message


def test_bad_values_and_corrupt_workbook(tmp_path):
    (tmp_path / "Sample of Reported Titles.txt").write_text(
        "O*NET-SOC Code\tReported Job Title\tShown in My Next Move\n11-1011.00\tCEO\tmaybe\n"
    )
    with pytest.raises(OntologyFormatError, match="maybe"):
        OnetRelease(tmp_path).sample_of_reported_titles()
    (tmp_path / "Related Occupations.txt").write_text(
        "O*NET-SOC Code\tRelated O*NET-SOC Code\tRelatedness Tier\tIndex\n11-1011.00\t11-3031.01\tPrimary-Short\tfirst\n"
    )
    with pytest.raises(ValueError, match="non-numeric"):
        OnetRelease(tmp_path).related_occupations()
    (tmp_path / "Skills.xlsx").write_bytes(b"PK\x03\x04 truncated workbook")
    with pytest.raises(ValueError, match="not a valid Excel"):
        OnetRelease(tmp_path).skills()


def test_parsed_once_per_process(excel_release, monkeypatch):
    calls = []
    real = pd.read_excel
    monkeypatch.setattr(pd, "read_excel", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = OnetRelease(excel_release).occupation_data()
    first.loc[0, "title"] = "changed by the caller"
    second = OnetRelease(excel_release).occupation_data()
    assert len(calls) == 1 and second.loc[0, "title"] == CEO[1]


# ---------------------------------------------------------------- real O*NET 29.2 (Excel release)

REAL_ROWS_29_2 = {
    "Occupation Data": 1_016,
    "Alternate Titles": 56_560,
    "Sample of Reported Titles": 7_796,
    "Technology Skills": 32_627,
    "Tools Used": 41_662,
    "Task Statements": 18_796,
    "Tasks to DWAs": 23_233,
    "DWA Reference": 2_087,
    "Skills": 61_530,
    "Knowledge": 58_014,
    "Related Occupations": 18_460,
}


@pytest.mark.data
@pytest.mark.slow
def test_real_29_2_row_counts(data_path):
    release = OnetRelease(data_path("onet", "29.2"))
    counts = {table: len(release.table(table)) for table in REAL_ROWS_29_2}
    assert counts == REAL_ROWS_29_2
    occupations = release.occupation_data()
    assert (
        occupations["onetsoc_code"].str.fullmatch(r"\d{2}-\d{4}\.\d{2}").all() and occupations["onetsoc_code"].is_unique
    )
    for table, per_scale in (("Skills", 30_765), ("Knowledge", 29_007)):
        scales = release.table(table)["scale_id"].value_counts().to_dict()
        assert scales == {"IM": per_scale, "LV": per_scale}
    assert len(release.skills(wide=True)) == 30_765 and release.knowledge(wide=True)["importance"].notna().all()
    tasks = release.task_statements()
    assert tasks["task_id"].str.fullmatch(r"\d+").all()
    assert tasks["task_type"].value_counts(dropna=False).to_dict() == {
        "Core": 13_417,
        "Supplemental": 4_222,
        pd.NA: 1_157,
    }
