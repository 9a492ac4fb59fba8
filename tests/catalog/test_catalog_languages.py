"""ESCO tasks in other languages and cross-lingual (language variants declared in tasks/_esco_languages.yaml),
composite suites (tasks/_suites.yaml), and the job-title similarity loader with its self-match policy.

ESCO languages other than English exist here only as fixtures written in the publisher's layout
(`write_esco_language`: skills_<ll>.csv / occupations_<ll>.csv in the '<ll>' classification zip,
multi-line label cells).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from esco_fixture import occupation_uri, translated, write_esco_language
from workbench.errors import WorkBenchError
from workbench.models.registry import load_model
from workbench.running.task import Task
from workbench.taskfiles.catalog import composite_suites, get_task_spec, list_tasks, suite_names, suite_tasks

ESCO_TASKS = ["esco-job2skill", "esco-skill2job", "esco-skillnorm", "esco-jobnorm", "esco-skill-similarity"]


def uri_pairs(ds) -> set[tuple[str, str]]:
    rows, cols = ds.relevance.nonzero()
    return {(ds.query_ids[r].split("#")[0], ds.target_ids[c]) for r, c in zip(rows, cols, strict=False)}


def splits_by_concept(ds) -> dict[str, str]:
    return {qid.split("#")[0]: split for qid, split in zip(ds.query_ids, ds.query_splits, strict=False)}


def test_variant_names_resolve_and_bad_languages_are_refused():
    spec = get_task_spec("esco-jobnorm-de-en")
    assert spec.languages.query == ["de"] and spec.languages.target == ["en"]
    assert spec.source.files["classification"].endswith("classification - de - csv.zip")
    assert spec.source.files["target_classification"].endswith("classification - en - csv.zip")
    assert spec.source.files["partition"].endswith("classification - en - csv.zip")
    base = get_task_spec("esco-jobnorm")
    same = ("metrics", "policies", "splits", "version")
    assert [getattr(spec, f) for f in same] == [getattr(base, f) for f in same]
    with pytest.raises(WorkBenchError, match=re.escape("'xx' is not an ESCO v1.1.1 language")):
        get_task_spec("esco-jobnorm-xx")
    with pytest.raises(WorkBenchError, match="use esco-jobnorm"):
        get_task_spec("esco-jobnorm-en")
    assert not any(s.name == "esco-jobnorm-de" for s in list_tasks())  # variants are not task files


def test_variant_suites_cover_every_language():
    assert {"esco-multilingual", "esco-crosslingual", "workbench-multilingual"} <= set(suite_names())
    mono = suite_tasks("esco-multilingual")
    assert len(mono) == 27 * len(ESCO_TASKS) and len({s.name for s in mono}) == len(mono)
    cross = suite_tasks("esco-crosslingual")
    assert len(cross) == 2 * 27 * len(ESCO_TASKS)
    assert {"esco-job2skill-de-en", "esco-job2skill-en-de"} <= {s.name for s in cross}


def test_workbench_multilingual_is_melo_and_job_title_similarity():
    names = [s.name for s in suite_tasks("workbench-multilingual")]
    expected = [s.name for s in suite_tasks("melo")] + [s.name for s in suite_tasks("job-title-similarity")]
    assert names == expected and len(names) == 47 + 11
    assert composite_suites()["workbench-multilingual"].members == ["melo", "job-title-similarity"]


@pytest.fixture
def multilingual_data(esco_data_dir) -> Path:
    write_esco_language(esco_data_dir, "de", leave_out=("baker",))  # a concept without a German row
    write_esco_language(esco_data_dir, "fr")
    return esco_data_dir


@pytest.mark.parametrize("base", ESCO_TASKS)
def test_monolingual_variant_keeps_the_english_relations_and_partition(base, multilingual_data, cache_dir):
    english = Task(get_task_spec(base), data_dir=multilingual_data, cache_dir=cache_dir).full_dataset
    german = Task(get_task_spec(f"{base}-de"), data_dir=multilingual_data, cache_dir=cache_dir).full_dataset
    missing = occupation_uri("baker")
    expected = {(q, t) for q, t in uri_pairs(english) if missing not in (q, t)}
    assert uri_pairs(german) == expected
    en_splits, de_splits = splits_by_concept(english), splits_by_concept(german)
    assert all(en_splits[uri] == split for uri, split in de_splits.items())  # the English partition
    assert all(text.endswith("«de»") for text in german.query_texts)
    assert all(text.endswith("«de»") for text in german.target_texts)


def test_cross_lingual_normalisation_joins_by_uri(multilingual_data, cache_dir):
    english = Task(get_task_spec("esco-jobnorm"), data_dir=multilingual_data, cache_dir=cache_dir).full_dataset
    cross = Task(get_task_spec("esco-jobnorm-fr-en"), data_dir=multilingual_data, cache_dir=cache_dir).full_dataset
    assert cross.target_ids.tolist() == english.target_ids.tolist()
    assert cross.target_texts.tolist() == english.target_texts.tolist()  # targets in English
    assert all(text.endswith("«fr»") for text in cross.query_texts)  # queries in French
    assert uri_pairs(cross) == uri_pairs(english)
    # multi-line label cells: one query per alternative label ("programmer", "software engineer", ...)
    assert translated("software engineer", "fr") in cross.query_texts.tolist()


def test_missing_language_file_is_named(multilingual_data, cache_dir):
    task = Task(get_task_spec("esco-skillnorm-sv"), data_dir=multilingual_data, cache_dir=cache_dir)
    with pytest.raises(WorkBenchError, match=re.escape("classification - sv - csv.zip")):
        _ = task.full_dataset


def write_job_similarity(root: Path, language: str, queries, corpus, qrels) -> None:
    """The publisher's layout: dataset/<ll>/{queries,corpus_documents,annotations}.tsv (TREC qrels)."""
    folder = root / "job-similarity/avature/dataset" / language
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "queries.tsv").write_text("".join(f"{i}\t{t}\n" for i, t in queries), encoding="utf-8")
    (folder / "corpus_documents.tsv").write_text("".join(f"{i}\t{t}\n" for i, t in corpus), encoding="utf-8")
    (folder / "annotations.tsv").write_text("".join(f"{q}\t0\t{d}\t1\n" for q, d in qrels), encoding="utf-8")


