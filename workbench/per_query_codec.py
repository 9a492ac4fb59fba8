"""How one metric's per-query values are written in a result file: little-endian float32, as text.

Two forms are read, each blob saying which it is, so that files of both kinds (and a file that mixes
them) read the same values:

* ``"zlib:" + base64(zlib(float32 bytes))``, written since per-query values take most of a result
  file: scores repeat (0, 1, 1/2, 1/3 …) and compress to about a fifth;
* ``base64(float32 bytes)``, the original form (``:`` is not a base64 character, so a blob of this
  form never starts with the prefix).

The decoded values are the same float32 numbers either way, so aggregates, fingerprints and the
leaderboard do not depend on the form.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
import zlib
from pathlib import Path

import numpy as np

ZLIB_PREFIX = "zlib:"
FLOAT_BYTES = 4


def pack(values: np.ndarray) -> str:
    """The compressed form of ``values`` (stored as float32)."""
    raw = np.asarray(values, dtype="<f4").tobytes()
    return ZLIB_PREFIX + base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def _raw_bytes(blob: str, max_values: int | None) -> bytes:
    if not blob.startswith(ZLIB_PREFIX):
        return base64.b64decode(blob)
    compressed = base64.b64decode(blob[len(ZLIB_PREFIX):], validate=True)
    inflate = zlib.decompressobj()
    try:
        if max_values is None:
            return inflate.decompress(compressed) + inflate.flush()
        # one value more than allowed is enough to tell "too many" without inflating a hostile blob
        raw = inflate.decompress(compressed, FLOAT_BYTES * (max_values + 1))
    except zlib.error as err:
        raise ValueError(f"not a zlib stream ({err})") from None
    if not inflate.eof and len(raw) <= FLOAT_BYTES * max_values:
        raise ValueError("the zlib stream is cut short")
    return raw


def unpack(blob: str, max_values: int | None = None) -> np.ndarray:
    """The values of a blob of either form as float64; ValueError when it is not one.

    ``max_values`` bounds the inflated size of a compressed blob (a file's own query count)."""
    try:
        raw = _raw_bytes(blob, max_values)
    except (binascii.Error, zlib.error) as err:
        raise ValueError(str(err)) from None
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
            return (f"per_query.values.{name} holds {len(blob)} base64 characters; {queries} float32 values "
                    f"take {expected}")
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


def compress_file(path: Path) -> bool:
    """Rewrite one result file with its per-query values in the compressed form; nothing else changes.

    Returns False (file untouched) when it holds no blob of the original form. The values read back
    bit for bit, and every other byte of the file stays as it was (the file is re-serialised the way
    the writer writes it, which is checked on the unchanged content first)."""
    from .io import atomic_write_json, json_text

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
    if plain:
        atomic_write_json(path, data)
    return bool(plain)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.per_query_codec",
                                     description="Compress the per-query values of every result file under FOLDER.")
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
