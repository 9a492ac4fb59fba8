"""The scoring version: which code built the dataset and computed the scores of a result.

`SCORING_VERSION` is declared here and written into every result file; it enters the result's
fingerprint, so the result store never reuses a file of another scoring version (or one written before
there were scoring versions): it recomputes it. `SCORING_CODE_SHA256` records the digest of that code
(`scoring_code_digest`) as of the current version; tests/core/test_scoring_version.py fails when the code
changes while the version does not move, so a metric or parser fix cannot silently keep old numbers.

The code it covers, and why:
- `dataset/ranking.py`, every module of `sources/` (`partition.py` among them) and `ontologies/`: publishers'
  files -> queries, targets, relevance, splits (what is ranked and what counts as relevant);
- every module of `scoring/` and `metrics/`: the score matrix, tie handling, the per-query metrics;
- of `dataset/builder.py`, the functions that build the dataset and select a split; of `running/task.py`, the
  one that evaluates a model on it; of `results/result_file.py` / `results/per_query_codec.py` the ones that
  turn per-query values into the stored float32 values and aggregates.
Not covered: caches (they never change a value: docs/caches.md), file I/O and checksums (data enter the
fingerprint by their checksums), result-file plumbing, the models (their revision and settings are identity).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from functools import cache

SCORING_VERSION = 1

# scoring_code_digest() for SCORING_VERSION. Changed code that can change any score or per-query value: move
# SCORING_VERSION up by one and record the new digest here. Code that cannot (comments, formatting, a refactor
# whose outputs `workbench leaderboard regenerate` finds identical): record the new digest only.
SCORING_CODE_SHA256 = "660589bb0c395df89128d6056bdccadd9445fbcbdf2ff1f5b0dc1693f0346749"

# Whole modules (packages: every module in them) and single functions (module:qualname).
SCORING_MODULES = (
    "workbench.dataset.ranking",
    "workbench.scoring",
    "workbench.metrics",
    "workbench.sources",
    "workbench.ontologies",
)
SCORING_FUNCTIONS = (
    "workbench.dataset.builder:DatasetBuilder.build",
    "workbench.dataset.builder:DatasetBuilder.dataset",
    "workbench.running.task:Task.evaluate",
    "workbench.results.result_file:encode_per_query",
    "workbench.results.result_file:aggregate_scores",
    "workbench.results.per_query_codec:pack",
)


def _module_names(name: str) -> list[str]:
    """The module itself, and for a package every module under it (sorted: the digest never depends on the
    order the file system lists files in)."""
    module = importlib.import_module(name)
    names = [name]
    if hasattr(module, "__path__"):
        names += sorted(info.name for info in pkgutil.walk_packages(module.__path__, prefix=f"{name}."))
    return names


def scoring_sources() -> list[tuple[str, str]]:
    """(label, source text) of the covered code, labels being module and function names (never file paths,
    which differ between an editable and a wheel install)."""
    out = []
    for name in SCORING_MODULES:
        for module_name in _module_names(name):
            out.append((module_name, inspect.getsource(importlib.import_module(module_name))))
    for reference in SCORING_FUNCTIONS:
        module_name, qualname = reference.split(":")
        target = importlib.import_module(module_name)
        for part in qualname.split("."):
            target = getattr(target, part)
        out.append((reference, inspect.getsource(target)))
    return out


def digest_of(sources: Iterable[tuple[str, str]]) -> str:
    """sha256 over (label, text) pairs; line endings normalised (a Windows checkout gives the same digest)."""
    digest = hashlib.sha256()
    for label, text in sources:
        body = text.replace("\r\n", "\n").encode("utf-8")
        digest.update(label.encode("utf-8") + b"\0" + str(len(body)).encode() + b"\0" + body)
    return digest.hexdigest()


@cache
def scoring_code_digest() -> str:
    """The digest of the code this process scores with (recorded in each result's environment)."""
    return digest_of(scoring_sources())
