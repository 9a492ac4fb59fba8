"""Per-query values: the compressed form reads back the same float32 values as the original base64 form."""
from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest

from workbench.per_query_codec import ZLIB_PREFIX, pack, size_problem, unpack
from workbench.results import encode_per_query


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
