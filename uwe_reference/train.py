"""Train UWE: one batch per active graph per step, weighted bidirectional many-to-many InfoNCE.

Layout of an output folder:

    recipe.json                     the config this folder trains (a resume must match it)
    checkpoints/step-0000050/       model.safetensors, state.pt (optimizer, scheduler, RNG), meta.json
    model/                          the final UWE folder (load with load_uwe / `--model uwe:DIR/model`)
    train_log.json                  per-step losses, wall time, pair counts

Checkpoints are written to a temporary folder and renamed (a crash never leaves half a checkpoint);
state.pt holds only tensors and plain containers and is read with torch.load(weights_only=True).
Batches are a pure function of (seed, graph, step) and the torch RNG is restored, so a resumed run
reproduces an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from workbench.errors import WorkBenchError
from workbench.io import atomic_write_json, stable_hash
from workbench.running.audit import PAIRS_FILE, write_pairs

from . import distributed
from .data import GraphSampler, SharedSkillsSampler, build_training_data
from .distributed import encode_global
from .encoder import BASE_MODELS, Encoder, resolve_base_model
from .late_interaction import late_interaction_scores
from .loss import bidirectional_infonce
from .model import UWEConfig, make_readable, save_uwe
from .recipes import RecipeConfig

STATE_FILE, WEIGHTS_FILE, META_FILE = "state.pt", "model.safetensors", "meta.json"


def _on_step_end(step: int) -> None:
    """Called after each completed (and, when due, checkpointed) step; tests patch it to simulate a crash."""


def _amp_dtype(config: RecipeConfig, device: torch.device) -> torch.dtype | None:
    if device.type != "cuda" or config.amp == "off":
        return None
    if config.amp == "fp16" or (config.amp == "auto" and not torch.cuda.is_bf16_supported()):
        return torch.float16
    return torch.bfloat16


def _lr_lambda(total: int, warmup: int):
    def factor(step: int) -> float:  # linear warm-up to the peak, then linear decay to 0
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    return factor


def graph_loss(encoder: Encoder, batch, config: RecipeConfig, skills=None) -> torch.Tensor:
    """Loss of one graph's batch: left items (jobs/sentences/aliases) ↔ skills, both directions.

    `skills`: the batch's skill texts already encoded (the shared-skills sampler encodes them once per step).
    """
    left = encode_global(encoder, batch.left_texts)
    skills = encode_global(encoder, batch.skill_texts) if skills is None else skills
    positives = batch.positives.to(left.tokens.device)  # the plain recipe's sampler gives the identity
    kw = dict(tau_a=config.tau_a, mode=config.scoring, attention=config.attention)
    # the scorer runs in float32 even under autocast: raw token dot products are ~10², and bf16 rounding
    # of those, divided by τa = 0.1, would move the attention logits by whole units
    lt, st = left.tokens.float(), skills.tokens.float()
    with torch.autocast(lt.device.type, enabled=False):
        scores_qt = late_interaction_scores(lt, left.mask, st, skills.mask, **kw)
        scores_tq = None
        if config.symmetric and config.scoring != "pooled":
            # late interaction is asymmetric: score skills as queries too (Skill2Job ranks that way)
            scores_tq = late_interaction_scores(st, skills.mask, lt, left.mask, **kw)
    return bidirectional_infonce(
        scores_qt,
        positives,
        config.temperatures[batch.graph],
        scores_tq=scores_tq,
        symmetric=config.symmetric,
        mask_other_positives=config.mask_other_positives,
    )


def make_samplers(data, config: RecipeConfig):
    """The shared-skills sampler, or one GraphSampler per graph (see data.py)."""
    if config.sampler == "shared-skills":
        return SharedSkillsSampler(data, config.graphs, config.batch_size, config.seed, config.sentence_padding)
    return {
        g: GraphSampler(
            data,
            g,
            config.batch_size,
            config.seed,
            per_edge=config.loss == "plain",
            sentence_padding=config.sentence_padding,
        )
        for g in config.graphs
    }


def backward_step(encoder: Encoder, samplers, step: int, config: RecipeConfig, amp, scaler) -> dict[str, float]:
    """Accumulate one step's gradients; returns the unweighted loss per graph.

    Per-graph batches: a backward per graph, so only one graph's activations are alive at a time.
    Shared skills: the step's skills are encoded once and every graph's loss is taken on those same
    encodings, then one backward (the skill embeddings are pulled by all relations at once).
    """
    device_type = encoder.device.type
    if isinstance(samplers, SharedSkillsSampler):
        batches = samplers.batches(step)
        with torch.autocast(device_type, dtype=amp, enabled=amp is not None):
            skills = encode_global(encoder, next(iter(batches.values())).skill_texts)
            losses = {g: graph_loss(encoder, b, config, skills=skills) for g, b in batches.items()}
            total = sum(config.loss_weights[g] * loss for g, loss in losses.items())
        (scaler.scale(total) if scaler else total).backward()
        return {g: float(loss.detach()) for g, loss in losses.items()}
    losses = {}
    for g in config.graphs:
        batch = samplers[g].batch(step)
        with torch.autocast(device_type, dtype=amp, enabled=amp is not None):
            loss = graph_loss(encoder, batch, config)
        weighted = config.loss_weights[g] * loss
        (scaler.scale(weighted) if scaler else weighted).backward()
        losses[g] = float(loss.detach())
    return losses


# -- checkpoints ----------------------------------------------------------------------------------
def kept_checkpoints(output_dir: Path) -> list[tuple[int, Path]]:
    root = output_dir / "checkpoints"
    found = []
    if root.is_dir():
        for path in root.iterdir():
            if path.name.startswith("step-") and (path / META_FILE).is_file():  # meta is written last
                try:
                    found.append((int(path.name[5:]), path))
                except ValueError:
                    continue
    return sorted(found)


def _save_checkpoint(
    output_dir: Path, step: int, encoder, optimizer, scheduler, scaler, history, config, rank_rng=None
) -> None:
    from safetensors.torch import save_file

    root = output_dir / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".step-{step:07d}.", suffix=".tmp", dir=root))
    try:
        save_file(encoder.state_for_saving(), str(staging / WEIGHTS_FILE))
        state = {
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "scaler": scaler.state_dict() if scaler is not None else {},
            "rng_cpu": torch.get_rng_state(),
            "rng_cpu_ranks": rank_rng or [],  # under torchrun: every rank's state, in rank order
            "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        }
        torch.save(state, staging / STATE_FILE)
        (staging / META_FILE).write_text(
            json.dumps({"step": step, "config_hash": _config_hash(config), "history": history}) + "\n", encoding="utf-8"
        )
        make_readable(staging)
        final = root / f"step-{step:07d}"
        if final.exists():
            shutil.rmtree(final)
        os.rename(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for _, old in kept_checkpoints(output_dir)[: -config.keep_checkpoints]:
        shutil.rmtree(old, ignore_errors=True)


def _load_checkpoint(path: Path, encoder, optimizer, scheduler, scaler, config) -> tuple[int, list]:
    from safetensors.torch import load_file

    meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    if meta.get("config_hash") != _config_hash(config):
        raise WorkBenchError(
            f"checkpoint {path} was written by a different config; use another output folder "
            "or resume=False (--no-resume)"
        )
    weights = load_file(str(path / WEIGHTS_FILE), device=str(encoder.device))
    encoder.st.load_state_dict(weights)
    state = torch.load(path / STATE_FILE, map_location="cpu", weights_only=True)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    if scaler is not None and state.get("scaler"):
        scaler.load_state_dict(state["scaler"])
    rank, size = distributed.world()
    ranks_rng = state.get("rng_cpu_ranks") or []
    torch.set_rng_state(ranks_rng[rank] if len(ranks_rng) == size else state["rng_cpu"])
    if state.get("rng_cuda") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["rng_cuda"])
    return int(meta["step"]), list(meta.get("history", []))


# Settings that change how fast or how often, not what is learned: a resume may change them.
RUNTIME_FIELDS = frozenset(
    {"threads", "device", "checkpoint_every", "keep_checkpoints", "compile", "tag", "name_recipe_ablations"}
)


def _learning_settings(config: RecipeConfig | dict) -> dict:
    raw = config.model_dump(mode="json") if isinstance(config, RecipeConfig) else config
    return {k: v for k, v in raw.items() if k not in RUNTIME_FIELDS}


def _config_hash(config: RecipeConfig) -> str:
    return stable_hash(_learning_settings(config))


def _prepare_output(output_dir: Path, config: RecipeConfig, resume: bool) -> None:
    recipe_file = output_dir / "recipe.json"
    if recipe_file.is_file() and resume:
        saved = _learning_settings(json.loads(recipe_file.read_text(encoding="utf-8")))
        wanted = _learning_settings(config)
        if stable_hash(saved) != stable_hash(wanted):
            diff = sorted(k for k in set(saved) | set(wanted) if saved.get(k) != wanted.get(k))
            raise WorkBenchError(
                f"{output_dir} holds a run with a different config (differs in: {', '.join(diff)}); "
                "use another output folder, or resume=False (--no-resume) to start over there"
            )
    elif not resume:
        for sub in ("checkpoints", "model"):
            shutil.rmtree(output_dir / sub, ignore_errors=True)
    output_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(recipe_file, config.model_dump(mode="json"))


def _save_model(encoder, config: RecipeConfig, data, steps: int, model_dir: Path) -> None:
    uwe_config = UWEConfig(
        name=config.model_name(),
        base_model=config.base_model if config.base_model in BASE_MODELS else str(config.base_model),
        scoring=config.scoring,
        tau_a=config.tau_a,
        attention=config.attention,
        max_seq_length=config.max_seq_length,
        training_data=data.training_data_names(),
        trained_on=list(config.graphs),
        recipe=config.name,
        seed=config.seed,
        ablations=config.ablations(),
        steps=steps,
        variant_of=config.variant_of(),
    )
    save_uwe(encoder, uwe_config, model_dir)
    # what the model saw, beside it, so `workbench audit --model-dir` can check it against eval data
    pairs = data.pairs()
    write_pairs(model_dir / PAIRS_FILE, zip(pairs["query_text"], pairs["target_text"], strict=True))


def export_checkpoint(
    output_dir: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    *,
    step: int | None = None,
    model_dir: str | os.PathLike | None = None,
) -> Path:
    """Save a checkpoint of a run (default: the last) as a model folder (default: `output_dir/model`).

    The folder records the checkpoint's step count (`steps`), so its results are never mistaken for
    the full recipe's; resuming the run later is unaffected (the checkpoints stay).
    """
    from safetensors.torch import load_file

    from workbench.data.settings import resolve_data_dir

    output_dir = Path(output_dir)
    recipe_file = output_dir / "recipe.json"
    done = kept_checkpoints(output_dir)
    if not recipe_file.is_file() or not done:
        raise WorkBenchError(f"{output_dir}: no training run with a checkpoint to export")
    kept = dict(done)
    if step is not None and step not in kept:
        raise WorkBenchError(f"{output_dir}: no checkpoint of step {step}; kept: {', '.join(map(str, kept))}")
    step = done[-1][0] if step is None else step
    config = RecipeConfig.model_validate(json.loads(recipe_file.read_text(encoding="utf-8")))
    meta = json.loads((kept[step] / META_FILE).read_text(encoding="utf-8"))
    if meta.get("config_hash") != _config_hash(config):
        raise WorkBenchError(f"checkpoint {kept[step]} does not match {recipe_file}")
    data = build_training_data(resolve_data_dir(data_dir), config.graphs)
    if config.realign_random:
        data = data.realign(config.seed)
    encoder = Encoder.from_folder(
        resolve_base_model(config.base_model), device="cpu", max_seq_length=config.max_seq_length
    )
    encoder.st.load_state_dict(load_file(str(kept[step] / WEIGHTS_FILE)))
    model_dir = Path(model_dir) if model_dir is not None else output_dir / "model"
    _save_model(encoder.eval(), config, data, step, model_dir)
    return model_dir


# -- the loop -------------------------------------------------------------------------------------
@dataclass
class _Run:
    """One call of `train`: what to train, where, and what was found there."""

    config: RecipeConfig
    output_dir: Path
    model_dir: Path
    data_dir: Path
    resume: bool
    progress: bool
    done: list[tuple[int, Path]]  # the checkpoints already in output_dir
    started: float  # perf_counter at the call, for the session's wall time
    stop_after: int  # the last step this call trains (max_steps unless a sitting stops earlier)


@dataclass
class _Trainer:
    """The objects a run trains with (built once per call)."""

    data: object  # TrainingData
    encoder: Encoder
    samplers: object  # SharedSkillsSampler or {graph: GraphSampler}
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    amp: torch.dtype | None
    scaler: object | None  # torch.amp.GradScaler under fp16
    rank: int


def train(
    config: RecipeConfig,
    output_dir: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    resume: bool = True,
    progress: bool = True,
    stop_after: int | None = None,
) -> Path:
    """Train (or resume, or return the finished model of) `config` into `output_dir`; returns the model folder.

    `stop_after` N < max_steps ends this sitting at step N of the recipe's schedule (the learning rate still
    decays over max_steps) with a checkpoint of step N, and returns that checkpoint's folder; a later call
    resumes from it. Step N is the same bytes as step N of an uninterrupted run (`export_checkpoint` makes
    it a model folder)."""
    from workbench.data.settings import resolve_data_dir

    data_dir = resolve_data_dir(data_dir)  # fail before touching the output folder
    output_dir = Path(output_dir)
    model_dir = output_dir / "model"
    distributed.init_from_env(config.device)  # under torchrun: join the other ranks (distributed.py)
    _prepare_output(output_dir, config, resume)  # every rank checks the folder; the writes are idempotent
    distributed.barrier()
    done = kept_checkpoints(output_dir)
    stop = config.max_steps if stop_after is None else min(int(stop_after), config.max_steps)
    if stop < 1:
        raise WorkBenchError(f"stop_after must be a step of the schedule (1..{config.max_steps}), got {stop_after}")
    if resume and (model_dir / "uwe_config.json").is_file() and done and done[-1][0] >= config.max_steps:
        return model_dir
    if resume and stop < config.max_steps and stop in dict(done):
        return dict(done)[stop]

    run = _Run(config, output_dir, model_dir, Path(data_dir), resume, progress, done, time.perf_counter(), stop)
    threads_before = torch.get_num_threads()
    if config.threads:
        torch.set_num_threads(config.threads)
    try:
        return _train(run)
    finally:
        torch.set_num_threads(threads_before)  # a library call should not leave the process changed


def _build_trainer(run: _Run) -> _Trainer:
    config = run.config
    data = build_training_data(run.data_dir, config.graphs)
    if config.realign_random:
        data = data.realign(config.seed)
    encoder = Encoder.from_folder(
        resolve_base_model(config.base_model),
        device=distributed.rank_device(config.device),
        max_seq_length=config.max_seq_length,
    )
    rank = distributed.world()[0]
    torch.manual_seed(config.seed + rank)  # after loading: model construction may consume RNG differently
    samplers = make_samplers(data, config)
    optimizer = torch.optim.AdamW(encoder.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    warmup = math.ceil(config.warmup_ratio * config.max_steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_lambda(config.max_steps, warmup))
    amp = _amp_dtype(config, encoder.device)
    scaler = torch.amp.GradScaler("cuda") if amp == torch.float16 else None
    if config.compile == "on" or (config.compile == "auto" and encoder.device.type == "cuda"):
        encoder.compile_backbone()
    return _Trainer(data, encoder, samplers, optimizer, scheduler, amp, scaler, rank)


def _train(run: _Run) -> Path:
    config = run.config
    trainer = _build_trainer(run)
    step, history = 0, []
    if run.resume and run.done:
        step, history = _load_checkpoint(
            run.done[-1][1], trainer.encoder, trainer.optimizer, trainer.scheduler, trainer.scaler, config
        )
    from tqdm.auto import tqdm

    bar = tqdm(
        total=config.max_steps,
        initial=step,
        desc=f"uwe {config.name}",
        disable=not run.progress or trainer.rank != 0,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    ema = history[-1]["loss"] if history else None
    trainer.encoder.train()
    try:
        if step > run.stop_after:
            raise WorkBenchError(
                f"{run.output_dir}: its last checkpoint is step {step}, past the requested stop {run.stop_after}"
            )
        while step < run.stop_after:
            record = _train_step(trainer, config, step)
            step += 1
            history.append(record)
            ema = record["loss"] if ema is None else 0.9 * ema + 0.1 * record["loss"]
            bar.set_postfix(loss=f"{ema:.4f}", refresh=False)
            bar.update(1)
            if step % config.checkpoint_every == 0 or step in (config.max_steps, run.stop_after):
                rank_rng = distributed.gather_rng_states()
                if trainer.rank == 0:  # the ranks hold identical weights and optimizer states
                    _save_checkpoint(
                        run.output_dir,
                        step,
                        trainer.encoder,
                        trainer.optimizer,
                        trainer.scheduler,
                        trainer.scaler,
                        history,
                        config,
                        rank_rng=rank_rng,
                    )
                distributed.barrier()
            _on_step_end(step)
    finally:
        bar.close()
    trainer.encoder.eval()
    if run.stop_after < config.max_steps:  # a sitting: the checkpoint is what it leaves
        return dict(kept_checkpoints(run.output_dir))[run.stop_after]
    if trainer.rank == 0:
        _finish(run, trainer, history)
    distributed.barrier()
    return run.model_dir


def _train_step(trainer: _Trainer, config: RecipeConfig, step: int) -> dict:
    """One optimizer step (0-based `step`); returns its history record (numbered step + 1)."""
    t0, c0 = time.perf_counter(), time.process_time()
    optimizer, scaler = trainer.optimizer, trainer.scaler
    optimizer.zero_grad(set_to_none=True)
    losses = backward_step(trainer.encoder, trainer.samplers, step, config, trainer.amp, scaler)
    distributed.sum_gradients(trainer.encoder.parameters())  # under torchrun: the global batch's gradient
    if scaler:
        scaler.unscale_(optimizer)
    if config.max_grad_norm:
        torch.nn.utils.clip_grad_norm_(trainer.encoder.parameters(), config.max_grad_norm)
    if scaler:
        scaler.step(optimizer)
        scaler.update()
    else:
        optimizer.step()
    lr = trainer.scheduler.get_last_lr()[0]
    trainer.scheduler.step()
    total = sum(config.loss_weights[g] * v for g, v in losses.items())
    return {
        "step": step + 1,
        "loss": round(total, 6),
        **{g: round(v, 6) for g, v in losses.items()},
        "lr": lr,
        "seconds": round(time.perf_counter() - t0, 3),
        # CPU seconds: on a shared machine, wall time says more about the neighbours
        "cpu_seconds": round(time.process_time() - c0, 3),
    }


def _finish(run: _Run, trainer: _Trainer, history: list[dict]) -> None:
    """Save the final model and the training log (rank 0 only)."""
    config = run.config
    _save_model(trainer.encoder, config, trainer.data, config.max_steps, run.model_dir)
    atomic_write_json(
        run.output_dir / "train_log.json",
        {
            "recipe": config.model_dump(mode="json"),
            "wall_seconds_this_session": round(time.perf_counter() - run.started, 1),
            "train_seconds_total": round(sum(h["seconds"] for h in history), 1),
            "train_cpu_seconds_total": round(sum(h.get("cpu_seconds", 0.0) for h in history), 1),
            "device": str(trainer.encoder.device),
            "torch_threads": torch.get_num_threads(),
            "processes": distributed.world()[1],
            "training_pairs": trainer.data.counts(),
            "history": history,
        },
    )
