"""One row per distinct model: the same weights run the same way under two names are one model.

A model's identity is its revision plus the settings and prompts that change scores (both are recorded
in every result file). When two model names on a board share an identity, the name that reached the
board first (earliest `created_at` of its results; ties: the name that sorts first) keeps its row and
the other name's files are refused as `renamed-duplicate`, with the name they duplicate.
"""

from __future__ import annotations

from workbench.io import stable_hash
from workbench.results import ModelRecord

from .collect import Collection, Entry, Refusal

RENAMED = "renamed-duplicate"


def model_identity(record: ModelRecord) -> str:
    return stable_hash({"revision": record.revision, "settings": record.settings, "prompts": record.prompts})


def first_submitted(collection: Collection) -> dict[str, tuple[str, str]]:
    """identity -> (earliest created_at, model name) over the accepted results."""
    out: dict[str, tuple[str, str]] = {}
    for entry in collection.accepted.values():
        key = model_identity(entry.result.model)
        here = (entry.result.created_at, entry.result.model.name)
        if key not in out or here < out[key]:
            out[key] = here
    return out


def drop_renamed_duplicates(collection: Collection, split: str) -> None:
    """Refuse (in place) every accepted file whose model duplicates an earlier name's identity."""
    owner = first_submitted(collection)
    for key in sorted(collection.accepted):
        entry: Entry = collection.accepted[key]
        record = entry.result.model
        first = owner[model_identity(record)][1]
        if first != record.name:
            del collection.accepted[key]
            collection.refused.append(
                Refusal(
                    entry.path,
                    RENAMED,
                    f"model {record.name!r} ({split}) is {first!r} under another name: same revision "
                    f"{record.revision[:12]} and settings; only {first!r} is ranked",
                )
            )
    collection.refused.sort(key=lambda r: (r.path, r.kind))


__all__ = ["RENAMED", "drop_renamed_duplicates", "first_submitted", "model_identity"]
