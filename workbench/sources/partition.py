"""Deterministic splits.

- `hash_split`: a query id's hash picks its split; used by sources without published splits.
- `stratified_partition`: the shared ESCO concept partition (about 70/10/20 train/val/test): within
  each stratum, concepts are ordered by a seeded hash of their URI and cut at the fractions, so the
  proportions hold per stratum and every task derived from ESCO agrees on which concept is where.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence

DEFAULT_FRACTIONS = {"train": 0.7, "val": 0.1, "test": 0.2}
DEFAULT_SEED = "workbench-v1"


def unit_hash(key: str, seed: str = DEFAULT_SEED) -> float:
    digest = hashlib.sha256(f"{seed}\x00{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def hash_split(key: str, fractions: Mapping[str, float], seed: str = DEFAULT_SEED) -> str:
    value = unit_hash(key, seed)
    cumulative = 0.0
    for name, share in fractions.items():
        cumulative += share
        if value < cumulative:
            return name
    return list(fractions)[-1]


def stratified_partition(
    ids: Sequence[str],
    strata: Sequence[str] | None = None,
    fractions: Mapping[str, float] = DEFAULT_FRACTIONS,
    seed: str = DEFAULT_SEED,
) -> dict[str, str]:
    groups: dict[str, list[str]] = defaultdict(list)
    for i, key in enumerate(ids):
        groups[strata[i] if strata is not None else ""].append(key)
    names = list(fractions)
    assigned: dict[str, str] = {}
    for members in groups.values():
        members = sorted(set(members), key=lambda k: unit_hash(k, seed))
        n = len(members)
        cuts, cumulative = [], 0.0
        for name in names:
            cumulative += fractions[name]
            cuts.append(round(cumulative * n))
        start = 0
        for name, stop in zip(names, cuts, strict=True):
            for key in members[start:stop]:
                assigned[key] = name
            start = stop
    return assigned
