"""The publisher protocol (`--ties publisher`, workbench.metrics.publisher): our trec_eval-style scoring
against an independent rebuild of the publisher's evaluation, on random cases (ties included) and on
small MELO folders in the publisher's exact file format, where the publisher's edit-distance baseline
and evaluator (melo-benchmark @ 014982fe) are rebuilt line by line in plain Python."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from rapidfuzz import fuzz

from workbench.baselines.lexical import EditDistanceModel
from workbench.errors import WorkBenchError
from workbench.metrics.names import parse_metric
from workbench.metrics.publisher import PROTOCOLS, TrecEvalRun
from workbench.running.runner import evaluate_into
from workbench.running.task import load_task
from workbench.sources.melo import task_yaml

METRICS = ["map", "mrr", "rp@10", "ndcg@10", "recall@10", "precision@5", "hit@1", "ndcg@3", "recall@150"]


# ------------------------------------------------------------ the independent rebuild (plain Python)


def publisher_run(q_id, c_ids, scores, depth, decimals):
    """MELO's evaluator.py: sort (q, c, score) by score, reverse, stable; keep `depth`; write f'{s:.5f}'."""
    res = sorted(zip(c_ids, scores, strict=True), key=lambda item: item[1], reverse=True)[:depth]
    return [(q_id, c, float(f"{s:.{decimals}f}") if decimals is not None else s) for c, s in res]


def trec_eval(run, qrels, names):
    """trec_eval 10.0 on one query: form_res_rels.c sorts by sim descending, then docno descending
    (comp_sim_docno), then m_map.c, m_recip_rank.c, m_P.c, m_recall.c, m_success.c, m_ndcg_cut.c."""
    ranked = sorted(run, key=lambda line: (line[2], line[1]), reverse=True)
    rel = [qrels.get(doc, 0) for _, doc, _ in ranked]
    num_rel = sum(1 for g in qrels.values() if g > 0)
    out = {}
    for name in names:
        family, k = parse_metric(name)
        if family == "map":
            found, total = 0, 0.0
            for i, g in enumerate(rel):
                if g > 0:
                    found += 1
                    total += found / (i + 1)
            out[name] = total / num_rel
        elif family == "mrr":
            out[name] = next((1.0 / (i + 1) for i, g in enumerate(rel) if g > 0), 0.0)
        elif family == "ndcg":
            dcg = sum(g / math.log2(i + 2) for i, g in enumerate(rel[:k]) if g > 0)
            ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
            out[name] = dcg / sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        else:
            hits = sum(1 for g in rel[:k] if g > 0)
            out[name] = {
                "recall": hits / num_rel,
                "precision": hits / k,
                "hit": float(hits > 0),
                "rp": hits / min(k, num_rel),
            }[family]
    return out


# ------------------------------------------------------------ random cases against the rebuild


def random_case(rng: random.Random, n_q: int, n_t: int):
    ids = [f"C{rng.randrange(10**6):06d}_{i}" for i in range(n_t)]  # id order unrelated to file order
    rounding = rng.choice([1, 2, 6])  # coarse: many ties, fine: few
    scores = np.array([[round(rng.random(), rounding) for _ in range(n_t)] for _ in range(n_q)], np.float64)
    grades = np.zeros((n_q, n_t))
    for i in range(n_q):
        for j in rng.sample(range(n_t), rng.randint(1, min(n_t, 12))):
            grades[i, j] = rng.choice([1, 1, 2, 3])
    return ids, scores, grades


@pytest.mark.parametrize("seed", range(40))
def test_matches_trec_eval_rebuild_on_random_cases_with_ties(seed):
    rng = random.Random(seed)
    n_q, n_t = rng.randint(1, 6), rng.randint(1, 60)
    ids, scores, grades = random_case(rng, n_q, n_t)
    protocol = TrecEvalRun(publisher="test", reference="test", depth=rng.choice([1, 5, 20, 100]), decimals=5)
    ours = protocol.evaluate(scores, sp.csr_matrix(grades), METRICS, protocol.target_order(ids))
    for i in range(n_q):
        run = publisher_run(f"Q{i}", ids, scores[i].tolist(), protocol.depth, protocol.decimals)
        qrels = {ids[j]: grades[i, j] for j in range(n_t) if grades[i, j] > 0}
        expected = trec_eval(run, qrels, METRICS)
        for name in METRICS:
            assert ours[name][i] == pytest.approx(expected[name], abs=1e-12), (name, i)


