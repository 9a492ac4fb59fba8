"""The data manifest is package data (workbench/data/data_manifest.sha256) read by one function: it loads, holds
every file of the official data directory once, ships in the wheel, and a bad line is one clear error."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
import tomllib

from workbench.data.data_manifest import MANIFEST, MANIFEST_FILE, load_manifest
from workbench.errors import WorkBenchError

ROOT = Path(__file__).resolve().parents[2]
# shared/data/SHA256SUMS lists 327 files (tests/core/test_fetch.py checks each against the real folder)
OFFICIAL_FILES = 327


def test_the_manifest_file_loads_with_every_official_file_once():
    entries = load_manifest()
    assert entries == MANIFEST
    assert len(entries) == OFFICIAL_FILES
    assert len({e.path for e in entries}) == OFFICIAL_FILES
    assert all(len(e.sha256) == 64 and e.size and e.size > 0 for e in entries)
    relations = [e for e in entries if e.path.endswith("classification -  - csv.zip")]
    assert relations and relations[0].url.endswith("classification%20-%20%20-%20csv.zip")  # two spaces kept


def test_the_manifest_file_is_package_data_of_the_wheel():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]
    assert any(fnmatch.fnmatch(MANIFEST_FILE, glob) for glob in package_data.get("workbench.data", []))
    assert (ROOT / "workbench" / "data" / MANIFEST_FILE).is_file()


def test_comments_and_blank_lines_are_skipped_and_a_bad_line_names_its_place():
    digest = "ab" * 32
    entries = load_manifest(f"# header\n\n{digest}  12  crosswalks/esco-onet/x.csv\n", where="m.sha256")
    assert [(e.path, e.sha256, e.size) for e in entries] == [("crosswalks/esco-onet/x.csv", digest, 12)]
    with pytest.raises(WorkBenchError, match=r"^m\.sha256 line 2: not 'sha256  size  path': '.{64} x\.csv'$"):
        load_manifest(f"# header\n{digest} x.csv\n", where="m.sha256")
