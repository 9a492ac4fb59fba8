"""A tiny ESCO release written in the publisher's exact zip/CSV layout (v1.1.1 official zips), for tests."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

ESCO_VERSION_DIR = "esco/v1.1.1"
CLASSIFICATION_ZIP = "ESCO dataset - v1.1.1 - classification - en - csv.zip"
RELATIONS_ZIP = "ESCO dataset - v1.1.1 - classification -  - csv.zip"

SKILL_HEADER = [
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
]
OCC_HEADER = [
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
]
REL_HEADER = ["occupationUri", "relationType", "skillType", "skillUri"]
SKILL_REL_HEADER = ["originalSkillUri", "originalSkillType", "relationType", "relatedSkillType", "relatedSkillUri"]

# (slug, preferred label, alt labels, skill type)
FIXTURE_SKILLS = [
    ("python", "Python (computer programming)", ["python programming", "python coding"], "knowledge"),
    ("java", "Java (computer programming)", ["java programming", "java coding"], "knowledge"),
    ("sql", "SQL", ["structured query language", "sql querying"], "knowledge"),
    ("cook", "prepare meals", ["cook dishes", "cooking meals"], "skill/competence"),
    ("bake", "bake bread", ["baking bread", "bread baking"], "skill/competence"),
    ("clean", "clean kitchen areas", ["kitchen cleaning", "clean the kitchen"], "skill/competence"),
    ("drive", "drive vehicles", ["vehicle driving", "operate vehicles"], "skill/competence"),
    ("teach", "teach students", ["student teaching", "instruct students"], "skill/competence"),
    ("grade", "grade exams", ["exam grading", "mark exams"], "skill/competence"),
    ("nurse", "administer medication", ["give medication", "medication administration"], "skill/competence"),
    ("wound", "dress wounds", ["wound dressing", "treat wounds"], "skill/competence"),
    ("excel", "use spreadsheets software", ["spreadsheet use", "excel"], "skill/competence"),
]
# (slug, preferred label, alt labels, isco group, essential skills, optional skills)
FIXTURE_OCCUPATIONS = [
    ("dev", "software developer", ["programmer", "software engineer"], "2512", ["python", "java"], ["sql"]),
    ("dba", "database administrator", ["dba", "database manager"], "2521", ["sql"], ["python", "excel"]),
    ("chef", "chef", ["head cook", "kitchen chef"], "3434", ["cook", "clean"], ["bake"]),
    ("baker", "baker", ["bread maker", "pastry baker"], "7512", ["bake"], ["clean"]),
    ("driver", "taxi driver", ["cab driver", "taxi chauffeur"], "8322", ["drive"], []),
    ("teacher", "secondary school teacher", ["high school teacher", "teacher"], "2330", ["teach", "grade"], ["excel"]),
    ("nurse", "nurse", ["registered nurse", "staff nurse"], "2221", ["nurse", "wound"], []),
    ("analyst", "data analyst", ["data analytics specialist", "analyst"], "2511", ["sql", "excel"], ["python"]),
]


def skill_uri(slug: str) -> str:
    return f"http://data.europa.eu/esco/skill/{slug}-0000"


def occupation_uri(slug: str) -> str:
    return f"http://data.europa.eu/esco/occupation/{slug}-0000"


def _csv_bytes(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def classification_zip(language: str) -> str:
    return f"ESCO dataset - v1.1.1 - classification - {language} - csv.zip"


def translated(label: str, language: str) -> str:
    """A fixture 'translation': the label tagged with its language, non-ASCII like most ESCO languages."""
    return label if language == "en" else f"{label} «{language}»"


def write_esco_language(
    root: Path, language: str, skills=FIXTURE_SKILLS, occupations=FIXTURE_OCCUPATIONS, leave_out: tuple[str, ...] = ()
) -> Path:
    """One language's classification zip (skills_<ll>.csv, occupations_<ll>.csv, multi-line label cells)
    in the v1.1.1 layout; concepts whose slug is in ``leave_out`` are missing from it."""
    folder = root / ESCO_VERSION_DIR
    folder.mkdir(parents=True, exist_ok=True)
    tr = lambda text: translated(text, language)  # noqa: E731
    skill_rows = [
        [
            "KnowledgeSkillCompetence",
            skill_uri(s),
            t,
            "sector-specific",
            tr(label),
            "\n".join(map(tr, alts)),
            "",
            "released",
            "2016-12-20T17:43:43Z",
            "",
            "",
            "http://data.europa.eu/esco/concept-scheme/skills",
            tr(f"Description of {label}."),
        ]
        for s, label, alts, t in skills
        if s not in leave_out
    ]
    occ_rows = [
        [
            "Occupation",
            occupation_uri(o),
            isco,
            tr(label),
            "\n".join(map(tr, alts)),
            "",
            "released",
            "2016-07-05T13:58:41Z",
            "",
            "",
            "",
            "http://data.europa.eu/esco/concept-scheme/occupations",
            tr(f"{label} description"),
            f"{isco}.1",
        ]
        for o, label, alts, isco, _, _ in occupations
        if o not in leave_out
    ]
    with zipfile.ZipFile(folder / classification_zip(language), "w") as archive:
        archive.writestr(f"skills_{language}.csv", _csv_bytes(SKILL_HEADER, skill_rows))
        archive.writestr(f"occupations_{language}.csv", _csv_bytes(OCC_HEADER, occ_rows))
    return folder


def write_esco_release(root: Path, skills=FIXTURE_SKILLS, occupations=FIXTURE_OCCUPATIONS) -> Path:
    """Write the two official v1.1.1 zips (classification-en and relations) under root/esco/v1.1.1."""
    folder = write_esco_language(root, "en", skills, occupations)
    types = {s: t for s, _, _, t in skills}
    rel_rows = [
        [occupation_uri(o), kind, types[s], skill_uri(s)]
        for o, _, _, _, ess, opt in occupations
        for kind, group in (("essential", ess), ("optional", opt))
        for s in group
    ]
    skill_rel_rows = [[skill_uri("python"), "knowledge", "optional", "knowledge", skill_uri("java")]]
    with zipfile.ZipFile(folder / RELATIONS_ZIP, "w") as archive:
        archive.writestr("occupationSkillRelations.csv", _csv_bytes(REL_HEADER, rel_rows))
        archive.writestr("skillSkillRelations.csv", _csv_bytes(SKILL_REL_HEADER, skill_rel_rows))
    return folder
