"""PNG plots of the board (matplotlib Agg, no pyplot global state, byte-stable output).

- `per_task.png`: main score per task for the top 8 models (by macro MAP; incomplete models fill up
  the eight when fewer are ranked);
- `transfer.png`: heatmap of MAP gain over the base model per (trained_on variant × task), or of MAP
  when no gain can be computed; only when some model declares `trained_on`;
- `latency.png`: latency (ms per query, from `result.latency`, see aggregate.LATENCY_KEYS; median over
  the model's tasks) against macro MAP, marker area ∝ sqrt(parameter count); hollow markers when the
  parameter count is unknown; only when at least one ranked model records latency.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib
from matplotlib import style as mpl_style
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .aggregate import RANK_METRIC, Board
from .transfer import Transfer

DPI = 100
TOP_N = 8
# No software version, no timestamp: the PNG bytes depend on the data only.
PNG_METADATA = {"Software": None, "Creation Time": None, "Author": None, "Title": None, "Description": None}


def _label(text: str, limit: int = 40) -> str:
    """Plain text for matplotlib: `$` would start mathtext."""
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("$", r"\$")


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI, format="png", metadata=PNG_METADATA)


def per_task_bars(board: Board, path: Path) -> bool:
    models = [r.name for r in board.models[:TOP_N]]
    tasks = [t.name for t in board.tasks]
    if not models or not tasks:
        return False
    fig = Figure(figsize=(max(6.0, 1.1 * len(tasks) + 2) + 2.5, 4.8))
    ax = fig.add_subplot()
    width = 0.8 / len(models)
    x = np.arange(len(tasks))
    colors = matplotlib.colormaps["tab10"]
    for i, model in enumerate(models):
        heights = [100 * c.score if (c := board.cell(model, t)) else 0.0 for t in tasks]
        ax.bar(x - 0.4 + width * (i + 0.5), heights, width, label=_label(model), color=colors(i % 10))
    ax.set_xticks(x, [_label(t, 24) for t in tasks], rotation=30, ha="right")
    ax.set_ylabel("main score ×100")
    ax.set_title(f"Top {len(models)} models per task (split {_label(board.split)})")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_ylim(0, 100)
    fig.tight_layout()
    _save(fig, path)
    return True


def transfer_heatmap(transfer: Transfer, path: Path) -> bool:
    use_gain = transfer.has_gains
    rows = [r for r in transfer.rows if r.base] if use_gain else transfer.rows
    if not rows:
        return False
    matrix = np.array([[np.nan if (v := (r.gains if use_gain else r.values)[t]) is None else 100 * v
                        for t in transfer.tasks] for r in rows], dtype=float)
    fig = Figure(figsize=(max(5.0, 0.9 * len(transfer.tasks) + 3), max(3.0, 0.5 * len(rows) + 2)))
    ax = fig.add_subplot()
    finite = matrix[np.isfinite(matrix)]
    if use_gain:
        bound = float(np.max(np.abs(finite))) if finite.size else 1.0
        image = ax.imshow(np.ma.masked_invalid(matrix), cmap="RdBu", vmin=-bound or -1, vmax=bound or 1, aspect="auto")
    else:
        image = ax.imshow(np.ma.masked_invalid(matrix), cmap="viridis", vmin=0, vmax=100, aspect="auto")
    norm = image.norm
    for (i, j), value in np.ndenumerate(matrix):
        if math.isfinite(value):
            shade = float(norm(value))
            dark = abs(shade - 0.5) > 0.3 if use_gain else shade < 0.5
            ax.text(j, i, f"{value:+.1f}" if use_gain else f"{value:.1f}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    ax.set_xticks(range(len(transfer.tasks)), [_label(t, 24) for t in transfer.tasks], rotation=30, ha="right")
    ax.set_yticks(range(len(rows)), [_label(f"{r.label} ({r.model})", 48) for r in rows])
    ax.set_xlabel("evaluated task")
    ax.set_ylabel("trained on")
    ax.set_title("MAP gain over the base model (×100)" if use_gain else "MAP (×100)")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    _save(fig, path)
    return True


def latency_scatter(board: Board, path: Path) -> bool:
    points = [r for r in board.models if r.complete and r.latency_ms is not None]
    if not points:
        return False
    known = [r.record.parameters for r in points if r.record.parameters]
    biggest = max(known) if known else 1
    fig = Figure(figsize=(6.4, 4.8))
    ax = fig.add_subplot()
    for r in points:
        y = 100 * r.macro[RANK_METRIC]
        if r.record.parameters:
            ax.scatter([r.latency_ms], [y], s=30 + 400 * math.sqrt(r.record.parameters / biggest), alpha=0.6)
        else:
            ax.scatter([r.latency_ms], [y], s=60, facecolors="none", edgecolors="black")
        ax.annotate(_label(r.name, 28), (r.latency_ms, y), textcoords="offset points", xytext=(5, 5), fontsize=7)
    ax.set_xscale("log")
    ax.margins(0.2)
    ax.set_xlabel("latency, ms per query (log)")
    ax.set_ylabel("macro MAP ×100")
    ax.set_title("Latency vs macro MAP (marker area ~ parameters)")
    fig.tight_layout()
    _save(fig, path)
    return True


def write_plots(board: Board, transfer: Transfer | None, out_dir: Path) -> list[str]:
    """Write the plots that apply into out_dir; return their file names."""
    written = []
    with matplotlib.rc_context():
        mpl_style.use("default")
        if per_task_bars(board, out_dir / "per_task.png"):
            written.append("per_task.png")
        if transfer is not None and transfer_heatmap(transfer, out_dir / "transfer.png"):
            written.append("transfer.png")
        if latency_scatter(board, out_dir / "latency.png"):
            written.append("latency.png")
    return written
