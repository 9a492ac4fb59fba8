"""One row per distinct model: a copy under another name is a duplicate, and the original keeps its rank.

Two accepted files of one task under two model names are copies of one another when
- their per-query values are equal (a result file renamed), or
- their models have one identity: revision plus the settings and prompts that change scores (the same
  weights run the same way under a new name).

Which one is the original is decided by what the files cannot say about themselves:
1. verification: the one file of the group the verification ledger verified;
2. else the order the repository received them (`received.py`): the file whose first commit is an
   ancestor of every other's first commit (a file not in the history came after every committed one).
When neither decides (no git checkout, files received in one commit or on parallel branches), no copy is
chosen: every file of the group is listed (`duplicate-undecided`) and none is ranked. A file's own
`created_at`, and the way its name sorts, never decide.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from workbench.io import stable_hash
from workbench.results.result_file import ModelRecord

from .collect import Collection, Entry, Refusal
from .received import ReceivedOrder

RENAMED = "renamed-duplicate"
UNDECIDED = "duplicate-undecided"


def model_identity(record: ModelRecord) -> str:
    return stable_hash({"revision": record.revision, "settings": record.settings, "prompts": record.prompts})


def values_digest(entry: Entry) -> str:
    """The per-query values and query ids of a file, whatever model name it carries."""
    digest = hashlib.sha256(entry.result.per_query.query_ids_sha256.encode("ascii"))
    for metric, array in sorted(entry.result.per_query.decode().items()):
        digest.update(metric.encode("utf-8") + b"\0" + array.astype("<f4").tobytes())
    return digest.hexdigest()


def _groups(collection: Collection) -> list[list[tuple[str, str]]]:
    """Keys (model, task) of accepted files that copy one another under several names, per task."""
    parent: dict[tuple[str, str], tuple[str, str]] = {key: key for key in collection.accepted}

    def find(key):
        while parent[key] != key:
            key = parent[key]
        return key

    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for key in sorted(collection.accepted):
        entry = collection.accepted[key]
        for mark in (("values", values_digest(entry)), ("model", model_identity(entry.result.model))):
            first = seen.setdefault((key[1], *mark), key)
            parent[find(key)] = find(first)
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key in sorted(collection.accepted):
        groups.setdefault(find(key), []).append(key)
    return [g for g in groups.values() if len({m for m, _ in g}) > 1]


def _original(entries: list[Entry], order: ReceivedOrder) -> tuple[Entry | None, str]:
    verified = [e for e in entries if e.verified]
    if len(verified) == 1:
        return verified[0], "it is the verified one"
    pool = verified or entries
    first = order.first_of([e.path for e in pool])
    if first is not None:
        return next(e for e in pool if e.path == first), "the repository received it first"
    return None, order.why_undecided([e.path for e in pool])


def drop_renamed_duplicates(collection: Collection, split: str, results_dir: Path | None = None) -> None:
    """Refuse (in place) every accepted file that copies another name's file; see the module doc."""
    order = collection.order if collection.order is not None else ReceivedOrder.of(results_dir)
    for keys in _groups(collection):
        entries = [collection.accepted[k] for k in keys]
        original, why = _original(entries, order)
        for key, entry in zip(keys, entries, strict=True):
            if entry is original:
                continue
            del collection.accepted[key]
            if original is None:
                names = ", ".join(repr(e.result.model.name) for e in entries if e is not entry)
                reason = f"copies {names} on {key[1]} ({split}) or is copied by it; no original chosen: {why}"
                collection.refused.append(Refusal(entry.path, UNDECIDED, reason))
                continue
            name = original.result.model.name
            collection.refused.append(
                Refusal(
                    entry.path,
                    RENAMED,
                    f"model {key[0]!r} on {key[1]} ({split}) is {name!r} under another name (same per-query values "
                    f"or same revision {entry.result.model.revision[:12]} and settings); {original.path} is the "
                    f"original ({why}) and only {name!r} is ranked",
                )
            )
    collection.refused.sort(key=lambda r: (r.path, r.kind))


__all__ = ["RENAMED", "UNDECIDED", "drop_renamed_duplicates", "model_identity", "values_digest"]
