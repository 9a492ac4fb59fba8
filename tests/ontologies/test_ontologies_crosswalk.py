"""ESCO–O*NET crosswalk loader on fixture CSVs written in the publisher's two layouts."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from workbench.ontologies import MATCH_TYPES, read_crosswalk, repair_mojibake

OCC = "http://data.europa.eu/esco/occupation/"
METADATA = [
    ["Mapping project name", "ESCO-O*NET Crosswalk"],
    ["Mapping project author", "ESCO Secretariat in collaboration with the U.S. Department of Labor"],
    ["Mapping project version", "1"],
    ["Mapping project version date", "Sep-22"],
    ["Classification 1 Name", "O*NET"],
    ["Classification 2 Version", "v1.1.0"],
]
FORWARD_HEADER = [
    "O*NET Id",
    "O*NET Title",
    "O*NET Description",
    "ESCO or ISCO URI",
    "ESCO or ISCO Title",
    "ESCO or ISCO Description",
    "Type of Match",
]
FORWARD_ROWS = [
    [
        "11-1011.00",
        "Chief Executives",
        "Determine and formulate policies,\nand direct operations.",
        OCC + "5c5b153e",
        "secretary general",
        "Secretaries general head organisations.",
        "closeMatch",
    ],
    [
        "11-1011.00",
        "Chief Executives",
        "Determine and formulate policies,\nand direct operations.",
        OCC + "6c3fd65e",
        "chief executive officer",
        "They serve as a\u00c2\u00a0 communication link.",
        "exactMatch",
    ],
    [
        "11-1031.00",
        "Legislators",
        "Develop laws.",
        "http://data.europa.eu/esco/isco/C1111",
        "Legislators",
        "",
        "exactISCO",
    ],
    [
        "11-3071.00",
        "Transportation, Storage, and Distribution Managers",
        "Plan.",
        OCC + "788a9895",
        "pipeline\u00c2\u00a0superintendent",
        "",
        "broadMatch",
    ],
    [
        "25-9042.00",
        "Teaching Assistants",
        "Assist.",
        "http://data.europa.eu/esco/isco/C5312",
        "Teachers\u00e2\u20ac\u2122 aides",
        "",
        "narrowMatch",
    ],
]
REVERSE_HEADER = ["ESCO/ISCO Code", "ESCO/ISCO Title", "O*NET-SOC 2019 Code", "O*NET-SOC 2019 Title"]
REVERSE_ROWS = [
    ["0110.10", "lieutenant", "33-1011.00", "First-Line Supervisors of Correctional Officers"],
    ["1111", "Legislators", "11-1031.00", "Legislators"],
    ["5312", "Teachers\u00e2\u0080\u0099 aides", "25-9042.00", "Teaching Assistants, Preschool, Elementary"],
    ["9629.7", "usher", "39-3031.00", "Ushers, Lobby Attendants, and Ticket Takers"],
]
FOOTER = [["", "", "", ""], ["", "This publication uses the ESCO classification of the European Commission.", "", ""]]


def write_csv(path, rows, bom=False):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(("\ufeff" if bom else "").encode("utf-8") + buffer.getvalue().encode("utf-8"))
    return path


def forward_file(tmp_path, metadata=METADATA, name="crosswalk_esco_onet.csv"):
    width = len(FORWARD_HEADER)
    pad = [row + [""] * (width - len(row)) for row in metadata]
    blanks = [[""] * width, [""] * width]
    return write_csv(tmp_path / name, pad + blanks + [FORWARD_HEADER] + FORWARD_ROWS, bom=True)


def test_forward_file_header_found_after_metadata(tmp_path):
    frame = read_crosswalk(forward_file(tmp_path))
    assert list(frame.columns) == [
        "onet_soc_code",
        "onet_title",
        "esco_uri",
        "esco_code",
        "esco_title",
        "esco_concept_type",
        "match_type",
    ]
    assert len(frame) == 5
    assert frame["match_type"].tolist() == ["closeMatch", "exactMatch", "exactISCO", "broadMatch", "narrowMatch"]
    assert frame["esco_concept_type"].tolist() == ["occupation", "occupation", "isco_group", "occupation", "isco_group"]
    assert frame["esco_code"].isna().all() and frame.loc[1, "esco_uri"] == OCC + "6c3fd65e"
    assert frame.loc[3, "esco_title"] == "pipeline superintendent"
    assert frame.loc[4, "esco_title"] == "Teachers\u2019 aides"
    assert frame.attrs["metadata"]["Mapping project version"] == "1"
    assert frame.attrs["metadata"]["Classification 2 Version"] == "v1.1.0"
    assert all(str(frame[c].dtype) == "string" for c in frame.columns)


def test_header_row_is_found_by_content_not_position(tmp_path):
    short = read_crosswalk(forward_file(tmp_path, metadata=METADATA[:2], name="short.csv"))
    none = read_crosswalk(forward_file(tmp_path, metadata=[], name="none.csv"))
    full = read_crosswalk(forward_file(tmp_path))
    pd.testing.assert_frame_equal(short, full)
    pd.testing.assert_frame_equal(none, full)
    assert none.attrs["metadata"] == {}


def test_reverse_file_codes_without_match_type(tmp_path):
    frame = read_crosswalk(
        write_csv(tmp_path / "crosswalk_esco_onet_reverse.csv", [REVERSE_HEADER] + REVERSE_ROWS + FOOTER)
    )
    assert len(frame) == 4  # blank and attribution rows dropped
    assert frame["esco_code"].tolist() == ["0110.10", "1111", "5312", "9629.7"]
    assert frame["esco_concept_type"].tolist() == ["occupation", "isco_group", "isco_group", "occupation"]
    assert frame["esco_uri"].isna().all() and frame["match_type"].isna().all()
    assert frame.loc[2, "esco_title"] == "Teachers\u2019 aides"
    assert frame.loc[0, "onet_soc_code"] == "33-1011.00"
    assert frame.attrs["notes"] == ["This publication uses the ESCO classification of the European Commission."]


def test_repair_can_be_turned_off_and_leaves_genuine_text(tmp_path):
    raw = read_crosswalk(forward_file(tmp_path), repair_text=False)
    assert raw.loc[3, "esco_title"] == "pipeline\u00c2\u00a0superintendent"
    assert repair_mojibake("dance répétiteur") == "dance répétiteur"
    assert repair_mojibake("pâte") == "pâte"


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        read_crosswalk(tmp_path / "crosswalk_esco_onet.csv")
    assert "crosswalk_esco_onet.csv" in str(info.value) and str(tmp_path) in str(info.value)
    write_csv(tmp_path / "nohead.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(ValueError, match="no header row"):
        read_crosswalk(tmp_path / "nohead.csv")
    write_csv(tmp_path / "badtype.csv", [FORWARD_HEADER, FORWARD_ROWS[0][:-1] + ["relatedMatch"]])
    with pytest.raises(ValueError, match="relatedMatch"):
        read_crosswalk(tmp_path / "badtype.csv")
    write_csv(tmp_path / "badcode.csv", [REVERSE_HEADER, ["1111", "Legislators", "11-1031", "Legislators"]])
    with pytest.raises(ValueError, match="O\\*NET-SOC code"):
        read_crosswalk(tmp_path / "badcode.csv")


# ---------------------------------------------------------------- real crosswalk (version 1, Sep 2022)


@pytest.mark.data
def test_real_crosswalk_files(data_path):
    folder = data_path("crosswalks", "esco-onet")
    forward = read_crosswalk(folder / "crosswalk_esco_onet.csv")
    assert len(forward) == 4_253
    assert forward["match_type"].value_counts().to_dict() == {
        "broadMatch": 2_053,
        "closeMatch": 1_432,
        "exactMatch": 498,
        "narrowMatch": 227,
        "exactISCO": 43,
    }
    assert set(forward["match_type"]) <= MATCH_TYPES
    assert (forward["match_type"] == "exactISCO").eq(forward["esco_concept_type"] == "isco_group").all()
    assert forward["onet_soc_code"].nunique() == 940 and forward["esco_uri"].nunique() == 2_652
    assert forward.attrs["metadata"]["Classification 2 Version"] == "v1.1.0"
    assert not forward["esco_title"].str.contains("\u00c2|\u00e2\u20ac", regex=True).any()
    reverse = read_crosswalk(folder / "crosswalk_esco_onet_reverse.csv")
    assert len(reverse) == 8_627
    assert reverse["esco_concept_type"].value_counts().to_dict() == {"occupation": 7_706, "isco_group": 921}
    assert reverse["match_type"].isna().all() and reverse["onet_soc_code"].nunique() == 958
    assert len(reverse.attrs["notes"]) == 1
