"""Shared fixtures: the fixture ESCO release (tests/esco_fixture.py), a cache dir, and the real data dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from esco_fixture import ESCO_VERSION_DIR, write_esco_release
from fast_loop import pytest_collection_finish, pytest_ignore_collect, pytest_runtest_call, pytest_runtest_setup  # noqa: F401

# No test may reach the internet: a run that lacks a data file reports it instead of fetching it. Tests
# of the fetch itself serve their files from 127.0.0.1 and turn this off for themselves.
os.environ.setdefault("WORKBENCH_OFFLINE", "1")


@pytest.fixture
def esco_data_dir(tmp_path) -> Path:
    root = tmp_path / "data"
    write_esco_release(root)
    return root


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    raw = os.environ.get("WORKBENCH_DATA_DIR")
    if not raw or not (Path(raw) / ESCO_VERSION_DIR).is_dir():
        pytest.skip("real data not available: set WORKBENCH_DATA_DIR to the shared data directory (../shared/data)")
    return Path(raw)
