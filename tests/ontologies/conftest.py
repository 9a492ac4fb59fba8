"""Fixtures for the ontology loader tests: the real data folder (for @pytest.mark.data) and a private cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Keep the datasets Arrow cache of read_table out of the user's ~/.cache."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("workbench-cache")))


@pytest.fixture
def data_dir() -> Path:
    """The real releases (WORKBENCH_DATA_DIR); the test is skipped when it is unset or missing."""
    raw = os.environ.get("WORKBENCH_DATA_DIR")
    if not raw:
        pytest.skip("WORKBENCH_DATA_DIR is not set: real-data test skipped")
    path = Path(raw).expanduser()
    if not path.is_dir():
        pytest.skip(f"WORKBENCH_DATA_DIR={raw} is not a folder: real-data test skipped")
    return path


@pytest.fixture
def data_path(data_dir):
    """data_path("esco", "v1.1.1") -> the real path, or skip the test when it is absent."""

    def get(*parts: str) -> Path:
        path = data_dir.joinpath(*parts)
        if not path.exists():
            pytest.skip(f"{path} is not in WORKBENCH_DATA_DIR: real-data test skipped")
        return path

    return get
