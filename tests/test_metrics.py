"""workbench.metrics against ranx, brute force and exact enumeration of ties."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.metrics import METRIC_NAMES, aggregate, evaluate_scores, parse_metric

FAST = settings(max_examples=25, deadline=None)


# ---------------------------------------------------------------- helpers


def random_case(seed, n_q, n_t, graded, ties=False, float64=False):
    """Scores (tie-free unless ties=True) and a relevance matrix, >= 1 positive per row."""
    rng = np.random.default_rng(seed)
    dtype = np.float64 if float64 else np.float32
    if ties:
        scores = np.round(rng.random((n_q, n_t)), 1).astype(dtype)
    else:
        # skewed scale so the histogram bins fill unevenly; redraw rows with ties
        scores = np.exp(3 * rng.standard_normal((n_q, n_t))).astype(dtype)
        while True:
            dup = np.array([len(np.unique(row)) < n_t for row in scores], bool)
            if not dup.any():
                break
            scores[dup] = np.exp(3 * rng.standard_normal((int(dup.sum()), n_t)))
    dense = np.zeros((n_q, n_t))
    for i in range(n_q):
        m = rng.integers(1, n_t + 1)
        cols = rng.choice(n_t, m, replace=False)
        dense[i, cols] = rng.integers(1, 4, m) if graded else 1
    return scores, sp.csr_matrix(dense)


def ranking_metrics(order, grades, names):
    """Tie-free metrics of one ranking (target indices best first), trec_eval style."""
    rel = grades[order] > 0
    R = int(rel.sum())
    ranks = np.flatnonzero(rel) + 1
    out = {}
    for name in names:
        fam, k = parse_metric(name)
        if fam == "map":
            out[name] = float(np.mean(np.arange(1, R + 1) / ranks))
        elif fam == "mrr":
            out[name] = 1.0 / ranks[0]
        else:
            hits = int(rel[:k].sum())
            if fam == "recall":
                out[name] = hits / R
            elif fam == "precision":
                out[name] = hits / k
            elif fam == "rp":
                out[name] = hits / min(k, R)
            elif fam == "hit":
                out[name] = float(hits > 0)
            elif fam == "ndcg":
                disc = 1.0 / np.log2(np.arange(2, k + 2))
                g = grades[order][:k]
                ideal = np.sort(grades[grades > 0])[::-1][:k]
                out[name] = float(g @ disc[: len(g)] / (ideal @ disc[: len(ideal)]))
    return out


def brute_force(scores, relevance, names, ties="none"):
    """Per-query loop over a full sort; ties broken by the deterministic policies."""
    dense = relevance.toarray()
    res = {n: [] for n in names}
    for s, g in zip(np.asarray(scores, np.float64), dense, strict=True):
        if ties == "pessimistic":  # non-relevant first, then ascending grade
            order = np.lexsort((g, -s))
        elif ties == "optimistic":
            order = np.lexsort((-g, -s))
        else:
            order = np.argsort(-s, kind="stable")
        for n, v in ranking_metrics(order, g, names).items():
            res[n].append(v)
    return {n: np.array(v) for n, v in res.items()}


def tied_orderings(s):
    """Every ranking consistent with the scores: tie groups permuted in all ways."""
    groups = [np.flatnonzero(s == v) for v in np.unique(s)[::-1]]
    for perms in itertools.product(*(itertools.permutations(g) for g in groups)):
        yield np.concatenate(perms)


POLICIES = ("pessimistic", "average", "optimistic")
ALL = ["map", "mrr", "rp@1", "rp@3", "ndcg@2", "ndcg@5", "recall@2", "hit@1", "hit@3", "precision@2"]


# ---------------------------------------------------------------- against ranx


def ranx_per_query(scores, relevance, ranx_metrics):
    from ranx import Qrels, Run, evaluate

    dense = relevance.toarray()
    qid = [f"q{i:05d}" for i in range(len(dense))]
    qrels = Qrels({q: {f"d{j}": int(g[j]) for j in np.flatnonzero(g)} for q, g in zip(qid, dense, strict=True)})
    run = Run({q: {f"d{j}": float(v) for j, v in enumerate(s)} for q, s in zip(qid, scores, strict=True)})
    evaluate(qrels, run, ranx_metrics, return_mean=False)
    return {m: np.array([run.scores[m][q] for q in qid]) for m in ranx_metrics}


@pytest.mark.slow  # ranx compiles its metrics with numba on first use
@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    n_q=st.integers(1, 12),
    n_t=st.integers(2, 60),
    k=st.integers(1, 70),
    graded=st.booleans(),
    float64=st.booleans(),
)
def test_against_ranx_tie_free(seed, n_q, n_t, k, graded, float64):
    scores, rel = random_case(seed, n_q, n_t, graded, float64=float64)
    ours = evaluate_scores(
        scores, rel, ["map", "mrr", f"ndcg@{k}", f"recall@{k}", f"hit@{k}", f"precision@{k}", f"rp@{k}"]
    )
    # ranx's ndcg is the Jarvelin form: linear gains = grade, like trec_eval.
    theirs = ranx_per_query(scores, rel, ["map", "mrr", f"ndcg@{k}", f"recall@{k}", f"hit_rate@{k}", f"precision@{k}"])
    for ours_name, ranx_name in [
        ("map", "map"),
        ("mrr", "mrr"),
        (f"ndcg@{k}", f"ndcg@{k}"),
        (f"recall@{k}", f"recall@{k}"),
        (f"hit@{k}", f"hit_rate@{k}"),
        (f"precision@{k}", f"precision@{k}"),
    ]:
        np.testing.assert_allclose(ours[ours_name], theirs[ranx_name], atol=1e-6, err_msg=ours_name)
    # ranx has no rp@K (only unbounded r-precision): brute force instead
    ref = brute_force(scores, rel, [f"rp@{k}", f"ndcg@{k}"])
    np.testing.assert_allclose(ours[f"rp@{k}"], ref[f"rp@{k}"], atol=1e-6)
    np.testing.assert_allclose(ours[f"ndcg@{k}"], ref[f"ndcg@{k}"], atol=1e-6)


def test_against_brute_force_larger_and_awkward_scales():
    """Many targets, clustered and extreme scores: the histogram refinement path."""
    rng = np.random.default_rng(7)
    n_q, n_t = 30, 3000
    cases = [
        0.8 + 1e-6 * rng.standard_normal((n_q, n_t)),  # one narrow cluster (float64)
        np.where(rng.random((n_q, n_t)) < 0.5, -3e38, 3e38) * rng.random((n_q, n_t)),
        rng.standard_normal((n_q, n_t)) * np.logspace(-30, 30, n_t),
        np.round(rng.standard_normal((n_q, n_t)), 2).astype(np.float32),  # many ties
        # close distinct values sharing one bin
        rng.integers(0, 5, (n_q, n_t)) + 1e-9 * rng.integers(0, 3, (n_q, n_t)),
        (np.where(rng.random((n_q, n_t)) < 0.5, -3e38, 3e38) * rng.random((n_q, n_t))).astype(np.float32),
    ]
    for scores in cases:
        rel = sp.random(n_q, n_t, density=0.01, random_state=rng, format="lil")
        rel[:, 0] = 2.0  # every row has a positive
        rel = rel.tocsr()
        rel.data = np.ceil(rel.data * 3)
        names = ["map", "mrr", "ndcg@10", "rp@10", "hit@5", "recall@100"]
        for pol in ("pessimistic", "optimistic"):
            ours = evaluate_scores(scores, rel, names, ties=pol)
            ref = brute_force(scores, rel, names, ties=pol)
            for n in names:
                np.testing.assert_allclose(ours[n], ref[n], atol=1e-9, err_msg=f"{pol} {n}")


# ---------------------------------------------------------------- tie policies


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_t=st.integers(1, 7), graded=st.booleans())
def test_ties_match_exact_enumeration(seed, n_t, graded):
    rng = np.random.default_rng(seed)
    n_q = 3
    scores = rng.integers(0, rng.integers(1, 4), (n_q, n_t)).astype(np.float32)  # heavy ties
    dense = np.zeros((n_q, n_t))
    for i in range(n_q):
        cols = rng.choice(n_t, rng.integers(1, n_t + 1), replace=False)
        dense[i, cols] = rng.integers(1, 4, len(cols)) if graded else 1
    rel = sp.csr_matrix(dense)
    got = {pol: evaluate_scores(scores, rel, ALL, ties=pol) for pol in POLICIES}
    for i in range(n_q):
        per_perm = [ranking_metrics(o, dense[i], ALL) for o in tied_orderings(scores[i])]
        for name in ALL:
            vals = np.array([p[name] for p in per_perm])
            assert got["average"][name][i] == pytest.approx(vals.mean(), abs=1e-9), name
            assert got["pessimistic"][name][i] == pytest.approx(vals.min(), abs=1e-12), name
            assert got["optimistic"][name][i] == pytest.approx(vals.max(), abs=1e-12), name


def test_constant_scorer_is_random_expectation():
    """A constant scorer scores the expectation of a random ranking, closed forms."""
    T, R = 50, 5
    scores = np.zeros((1, T))
    rel = sp.csr_matrix((np.ones(R), (np.zeros(R, int), np.arange(R))), shape=(1, T))
    got = evaluate_scores(scores, rel, ["map", "mrr", "recall@10", "hit@10", "precision@7"])
    # E[AP]: a relevant item at rank p has on average 1 + (p-1)(R-1)/(T-1) relevant at or above
    p = np.arange(1, T + 1)
    e_ap = np.mean(1 / p + (R - 1) / (T - 1) * (p - 1) / p)
    e_rr = sum(math.comb(T - q, R - 1) / math.comb(T, R) / q for q in range(1, T - R + 2))
    assert got["map"][0] == pytest.approx(e_ap, abs=1e-12)
    assert got["mrr"][0] == pytest.approx(e_rr, abs=1e-12)
    assert got["recall@10"][0] == pytest.approx(10 / T, abs=1e-12)
    assert got["precision@7"][0] == pytest.approx(R / T, abs=1e-12)
    assert got["hit@10"][0] == pytest.approx(1 - math.comb(T - R, 10) / math.comb(T, 10), abs=1e-12)


@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    n_q=st.integers(1, 20),
    n_t=st.integers(1, 80),
    graded=st.booleans(),
)
def test_policies_are_ordered_and_match_brute_force(seed, n_q, n_t, graded):
    scores, rel = random_case(seed, n_q, n_t, graded, ties=True)
    res = {pol: evaluate_scores(scores, rel, ALL, ties=pol) for pol in POLICIES}
    for name in ALL:
        assert np.all(res["pessimistic"][name] <= res["average"][name] + 1e-12), name
        assert np.all(res["average"][name] <= res["optimistic"][name] + 1e-12), name
    for pol in ("pessimistic", "optimistic"):
        ref = brute_force(scores, rel, ALL, ties=pol)
        for name in ALL:
            np.testing.assert_allclose(res[pol][name], ref[name], atol=1e-12, err_msg=f"{pol} {name}")


def test_float64_resolution_is_kept():
    """Scores distinct in float64 but equal in float32 are not ties."""
    scores = np.array([[1.0, 1.0 + 1e-12, 0.5]])
    rel = sp.csr_matrix(np.array([[1, 0, 0]]))
    assert evaluate_scores(scores, rel, ["mrr"])["mrr"][0] == 0.5
    assert evaluate_scores(scores.astype(np.float32), rel, ["mrr"])["mrr"][0] == 0.75


def test_signed_zero_is_one_score():
    scores = np.array([[0.0, -0.0, -1.0]])
    rel = sp.csr_matrix(np.array([[0, 1, 0]]))
    assert evaluate_scores(scores, rel, ["mrr"], ties="pessimistic")["mrr"][0] == 0.5


# ---------------------------------------------------------------- blocks, inputs


@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    n_q=st.integers(1, 40),
    n_t=st.integers(1, 50),
    ties=st.booleans(),
)
def test_block_size_does_not_change_results(seed, n_q, n_t, ties):
    scores, rel = random_case(seed, n_q, n_t, graded=True, ties=ties)
    for pol in ("average", "pessimistic"):
        a = evaluate_scores(scores, rel, ALL, ties=pol)
        b = evaluate_scores(scores, rel, ALL, ties=pol, block_bytes=1)
        for name in ALL:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_relevance_formats_and_zero_grades():
    scores = np.array([[0.3, 0.2, 0.1], [0.1, 0.2, 0.3]], np.float32)
    dense = np.array([[0, 1, 0], [1, 0, 0]])
    expected = evaluate_scores(scores, sp.csr_matrix(dense), ["map"])["map"]
    explicit_zero = sp.coo_matrix(([0.0, 1.0, 1.0], ([0, 0, 1], [0, 1, 0])), shape=(2, 3))
    as_bool = sp.csr_matrix(dense.astype(bool))
    for rel in (sp.csc_matrix(dense), sp.coo_array(dense), explicit_zero, as_bool):
        np.testing.assert_array_equal(evaluate_scores(scores, rel, ["map"])["map"], expected)
    np.testing.assert_allclose(expected, [0.5, 1 / 3])


def test_aggregate_and_names():
    per = {"map": np.array([0.5, 1.0]), "mrr": np.array([1.0, 0.0])}
    assert aggregate(per) == {"map": 0.75, "mrr": 0.5}
    assert parse_metric("ndcg@10") == ("ndcg", 10)
    assert parse_metric("map") == ("map", None)
    assert "rp@K" in METRIC_NAMES


# ---------------------------------------------------------------- errors


def _ok_case():
    return np.array([[0.3, 0.2], [0.1, 0.4]]), sp.csr_matrix(np.array([[1, 0], [0, 1]]))


@pytest.mark.parametrize("bad", ["MAP", "ndcg", "ndcg@0", "ndcg@-1", "rp@1.5", "map@10", "f1@3", " mrr"])
def test_unknown_metric(bad):
    scores, rel = _ok_case()
    with pytest.raises(ValueError, match="unknown metric") as err:
        evaluate_scores(scores, rel, ["map", bad])
    assert repr(bad) in str(err.value) and "ndcg@K" in str(err.value)


def test_bad_ties():
    scores, rel = _ok_case()
    with pytest.raises(ValueError, match="'random'"):
        evaluate_scores(scores, rel, ["map"], ties="random")


def test_nonfinite_scores():
    scores, rel = _ok_case()
    scores[1, 0] = np.nan
    scores = np.vstack([scores, [[np.inf, 0.0]]])
    rel = sp.vstack([rel, sp.csr_matrix([[1, 0]])])
    with pytest.raises(ValueError, match=r"2 non-finite.*\(1, 0\)"):
        evaluate_scores(scores, rel, ["map"], block_bytes=1)


def test_shape_mismatch():
    _scores, rel = _ok_case()
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 2\)"):
        evaluate_scores(np.zeros((2, 3)), rel, ["map"])


def test_row_without_positives():
    scores, _ = _ok_case()
    rel = sp.csr_matrix(np.array([[1, 0], [0, 0]]))
    with pytest.raises(ValueError, match="row 1 "):
        evaluate_scores(scores, rel, ["map"])
    rel = sp.csr_matrix(np.array([[1, 0], [0, -1]]))  # negative grades are not relevant
    with pytest.raises(ValueError, match="row 1 "):
        evaluate_scores(scores, rel, ["map"])


def test_mrr_chunking_of_tied_top_groups(monkeypatch):
    """The expansion of tied top groups is chunked; chunk size must not matter."""
    from workbench.metrics import rr

    scores, rel = random_case(3, 30, 40, graded=False, ties=True)
    expected = evaluate_scores(scores, rel, ["mrr", "hit@3"])
    monkeypatch.setattr(rr, "_CHUNK", 5)
    got = evaluate_scores(scores, rel, ["mrr", "hit@3"])
    np.testing.assert_allclose(got["mrr"], expected["mrr"], rtol=0, atol=1e-15)
