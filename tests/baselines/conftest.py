"""Real local models, loaded once per session (the Hugging Face hub is never contacted)."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session", autouse=True)
def _session_cache_dir(tmp_path_factory):
    """File-hash memos and assembled models of this session go to a temporary cache, not ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("wb-cache")))
        yield


@pytest.fixture(scope="session")
def minilm():
    from workbench.registry import load_model

    return load_model("all-MiniLM-L6-v2", show_progress=False)


@pytest.fixture(scope="session")
def e5():
    from workbench.registry import load_model

    return load_model("multilingual-e5-small")
