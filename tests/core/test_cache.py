"""Embedding cache: each unique text encoded once, corrupt rows ignored, namespaces kept apart."""
from __future__ import annotations

import sqlite3

import numpy as np

from workbench.cache import EmbeddingCache, encode_with_cache


class CountingEncoder:
    """A real deterministic encoder (character histogram) that counts what it is asked to encode."""

    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, texts):
        self.seen.extend(texts)
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    out[row, ord(ch) - 97] += 1
        return out


def test_each_unique_text_encoded_once_across_calls(tmp_path):
    encoder = CountingEncoder()
    cache = EmbeddingCache(tmp_path, {"model": "hist"})
    first, n1 = encode_with_cache(["chef", "baker", "chef"], encoder, cache)
    second, n2 = encode_with_cache(["baker", "nurse"], encoder, cache)
    assert (n1, n2) == (2, 1)
    assert encoder.seen == ["chef", "baker", "nurse"]
    np.testing.assert_array_equal(first[0], first[2])
    np.testing.assert_array_equal(first[1], second[0])
    cache.close()


def test_corrupt_row_is_recomputed(tmp_path):
    encoder = CountingEncoder()
    cache = EmbeddingCache(tmp_path, {"model": "hist"})
    encode_with_cache(["chef"], encoder, cache)
    cache.close()
    with sqlite3.connect(cache.path) as conn:
        conn.execute("UPDATE emb SET vec = ?", (b"\x00" * 104,))  # same length, wrong checksum
    cache = EmbeddingCache(tmp_path, {"model": "hist"})
    vectors, encoded = encode_with_cache(["chef"], encoder, cache)
    assert encoded == 1 and vectors[0, 2] == 1.0  # 'c' counted again from a fresh encode
    cache.close()


def test_namespaces_do_not_share_entries(tmp_path):
    a = EmbeddingCache(tmp_path, {"model": "m", "role": "query"})
    b = EmbeddingCache(tmp_path, {"model": "m", "role": "target"})
    assert a.path != b.path
    a.close()
    b.close()
