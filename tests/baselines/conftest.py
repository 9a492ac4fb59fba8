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
    from workbench.models.registry import load_model

    return load_model("all-MiniLM-L6-v2", show_progress=False)


@pytest.fixture(scope="session")
def e5():
    from workbench.models.registry import load_model

    return load_model("multilingual-e5-small")


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """A Hugging Face cache holding REPO at COMMIT in huggingface_hub's layout (models--ORG--NAME/snapshots/
    <commit>/ + refs/main), its files linked to the pip-installed MiniLM weights; the hub stays offline."""
    import shutil
    from types import SimpleNamespace

    from workbench.models.weights import minilm_folder

    hub = SimpleNamespace(
        path=tmp_path / "hf-hub",
        repo="sentence-transformers/all-MiniLM-L6-v2",
        commit="c9745ed1d9f207416be6d2e6f8de32d1f16199bf",
    )
    repo = hub.path / f"models--{hub.repo.replace('/', '--')}"
    shutil.copytree(minilm_folder(), repo / "snapshots" / hub.commit, copy_function=os.symlink)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(hub.commit)
    monkeypatch.setenv("HF_HUB_CACHE", str(hub.path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return hub