CORPUS = [
    ("Nurse", "Nurse"),
    ("Head_Nurse", "Head Nurse"),
    ("Staff_Nurse", "Staff  nurse"),
    ("Chef", "Chef"),
    ("Sous_Chef", "Sous Chef"),
    ("Cook", "Cook"),
]


@pytest.mark.parametrize("marks_self_relevant", [False, True])
def test_job_title_similarity_excludes_the_identical_title_in_every_language(tmp_path, cache_dir, marks_self_relevant):
    """en never marks the identical title relevant, de sometimes does: both give the same dataset."""
    queries = [("q_nurse", "NURSE"), ("q_chef", "chef")]
    qrels = [("q_nurse", "Head_Nurse"), ("q_nurse", "Staff_Nurse"), ("q_chef", "Sous_Chef"), ("q_chef", "Cook")]
    if marks_self_relevant:
        qrels += [("q_nurse", "Nurse")]
    write_job_similarity(tmp_path, "de", queries, CORPUS, qrels)
    task = Task(get_task_spec("job-title-similarity-de"), data_dir=tmp_path, cache_dir=cache_dir)
    ds = task.dataset("test")
    assert ds.stats["excluded_pairs"] == 2  # 'NURSE' ~ 'Nurse', 'chef' ~ 'Chef' (case folded)
    assert ds.stats.get("dropped_self_match_annotations", 0) == int(marks_self_relevant)
    assert ds.n_positives == 4 and ds.n_targets == len(CORPUS)
    excluded = {(ds.query_ids[r], ds.target_ids[c]) for r, c in zip(*ds.excluded.nonzero(), strict=False)}
    assert excluded == {("q_nurse", "Nurse"), ("q_chef", "Chef")}
    # edit distance puts the identical title first; excluded, it cannot count for or against the model
    # Excluding a title must score exactly as if that title were not in the corpus for that query.
    model = load_model("edit-distance")
    mrr = dict(
        zip(ds.query_ids, task.evaluate(model, split="test", progress=False).per_query.decode()["mrr"], strict=True)
    )
    for qid, text in queries:
        alone = tmp_path / f"alone-{qid}"
        same = {"q_nurse": "Nurse", "q_chef": "Chef"}[qid]
        write_job_similarity(
            alone,
            "de",
            [(qid, text)],
            [c for c in CORPUS if c[0] != same],
            [pair for pair in qrels if pair[0] == qid and pair[1] != same],
        )
        reference = Task(get_task_spec("job-title-similarity-de"), data_dir=alone, cache_dir=cache_dir)
        assert mrr[qid] == reference.evaluate(model, split="test", progress=False).scores["mrr"]


def test_job_title_similarity_task_files_state_one_policy():
    specs = suite_tasks("job-title-similarity")
    assert sorted(s.subset for s in specs) == ["de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "zh"]
    for spec in specs:
        assert spec.source.params == {"self_match": "exclude"}
        assert "identical to the query title" in spec.description and spec.splits.available == ["test", "full"]


def test_declarations_are_read_as_strictly_as_task_files(tmp_path):
    from workbench.taskfiles.catalog import CompositeSuites
    from workbench.taskfiles.spec import load_declaration

    twice = tmp_path / "_suites.yaml"
    twice.write_text(
        "s:\n  description: a suite declared twice\n  members: [melo]\n  members: [all]\n", encoding="utf-8"
    )
    with pytest.raises(WorkBenchError, match="key 'members' is given twice"):
        load_declaration(twice, CompositeSuites)
    typo = tmp_path / "_typo.yaml"
    typo.write_text("s:\n  description: a suite with a typo\n  member: [melo]\n", encoding="utf-8")
    with pytest.raises(WorkBenchError, match="invalid declaration file"):
        load_declaration(typo, CompositeSuites)
    assert load_declaration(tmp_path / "absent.yaml", CompositeSuites) is None
