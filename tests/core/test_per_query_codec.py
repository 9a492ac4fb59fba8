"""Per-query values and query ids: the compressed form reads back the same float32 values, and the same ids,
as the original form (base64 values, a plain list of ids)."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import WorkBenchError
from workbench.results.per_query_codec import (
    MAX_ID_BYTES,
    ZLIB_PREFIX,
    pack,
    pack_ids,
    size_problem,
    unpack,
    unpack_ids,
)
from workbench.results.result_file import encode_per_query, read_result, write_result
from workbench.results.result_store import identity_of


def _plain(values) -> str:
    return base64.b64encode(np.asarray(values, dtype="<f4").tobytes()).decode("ascii")


@pytest.mark.parametrize("seed", range(5))
def test_both_forms_decode_to_the_same_float32_values(seed):
    rng = np.random.default_rng(seed)
    values = np.where(rng.random(500) < 0.5, rng.choice([0.0, 1.0, 0.5, 1 / 3], 500), rng.random(500))
    packed = pack(values)
    assert packed.startswith(ZLIB_PREFIX)
    np.testing.assert_array_equal(unpack(packed), values.astype("<f4").astype(np.float64))
    np.testing.assert_array_equal(unpack(_plain(values)), unpack(packed))
    assert len(packed) < len(_plain(values))
    assert size_problem("map", packed, 500) is None and size_problem("map", _plain(values), 500) is None


def test_the_writer_compresses_and_the_reader_reads_either():
    per_query = encode_per_query(["q1", "q2", "q3"], {"map": np.array([0.25, 1.0, 0.0])})
    assert per_query.values["map"].startswith(ZLIB_PREFIX)
    old = per_query.model_copy(update={"values": {"map": _plain([0.25, 1.0, 0.0])}})
    np.testing.assert_array_equal(per_query.decode()["map"], old.decode()["map"])


def test_wrong_counts_and_damaged_blobs_are_named():
    too_many = size_problem("map", pack(np.zeros(7)), 6)
    assert too_many == "per_query.values.map holds more than 6 float32 values, one per query"
    assert size_problem("map", pack(np.zeros(5)), 6) == "per_query.values.map holds 5 float32 values for 6 queries"
    assert "base64 characters" in size_problem("map", _plain(np.zeros(5)), 6)
    cut = ZLIB_PREFIX + base64.b64encode(zlib.compress(np.zeros(6, "<f4").tobytes())[:-6]).decode()
    assert "is not zlib-compressed" in size_problem("map", cut, 6)
    for bad in (ZLIB_PREFIX + "!!", ZLIB_PREFIX + base64.b64encode(b"not zlib").decode(), "AAA"):
        with pytest.raises(ValueError):
            unpack(bad)


def test_a_hostile_blob_is_not_inflated_beyond_the_query_count():
    bomb = pack(np.zeros(5_000_000))  # 20 MB of zeros in a few kB
    assert len(bomb) < 50_000
    assert size_problem("map", bomb, 10) == "per_query.values.map holds more than 10 float32 values, one per query"
    assert len(unpack(bomb, max_values=10)) == 11


# Query ids: a committed (real) result file, in the compressed form, written back in the original plain form.
COMMITTED = (
    Path(__file__).resolve().parents[2] / "leaderboard" / "results" / "bm25" / "house-skill-extraction__v1__test.json"
)


def _raw_committed() -> dict:
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def _with_ids(tmp_path: Path, name: str, ids) -> Path:
    data = _raw_committed()
    data["per_query"]["query_ids"] = ids
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _blob(payload: bytes) -> str:
    return ZLIB_PREFIX + base64.b64encode(payload).decode("ascii")


def test_old_and_new_id_forms_read_the_same_result(tmp_path):
    raw = _raw_committed()
    queries = raw["sizes"]["queries"]
    assert raw["per_query"]["query_ids"].startswith(ZLIB_PREFIX)
    ids = unpack_ids(raw["per_query"]["query_ids"], queries)
    assert len(ids) == queries and all(isinstance(i, str) for i in ids)
    old, new = read_result(_with_ids(tmp_path, "old.json", ids)), read_result(COMMITTED)
    assert old.per_query.query_ids == new.per_query.query_ids == ids
    assert old.model_dump() == new.model_dump() and old.fingerprint == new.fingerprint
    assert identity_of(old) == identity_of(new)
    # the writer writes the compressed form: what was read from either form is written back as committed
    for result, name in ((old, "old-rewritten.json"), (new, "new-rewritten.json")):
        write_result(tmp_path / name, result)
        assert (tmp_path / name).read_bytes() == COMMITTED.read_bytes()


@pytest.mark.parametrize("seed", range(3))
def test_ids_of_any_text_round_trip_and_overlong_ids_stay_plain(seed):
    rng = np.random.default_rng(seed)
    alphabet = list('abcXYZ019 \n\t"\\,/:é€𝄞') + ["\u0000", "\u202e"]
    ids = ["".join(rng.choice(alphabet, rng.integers(0, 20))) for _ in range(200)]
    packed = pack_ids(ids)
    assert isinstance(packed, str) and unpack_ids(packed, len(ids)) == ids
    long_ids = ["x" * (MAX_ID_BYTES + 1)] * 3
    assert pack_ids(long_ids) == long_ids and unpack_ids(long_ids, 3) == long_ids
    assert unpack_ids(pack_ids([]), 0) == []


def test_damaged_id_blobs_are_one_line_naming_file_and_field(tmp_path):
    queries = _raw_committed()["sizes"]["queries"]
    ids = [f"q{i}" for i in range(queries)]
    whole = zlib.compress(json.dumps(ids).encode(), 9)
    damaged = {
        "truncated": _blob(whole[: len(whole) // 2]),
        "garbled": _blob(bytes(b ^ 0x5A for b in whole)),
        "not base64": ZLIB_PREFIX + "!!not base64!!",
        "no prefix": base64.b64encode(whole).decode("ascii"),
        "not JSON": _blob(zlib.compress(b"q1,q2,q3")),
        "not a list": _blob(zlib.compress(b'{"q1": 1}')),
        "not UTF-8": _blob(zlib.compress(b'["\xff"]')),
        "nested too deep": _blob(zlib.compress(b"[" * 100_000)),
    }
    for label, blob in damaged.items():
        path = _with_ids(tmp_path, f"{label}.json", blob)
        with pytest.raises(WorkBenchError) as err:
            read_result(path)
        message = str(err.value)
        assert message.startswith(f"{path}: per_query.query_ids is not a zlib-compressed JSON list of ids ("), label
        assert "\n" not in message, label


def test_an_id_count_other_than_the_query_count_is_refused_in_either_form(tmp_path):
    raw = _raw_committed()
    queries = raw["sizes"]["queries"]
    ids = unpack_ids(raw["per_query"]["query_ids"], queries)
    for form, stored in (("plain", ids[:-1]), ("compressed", pack_ids(ids[:-1]))):
        path = _with_ids(tmp_path, f"{form}.json", stored)
        with pytest.raises(WorkBenchError) as err:
            read_result(path)
        assert str(err.value) == f"{path}: per_query.query_ids lists {queries - 1} ids for {queries} queries", form


def test_a_hostile_id_blob_is_not_inflated_beyond_the_query_count(tmp_path):
    queries = _raw_committed()["sizes"]["queries"]
    bomb = _blob(zlib.compress(b'["' + b"x" * 50_000_000 + b'"]', 9))  # 50 MB in a few dozen kB
    assert len(bomb) < 100_000
    path = _with_ids(tmp_path, "bomb.json", bomb)
    with pytest.raises(WorkBenchError) as err:
        read_result(path)
    budget = 2 + MAX_ID_BYTES * queries
    assert str(err.value) == (
        f"{path}: per_query.query_ids inflates to more than {budget} bytes, the most "
        f"{queries} ids may take ({MAX_ID_BYTES} per query)"
    )
    with pytest.raises(WorkBenchError) as err:  # ids that are not strings are named by the schema
        read_result(_with_ids(tmp_path, "numbers.json", pack_ids(list(range(queries)))))
    assert "invalid result file at per_query.query_ids.0" in str(err.value)
