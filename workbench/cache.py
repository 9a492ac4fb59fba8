"""On-disk embedding cache: one SQLite file per (model name, revision, role, prompt, input type).

SQLite commits are transactional, so a run killed mid-write leaves either whole entries or none;
each row also stores a checksum of its bytes, and a row that fails it is treated as missing.
"""
from __future__ import annotations

import hashlib
import sqlite3
import zlib
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .io import sha256_text, stable_hash

_SCHEMA = "CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, dim INTEGER, crc INTEGER, vec BLOB)"
_CHUNK = 900  # stays under SQLite's default limit on bound parameters


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class EmbeddingCache:
    def __init__(self, folder: Path, namespace: dict):
        self.namespace = namespace
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{stable_hash(namespace)[:24]}.sqlite"
        self._conn = sqlite3.connect(self.path, timeout=60)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for key, dim, crc, blob in self._conn.execute(f"SELECT key, dim, crc, vec FROM emb WHERE key IN ({marks})", chunk):
                if zlib.crc32(blob) == crc and len(blob) == 4 * dim:
                    found[key] = np.frombuffer(blob, dtype="<f4")
        return found

    def put_many(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        rows = []
        for key, vec in zip(keys, np.asarray(vectors, dtype="<f4")):
            blob = vec.tobytes()
            rows.append((key, vec.shape[0], zlib.crc32(blob), blob))
        with self._conn:  # one transaction per batch
            self._conn.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?, ?, ?)", rows)


def encode_with_cache(
    texts: Sequence[str],
    encode: Callable[[list[str]], np.ndarray],
    cache: EmbeddingCache | None,
    *,
    batch: int = 2048,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Embeddings for `texts` (each unique text encoded at most once); returns (matrix, number encoded)."""
    unique = list(dict.fromkeys(texts))
    keys = [text_key(t) for t in unique]
    have = cache.get_many(keys) if cache is not None else {}
    todo = [i for i, k in enumerate(keys) if k not in have]
    vectors: dict[str, np.ndarray] = dict(have)
    for start in range(0, len(todo), batch):
        idx = todo[start:start + batch]
        out = encode([unique[i] for i in idx])
        if cache is not None:
            cache.put_many([keys[i] for i in idx], out)
        for i, vec in zip(idx, out):
            vectors[keys[i]] = vec
        if progress:
            progress(len(idx))
    position = {t: vectors[k] for t, k in zip(unique, keys)}
    if not unique:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([position[t] for t in texts]).astype(np.float32, copy=False), len(todo)


def namespace_for(model_info, role: str, input_type: str, prompt: str | None) -> dict:
    return {"model": model_info.name, "revision": model_info.revision, "settings": model_info.settings,
            "role": role, "input_type": input_type, "prompt": prompt, "prompt_sha": sha256_text(prompt or "")}
