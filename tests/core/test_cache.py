"""Embedding cache: each unique text encoded once, corrupt rows ignored, namespaces kept apart."""

from __future__ import annotations

import sqlite3

import numpy as np

from workbench.caches.embeddings import EmbeddingCache, clear_recent, encode_with_cache


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
    # the file changed since this process kept its vectors: read again, the row fails its checksum
    cache = EmbeddingCache(tmp_path, {"model": "hist"})
    vectors, encoded = encode_with_cache(["chef"], encoder, cache)
    assert encoded == 1 and vectors[0, 2] == 1.0  # 'c' counted again from a fresh encode
    cache.close()


def test_vectors_kept_in_memory_stay_within_budget(tmp_path, monkeypatch):
    import workbench.caches.embeddings as cache_module

    monkeypatch.setattr(cache_module, "_RECENT_BUDGET", 3 * 26 * 4)  # three 26-d vectors
    clear_recent()
    first = EmbeddingCache(tmp_path / "a", {"model": "a"})
    encode_with_cache(["chef", "baker"], CountingEncoder(), first)
    second = EmbeddingCache(tmp_path / "b", {"model": "b"})
    encode_with_cache(["nurse", "pilot"], CountingEncoder(), second)
    # over budget: the older file's vectors are dropped whole, the newest file's kept
    assert list(cache_module._recent) == [second.path] and cache_module._recent_bytes["total"] == 2 * 26 * 4
    again = CountingEncoder()
    vectors, encoded = encode_with_cache(["chef"], again, first)  # read back from SQLite, not encoded
    assert encoded == 0 and again.seen == [] and vectors[0, 2] == 1.0
    first.close(), second.close()
    clear_recent()


def test_a_replaced_cache_file_is_read_again(tmp_path):
    cache = EmbeddingCache(tmp_path, {"model": "hist"})
    encode_with_cache(["chef"], CountingEncoder(), cache)
    cache.close()
    for path in tmp_path.glob("*.sqlite*"):  # deleted under the running process: its vectors go with it
        path.unlink()
    again = CountingEncoder()
    cache = EmbeddingCache(tmp_path, {"model": "hist"})
    vectors, encoded = encode_with_cache(["chef"], again, cache)
    assert encoded == 1 and again.seen == ["chef"] and vectors[0, 2] == 1.0
    cache.close()


def test_namespaces_do_not_share_entries(tmp_path):
    a = EmbeddingCache(tmp_path, {"model": "m", "role": "query"})
    b = EmbeddingCache(tmp_path, {"model": "m", "role": "target"})
    assert a.path != b.path
    a.close()
    b.close()
