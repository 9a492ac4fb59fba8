"""Run by tests/scale/test_uwe_ddp.py, alone or under torchrun (2 processes, gloo on CPU).

ddp_probe.py step  DATA_DIR OUT.json             one training step's losses and gradients (dropout off)
ddp_probe.py train DATA_DIR RUN_DIR [CRASH_AT]   the tiny recipe, 4 steps, a checkpoint every 2 steps;
                                                 CRASH_AT: every rank stops after that step
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from workbench.uwe_reference import distributed
from workbench.uwe_reference import train as train_module
from workbench.uwe_reference.data import build_training_data
from workbench.uwe_reference.encoder import Encoder, resolve_base_model
from workbench.uwe_reference.recipes import get_recipe


def train_config():
    return get_recipe("tiny").with_options(max_steps=4).model_copy(update={"checkpoint_every": 2})


def one_step(data_dir: str, out: str) -> None:
    """Step 0 of the tiny recipe with each sampler: the losses and the gradient after the all-reduce."""
    torch.set_num_threads(1)
    distributed.init_from_env("cpu")
    encoder = Encoder.from_folder(resolve_base_model("all-MiniLM-L6-v2"), device="cpu").eval()  # no dropout
    report = {"world": distributed.world()[1]}
    for sampler in ("per-graph", "shared-skills"):
        config = get_recipe("tiny").with_options(sampler=sampler) if sampler != "per-graph" else get_recipe("tiny")
        data = build_training_data(data_dir, config.graphs)
        encoder.zero_grad(set_to_none=True)
        losses = train_module.backward_step(encoder, train_module.make_samplers(data, config), 0, config, None, None)
        distributed.sum_gradients(encoder.parameters())
        named = dict(encoder.named_parameters())
        small = [n for n, p in named.items() if p.numel() <= 1024 and p.grad is not None]
        probed = (small[0], small[-1])  # the first layer's and the last layer's, e.g. LayerNorm weights
        report[sampler] = {
            "losses": losses,
            "grad_norms": {n: float(p.grad.norm()) for n, p in named.items() if p.grad is not None},
            "probed": {n: named[n].grad.tolist() for n in probed},
        }
    if distributed.is_main():
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(report, handle)


def train_run(data_dir: str, run_dir: str, crash_at: int | None) -> None:
    if crash_at is not None:

        def crash(step: int) -> None:
            if step == crash_at:
                raise SystemExit(3)  # every rank, after the step's checkpoint (if one was due)

        train_module._on_step_end = crash
    train_module.train(train_config(), run_dir, data_dir=data_dir, progress=False)


if __name__ == "__main__":
    mode, data_dir, target, *rest = sys.argv[1:]
    if mode == "step":
        one_step(data_dir, target)
    else:
        train_run(data_dir, target, int(rest[0]) if rest else None)