def test_rounding_makes_ties_that_trec_eval_orders_by_id():
    """0.123451 and 0.123449 print as 0.12345: trec_eval then ranks the larger id first, whatever the score."""
    protocol = TrecEvalRun(publisher="test", reference="test", depth=10, decimals=5)
    scores = np.array([[0.123451, 0.123449]])
    relevant_second = sp.csr_matrix(np.array([[0.0, 1.0]]))
    order = protocol.target_order(["a", "b"])
    assert protocol.evaluate(scores, relevant_second, ["mrr"], order)["mrr"][0] == 1.0
    unrounded = TrecEvalRun(publisher="test", reference="test", depth=10, decimals=None)
    assert unrounded.evaluate(scores, relevant_second, ["mrr"], order)["mrr"][0] == 0.5


def test_cut_keeps_the_earlier_of_equal_scores_and_excluded_pairs_are_never_listed():
    protocol = TrecEvalRun(publisher="test", reference="test", depth=2, decimals=5)
    scores = np.array([[0.5, 0.9, 0.5, 0.5]])
    order = protocol.target_order(["d", "c", "b", "a"])
    _, cols = protocol.run(scores, order)
    assert cols.tolist() == [1, 0]  # 0.9, then the first 0.5 in file order (not the largest id)
    excluded = sp.csr_matrix(np.array([[False, True, False, False]]))
    _, cols = protocol.run(scores, order, excluded)
    assert cols.tolist() == [0, 2]  # two 0.5s in file order, in trec_eval's order: id "d" before "b"


# ------------------------------------------------------------ MELO folders in the publisher's format

FOLDER = "tst_q_de_c_de"
QUERIES = ["Koch/Köchin", "SCHLOSSER", "Maurer (m/w)", "kellner", "Bäcker-Meister", "Koch"]
# Case and punctuation differ from the queries (lowercase-only and rapidfuzz's default processing then
# disagree), 130 elements so the top-100 cut matters, and many equal texts / equal ratios (ties).
STEMS = ["Koch", "Köchin", "Schlosser", "Maurer", "Kellner", "Bäcker", "Meister", "Maler", "Koch/Köchin", "BÄCKER"]


def write_melo_folder(root: Path, rng: random.Random) -> Path:
    folder = root / "job-normalization" / "melo" / FOLDER
    folder.mkdir(parents=True)
    corpus = [
        (f"C{rng.randrange(10**4):04d}_de_{i:03d}", rng.choice(STEMS) + rng.choice(["", "in", "/in", " (m)"]))
        for i in range(130)
    ]
    with open(folder / "queries.tsv", "w", encoding="utf-8") as f:
        f.writelines(f"Q{i + 1:06d}\t{text}\n" for i, text in enumerate(QUERIES))
    with open(folder / "corpus_elements.tsv", "w", encoding="utf-8") as f:
        f.writelines(f"{cid}\t{text}\n" for cid, text in corpus)
    with open(folder / "annotations.tsv", "w", encoding="utf-8") as f:
        for i in range(len(QUERIES)):
            for cid, _ in rng.sample(corpus, rng.randint(1, 8)):
                f.write(f"Q{i + 1:06d}\t0\t{cid}\t1\n")
    return folder


def melo_publisher_scores(folder: Path, names: list[str]) -> dict[str, float]:
    """The publisher's pipeline: evaluator._unpack_mapping, EditDistanceBaselineScorer, the run file, trec_eval."""

    def unpack(path):
        keys, forms = [], []
        with open(path, encoding="utf-8") as f_in:
            for line in f_in:
                key, form = line.strip().split("\t")
                keys.append(key)
                forms.append(form)
        return keys, forms

    q_ids, q_forms = unpack(folder / "queries.tsv")
    c_ids, c_forms = unpack(folder / "corpus_elements.tsv")
    qrels: dict[str, dict[str, float]] = {}
    with open(folder / "annotations.tsv", encoding="utf-8") as f_in:
        for line in f_in:
            q, _, c, grade = line.split()
            qrels.setdefault(q, {})[c] = float(grade)
    per_query = []
    for q_id, q_form in zip(q_ids, q_forms, strict=True):
        scores = [fuzz.ratio(q_form.lower(), c_form.lower()) for c_form in c_forms]  # 0..100, as published
        per_query.append(trec_eval(publisher_run(q_id, c_ids, scores, 100, 5), qrels[q_id], names))
    return {name: float(np.mean([values[name] for values in per_query])) for name in names}


