"""The embedding layer: a model wrapped so that its output is checked and cached (`CachedModel`).

Scoring asks `CachedModel.encode` for vectors and never sees the cache. Underneath, one SQLite file
per (model name, revision, settings, role, prompt, input type): SQLite commits are transactional, so
a run killed mid-write leaves either whole entries or none; each row also stores a checksum of its
bytes, and a row that fails it is treated as missing. A cache file that SQLite reports as corrupt is
moved aside (``*.sqlite.corrupt``) and rebuilt: a cache only ever costs time, never a wrong vector
or a failed run.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
import warnings
import zlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from workbench import run_progress
from workbench.data.datafiles import file_identity
from workbench.errors import WorkBenchError
from workbench.io import sha256_text, stable_hash
from workbench.models.model import checked_matrix, prompt_of

_SCHEMA = "CREATE TABLE IF NOT EXISTS emb (key TEXT PRIMARY KEY, dim INTEGER, crc INTEGER, vec BLOB)"
_CHUNK = 900  # stays under SQLite's default limit on bound parameters
# Vectors read or written in this process, per cache file: the tasks of a suite share their target
# spaces (ESCO's skills are the targets or queries of six core tasks), and reading them back from
# SQLite was ~10 % of a warm suite run (py-spy). Whole files are dropped, oldest first, past the budget.
# A file is trusted to be the one whose vectors are kept only while its identity (path, size, mtime, inode,
# ctime of the file and of its write-ahead log) is the one this process last saw when it closed it: a file
# deleted, replaced or written by someone else since is read again.
_RECENT_BUDGET = 512 * 2**20
_recent: OrderedDict[Path, dict[str, np.ndarray]] = OrderedDict()
_identity: dict[Path, tuple] = {}
_recent_bytes = {"total": 0}


def _file_identity(path: Path) -> tuple:
    """The data checksums' identity of the file and of its write-ahead log (None where absent), taken
    while closed: SQLite removes the log when the last connection closes."""
    out = []
    for name in (path, path.with_name(path.name + "-wal")):
        try:
            out.append(file_identity(name))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def _remember(path: Path, vectors: dict[str, np.ndarray]) -> None:
    memo = _recent.setdefault(path, {})
    _recent.move_to_end(path)
    for key, vec in vectors.items():
        if key not in memo:
            memo[key] = vec
            _recent_bytes["total"] += vec.nbytes
    while _recent_bytes["total"] > _RECENT_BUDGET and len(_recent) > 1:
        _forget(next(iter(_recent)))


def clear_recent() -> None:
    """Forget the vectors kept in memory (the next read goes to the files, as a new process would)."""
    _recent.clear()
    _identity.clear()
    _recent_bytes["total"] = 0


def _forget(path: Path) -> None:
    _identity.pop(path, None)
    memo = _recent.pop(path, None)
    if memo:
        _recent_bytes["total"] -= sum(vec.nbytes for vec in memo.values())


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class EmbeddingCache:
    def __init__(self, folder: Path, namespace: dict):
        self.namespace = namespace
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{stable_hash(namespace)[:24]}.sqlite"
        try:
            self._open()
        except sqlite3.DatabaseError as err:
            self._start_afresh(err)

    def _open(self) -> None:
        identity = _file_identity(self.path)  # before connecting: the connection creates the log
        if _identity.get(self.path) != identity:
            _forget(self.path)
        self._conn = sqlite3.connect(self.path, timeout=60)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(_SCHEMA)
        except sqlite3.DatabaseError:
            self._conn.close()
            raise

    def _start_afresh(self, err: sqlite3.DatabaseError) -> None:
        """A corrupt file (not a locked one) is moved aside and an empty cache takes its place."""
        if isinstance(err, sqlite3.OperationalError):  # locked, busy, I/O: not corruption, do not touch
            raise err
        if getattr(self, "_conn", None) is not None:
            self._conn.close()
        _forget(self.path)
        aside = self.path.with_name(self.path.name + ".corrupt")
        os.replace(self.path, aside)
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
        warnings.warn(
            f"embedding cache {self.path} is corrupt ({err}); moved to {aside.name}, rebuilding", stacklevel=3
        )
        self._open()

    def close(self) -> None:
        self._conn.close()  # may fold the write-ahead log into the file: its identity moves with our own writes
        if self.path in _recent:
            _identity[self.path] = _file_identity(self.path)

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        memo = _recent.get(self.path, {})
        found = {key: memo[key] for key in keys if key in memo}
        missing = [key for key in keys if key not in found]
        read: dict[str, np.ndarray] = {}
        try:
            for start in range(0, len(missing), _CHUNK):
                chunk = missing[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                for key, dim, crc, blob in self._conn.execute(
                    f"SELECT key, dim, crc, vec FROM emb WHERE key IN ({marks})", chunk
                ):
                    if zlib.crc32(blob) == crc and len(blob) == 4 * dim:
                        read[key] = np.frombuffer(blob, dtype="<f4")
        except sqlite3.DatabaseError as err:
            self._start_afresh(err)
            return {}
        _remember(self.path, read)
        return {**found, **read}

    def put_many(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        rows, written = [], {}
        for key, vec in zip(keys, np.asarray(vectors, dtype="<f4"), strict=True):
            blob = vec.tobytes()
            rows.append((key, vec.shape[0], zlib.crc32(blob), blob))
            written[key] = np.frombuffer(blob, dtype="<f4")
        try:
            with self._conn:  # one transaction per batch
                self._conn.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError as err:
            self._start_afresh(err)
            with self._conn:
                self._conn.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?, ?, ?)", rows)
        _remember(self.path, written)


def open_cache(folder: Path | None, namespace: dict) -> EmbeddingCache | None:
    """The embedding cache in `folder`, or None when it cannot be created or opened (read-only, under a file,
    full disk): a cache only ever saves time, so encoding goes on without it after one warning line."""
    if folder is None:
        return None
    try:
        return EmbeddingCache(folder, namespace)
    except (OSError, sqlite3.OperationalError) as err:
        print(f"warning: embedding cache in {folder} cannot be used ({err}); encoding without a cache", file=sys.stderr)
        return None


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
    # Shortest first: each batch then holds texts of similar length, so a model pads little and a run
    # of 2048-text batches encodes as fast as one call over every text (which sorts by length itself).
    todo.sort(key=lambda i: len(unique[i]))
    vectors: dict[str, np.ndarray] = dict(have)
    for start in range(0, len(todo), batch):
        idx = todo[start : start + batch]
        out = encode([unique[i] for i in idx])
        if cache is not None:
            cache.put_many([keys[i] for i in idx], out)
        for i, vec in zip(idx, out, strict=True):
            vectors[keys[i]] = vec
        if progress:
            progress(len(idx))
    position = {t: vectors[k] for t, k in zip(unique, keys, strict=True)}
    if not unique:
        return np.zeros((0, 0), dtype=np.float32), 0
    dims = sorted({vec.shape[0] for vec in vectors.values()})
    if len(dims) > 1:  # cached vectors from a model whose output changed without a new name/revision/settings
        where = f" (cache {cache.path})" if cache is not None else ""
        raise WorkBenchError(
            f"embeddings of different dimensions {dims} for one model and role{where}: the model's "
            "output changed without a new revision; give it a new revision or delete the cache file"
        )
    return np.stack([position[t] for t in texts]).astype(np.float32, copy=False), len(todo)


def namespace_for(model_info, role: str, input_type: str, prompt: str | None) -> dict:
    namespace = {
        "model": model_info.name,
        "revision": model_info.revision,
        "settings": model_info.settings,
        "role": role,
        "input_type": input_type,
        "prompt": prompt,
        "prompt_sha": sha256_text(prompt or ""),
    }
    libraries = getattr(model_info, "libraries", None)
    if libraries:  # not identity, but a cache never hands a newer library the vectors an older one computed
        namespace["libraries"] = libraries
    return namespace


class CheckedEncoder:
    """One side's calls to model.encode, rejecting output that would silently corrupt scores (checked
    before anything is cached, so the cache only ever holds checked vectors)."""

    def __init__(self, model, role: str, input_type: str, group: str | None):
        self.model, self.role, self.input_type, self.group = model, role, input_type, group
        self.dim: int | None = None

    def __call__(self, texts: list[str]) -> np.ndarray:
        out = self.model.encode(list(texts), role=self.role, input_type=self.input_type, group=self.group)
        out = checked_matrix(out, self.model.info.name, texts)
        if self.dim is None:
            self.dim = out.shape[1]
        elif out.shape[1] != self.dim:
            raise WorkBenchError(
                f"model {self.model.info.name}: embedding dimension changed between calls ({self.dim} → {out.shape[1]})"
            )
        return out


ROLE_PLURALS = {"query": "queries", "target": "targets"}  # a bar's label: "encode queries", not "encode querys"


def progress_bar(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="text", disable=not enabled or total == 0, file=sys.stderr, leave=False)


def _counting(bar, run):
    """The encode loop's progress callback: the step's bar and, inside a run, the run's line."""
    if run is None:
        return bar.update

    def step(n: int) -> None:
        bar.update(n)
        run.texts(done=n)

    return step


