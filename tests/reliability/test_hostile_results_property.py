"""Property (issue 15): whatever a hostile result file holds, inside or outside the schema, the board never
ranks a file that fails the checks. Each example mutates a copy of a committed (real) result file in a
few random ways, puts it beside the real files of its task and collects; an oracle written here, apart
from the code under test, re-checks every accepted file from its raw JSON.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import shutil
import zlib
from datetime import datetime, timezone

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rel_support import REPO
from workbench.leaderboard.collect import collect
from workbench.taskfiles.catalog import get_task_spec

TASK = "house-skill-extraction"
FILE = f"{TASK}__v1__test.json"
COMMITTED = REPO / "leaderboard" / "results"
HONEST = ("bm25", "tfidf")
CANONICAL_N = 262
CANONICAL_SHA = json.loads((COMMITTED / "bm25" / FILE).read_text())["per_query"]["query_ids_sha256"]

floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([0.0, 1.0, 0.5, -0.0, 1.0000001, -1e-7, 1000.0, -5.0]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=5,
)


def _encode(values) -> str:
    return base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")


def _stored_ids(stored):
    """The ids of either form of workbench.results.per_query_codec, decoded here apart from it."""
    if isinstance(stored, str) and stored.startswith("zlib:"):
        return json.loads(zlib.decompress(base64.b64decode(stored[5:], validate=True)).decode("utf-8"))
    return stored


def _packed_ids(ids: list) -> str:
    return "zlib:" + base64.b64encode(zlib.compress(json.dumps(ids).encode("utf-8"))).decode("ascii")


@st.composite
def mutation(draw):
    """One edit of the raw JSON, as (description, function)."""
    kind = draw(
        st.sampled_from(
            [
                "values",
                "values-consistent",
                "values-consistent",
                "count",
                "official",
                "created",
                "created",
                "name",
                "scores",
                "ids",
                "drop-key",
                "any-value",
            ]
        )
    )
    if kind in ("values", "values-consistent"):
        n = draw(st.sampled_from([1, CANONICAL_N - 1, CANONICAL_N + 1] + [CANONICAL_N] * 5))
        fill = draw(st.lists(floats, min_size=1, max_size=4))
        values = np.resize(np.asarray(fill, dtype=np.float32), n)

        def edit(d):
            for metric in list(d["per_query"]["values"]):
                d["per_query"]["values"][metric] = _encode(values)
                if kind == "values-consistent":
                    d["scores"][metric] = float(values.astype(np.float64).mean())

        return kind, edit
    if kind == "count":
        n = draw(st.integers(min_value=-1, max_value=10**7))
        return kind, lambda d: d["sizes"].__setitem__("queries", n)
    if kind == "official":
        official, limit = draw(st.booleans()), draw(st.one_of(st.none(), st.integers(-2, 300)))
        return kind, lambda d: (d.__setitem__("official", official), d["config"].__setitem__("limit", limit))
    if kind == "created":
        stamp = draw(
            st.one_of(
                st.sampled_from(
                    [
                        "9999-01-01T00:00:00+00:00",
                        "2027-01-01T00:00:00Z",
                        "2026-11-27T00:30:00",
                        "2026-11-27T02:00:00+00:00",
                        "2020-01-01T00:00:00+00:00",
                    ]
                ),
                st.datetimes(
                    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(timezone.utc)
                ).map(lambda t: t.isoformat()),
                st.text(max_size=12),
            )
        )
        return kind, lambda d: d.__setitem__("created_at", stamp)
    if kind == "name":
        name = draw(st.text(max_size=8))
        return kind, lambda d: d["model"].__setitem__("name", name)
    if kind == "scores":
        metric, value = draw(st.sampled_from(["map", "mrr", "ndcg@10", "nope"])), draw(floats)
        return kind, lambda d: d["scores"].__setitem__(metric, value if math.isfinite(value) else str(value))
    if kind == "ids":
        drop = draw(st.integers(0, CANONICAL_N - 1))
        rehash, packed = draw(st.booleans()), draw(st.booleans())

        def edit(d):
            ids = _stored_ids(d["per_query"]["query_ids"])
            del ids[drop]
            d["per_query"]["query_ids"] = _packed_ids(ids) if packed else ids
            if rehash:
                d["per_query"]["query_ids_sha256"] = hashlib.sha256("\n".join(ids).encode()).hexdigest()

        return kind, edit
    path = draw(
        st.sampled_from(
            [
                ("model",),
                ("task",),
                ("per_query",),
                ("sizes",),
                ("model", "revision"),
                ("per_query", "values"),
                ("task", "spec_hash"),
                ("scores",),
                ("config",),
            ]
        )
    )
    if kind == "drop-key":
        return kind, lambda d: _at(d, path[:-1]).pop(path[-1], None)
    value = draw(json_values)
    return kind, lambda d: _at(d, path[:-1]).__setitem__(path[-1], value)


def _at(data, path):
    for key in path:
        data = data[key]
    return data


def oracle_problem(raw: dict) -> str | None:
    """Independent of workbench.results.result_file: why this raw file must not be ranked, or None."""
    try:
        pq, n = raw["per_query"], raw["sizes"]["queries"]
        if n != CANONICAL_N or pq["query_ids_sha256"] != CANONICAL_SHA:
            return "not the canonical query set"
        ids = _stored_ids(pq.get("query_ids"))
        if ids is not None and hashlib.sha256("\n".join(ids).encode()).hexdigest() != CANONICAL_SHA:
            return "ids do not match their hash"
        if raw["official"] is not True or raw["config"].get("limit") is not None:
            return "not an official full run"
        if not isinstance(raw["model"]["name"], str) or not raw["model"]["name"].strip():
            return "no model name"
        datetime.fromisoformat(
            raw["created_at"].replace("Z", "+00:00")
        )  # must parse; a date decides nothing (issue 25)
        for metric, blob in pq["values"].items():
            stored = (
                zlib.decompress(base64.b64decode(blob[5:], validate=True))
                if blob.startswith("zlib:")
                else base64.b64decode(blob, validate=True)
            )  # both forms of workbench.results.per_query_codec
            values = np.frombuffer(stored, dtype="<f4").astype(np.float64)
            if len(values) != n or not np.all((values >= -1e-6) & (values <= 1 + 1e-6)):
                return f"{metric} values"
            if not abs(values.mean() - raw["scores"][metric]) <= 1e-6:
                return f"{metric} aggregate"
        if set(pq["values"]) != set(raw["scores"]):
            return "metrics differ"
    except Exception as err:
        return f"malformed ({type(err).__name__})"
    return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(mutation(), min_size=1, max_size=2),
    as_model=st.sampled_from(["bm25", "hostile"]),
    name=st.sampled_from(["forged.json", FILE]),
)
def test_the_board_never_ranks_a_file_that_fails_the_checks(tmp_path_factory, edits, as_model, name):
    root = tmp_path_factory.mktemp("results")
    for model in HONEST:
        (root / model).mkdir()
        shutil.copyfile(COMMITTED / model / FILE, root / model / FILE)
    raw = json.loads((COMMITTED / "bm25" / FILE).read_text(encoding="utf-8"))
    if as_model == "hostile":
        raw["model"]["name"] = "hostile"
    for _, edit in edits:
        with contextlib.suppress(KeyError, TypeError, AttributeError, IndexError):
            edit(raw)  # (an error: an earlier edit removed what this one edits)
    target = root / as_model / name
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(raw), encoding="utf-8")

    collection = collect(root, [get_task_spec(TASK)])
    for entry in collection.accepted.values():
        on_disk = json.loads((root / entry.path).read_text(encoding="utf-8"))
        assert oracle_problem(on_disk) is None, (entry.path, oracle_problem(on_disk), [k for k, _ in edits])
    listed = {e.path for e in collection.accepted.values()} | {r.path for r in collection.refused}
    assert listed == {f"{m}/{FILE}" for m in HONEST} | {f"{as_model}/{name}"}  # every file accounted for