@pytest.fixture
def melo_task(tmp_path):
    data = tmp_path / "data"
    folder = write_melo_folder(data, random.Random(7))
    spec_file = tmp_path / f"melo-{FOLDER.replace('_', '-')}.yaml"
    spec_file.write_text(task_yaml(FOLDER), encoding="utf-8")
    return load_task(str(spec_file), data_dir=data, cache_dir=tmp_path / "cache"), folder


def test_melo_edit_distance_under_publisher_protocol_equals_the_publishers_scoring(melo_task):
    task, folder = melo_task
    names = list(task.spec.metrics)
    expected = melo_publisher_scores(folder, names)
    result = task.evaluate(EditDistanceModel(processor="lower"), "test", ties="publisher", progress=False)
    for name in names:
        assert result.scores[name] == pytest.approx(expected[name], abs=1e-6), name
    # the fixture tells the protocols apart: ours (tie expectation over the full ranking) and rapidfuzz's
    # default processing each give another MAP
    ours = task.evaluate(EditDistanceModel(processor="lower"), "test", progress=False)
    default_processing = task.evaluate(EditDistanceModel(), "test", ties="publisher", progress=False)
    assert abs(ours.scores["map"] - expected["map"]) > 1e-3
    assert abs(default_processing.scores["map"] - expected["map"]) > 1e-3


def test_publisher_results_get_their_own_file_and_identity(melo_task, tmp_path):
    task, _ = melo_task
    model = EditDistanceModel(processor="lower")
    out = tmp_path / "results"
    default_path, _ = evaluate_into(model, task, "test", out, progress=False)
    publisher_path, written = evaluate_into(model, task, "test", out, ties="publisher", progress=False)
    assert written and publisher_path != default_path and publisher_path.name.endswith("__ties-publisher.json")
    assert evaluate_into(model, task, "test", out, ties="publisher", progress=False) == (publisher_path, False)
    assert evaluate_into(model, task, "test", out, progress=False) == (default_path, False)


def test_a_task_without_a_publisher_protocol_says_so(tmp_path):
    folder = tmp_path / "trec"
    folder.mkdir()
    (folder / "queries.tsv").write_text("q1\tcook\n", encoding="utf-8")
    (folder / "corpus.tsv").write_text("d1\tcook\nd2\tbaker\n", encoding="utf-8")
    (folder / "qrels.tsv").write_text("q1\t0\td1\t1\n", encoding="utf-8")
    spec = tmp_path / "plain-trec.yaml"
    spec.write_text(
        "name: plain-trec\nversion: 1\ndescription: a plain TREC folder\ngroup: job_normalization\n"
        "query_type: job_title\ntarget_type: occupation\nlanguages: {query: [en], target: [en]}\n"
        "source:\n  loader: trec\n  files: {queries: trec/queries.tsv, corpus: trec/corpus.tsv, qrels: trec/qrels.tsv}\n"
        "splits: {method: hash, fractions: {test: 1.0}, available: [test]}\nmetrics: [map]\nmain_score: map\n"
        "license: test\ncitation: test\n",
        encoding="utf-8",
    )
    task = load_task(str(spec), data_dir=tmp_path, cache_dir=tmp_path / "cache")
    with pytest.raises(WorkBenchError, match=r"task plain-trec: no publisher protocol .*loader 'trec'.*melo"):
        task.evaluate(EditDistanceModel(), "test", ties="publisher", progress=False)


def test_melo_protocol_is_the_publishers_evaluator_settings():
    melo = PROTOCOLS["melo"]
    assert (melo.depth, melo.decimals) == (100, 5)


def test_an_unknown_ties_value_is_refused_before_any_work(melo_task):
    task, _ = melo_task
    # object() is no model: the refusal comes before the model (or the data) is looked at
    with pytest.raises(WorkBenchError, match=r"unknown ties 'publish': expected one of .*optimistic, publisher$"):
        task.evaluate(object(), "test", ties="publish", progress=False)
