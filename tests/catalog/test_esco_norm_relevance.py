"""ESCO SkillNorm / JobNorm relevance over the whole ontology (issue 26, item 5).

A query string's positives are every concept carrying it as a label, whatever split that concept is in;
the query sits in the most held-out split of those concepts, and `full` has each string once. Before
(task version 1) labels were merged within a split only: a test query missed the train skill carrying the
same text, and `full` held the string once per split, each copy with part of its answers.
"""

from __future__ import annotations

from esco_fixture import FIXTURE_OCCUPATIONS, FIXTURE_SKILLS, occupation_uri, skill_uri, write_esco_release
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec

SHARED = "shared label"


def _concept_splits(data_dir, cache_dir, task_name: str) -> dict[str, str]:
    """uri -> split of the shared ESCO partition, read off the task's own queries (ids are '<uri>#alt:<n>')."""
    full = Task(get_task_spec(task_name), data_dir=data_dir, cache_dir=cache_dir).dataset("full")
    return {qid.split("#")[0]: split for qid, split in zip(full.query_ids, full.query_splits, strict=True)}


def _positives(dataset, text: str) -> list[set[str]]:
    """The positive target ids of every query with this text (one set per query)."""
    rows = [i for i, t in enumerate(dataset.query_texts) if t == text]
    targets = list(dataset.target_ids)
    return [{targets[j] for j in dataset.relevance[i].indices} for i in rows]


def _with_alt(concepts, slugs: dict[str, str]):
    """The fixture concepts with an extra alternative label for the given slugs ({slug: label})."""
    return [(c[0], c[1], [*c[2], slugs[c[0]]] if c[0] in slugs else c[2], *c[3:]) for c in concepts]


def _pick(splits: dict[str, str], uri_of, slugs) -> tuple[str, str]:
    test = [s for s in slugs if splits.get(uri_of(s)) == "test"]
    train = [s for s in slugs if splits.get(uri_of(s)) == "train"]
    assert test and train, splits  # the fixture partition has both (it depends on the URIs only)
    return test[0], train[0]


def test_skillnorm_test_query_has_the_train_skill_carrying_its_text(tmp_path, cache_dir):
    write_esco_release(tmp_path / "before")
    splits = _concept_splits(tmp_path / "before", cache_dir, "esco-skillnorm")
    test_slug, train_slug = _pick(splits, skill_uri, [s[0] for s in FIXTURE_SKILLS])
    # the test skill's new label is also an alternative label of a train skill, and another test label
    # is exactly the preferred label of that train skill
    train_preferred = next(s[1] for s in FIXTURE_SKILLS if s[0] == train_slug)
    skills = _with_alt(FIXTURE_SKILLS, {test_slug: SHARED, train_slug: SHARED})
    skills = [(*s[:2], [*s[2], train_preferred], s[3]) if s[0] == test_slug else s for s in skills]
    write_esco_release(tmp_path / "data", skills=skills)
    task = Task(get_task_spec("esco-skillnorm"), data_dir=tmp_path / "data", cache_dir=cache_dir)
    both = {skill_uri(test_slug), skill_uri(train_slug)}

    assert _positives(task.dataset("test"), SHARED) == [both]
    assert _positives(task.dataset("train"), SHARED) == []  # never both a training and a test query
    assert _positives(task.dataset("full"), SHARED) == [both]  # once, with all its positives
    assert _positives(task.dataset("test"), train_preferred) == [both]  # the train skill's own name
    full = task.dataset("full")
    assert len(set(full.query_texts)) == full.n_queries


def test_jobnorm_has_the_same_relevance_over_the_whole_ontology(tmp_path, cache_dir):
    write_esco_release(tmp_path / "before")
    splits = _concept_splits(tmp_path / "before", cache_dir, "esco-jobnorm")
    test_slug, train_slug = _pick(splits, occupation_uri, [o[0] for o in FIXTURE_OCCUPATIONS])
    write_esco_release(
        tmp_path / "data", occupations=_with_alt(FIXTURE_OCCUPATIONS, {test_slug: SHARED, train_slug: SHARED})
    )
    task = Task(get_task_spec("esco-jobnorm"), data_dir=tmp_path / "data", cache_dir=cache_dir)
    both = {occupation_uri(test_slug), occupation_uri(train_slug)}
    assert _positives(task.dataset("test"), SHARED) == [both]
    assert _positives(task.dataset("full"), SHARED) == [both]
    assert _positives(task.dataset("train"), SHARED) == []
