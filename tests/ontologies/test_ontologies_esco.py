"""ESCO loader: fixture zips and folders written here in the publisher's v1.1.x and v1.2.x layouts."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import WorkBenchError
from workbench.ontologies import EscoRelease, OntologyFileNotFoundError, OntologyFormatError, split_labels
from workbench.ontologies._files import is_safe_member

ESCO = "http://data.europa.eu/esco"
SK1, SK2, SK3 = (f"{ESCO}/skill/{u}" for u in ("0005c151", "00064735", "000709ed"))
OC1, OC2 = f"{ESCO}/occupation/00030d09", f"{ESCO}/occupation/0a1b2c3d"
SCHEMES = f"{ESCO}/concept-scheme/skills,\n{ESCO}/concept-scheme/member-skills"

SKILLS = [
    [
        "conceptType",
        "conceptUri",
        "skillType",
        "reuseLevel",
        "preferredLabel",
        "altLabels",
        "hiddenLabels",
        "status",
        "modifiedDate",
        "scopeNote",
        "definition",
        "inScheme",
        "description",
    ],
    [
        "KnowledgeSkillCompetence",
        SK1,
        "skill/competence",
        "sector-specific",
        "manage musical staff",
        "manage staff of music\ncoordinate duties of musical staff\n  manage music staff  \n\nmanage staff of music\n"
        "manage musical staff",
        "",
        "released",
        "2016-12-20T17:43:43Z",
        "",
        "",
        SCHEMES,
        "Assign and manage staff tasks, such as scoring, arranging, copying music and vocal coaching.",
    ],
    [
        "KnowledgeSkillCompetence",
        SK2,
        "knowledge",
        "cross-sector",
        "NA",
        "None\nNA",
        "N/A",
        "released",
        "2016-12-20T20:17:49Z",
        "",
        "",
        SCHEMES,
        "",
    ],
    [
        "KnowledgeSkillCompetence",
        SK3,
        "",
        "",
        "apply anti-oppressive practices",
        "",
        "hidden one\r\nhidden two",
        "released",
        "2016-12-20T17:43:43Z",
        "",
        "",
        SCHEMES,
        "Identify oppression in societies.",
    ],
]
OCCUPATIONS = [
    [
        "conceptType",
        "conceptUri",
        "iscoGroup",
        "preferredLabel",
        "altLabels",
        "hiddenLabels",
        "status",
        "modifiedDate",
        "regulatedProfessionNote",
        "scopeNote",
        "definition",
        "inScheme",
        "description",
        "code",
    ],
    [
        "Occupation",
        OC1,
        "2654",
        "technical director",
        "head of technical\ntechnical supervisor",
        "",
        "released",
        "2016-07-05T13:58:41Z",
        f"{ESCO}/regulated-professions/unregulated",
        "",
        "",
        f"{ESCO}/concept-scheme/occupations",
        "Technical directors realise artistic visions.",
        "2654.1.7",
    ],
    [
        "Occupation",
        OC2,
        "110",
        "armed forces officer",
        "officer",
        "",
        "released",
        "2016-07-05T13:58:41Z",
        "",
        "",
        "",
        f"{ESCO}/concept-scheme/occupations",
        "Officers lead.",
        "0110.2",
    ],
]
ISCO = [
    ["conceptType", "conceptUri", "code", "preferredLabel", "status", "altLabels", "inScheme", "description"],
    [
        "ISCOGroup",
        f"{ESCO}/isco/C0",
        "0",
        "Armed forces occupations",
        "released",
        "",
        f"{ESCO}/concept-scheme/isco",
        "Armed forces occupations include\nall jobs held by members of the armed forces.",
    ],
    ["ISCOGroup", f"{ESCO}/isco/C0110", "0110", "Commissioned armed forces officers", "released", "", "", ""],
]
SKILL_GROUPS = [
    [
        "conceptType",
        "conceptUri",
        "preferredLabel",
        "altLabels",
        "hiddenLabels",
        "status",
        "modifiedDate",
        "scopeNote",
        "inScheme",
        "description",
        "code",
    ],
    [
        "SkillGroup",
        f"{ESCO}/isced-f/00",
        "generic programmes and qualifications",
        "",
        "",
        "released",
        "",
        "",
        f"{ESCO}/concept-scheme/isced-f",
        "Generic programmes.",
        "00",
    ],
]
HIERARCHY = [
    [
        "Level 0 URI",
        "Level 0 preferred term",
        "Level 1 URI",
        "Level 1 preferred term",
        "Level 2 URI",
        "Level 2 preferred term",
        "Level 3 URI",
        "Level 3 preferred term",
        "Description",
        "Scope note",
        "Level 0 code",
        "Level 1 code",
        "Level 2 code",
        "Level 3 code",
    ],
    [f"{ESCO}/skill/L", "language skills and knowledge", "", "", "", "", "", "", "", "", "L", "", "", ""],
    [
        f"{ESCO}/skill/L",
        "language skills and knowledge",
        f"{ESCO}/skill/L1",
        "languages",
        "",
        "",
        "",
        "",
        "Ability to communicate.",
        "",
        "L",
        "L1",
        "",
        "",
    ],
    [
        f"{ESCO}/skill/L",
        "language skills and knowledge",
        f"{ESCO}/skill/L2",
        "classical languages",
        f"{ESCO}/skill/L2a",
        "Latin",
        "",
        "",
        "",
        "Excludes:\n- living languages",
        "L",
        "L2",
        "L2.1",
        "",
    ],
]
OCC_SKILL = [
    ["occupationUri", "relationType", "skillType", "skillUri"],
    [OC1, "essential", "knowledge", SK2],
    [OC1, "essential", "skill/competence", SK1],
    [OC2, "optional", "", SK3],
]
SKILL_SKILL = [
    ["originalSkillUri", "originalSkillType", "relationType", "relatedSkillType", "relatedSkillUri"],
    [SK2, "knowledge", "optional", "knowledge", SK1],
]
BROADER_SKILL = [
    ["conceptType", "conceptUri", "broaderType", "broaderUri"],
    ["SkillGroup", f"{ESCO}/isced-f/00", "SkillGroup", f"{ESCO}/skill/c46fcb45"],
    ["KnowledgeSkillCompetence", SK1, "SkillGroup", f"{ESCO}/isced-f/00"],
]
BROADER_OCC = [
    ["conceptType", "conceptUri", "broaderType", "broaderUri"],
    ["ISCOGroup", f"{ESCO}/isco/C0110", "ISCOGroup", f"{ESCO}/isco/C0"],
    ["Occupation", OC2, "ISCOGroup", f"{ESCO}/isco/C0110"],
]
LANGUAGE_FILES = {
    "skills_en.csv": SKILLS,
    "occupations_en.csv": OCCUPATIONS,
    "ISCOGroups_en.csv": ISCO,
    "skillGroups_en.csv": SKILL_GROUPS,
    "skillsHierarchy_en.csv": HIERARCHY,
}
RELATION_FILES = {
    "occupationSkillRelations.csv": OCC_SKILL,
    "skillSkillRelations.csv": SKILL_SKILL,
    "broaderRelationsSkillPillar.csv": BROADER_SKILL,
    "broaderRelationsOccPillar.csv": BROADER_OCC,
}
LANG_ZIP = "ESCO dataset - v1.1.1 - classification - en - csv.zip"
REL_ZIP = "ESCO dataset - v1.1.1 - classification -  - csv.zip"  # two spaces: no language


def csv_bytes(rows: list[list[str]]) -> bytes:
    """As the portal writes them: comma-separated, CRLF rows, quoted cells holding newlines."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_zip(path: Path, files: dict[str, list[list[str]]], prefix: str = "") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in files.items():
            archive.writestr(prefix + name, csv_bytes(rows))
    return path


