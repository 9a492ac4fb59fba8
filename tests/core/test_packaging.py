"""The wheel holds every sub-package: a folder with __init__.py missing from pyproject's list installs
fine in editable mode (the tests' mode) and breaks only a real install (it once dropped workbench.sources)."""

from __future__ import annotations

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed, folders = set(config["packages"]), config["package-dir"]
    found = set()
    for package, folder in folders.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if "__pycache__" in rel.parts:
                continue
            found.add(".".join((package, *rel.parts)))
    assert found - listed == set(), f"packages missing from pyproject.toml: {sorted(found - listed)}"
