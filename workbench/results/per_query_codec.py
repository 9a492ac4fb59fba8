"""How one metric's per-query values, and the query ids, are written in a result file.

Values are little-endian float32, as text.

Two forms are read, each blob saying which it is, so that files of both kinds (and a file that mixes
them) read the same values:

* ``"zlib:" + base64(zlib(float32 bytes))``, written since per-query values take most of a result
  file: scores repeat (0, 1, 1/2, 1/3 …) and compress to about a fifth;
* ``base64(float32 bytes)``, the original form (``:`` is not a base64 character, so a blob of this
  form never starts with the prefix).

The decoded values are the same float32 numbers either way, so aggregates, fingerprints and the
leaderboard do not depend on the form.

A file's query ids are stored the same two ways: ``"zlib:" + base64(zlib(compact JSON list))``, or the
original plain JSON list; both read to the same list (`pack_ids`, `unpack_ids`).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np

ZLIB_PREFIX = "zlib:"
FLOAT_BYTES = 4
# A compressed id list may inflate to at most this many bytes per query (JSON, quotes and comma included;
# the longest committed id takes 136), so a hostile blob is never inflated beyond what its query count
# allows. A list with longer ids is written in the plain form, which every reader accepts.
MAX_ID_BYTES = 1024
# No blob is inflated past this many values, whoever asks: a caller without a query count (None) gets this
# ceiling, a caller with one at most one value more than it (the largest task has under 20,000 queries).
MAX_VALUES = 16 * 2**20


def _deflate(raw: bytes) -> str:
    """A ``zlib:`` blob of ``raw`` (the one compressed form of values and ids; `_inflate` reads it)."""
    return ZLIB_PREFIX + base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def pack(values: np.ndarray) -> str:
    """The compressed form of ``values`` (stored as float32)."""
    return _deflate(np.asarray(values, dtype="<f4").tobytes())


def _inflate(blob: str, max_bytes: int | None) -> bytes:
    """The inflated bytes of a ``zlib:`` blob, at most ``max_bytes`` of them (None: all); a caller passes one
    unit more than it allows, which tells "too many" without inflating a hostile blob any further."""
    compressed = base64.b64decode(blob[len(ZLIB_PREFIX) :], validate=True)
    inflate = zlib.decompressobj()
    try:
        if max_bytes is None:
            return inflate.decompress(compressed) + inflate.flush()
        raw = inflate.decompress(compressed, max_bytes)
    except zlib.error as err:
        raise ValueError(f"not a zlib stream ({err})") from None
    if not inflate.eof and len(raw) < max_bytes:
        raise ValueError("the zlib stream is cut short")
    return raw


def _raw_bytes(blob: str, max_values: int) -> bytes:
    if not blob.startswith(ZLIB_PREFIX):
        return base64.b64decode(blob)  # as long as the blob allows: the result file's size is bounded
    return _inflate(blob, FLOAT_BYTES * (max_values + 1))


def unpack(blob: str, max_values: int | None = None) -> np.ndarray:
    """The values of a blob of either form as float64; ValueError when it is not one.

    ``max_values`` bounds the inflated size of a compressed blob (a file's own query count): at most one
    value more is inflated, so the caller sees "too many" without a hostile blob being inflated any further.
    No blob is inflated past `MAX_VALUES` (more is a ValueError), with or without ``max_values``."""
    bound = MAX_VALUES if max_values is None else min(max_values, MAX_VALUES)
    try:
        raw = _raw_bytes(blob, bound)
    except (binascii.Error, zlib.error) as err:
        raise ValueError(str(err)) from None
    if len(raw) > FLOAT_BYTES * MAX_VALUES:
        raise ValueError(f"more than {MAX_VALUES} values in one blob")
    if len(raw) % FLOAT_BYTES:
        raise ValueError(f"{len(raw)} bytes is not a whole number of float32 values")
    return np.frombuffer(raw, dtype="<f4").astype(np.float64)


def _base64_length(n_bytes: int) -> int:
    return 4 * ((n_bytes + 2) // 3)


def size_problem(name: str, blob: str, queries: int) -> str | None:
    """Why ``blob`` cannot hold exactly ``queries`` values, or None; inflates no more than that many."""
    if not blob.startswith(ZLIB_PREFIX):
        expected = _base64_length(FLOAT_BYTES * queries)
        if len(blob) != expected:
            return (
                f"per_query.values.{name} holds {len(blob)} base64 characters; {queries} float32 values take {expected}"
            )
        return None
    try:
        count = len(unpack(blob, max_values=queries))
    except ValueError as err:
        return f"per_query.values.{name} is not zlib-compressed float32 values ({err})"
    if count > queries:
        return f"per_query.values.{name} holds more than {queries} float32 values, one per query"
    if count < queries:
        return f"per_query.values.{name} holds {count} float32 values for {queries} queries"
    return None


def _ids_json(ids: list[str]) -> bytes:
    return json.dumps(ids, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _ids_budget(queries: int) -> int:
    """The most bytes the JSON list of ``queries`` ids may take in the compressed form ("[]" plus ids)."""
    return 2 + MAX_ID_BYTES * queries


def pack_ids(ids: list[str]) -> str | list[str]:
    """The compressed form of a list of query ids, or the plain list when its ids are longer than
    `MAX_ID_BYTES` on average (a reader refuses to inflate more)."""
    text = _ids_json(list(ids))
    if len(text) > _ids_budget(len(ids)):
        return list(ids)
    return _deflate(text)


def unpack_ids(stored: Any, queries: int) -> Any:
    """The list of query ids a result file stores, of either form; ValueError naming the field when a
    compressed blob is damaged, inflates past the budget of ``queries`` ids, or either form holds another
    number of ids than ``queries``. Anything but a list or a string is returned as it is (the schema
    names it)."""
    if isinstance(stored, str):
        stored = _unpack_id_blob(stored, queries)
    if isinstance(stored, list) and len(stored) != queries:
        raise ValueError(f"per_query.query_ids lists {len(stored)} ids for {queries} queries")
    return stored


def _unpack_id_blob(blob: str, queries: int) -> list:
    what = "per_query.query_ids is not a zlib-compressed JSON list of ids"
    if not blob.startswith(ZLIB_PREFIX):
        raise ValueError(f"{what} (no {ZLIB_PREFIX!r} prefix)")
    budget = _ids_budget(queries)
    try:
        raw = _inflate(blob, budget + 1)
    except ValueError as err:  # binascii.Error is a ValueError
        raise ValueError(f"{what} ({err})") from None
    if len(raw) > budget:
        raise ValueError(
            f"per_query.query_ids inflates to more than {budget} bytes, the most {queries} ids "
            f"may take ({MAX_ID_BYTES} per query)"
        )
    try:
        ids = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:  # RecursionError: deep nesting
        raise ValueError(f"{what} ({err})") from None
    if not isinstance(ids, list):
        raise ValueError(f"{what} (it holds a JSON {type(ids).__name__})")
    return ids


def compress_file(path: Path) -> bool:
    """Rewrite one result file with its per-query values and query ids in the compressed form; nothing
    else changes.

    Returns False (file untouched) when it holds nothing of the original form. The values read back
    bit for bit, the ids as the same list, and every other byte of the file stays as it was (the file is
    re-serialised the way the writer writes it, which is checked on the unchanged content first)."""
    from workbench.io import atomic_write_json, json_text

    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    if json_text(data) != text:
        raise ValueError(f"{path}: not in the writer's layout (sorted keys, indent 1); not rewritten")
    values = data["per_query"]["values"]
    plain = [name for name, blob in values.items() if not blob.startswith(ZLIB_PREFIX)]
    for name in plain:
        before = unpack(values[name])
        values[name] = pack(before)
        if unpack(values[name]).tobytes() != before.tobytes():
            raise ValueError(f"{path}: per_query.values.{name} does not read back the same")
    ids_changed = _compress_ids(path, data["per_query"])
    if plain or ids_changed:
        atomic_write_json(path, data)
    return bool(plain) or ids_changed


def _compress_ids(path: Path, per_query: dict) -> bool:
    ids = per_query.get("query_ids")
    packed = pack_ids(ids) if isinstance(ids, list) else None
    if not isinstance(packed, str):  # no ids, already compressed, or ids too long for the compressed form
        return False
    if unpack_ids(packed, len(ids)) != ids:
        raise ValueError(f"{path}: per_query.query_ids does not read back the same")
    per_query["query_ids"] = packed
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workbench.results.per_query_codec",
        description="Compress the per-query values and query ids of every result file under FOLDER.",
    )
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    changed = failed = 0
    for path in sorted(args.folder.rglob("*.json")):
        try:
            changed += compress_file(path)
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as err:
            failed += 1
            print(f"{path}: {err}", file=sys.stderr)
    print(f"{changed} result files compressed, {failed} failed, under {args.folder}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
