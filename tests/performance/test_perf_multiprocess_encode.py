"""Multi-process encoding (`devices=[...]`): the CPU path of sentence-transformers' worker pool gives
the same embeddings as encoding in-process, and the pool is only used when it is asked for."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("sentence_transformers")

from workbench.baselines.sentence_transformers import SentenceTransformerModel, _pool_devices
from workbench.errors import WorkBenchError
from workbench.models.weights import minilm_folder

pytestmark = pytest.mark.torch

TEXTS = [
    "manage a team of employees",
    "lead a group of staff",
    "bake bread",
    "Python (computer programming)",
    "taxi driver",
    "administer medication",
    "use spreadsheets software",
    "secondary school teacher",
    "dress wounds",
    "database administrator",
    "prepare meals",
]


def test_pool_devices_only_when_asked_or_several_gpus():
    assert _pool_devices(["cpu", "cpu"], explicit_device=None) == ["cpu", "cpu"]
    assert _pool_devices(["cuda:0"], explicit_device=None) is None  # one device: no pool
    assert _pool_devices(None, explicit_device="cpu") is None  # an explicit single device wins
    with pytest.raises(WorkBenchError, match="devices must be a list"):
        _pool_devices("cuda:0", explicit_device=None)
    import torch

    auto = _pool_devices(None, explicit_device=None)
    if torch.cuda.is_available() and torch.cuda.device_count() > 1:
        assert auto == [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    else:
        assert auto is None


@pytest.mark.slow
def test_two_cpu_workers_equal_single_process():
    folder = minilm_folder()
    single = SentenceTransformerModel(folder, name="all-MiniLM-L6-v2", device="cpu", batch_size=2)
    multi = SentenceTransformerModel(folder, name="all-MiniLM-L6-v2", devices=["cpu", "cpu"], batch_size=2)
    try:
        assert single.devices is None and multi.devices == ["cpu", "cpu"]
        assert single.encode_depends_only_on_prompt  # its embedding cache is shared across roles
        # same identity: cached embeddings and result files do not depend on the parallelism
        assert multi.info == single.info
        expected = single.encode(TEXTS, role="target", input_type="skill_name")
        got = multi.encode(TEXTS, role="target", input_type="skill_name")
        assert got.shape == expected.shape == (len(TEXTS), 384) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)
        processes = multi._pool["processes"]
        assert len(processes) == 2
        # the pool is reused by the next call, and empty input never reaches it
        again = multi.encode(TEXTS[:3], role="query", input_type="skill_name")
        np.testing.assert_allclose(again, expected[:3], atol=1e-5, rtol=0)
        assert multi._pool["processes"] is processes
        assert multi.encode([], role="query", input_type="skill_name").shape == (0, 384)
    finally:
        multi.close()
    assert multi._pool is None
