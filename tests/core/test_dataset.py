"""Dataset policies: duplicates, queries without positives, unknown ids, splits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.dataset.ranking import RankingDataset
from workbench.errors import WorkBenchError
from workbench.sources.partition import hash_split, stratified_partition


def frames():
    queries = pd.DataFrame({"id": ["q1", "q2", "q3", "q4"], "text": ["a", "a", "b", "c"], "split": ["test"] * 4})
    targets = pd.DataFrame({"id": ["t1", "t2", "t3"], "text": ["x", "y", "x"]})
    qrels = pd.DataFrame(
        {
            "query_id": ["q1", "q2", "q3", "q3", "q9"],
            "target_id": ["t1", "t2", "t3", "zz", "t1"],
            "grade": [1, 2, 1, 1, 1],
        }
    )
    return queries, targets, qrels


def test_merge_duplicate_queries_and_exclude_queries_without_positives():
    ds = RankingDataset.build(*frames())
    assert ds.query_texts.tolist() == ["a", "b"]  # q2 merged into q1; q4 has no positive
    assert ds.relevance.toarray().tolist() == [[1, 2, 0], [0, 0, 1]]
    assert ds.stats == {
        "merged_duplicate_queries": 1,
        "excluded_queries_without_positives": 1,
        "dropped_pairs_unknown_target": 1,
        "dropped_pairs_unknown_query": 1,
    }


def test_keep_duplicates_and_merge_targets():
    ds = RankingDataset.build(*frames(), duplicate_queries="keep", duplicate_targets="merge")
    assert ds.query_ids.tolist() == ["q1", "q2", "q3"]
    assert ds.target_ids.tolist() == ["t1", "t2"]
    assert ds.relevance.toarray().tolist() == [[1, 0], [0, 2], [1, 0]]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda q, t, r: (q, t.iloc[0:0], r), "target space is empty"),
        (lambda q, t, r: (pd.concat([q, q.iloc[:1]]), t, r), "query id 'q1' occurs more than once"),
        (lambda q, t, r: (q, t.drop(columns="text"), r), "missing columns \\['text'\\]"),
        (lambda q, t, r: (q, t, r.assign(grade=0)), "grades must be > 0"),
    ],
)
def test_bad_input(change, message):
    with pytest.raises(WorkBenchError, match=message):
        RankingDataset.build(*change(*frames()))


def test_select_split():
    q, t, r = frames()
    q["split"] = ["val", "val", "test", "test"]
    ds = RankingDataset.build(q, t, r)
    assert ds.select("test").query_ids.tolist() == ["q3"]
    assert ds.select("full").n_queries == 2
    with pytest.raises(WorkBenchError, match="split 'train' has no queries"):
        ds.select("train")


def test_partition_is_deterministic_stratified_and_proportional():
    ids = [f"uri-{i}" for i in range(1000)]
    strata = [str(i % 4) for i in range(1000)]
    first = stratified_partition(ids, strata)
    assert first == stratified_partition(list(reversed(ids)), list(reversed(strata)))
    counts = pd.Series(first).value_counts()
    assert counts.to_dict() == {"train": 700, "test": 200, "val": 100}
    per_stratum = pd.crosstab(pd.Series(strata, index=ids), pd.Series(first))
    assert (per_stratum["val"] == 25).all()


def test_hash_split_fractions():
    splits = [hash_split(f"q{i}", {"val": 0.3, "test": 0.7}) for i in range(5000)]
    share = np.mean([s == "val" for s in splits])
    assert 0.27 < share < 0.33
    assert splits == [hash_split(f"q{i}", {"val": 0.3, "test": 0.7}) for i in range(5000)]


def test_exclude_self_pushes_the_query_concept_below_every_target():
    from workbench.models.registry import load_model
    from workbench.scoring.matrix import score_dataset

    queries = pd.DataFrame({"id": ["a", "b"], "text": ["alpha", "beta"]})
    targets = pd.DataFrame({"id": ["a", "b", "c"], "text": ["alpha", "beta", "alphabet"]})
    qrels = pd.DataFrame({"query_id": ["a", "b"], "target_id": ["c", "c"]})
    plain = RankingDataset.build(queries, targets, qrels)
    excluding = RankingDataset.build(queries, targets, qrels, exclude_self=True)
    assert excluding.stats["excluded_self_targets"] == 2
    assert excluding.excluded.toarray().tolist() == [[True, False, False], [False, True, False]]
    model = load_model("edit-distance")
    kwargs = dict(
        query_type="skill_name", target_type="skill_name", group="similarity", metrics=["mrr"], progress=False
    )
    before = score_dataset(model, plain, **kwargs).per_query["mrr"]
    after = score_dataset(model, excluding, **kwargs).per_query["mrr"]
    assert before.tolist() == [0.5, 0.5]  # the identical self-target ranks first
    assert after.tolist() == [1.0, 1.0]
    with pytest.raises(WorkBenchError, match="relevant to itself"):
        RankingDataset.build(queries, targets, pd.DataFrame({"query_id": ["a"], "target_id": ["a"]}), exclude_self=True)
