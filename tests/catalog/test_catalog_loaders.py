"""Catalog loaders on tiny files written in the publishers' formats: exact queries, targets, relevance and counts."""

from __future__ import annotations

import pandas as pd
import pytest

from catalog_fixtures import (
    CLASSIFICATION,
    CROSSWALK,
    ONET_DIR,
    RELATIONS,
    occupation,
    replace_skill_relations,
    skill,
    write_crosswalk,
    write_csv,
    write_melo_folder,
    write_onet,
)
from workbench.errors import WorkBenchError
from workbench.running.task import Task
from workbench.sources import LoaderContext, get_loader, known_loaders
from workbench.sources.esco import esco_partition
from workbench.taskfiles.spec import parse_task_spec

NEW_LOADERS = [
    "esco_skill_similarity",
    "jobbert_titles",
    "decorte_skill_extraction",
    "skillskape",
    "techwolf_job2skill",
    "onet_job2tech",
    "onet_tech2job",
    "onet_task2dwa",
    "onet_jobnorm",
    "onet_job_similarity",
    "onet_esco_crosswalk",
    "melo",
]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """read_table keeps a datasets Arrow cache: keep it out of ~/.cache."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("workbench-cache")))


def run_loader(name, data_dir, files, params=None):
    ctx = LoaderContext(
        data_dir, {role: data_dir / rel for role, rel in files.items()}, dict(params or {}), f"test-{name}"
    )
    return get_loader(name)(ctx)


def make_task(
    data_dir,
    loader,
    files,
    *,
    method="source",
    available=("val", "test", "full"),
    fractions=None,
    params=None,
    policies=None,
    group="job_normalization",
) -> Task:
    data = {
        "name": "fixture-task",
        "version": 1,
        "description": "a fixture task for the tests",
        "group": group,
        "query_type": "text",
        "target_type": "text",
        "languages": {"query": ["en"], "target": ["en"]},
        "source": {"loader": loader, "files": dict(files), "params": dict(params or {})},
        "splits": {"method": method, "available": list(available), **({"fractions": fractions} if fractions else {})},
        "metrics": ["map", "mrr"],
        "main_score": "map",
        "license": "test",
        "citation": "test",
    }
    if policies:
        data["policies"] = policies
    return Task(parse_task_spec(data), data_dir=data_dir, cache_dir=data_dir.parent / "cache")


def rows(frame: pd.DataFrame, columns) -> list[tuple]:
    return [tuple(r) for r in frame[list(columns)].astype(object).itertuples(index=False)]


def test_every_new_loader_is_registered():
    assert set(NEW_LOADERS) <= set(known_loaders())


# ---------------------------------------------------------------- ESCO skill similarity
def test_esco_skill_similarity(esco_data_dir):
    replace_skill_relations(
        esco_data_dir,
        [
            [skill("python"), "knowledge", "optional", "knowledge", skill("java")],
            [skill("python"), "knowledge", "essential", "knowledge", skill("sql")],
            [skill("sql"), "knowledge", "optional", "knowledge", skill("python")],
            [skill("bake"), "skill/competence", "optional", "skill/competence", skill("bake")],  # self relation
            [skill("cook"), "skill/competence", "related", "skill/competence", skill("bake")],  # type without a grade
        ],
    )
    files = {"classification": CLASSIFICATION, "relations": RELATIONS}
    out = run_loader("esco_skill_similarity", esco_data_dir, files, {"grades": {"essential": 2.0, "optional": 1.0}})
    ctx = LoaderContext(esco_data_dir, {k: esco_data_dir / v for k, v in files.items()}, {}, "t")
    split = esco_partition(ctx)
    assert rows(out.queries, ["id", "text", "split"]) == [
        (skill("python"), "Python (computer programming)", split[skill("python")]),
        (skill("sql"), "SQL", split[skill("sql")]),
    ]
    assert len(out.targets) == 12 and set(out.targets["id"]) == {
        skill(s)
        for s in [
            "python",
            "java",
            "sql",
            "cook",
            "bake",
            "clean",
            "drive",
            "teach",
            "grade",
            "nurse",
            "wound",
            "excel",
        ]
    }
    assert rows(out.qrels, ["query_id", "target_id", "grade"]) == [
        (skill("python"), skill("java"), 1.0),
        (skill("python"), skill("sql"), 2.0),
        (skill("sql"), skill("python"), 1.0),
    ]
    assert out.notes["dropped_relations_ungraded_type"] == 1 and out.notes["info"]["ungraded_types"] == {"related": 1}
    assert out.notes["dropped_self_relations"] == 1
    assert out.notes["info"]["query_in_targets"] is True
    task = make_task(
        esco_data_dir,
        "esco_skill_similarity",
        files,
        method="partition",
        available=("train", "val", "test", "full"),
        group="skill_similarity",
    )
    assert task.full_dataset.stats == {"dropped_relations_ungraded_type": 1, "dropped_self_relations": 1}


# ---------------------------------------------------------------- JobBERT titles
def test_jobbert_titles(esco_data_dir):
    header = ["", "vacancyTitle", "conceptUri"]
    write_csv(
        esco_data_dir / "jobbert/titles.csv",
        header,
        [
            ["0", "Senior Python Developer", occupation("dev")],
            ["1", "NA", occupation("nurse")],  # a title "NA" stays a string
            ["2", "Ghost job", "http://data.europa.eu/esco/occupation/retired-0000"],  # not in the release
        ],
    )
    write_csv(esco_data_dir / "jobbert/titles.test.csv", header, [["0", "Head Chef", occupation("chef")]])
    files = {"val": "jobbert/titles.csv", "test": "jobbert/titles.test.csv", "classification": CLASSIFICATION}
    out = run_loader("jobbert_titles", esco_data_dir, files)
    assert rows(out.queries, ["id", "text", "split"]) == [
        ("val:0", "Senior Python Developer", "val"),
        ("val:1", "NA", "val"),
        ("val:2", "Ghost job", "val"),
        ("test:0", "Head Chef", "test"),
    ]
    assert rows(out.qrels, ["query_id", "target_id"]) == [
        ("val:0", occupation("dev")),
        ("val:1", occupation("nurse")),
        ("val:2", "http://data.europa.eu/esco/occupation/retired-0000"),
        ("test:0", occupation("chef")),
    ]
    assert len(out.targets) == 8
    assert out.notes["unresolved_uris"] == 1 and out.notes["info"]["unresolved_uris"] == {"val": 1, "test": 0}
    task = make_task(esco_data_dir, "jobbert_titles", files)
    assert task.dataset("val").query_texts.tolist() == ["Senior Python Developer", "NA"]
    assert task.full_dataset.stats == {
        "unresolved_uris": 1,
        "dropped_pairs_unknown_target": 1,
        "excluded_queries_without_positives": 1,
    }


# ---------------------------------------------------------------- HOUSE / TECH (Decorte et al.)
def test_decorte_skill_extraction_groups_sentences_and_counts_drops(esco_data_dir):
    header = ["sentence", "span", "sub_span", "label"]
    s1, s2, s3 = "We use Python and SQL daily .", "Be enthusiastic .", "Cook and bake for guests ."
    write_csv(
        esco_data_dir / "decorte/house_validation_annotations.csv",
        header,
        [
            [s1, "Python", "", "Python (computer programming)"],
            [s2, "enthusiastic", "", "LABEL NOT PRESENT"],
            [s1, "SQL", "", "SQL"],
            [s1, "Python", "", "Python (computer programming)"],  # duplicate row: one pair
            [s2, "enthusiastic", "", "UNDERSPECIFIED"],
        ],
    )
    write_csv(
        esco_data_dir / "decorte/house_test_annotations.csv",
        header,
        [
            [s3, "Cook", "", "  Prepare   MEALS "],  # whitespace / case differ: normalised match
            [s3, "bake", "", "bake bread"],
            [s3, "guests", "", "host guests"],  # no such ESCO skill: kept as an unknown target, counted
        ],
    )
    files = {
        "val": "decorte/house_validation_annotations.csv",
        "test": "decorte/house_test_annotations.csv",
        "classification": CLASSIFICATION,
    }
    out = run_loader("decorte_skill_extraction", esco_data_dir, files)
    assert rows(out.queries, ["id", "text", "split"]) == [
        ("val:0", s1, "val"),
        ("val:1", s2, "val"),
        ("test:0", s3, "test"),
    ]
    assert rows(out.qrels, ["query_id", "target_id"]) == [
        ("val:0", skill("python")),
        ("val:0", skill("sql")),
        ("test:0", skill("cook")),
        ("test:0", skill("bake")),
        ("test:0", "host guests"),
    ]
    assert out.notes["dropped_labels"] == 2
    assert out.notes["info"]["dropped_labels"] == {"LABEL NOT PRESENT": 1, "UNDERSPECIFIED": 1}
    assert out.notes["info"]["labels"] == {"exact": 4, "normalized": 1, "ambiguous": 0, "unmatched": 1}
    assert out.notes["info"]["unmatched_examples"] == ["host guests"]
    task = make_task(esco_data_dir, "decorte_skill_extraction", files, group="skill_extraction")
    assert task.full_dataset.stats == {
        "dropped_labels": 2,
        "dropped_pairs_unknown_target": 1,
        "excluded_queries_without_positives": 1,
    }
    test = task.dataset("test")
    assert test.n_queries == 1 and test.n_positives == 2 and test.n_targets == 12


# ---------------------------------------------------------------- SkillSkape
def test_skillskape_parses_list_literals_and_drops_unk(esco_data_dir):
    header = ["", "sentence", "skills"]
    write_csv(
        esco_data_dir / "skillskape/train.csv",
        header,
        [["0", "Teach and grade students.", "['teach students', 'grade exams']"]],
    )
    write_csv(
        esco_data_dir / "skillskape/dev.csv",
        header,
        [
            ["0", "Work at a big company.", "['UNK']"],
            ["1", "Drive safely, clean up.", "['drive vehicles', 'UNK', \"clean kitchen areas\"]"],
        ],
    )
    write_csv(esco_data_dir / "skillskape/test.csv", header, [["0", "Give medication.", "['administer medication']"]])
    files = {
        "train": "skillskape/train.csv",
        "val": "skillskape/dev.csv",
        "test": "skillskape/test.csv",
        "classification": CLASSIFICATION,
    }
    out = run_loader("skillskape", esco_data_dir, files)
    assert rows(out.queries, ["id", "split"]) == [
        ("train:0", "train"),
        ("val:0", "val"),
        ("val:1", "val"),
        ("test:0", "test"),
    ]
    assert rows(out.qrels, ["query_id", "target_id"]) == [
        ("train:0", skill("teach")),
        ("train:0", skill("grade")),
        ("val:1", skill("drive")),
        ("val:1", skill("clean")),
        ("test:0", skill("nurse")),
    ]
    assert out.notes["dropped_labels"] == 2 and out.notes["info"]["dropped_labels"] == {"UNK": 2}
    assert out.notes["info"]["labels"]["exact"] == 5 and out.notes["info"]["labels"]["unmatched"] == 0
    task = make_task(
        esco_data_dir, "skillskape", files, available=("train", "val", "test", "full"), group="skill_extraction"
    )
    assert task.full_dataset.stats == {"dropped_labels": 2, "excluded_queries_without_positives": 1}
    assert task.dataset("val").query_texts.tolist() == ["Drive safely, clean up."]


@pytest.mark.parametrize("cell", ["__import__('os').system('echo pwned')", "['ok', 3]", "{'a': 1}", "['unclosed"])
def test_skillskape_rejects_non_literals(esco_data_dir, cell):
    write_csv(esco_data_dir / "skillskape/test.csv", ["", "sentence", "skills"], [["0", "A sentence.", cell]])
    with pytest.raises(WorkBenchError, match="row 1"):
        run_loader("skillskape", esco_data_dir, {"test": "skillskape/test.csv", "classification": CLASSIFICATION})


# ---------------------------------------------------------------- TechWolf vacancy job2skill (parquet)
def test_techwolf_job2skill_parquet(esco_data_dir):
    frame = pd.DataFrame(
        {
            "title": ["Python Developer - Remote", "Line Cook", "Astronaut"],
            "skill_name": [
                ["Python (computer programming)", "SQL", "quantum yodelling"],
                ["prepare meals"],
                ["fly rockets"],
            ],
            "skill_prob_avg": [[0.9, 0.8, 0.5], [0.7], [0.6]],
            "skill_occurrence_pct": [[1.0, 1.0, 0.5], [1.0], [1.0]],
            "nb_merged_entries": [2, 1, 1],
            "skill_count": [3, 1, 1],
            "anchor_all_positives": [
                ["Python (computer programming)", "SQL", "quantum yodelling"],
                ["prepare meals"],
                ["fly rockets"],
            ],
        },
        index=[40665, 19800, 7],
    )
    path = esco_data_dir / "techwolf/job_skill_val.parquet"
    path.parent.mkdir(parents=True)
    frame.to_parquet(path)
    files = {"val": "techwolf/job_skill_val.parquet", "classification": CLASSIFICATION}
    out = run_loader("techwolf_job2skill", esco_data_dir, files)
    assert rows(out.queries, ["id", "text", "split"]) == [
        ("val:40665", "Python Developer - Remote", "val"),
        ("val:19800", "Line Cook", "val"),
        ("val:7", "Astronaut", "val"),
    ]
    assert rows(out.qrels, ["query_id", "target_id"]) == [
        ("val:40665", skill("python")),
        ("val:40665", skill("sql")),
        ("val:40665", "quantum yodelling"),
        ("val:19800", skill("cook")),
        ("val:7", "fly rockets"),
    ]
    assert out.notes["info"]["labels"]["unmatched"] == 2 and out.notes["info"]["unmatched_distinct"] == 2
    task = make_task(esco_data_dir, "techwolf_job2skill", files, available=("val", "full"), group="job2skill")
    assert task.dataset("val").n_queries == 2
    assert task.full_dataset.stats == {"dropped_pairs_unknown_target": 2, "excluded_queries_without_positives": 1}


# ---------------------------------------------------------------- O*NET
ONET = {
    "occupations": f"{ONET_DIR}/Occupation Data.xlsx",
    "technology_skills": f"{ONET_DIR}/Technology Skills.xlsx",
    "task_statements": f"{ONET_DIR}/Task Statements.xlsx",
    "tasks_to_dwas": f"{ONET_DIR}/Tasks to DWAs.xlsx",
    "dwa_reference": f"{ONET_DIR}/DWA Reference.xlsx",
    "alternate_titles": f"{ONET_DIR}/Alternate Titles.xlsx",
    "reported_titles": f"{ONET_DIR}/Sample of Reported Titles.xlsx",
    "related_occupations": f"{ONET_DIR}/Related Occupations.xlsx",
}


@pytest.fixture
def onet_dir(tmp_path):
    root = tmp_path / "data"
    write_onet(root)
    return root


def pick(*roles):
    return {r: ONET[r] for r in roles}


def test_onet_job2tech_and_tech2job(onet_dir):
    out = run_loader("onet_job2tech", onet_dir, pick("occupations", "technology_skills"))
    assert rows(out.queries, ["id", "text"]) == [
        ("15-1252.00", "Software Developers"),
        ("29-1141.00", "Registered Nurses"),
        ("35-1011.00", "Chefs and Head Cooks"),
        ("53-3054.00", "Taxi Drivers"),
    ]
    assert rows(out.targets, ["id", "text"]) == [(t, t) for t in ["Python", "Git", "Epic Systems", "Microsoft Excel"]]
    assert rows(out.qrels, ["query_id", "target_id"]) == [
        ("15-1252.00", "Python"),
        ("15-1252.00", "Git"),
        ("29-1141.00", "Epic Systems"),
        ("35-1011.00", "Microsoft Excel"),
        ("29-1141.00", "Microsoft Excel"),
    ]
    back = run_loader("onet_tech2job", onet_dir, pick("occupations", "technology_skills"))
    assert back.queries["id"].tolist() == ["Python", "Git", "Epic Systems", "Microsoft Excel"]
    assert sorted(back.qrels.loc[back.qrels["query_id"] == "Microsoft Excel", "target_id"]) == [
        "29-1141.00",
        "35-1011.00",
    ]
    task = make_task(
        onet_dir,
        "onet_job2tech",
        pick("occupations", "technology_skills"),
        method="hash",
        fractions={"val": 0.5, "test": 0.5},
        group="job2skill",
    )
    assert task.full_dataset.n_queries == 3 and task.full_dataset.stats == {"excluded_queries_without_positives": 1}


def test_onet_task2dwa_groups_identical_task_texts(onet_dir):
    out = run_loader("onet_task2dwa", onet_dir, pick("task_statements", "tasks_to_dwas", "dwa_reference"))
    assert rows(out.queries, ["id", "text"]) == [
        ("task:101", "Write code."),
        ("task:201", "Record patient data."),
        ("task:401", "Drive passengers."),
    ]
    assert len(out.targets) == 4
    assert rows(out.qrels, ["query_id", "target_id"]) == [
        ("task:101", "4.A.3.b.1.I01.D01"),
        ("task:201", "4.A.2.a.1.I01.D01"),
        ("task:201", "4.A.2.a.1.I01.D02"),
    ]
    assert out.notes["info"]["distinct_task_texts"] == 3 and out.notes["info"]["task_statements"] == 4


def test_onet_jobnorm_one_query_per_title(onet_dir):
    out = run_loader("onet_jobnorm", onet_dir, pick("occupations", "alternate_titles", "reported_titles"))
    assert out.queries["text"].tolist() == [
        "Programmer",
        "Coder",
        "RN (Registered Nurse)",
        "Kitchen Manager",
        "Cab Driver",
        "Taxi Cab Operator",
    ]
    assert (out.queries["id"] == "title:" + out.queries["text"]).all()
    programmer = out.qrels[out.qrels["query_id"] == "title:Programmer"]["target_id"].tolist()
    assert programmer == ["15-1252.00", "35-1011.00"]
    assert len(out.qrels) == 7  # Coder (alternate + reported, same occupation) is one pair
    assert out.notes["info"]["rows"] == {"alternate": 6, "reported": 2}
    assert out.notes["info"]["reported_pairs_not_in_alternate"] == 1
    without = run_loader("onet_jobnorm", onet_dir, pick("occupations", "alternate_titles"))
    assert "Taxi Cab Operator" not in without.queries["text"].tolist()


def test_onet_job_similarity_grades_by_tier(onet_dir):
    out = run_loader("onet_job_similarity", onet_dir, pick("occupations", "related_occupations"))
    assert rows(out.qrels, ["query_id", "target_id", "grade"]) == [
        ("15-1252.00", "29-1141.00", 3.0),
        ("15-1252.00", "35-1011.00", 2.0),
        ("15-1252.00", "53-3054.00", 1.0),
        ("29-1141.00", "15-1252.00", 1.0),
    ]
    assert out.notes["dropped_relations_ungraded_tier"] == 1 and out.notes["info"]["ungraded_tiers"] == {"Secondary": 1}
    assert len(out.targets) == 4 and out.notes["info"]["query_in_targets"] is True


def test_onet_table_role_must_name_that_table(onet_dir):
    with pytest.raises(WorkBenchError, match="not the O\\*NET table 'Technology Skills'"):
        run_loader(
            "onet_job2tech",
            onet_dir,
            {"occupations": ONET["occupations"], "technology_skills": ONET["alternate_titles"]},
        )


def test_onet_text_release_gives_the_same_task(onet_dir):
    """The text release (tab-delimited .txt) of the same tables gives the same frames."""
    text_dir = onet_dir / "onet-text"
    text_dir.mkdir()
    for table, columns in [
        ("Occupation Data", ["O*NET-SOC Code", "Title", "Description"]),
        (
            "Technology Skills",
            ["O*NET-SOC Code", "Example", "Commodity Code", "Commodity Title", "Hot Technology", "In Demand"],
        ),
    ]:
        frame = pd.read_excel(onet_dir / ONET_DIR / f"{table}.xlsx", dtype=str)[columns]
        frame.to_csv(text_dir / f"{table}.txt", sep="\t", index=False)
    excel = run_loader("onet_job2tech", onet_dir, pick("occupations", "technology_skills"))
    text = run_loader(
        "onet_job2tech",
        onet_dir,
        {"occupations": "onet-text/Occupation Data.txt", "technology_skills": "onet-text/Technology Skills.txt"},
    )
    for name in ("queries", "targets", "qrels"):
        pd.testing.assert_frame_equal(getattr(excel, name), getattr(text, name))


# ---------------------------------------------------------------- ESCO–O*NET crosswalk
def test_onet_esco_crosswalk(esco_data_dir):
    write_crosswalk(
        esco_data_dir,
        [
            [
                "15-1252.00",
                "Software Developers",
                "Develop.",
                occupation("dev"),
                "software developer",
                "d",
                "exactMatch",
            ],
            ["15-1252.00", "Software Developers", "Develop.", occupation("analyst"), "data analyst", "d", "broadMatch"],
            [
                "15-1252.00",
                "Software Developers",
                "Develop.",
                occupation("dba"),
                "database administrator",
                "d",
                "closeMatch",
            ],
            [
                "29-1141.00",
                "Registered Nurses",
                "Care.",
                "http://data.europa.eu/esco/isco/C2221",
                "Nursing professionals",
                "d",
                "exactISCO",
            ],
            ["35-1011.00", "Chefs and Head Cooks", "Cook.", occupation("chef"), "chef", "d", "narrowMatch"],
            [
                "35-1011.00",
                "Chefs and Head Cooks",
                "Cook.",
                "http://data.europa.eu/esco/occupation/gone-0000",
                "old",
                "d",
                "closeMatch",
            ],
        ],
    )
    files = {"crosswalk": CROSSWALK, "classification": CLASSIFICATION}
    out = run_loader("onet_esco_crosswalk", esco_data_dir, files)
    assert rows(out.queries, ["id", "text"]) == [
        ("15-1252.00", "Software Developers"),
        ("29-1141.00", "Registered Nurses"),
        ("35-1011.00", "Chefs and Head Cooks"),
    ]
    assert rows(out.qrels, ["query_id", "target_id", "grade"]) == [
        ("15-1252.00", occupation("dev"), 2.0),
        ("15-1252.00", occupation("analyst"), 1.0),
        ("15-1252.00", occupation("dba"), 2.0),
        ("35-1011.00", occupation("chef"), 1.0),
        ("35-1011.00", "http://data.europa.eu/esco/occupation/gone-0000", 2.0),
    ]
    assert out.notes["dropped_rows_isco_or_ungraded"] == 1 and out.notes["info"]["dropped_rows"] == {"exactISCO": 1}
    assert out.notes["info"]["esco_uris_not_in_release"] == 1
    task = make_task(
        esco_data_dir,
        "onet_esco_crosswalk",
        files,
        method="hash",
        fractions={"val": 0.5, "test": 0.5},
        group="crosswalk",
    )
    assert task.full_dataset.stats == {
        "dropped_rows_isco_or_ungraded": 1,
        "dropped_pairs_unknown_target": 1,
        "excluded_queries_without_positives": 1,
    }
    assert task.full_dataset.relevance.sum() == 6.0


# ---------------------------------------------------------------- MELO
def test_melo_reads_the_published_folder(tmp_path):
    root = tmp_path / "data"
    write_melo_folder(root, "aut_q_de_c_de")
    base = "job-normalization/melo/aut_q_de_c_de"
    files = {
        "queries": f"{base}/queries.tsv",
        "corpus": f"{base}/corpus_elements.tsv",
        "qrels": f"{base}/annotations.tsv",
    }
    out = run_loader("melo", root, files)
    assert rows(out.queries, ["id", "text", "split"]) == [
        ("Q000001", "Landarbeiter/in", "test"),
        ("Q000002", "Koch/Köchin", "test"),
        ("Q000003", "Koch/Köchin", "test"),
        ("Q000004", "Ohne Treffer", "test"),
    ]
    assert out.targets["id"].tolist() == ["C000001_de_000", "C000001_de_001", "C000002_de_000", "C000003_de_000"]
    assert rows(out.qrels, ["query_id", "target_id", "grade"]) == [
        ("Q000001", "C000001_de_000", 1.0),
        ("Q000001", "C000001_de_001", 1.0),
        ("Q000002", "C000002_de_000", 1.0),
        ("Q000003", "C000003_de_000", 1.0),
    ]
    keep = make_task(root, "melo", files, available=("test", "full"), policies={"duplicate_queries": "keep"})
    assert keep.dataset("test").n_queries == 3  # as published: the repeated title stays two queries
    assert keep.full_dataset.stats == {"excluded_queries_without_positives": 1}
    merge = make_task(root, "melo", files, available=("test", "full"), policies={"duplicate_queries": "merge"})
    assert merge.dataset("test").n_queries == 2
