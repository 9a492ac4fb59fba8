"""Helpers for the reliability tests: fixture releases, the CLI in a subprocess, result comparison.

The ESCO fixture writer lives in tests/esco_fixture.py (tests/ is on sys.path under pytest).
"""

from __future__ import annotations

import functools
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from esco_fixture import (  # noqa: F401
    CLASSIFICATION_ZIP,
    ESCO_VERSION_DIR,
    FIXTURE_OCCUPATIONS,
    FIXTURE_SKILLS,
    RELATIONS_ZIP,
    write_esco_release,
)

if TYPE_CHECKING:  # numpy is imported where used: the helpers run in light subprocesses
    import numpy as np

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "workbench.fronts.cli"]

# Fields of a result file that legitimately differ between two runs of the same work.
VOLATILE = ("created_at", "timing", "environment")


def cli(*args: str, cache_dir: Path, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `workbench ARGS` in a fresh interpreter; returns the completed process (text output)."""
    full_env = {**os.environ, "WORKBENCH_CACHE_DIR": str(cache_dir), **(env or {})}
    full_env.pop("WORKBENCH_DATA_DIR", None)  # every test names its data directory explicitly
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO)


def comparable(path: Path) -> dict:
    """A result file's content without the fields that depend on the clock."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for key in VOLATILE:
        data.pop(key, None)
    return data


def result_files(folder: Path) -> dict[str, Path]:
    """{relative path: path} of every result file under an output folder."""
    return {p.relative_to(folder).as_posix(): p for p in sorted(Path(folder).rglob("*.json"))}


def write_big_release(
    root: Path, folder: str = "esco/big", n_skills: int = 4000, n_occupations: int = 1200, seed: int = 7
) -> Path:
    """A larger release in the publisher's layout (same writer as the fixture), slow enough to interrupt."""
    rng = random.Random(seed)
    words = (
        "manage",
        "operate",
        "install",
        "repair",
        "design",
        "analyse",
        "teach",
        "clean",
        "drive",
        "cook",
        "software",
        "machines",
        "accounts",
        "patients",
        "vehicles",
        "pipes",
        "budgets",
        "gardens",
        "data",
        "networks",
        "customers",
        "materials",
        "safety",
        "quality",
        "stock",
        "records",
        "tools",
        "food",
    )
    skills = []
    for i in range(n_skills):
        label = " ".join(rng.sample(words, 3)) + f" {i}"
        alts = [" ".join(rng.sample(words, 2)) + f" {i}", f"{label} tasks"]
        skills.append((f"s{i}", label, alts, "knowledge" if i % 3 else "skill/competence"))
    slugs = [s[0] for s in skills]
    occupations = []
    for j in range(n_occupations):
        label = " ".join(rng.sample(words, 2)) + f" worker {j}"
        chosen = rng.sample(slugs, 8)
        occupations.append(
            (
                f"o{j}",
                label,
                [f"{label} assistant"],
                f"{rng.randint(1, 9)}{rng.randint(100, 999)}",
                chosen[:5],
                chosen[5:],
            )
        )
    tmp = root / "_big_tmp"
    release = write_esco_release(tmp, skills=skills, occupations=occupations)
    target = root / folder
    target.parent.mkdir(parents=True, exist_ok=True)
    release.rename(target)
    for leftover in sorted(tmp.rglob("*"), reverse=True):
        leftover.rmdir()
    tmp.rmdir()
    return target


def task_file(
    path: Path,
    name: str,
    *,
    loader: str = "esco_job2skill",
    folder: str = ESCO_VERSION_DIR,
    files: dict | None = None,
    **overrides,
) -> Path:
    """Write a task YAML (ESCO job2skill by default) for data under `folder` of the data directory."""
    data = {
        "name": name,
        "version": 1,
        "description": f"Reliability test task {name} on a fixture release.",
        "group": "job2skill",
        "query_type": "job_title",
        "target_type": "skill_name",
        "languages": {"query": ["en"], "target": ["en"]},
        "source": {
            "loader": loader,
            "files": files
            if files is not None
            else {"classification": f"{folder}/{CLASSIFICATION_ZIP}", "relations": f"{folder}/{RELATIONS_ZIP}"},
            "params": {"language": "en"},
        },
        "splits": {"method": "partition", "available": ["train", "val", "test", "full"]},
        "metrics": ["map", "mrr", "rp@10"],
        "main_score": "map",
        "license": "test data",
        "citation": "test",
    }
    data.update(overrides)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def rewrite_member(zip_path: Path, member: str, edit) -> None:
    """Rewrite one member of a fixture zip (`edit(text) -> text`), keeping the others byte for byte."""
    with zipfile.ZipFile(zip_path) as archive:
        contents = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    contents[member] = edit(contents[member].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(zip_path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def shake_encode(texts) -> np.ndarray:
    """A cheap deterministic 'embedding' (SHAKE-256 of the text as 128 floats in [0, 1)) for cache tests."""
    import hashlib

    import numpy as np

    out = np.empty((len(texts), 128), dtype=np.float32)
    for row, text in enumerate(texts):
        raw = np.frombuffer(hashlib.shake_256(text.encode("utf-8")).digest(512), dtype="<u4")
        out[row] = raw.astype(np.float64) / 2.0**32
    return out


@functools.lru_cache(maxsize=1)
def _load_minilm():
    from workbench.models.registry import load_model

    return load_model("all-MiniLM-L6-v2", device="cpu")


@pytest.fixture
def minilm():
    """all-MiniLM-L6-v2, loaded once per test process (loading it is the slow part). No conftest.py here:
    tests/catalog imports names from the module called `conftest`, which a second conftest would shadow."""
    pytest.importorskip("sentence_transformers")
    return _load_minilm()