def v11_release(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_zip(folder / LANG_ZIP, LANGUAGE_FILES)
    write_zip(folder / REL_ZIP, RELATION_FILES)
    return folder


def v12_release(folder: Path) -> Path:
    """v1.2.x: one language zip, files under a sub-folder, relation files *_en.csv with label columns."""
    folder.mkdir(parents=True, exist_ok=True)
    labels = {
        SK1: "manage musical staff",
        SK2: "NA",
        SK3: "apply anti-oppressive practices",
        OC1: "technical director",
        OC2: "armed forces officer",
    }
    occ_skill = [["occupationUri", "occupationLabel", "relationType", "skillType", "skillUri", "skillLabel"]]
    occ_skill += [[o, labels[o], r, t, s, labels[s]] for o, r, t, s in OCC_SKILL[1:]]
    skill_skill = [SKILL_SKILL[0] + ["originalSkillLabel", "relatedSkillLabel"]]
    skill_skill += [row + [labels[row[0]], labels[row[4]]] for row in SKILL_SKILL[1:]]
    files = dict(LANGUAGE_FILES)
    files["occupations_en.csv"] = [OCCUPATIONS[0] + ["naceCode"]] + [r + [""] for r in OCCUPATIONS[1:]]
    files.update(
        {
            "occupationSkillRelations_en.csv": occ_skill,
            "skillSkillRelations_en.csv": skill_skill,
            "broaderRelationsSkillPillar_en.csv": BROADER_SKILL,
            "broaderRelationsOccPillar_en.csv": BROADER_OCC,
        }
    )
    write_zip(
        folder / "ESCO dataset - v1.2.0 - classification - en - csv.zip",
        files,
        prefix="ESCO dataset - v1.2.0 - classification - en - csv/",
    )
    return folder


def test_split_labels_rules():
    assert split_labels("a\n  b \n\nA\na\r\nc\rb\n") == ["a", "b", "A", "c"]
    assert split_labels("") == [] and split_labels(None) == []


def test_skills_from_v11_zips(tmp_path):
    skills = EscoRelease(v11_release(tmp_path / "v1.1.1")).skills()
    assert list(skills.columns) == [
        "uri",
        "preferred_label",
        "alt_labels",
        "hidden_labels",
        "description",
        "skill_type",
        "reuse_level",
        "status",
    ]
    assert list(skills["uri"]) == [SK1, SK2, SK3]
    first = skills.iloc[0]
    assert first["alt_labels"] == [
        "manage staff of music",
        "coordinate duties of musical staff",
        "manage music staff",
        "manage musical staff",
    ]
    assert first["description"].startswith("Assign and manage")
    na_skill = skills.iloc[1]  # literal NA / None / N/A labels survive
    assert na_skill["preferred_label"] == "NA"
    assert na_skill["alt_labels"] == ["None", "NA"] and na_skill["hidden_labels"] == ["N/A"]
    assert na_skill["description"] == ""
    assert skills.iloc[2]["hidden_labels"] == ["hidden one", "hidden two"]
    assert skills.iloc[2]["skill_type"] == "" and skills["preferred_label"].notna().all()
    assert str(skills["uri"].dtype) == "string"


def test_occupations_and_groups(tmp_path):
    release = EscoRelease(v11_release(tmp_path))
    occupations = release.occupations()
    assert list(occupations.columns) == [
        "uri",
        "preferred_label",
        "alt_labels",
        "hidden_labels",
        "description",
        "isco_group",
        "code",
        "status",
    ]
    assert list(occupations["isco_group"]) == ["2654", "0110"]  # leading zero restored, always 4 digits
    assert list(occupations["code"]) == ["2654.1.7", "0110.2"]
    isco = release.isco_groups()
    assert list(isco["code"]) == ["0", "0110"] and isco.iloc[0]["alt_labels"] == []
    assert "\n" in isco.iloc[0]["description"]  # descriptions are not split
    groups = release.skill_groups()
    assert groups.iloc[0]["code"] == "00"


def test_relations_and_hierarchy(tmp_path):
    release = EscoRelease(v11_release(tmp_path))
    rel = release.occupation_skill_relations()
    assert list(rel.columns) == ["occupation_uri", "skill_uri", "relation_type", "skill_type"]
    assert rel["relation_type"].tolist() == ["essential", "essential", "optional"]
    assert rel.iloc[2]["skill_type"] == ""
    ss = release.skill_skill_relations()
    assert ss.to_dict("records") == [
        {
            "original_skill_uri": SK2,
            "original_skill_type": "knowledge",
            "relation_type": "optional",
            "related_skill_type": "knowledge",
            "related_skill_uri": SK1,
        }
    ]
    assert release.skill_broader_relations()["broader_uri"].tolist() == [f"{ESCO}/skill/c46fcb45", f"{ESCO}/isced-f/00"]
    assert release.occupation_broader_relations()["concept_type"].tolist() == ["ISCOGroup", "Occupation"]
    tree = release.skill_hierarchy()
    assert tree[["uri", "level", "code"]].values.tolist() == [
        [f"{ESCO}/skill/L", 0, "L"],
        [f"{ESCO}/skill/L1", 1, "L1"],
        [f"{ESCO}/skill/L2a", 2, "L2.1"],
    ]
    assert pd.isna(tree.iloc[0]["parent_uri"]) and tree.iloc[2]["parent_uri"] == f"{ESCO}/skill/L2"
    assert tree.iloc[2]["scope_note"] == "Excludes:\n- living languages"


def test_unpacked_folder_and_explicit_zips_match_release_folder(tmp_path):
    zipped = EscoRelease(v11_release(tmp_path / "zips"))
    unpacked = tmp_path / "unpacked"
    (unpacked / "relations").mkdir(parents=True)
    for name, rows in LANGUAGE_FILES.items():
        (unpacked / name).write_bytes(csv_bytes(rows))
    for name, rows in RELATION_FILES.items():  # one sub-folder down is searched too
        (unpacked / "relations" / name).write_bytes(csv_bytes(rows))
    explicit = EscoRelease(tmp_path / "zips" / LANG_ZIP, tmp_path / "zips" / REL_ZIP)
    for method in (
        "skills",
        "occupations",
        "isco_groups",
        "skill_groups",
        "skill_hierarchy",
        "occupation_skill_relations",
        "skill_skill_relations",
        "skill_broader_relations",
        "occupation_broader_relations",
    ):
        expected = getattr(zipped, method)()
        pd.testing.assert_frame_equal(getattr(EscoRelease(unpacked), method)(), expected)
        pd.testing.assert_frame_equal(getattr(explicit, method)(), expected)


def test_v12_layout_matches_v11(tmp_path):
    old, new = EscoRelease(v11_release(tmp_path / "v11")), EscoRelease(v12_release(tmp_path / "v12"))
    for method in (
        "skills",
        "occupations",
        "occupation_skill_relations",
        "skill_skill_relations",
        "skill_broader_relations",
        "occupation_broader_relations",
        "skill_hierarchy",
    ):
        pd.testing.assert_frame_equal(getattr(new, method)(), getattr(old, method)())


def test_language_option_picks_the_language_files(tmp_path):
    folder = v11_release(tmp_path)
    german = [row[:] for row in SKILLS]
    german[1][4] = "Musikpersonal leiten"
    write_zip(folder / "ESCO dataset - v1.1.1 - classification - de - csv.zip", {"skills_de.csv": german})
    assert EscoRelease(folder, language="de").skills().iloc[0]["preferred_label"] == "Musikpersonal leiten"
    assert EscoRelease(folder).skills().iloc[0]["preferred_label"] == "manage musical staff"
    with pytest.raises(FileNotFoundError, match=r"occupations_de\.csv"):
        EscoRelease(folder, language="de").occupations()


def test_missing_file_names_file_and_folder(tmp_path):
    folder = tmp_path / "release"
    folder.mkdir()
    write_zip(folder / LANG_ZIP, LANGUAGE_FILES)
    with pytest.raises(FileNotFoundError) as info:
        EscoRelease(folder).occupation_skill_relations()
    message = str(info.value)
    assert "occupationSkillRelations_en.csv or occupationSkillRelations.csv" in message
    assert str(folder) in message and LANG_ZIP in message
    assert isinstance(info.value, WorkBenchError)
    with pytest.raises(OntologyFileNotFoundError, match="does not exist"):
        EscoRelease(tmp_path / "nowhere")


def test_missing_columns_names_file_missing_and_found(tmp_path):
    bad = [[c for c in SKILLS[0] if c != "altLabels"]] + [r[:5] + r[6:] for r in SKILLS[1:]]
    (tmp_path / "skills_en.csv").write_bytes(csv_bytes(bad))
    with pytest.raises(ValueError) as info:
        EscoRelease(tmp_path).skills()
    message = str(info.value)
    assert "skills_en.csv" in message and "['altLabels']" in message and "'preferredLabel'" in message


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_zip_is_a_clear_error(tmp_path, damage):
    folder = v11_release(tmp_path)
    archive = folder / LANG_ZIP
    data = archive.read_bytes()
    archive.write_bytes(b"this is not a zip" if damage == "garbage" else data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a valid zip archive") as info:
        EscoRelease(folder).skills()
    assert LANG_ZIP in str(info.value) and isinstance(info.value, OntologyFormatError)


def test_damaged_member_data_is_a_clear_error(tmp_path):
    folder = v11_release(tmp_path)
    archive = folder / LANG_ZIP
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("skills_en.csv")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 60):  # corrupt compressed bytes, keep the directory intact
        data[i] ^= 0xFF
    archive.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="not a valid zip archive"):
        EscoRelease(folder).skills()


