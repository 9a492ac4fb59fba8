"""The validation curve of a training run: every checkpoint exported as a model and scored on the same tasks.

`workbench uwe curve --output RUN --tasks T [--split val] [-s tau_a=0.3]` exports each kept checkpoint to
`RUN/curve/step-NNNNNNN/model` and evaluates it into `.../results` through `workbench.evaluate` (the same
result files `workbench run` writes). A step already exported and scored is read back, not redone, so the
command can be called again while the run trains: checkpoints rotated out since (`keep_checkpoints`) keep
their points, new ones are added. The curve is written to `RUN/curve/<split>_curve.json`.

A curve point is the checkpoint of one run, taken mid-schedule (the learning rate has not decayed yet); it
says how the run improves with steps, not what a shorter recipe would score.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workbench.errors import WorkBenchError
from workbench.io import atomic_write_json
from workbench.running.audit import PAIRS_FILE

CURVE_DIR = "curve"


def step_folder(run_dir: Path, step: int) -> Path:
    return run_dir / CURVE_DIR / f"step-{step:07d}"


def curve_steps(run_dir: Path) -> list[int]:
    """Steps with a checkpoint in the run folder or an exported model in its curve folder."""
    from .train import kept_checkpoints

    steps = {step for step, _ in kept_checkpoints(run_dir)}
    root = run_dir / CURVE_DIR
    if root.is_dir():
        for folder in root.glob("step-*"):
            if (folder / "model" / PAIRS_FILE).is_file():  # the last file an export writes
                steps.add(int(folder.name[5:]))
    return sorted(steps)


def _scored_steps(run_dir: Path, split: str) -> set[int]:
    """Steps already on the run's curve for `split` (kept when a later call scores other steps)."""
    path = run_dir / CURVE_DIR / f"{split}_curve.json"
    if not path.is_file():
        return set()
    return {int(point["step"]) for point in json.loads(path.read_text(encoding="utf-8"))["points"]}


def score_step(
    run_dir: Path,
    step: int,
    tasks: str,
    *,
    split: str,
    settings: dict[str, Any],
    data_dir: str | os.PathLike | None,
    cache_dir: str | os.PathLike | None,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Export checkpoint `step` (once) and score it on `tasks`; one curve point. A failed task is recorded
    in the point and leaves the others scored."""
    from workbench.fronts.api import evaluate
    from workbench.models.registry import load_model

    from .train import export_checkpoint

    folder = step_folder(run_dir, step)
    model_dir = folder / "model"
    if not (model_dir / PAIRS_FILE).is_file():
        log(f"step {step}: exporting the checkpoint to {model_dir}")
        export_checkpoint(run_dir, data_dir, step=step, model_dir=model_dir)
    model = load_model(f"uwe:{model_dir}", **settings)
    rows = evaluate(
        model, tasks, split=split, output=folder / "results", data_dir=data_dir, cache_dir=cache_dir, log=log
    )
    scores = {r["task"]: r["score"] for r in rows if r["score"] is not None}
    failed = {r["task"]: r["error"] for r in rows if r["status"] == "failed"}
    mean = sum(scores.values()) / len(scores) if scores and not failed else None
    summary = ", ".join(f"{task} {score:.4f}" for task, score in scores.items())
    log(f"step {step}: {summary}" + (f"; mean {mean:.4f}" if mean is not None else ""))
    return {
        "step": step,
        "model": model.info.name,
        "revision": model.info.revision,
        "scores": scores,
        "mean": mean,
        "failed": failed,
    }


def checkpoint_curve(
    run_dir: str | os.PathLike,
    tasks: str,
    *,
    split: str = "val",
    settings: dict[str, Any] | None = None,
    data_dir: str | os.PathLike | None = None,
    cache_dir: str | os.PathLike | None = None,
    steps: list[int] | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    """Score every checkpoint of `run_dir` (or those of `steps`) on `tasks` (see the module's docstring);
    returns and writes the curve: the steps scored so far, in order. `mean` is the unweighted mean of the
    tasks' main scores (None for a step with a failed task)."""
    run_dir = Path(run_dir)
    available = curve_steps(run_dir)
    if not available:
        raise WorkBenchError(f"{run_dir}: no checkpoints to score (train with `workbench uwe train --output`)")
    missing = sorted(set(steps or []) - set(available))
    if missing:
        raise WorkBenchError(
            f"{run_dir}: no checkpoint of step {', '.join(map(str, missing))}; kept: {', '.join(map(str, available))}"
        )
    steps = sorted(set(steps or available) | _scored_steps(run_dir, split))
    settings = dict(settings or {})
    points = [
        score_step(
            run_dir, step, tasks, split=split, settings=settings, data_dir=data_dir, cache_dir=cache_dir, log=log
        )
        for step in steps
    ]
    scored = [p for p in points if p["mean"] is not None]
    curve = {
        "run": str(run_dir.resolve()),
        "split": split,
        "tasks": tasks,
        "settings": settings,
        "points": points,
        "best_step": max(scored, key=lambda p: p["mean"])["step"] if scored else None,
    }
    atomic_write_json(run_dir / CURVE_DIR / f"{split}_curve.json", curve)
    return curve


def curve_table(curve: dict[str, Any]) -> str:
    """The curve as a markdown table: one row per step, a column per task, the mean last."""
    tasks = sorted({task for point in curve["points"] for task in point["scores"]})
    lines = [
        "| step | " + " | ".join(tasks) + " | mean |",
        "|---" * (len(tasks) + 2) + "|",
    ]
    for point in curve["points"]:
        cells = [f"{100 * point['scores'][t]:.2f}" if t in point["scores"] else "—" for t in tasks]
        mean = f"{100 * point['mean']:.2f}" if point["mean"] is not None else "—"
        lines.append(f"| {point['step']} | " + " | ".join(cells) + f" | {mean} |")
    return "\n".join(lines)