class CachedModel:
    """An embedding model behind the embedding cache in `folder` (None: no cache, still checked and
    each unique text encoded once). `encode` returns one checked float32 row per text; `texts_encoded`
    counts the texts the model itself had to encode. The wrapped model is `.model`."""

    def __init__(self, model, folder: Path | None, *, progress: bool = False):
        self.model, self.folder, self.progress = model, folder, progress
        self.info = model.info
        self.texts_encoded = 0

    def prompt_for(self, *, role: str, input_type: str, group: str | None = None) -> str | None:
        return prompt_of(self.model, role=role, input_type=input_type, group=group)

    def encode(self, texts: Sequence[str], *, role: str, input_type: str, group: str | None = None) -> np.ndarray:
        prompt = self.prompt_for(role=role, input_type=input_type, group=group)
        # A model whose embeddings depend on role, input type and group only through the prompt (it says
        # so with `encode_depends_only_on_prompt`) keeps one cache per prompt: a skill encoded as a target
        # by one task is not encoded again as another task's query.
        shared = bool(getattr(self.model, "encode_depends_only_on_prompt", False))
        namespace = namespace_for(self.info, "any" if shared else role, "any" if shared else input_type, prompt)
        cache = open_cache(self.folder, namespace)
        encoder = CheckedEncoder(self.model, role, input_type, group)
        unique, run = len(set(texts)), run_progress.current()
        if run is not None:
            run.texts(seen=unique)
        try:
            with progress_bar(unique, f"encode {ROLE_PLURALS.get(role, role)}", self.progress) as bar:
                matrix, encoded = encode_with_cache(list(texts), encoder, cache, progress=_counting(bar, run))
        finally:
            if cache:
                cache.close()
        if run is not None:
            run.texts(done=unique - encoded)  # the texts read from the cache
        self.texts_encoded += encoded
        return matrix