def test_unsafe_member_names_are_never_used(tmp_path):
    assert not is_safe_member("../skills_en.csv") and not is_safe_member("/etc/skills_en.csv")
    assert not is_safe_member("a/../../skills_en.csv") and not is_safe_member("C:\\x\\skills_en.csv")
    assert is_safe_member("ESCO dataset - v1.2.0 - classification - en - csv/skills_en.csv")
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as archive:
        archive.writestr("../skills_en.csv", csv_bytes(SKILLS))
        archive.writestr("/abs/skills_en.csv", csv_bytes(SKILLS))
    with pytest.raises(FileNotFoundError, match=r"skills_en\.csv"):
        EscoRelease(tmp_path).skills()


def test_unexpected_relation_type_is_rejected(tmp_path):
    rows = OCC_SKILL[:2] + [[OC2, "essentialSkill", "knowledge", SK2]]
    (tmp_path / "occupationSkillRelations.csv").write_bytes(csv_bytes(rows))
    with pytest.raises(ValueError, match="essentialSkill"):
        EscoRelease(tmp_path).occupation_skill_relations()


def test_parsed_once_per_process_and_again_after_a_change(tmp_path, monkeypatch):
    folder = tmp_path / "unpacked"
    folder.mkdir()
    (folder / "skills_en.csv").write_bytes(csv_bytes(SKILLS))
    calls = []
    real = pd.read_csv
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = EscoRelease(folder).skills()
    first.loc[0, "preferred_label"] = "mutated by the caller"
    first.loc[0, "alt_labels"].append("appended")  # label lists are copied too
    second = EscoRelease(folder).skills()
    assert len(calls) == 1
    assert second.loc[0, "preferred_label"] == "manage musical staff"
    assert "appended" not in second.loc[0, "alt_labels"]
    changed = [row[:] for row in SKILLS]
    changed[1][4] = "manage orchestra staff"
    (folder / "skills_en.csv").write_bytes(csv_bytes(changed))
    os.utime(folder / "skills_en.csv", ns=(1, 1))
    assert EscoRelease(folder).skills().loc[0, "preferred_label"] == "manage orchestra staff"
    assert len(calls) == 2


# ---------------------------------------------------------------- real ESCO v1.1.1 release


@pytest.mark.data
def test_real_v111_counts(data_path):
    release = EscoRelease(data_path("esco", "v1.1.1"))
    skills = release.skills()
    assert len(skills) == 13_896 and skills["uri"].is_unique
    assert int(skills["alt_labels"].map(len).sum()) == 97_483
    assert int(skills["hidden_labels"].map(len).sum()) == 919
    assert skills["preferred_label"].ne("").all()
    occupations = release.occupations()
    assert len(occupations) == 3_007 and occupations["uri"].is_unique
    assert int(occupations["alt_labels"].map(len).sum()) == 32_804
    assert int(occupations["hidden_labels"].map(len).sum()) == 87
    assert occupations["isco_group"].str.fullmatch(r"\d{4}").all()
    assert len(release.isco_groups()) == 619 and len(release.skill_groups()) == 640
    assert len(release.skill_hierarchy()) == 647


@pytest.mark.data
def test_real_v111_relations(data_path):
    release = EscoRelease(data_path("esco", "v1.1.1"))
    rel = release.occupation_skill_relations()
    assert rel["relation_type"].value_counts().to_dict() == {"essential": 64_946, "optional": 58_909}
    assert rel["skill_type"].value_counts().to_dict() == {"skill/competence": 90_934, "knowledge": 32_916, "": 5}
    assert rel["skill_uri"].isin(release.skills()["uri"]).all()
    ss = release.skill_skill_relations()
    assert ss["relation_type"].value_counts().to_dict() == {"optional": 5_708, "essential": 191}
    assert len(release.skill_broader_relations()) == 20_656
    assert len(release.occupation_broader_relations()) == 3_617
