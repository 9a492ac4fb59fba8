"""PNG plots of the board (matplotlib Agg, no pyplot global state, byte-stable output).

- `per_task.png`: main score per task for the top 8 submitted models (by macro MAP; incomplete models
  fill up the eight when fewer are ranked), always with the best baseline (see `best_baseline`);
- `transfer.png`: heatmap of MAP gain over the base model per (trained_on variant × task), or of MAP
  when no gain can be computed; only when some model declares `trained_on`;
- `latency.png`: latency (ms per query, from `result.latency`, see aggregate.LATENCY_KEYS; median over
  the model's tasks) against macro MAP, marker area ∝ sqrt(parameter count); hollow markers when the
  parameter count is unknown; only when at least one ranked model records latency. Points carry a
  number; the legend beside the plot gives each number's full model name.

No label is ever shortened, and none is cut off or overlaps another (a test measures every text's
extent with the Agg renderer): long names go into a legend beside the axes, task names stand vertical.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import style as mpl_style
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .aggregate import RANK_METRIC, Board, ModelRow
from .figure_hash import png_metadata
from .transfer import Transfer

DPI = 100
TOP_N = 8
# No software version, no timestamp: the PNG bytes depend on the data only.
PNG_METADATA = {"Software": None, "Creation Time": None, "Author": None, "Title": None, "Description": None}


def _label(text: str) -> str:
    """Plain text for matplotlib, in full: `$` would start mathtext."""
    return " ".join(str(text).split()).replace("\\", "\\\\").replace("$", r"\$")


def _save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI, format="png", metadata={**PNG_METADATA, **png_metadata(fig)})


def is_baseline(row: ModelRow) -> bool:
    """A submitted model not tuned on the benchmark's data: no `trained_on` and no `variant_of`."""
    return not row.record.trained_on and not row.is_variant


def plotted_models(board: Board) -> list[ModelRow]:
    """The top TOP_N submitted models; when none of them is a baseline, the best baseline takes the last place."""
    chosen = board.main[:TOP_N]
    baselines = [r for r in board.main if is_baseline(r)]
    if baselines and not any(is_baseline(r) for r in chosen):
        chosen = chosen[: TOP_N - 1] + baselines[:1]
    return chosen


HORIZONTAL_FROM = 13  # tasks: from this many on, tasks run down the page (bars sideways) so every name stays legible


def per_task_figure(board: Board) -> Figure | None:
    models = plotted_models(board)
    tasks = [t.name for t in board.tasks]
    if not models or not tasks:
        return None
    sideways = len(tasks) >= HORIZONTAL_FROM
    if sideways:
        size = (10.0, max(4.8, 0.1 * len(tasks) * (len(models) + 1) + 1.5))
    else:
        size = (max(6.0, 0.9 * len(tasks) + 2) + 3.5, 6.0)
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / len(models)
    x = np.arange(len(tasks))
    colors = matplotlib.colormaps["tab10"]
    for i, row in enumerate(models):
        heights = [100 * c.score if (c := board.cell(row.name, t)) else 0.0 for t in tasks]
        label = _label(row.name) + (
            " (baseline)" if is_baseline(row) and not any(is_baseline(r) for r in models[:i]) else ""
        )
        draw = ax.barh if sideways else ax.bar
        draw(x - 0.4 + width * (i + 0.5), heights, width, label=label, color=colors(i % 10))
    if sideways:
        ax.set_yticks(x, [_label(t) for t in tasks], fontsize=8)
        ax.invert_yaxis()  # the first task on top, as in the tables
        ax.set_xlabel("main score ×100")
        ax.set_xlim(0, 100)
    else:
        ax.set_xticks(x, [_label(t) for t in tasks], rotation=90)
        ax.set_ylabel("main score ×100")
        ax.set_ylim(0, 100)
    ax.set_title(f"Top {len(models)} models per task (split {_label(board.split)})")
    fig.legend(fontsize=8, loc="outside right upper", frameon=False)
    return fig


def transfer_figure(transfer: Transfer) -> Figure | None:
    use_gain = transfer.has_gains
    rows = [r for r in transfer.rows if r.base] if use_gain else transfer.rows
    if not rows:
        return None
    matrix = np.array(
        [
            [np.nan if (v := (r.gains if use_gain else r.values)[t]) is None else 100 * v for t in transfer.tasks]
            for r in rows
        ],
        dtype=float,
    )
    fig = Figure(
        figsize=(max(5.0, 0.8 * len(transfer.tasks) + 7), max(4.0, 0.45 * len(rows) + 3.5)), layout="constrained"
    )
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
            ax.text(
                j,
                i,
                f"{value:+.1f}" if use_gain else f"{value:.1f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if dark else "black",
            )
    ax.set_xticks(range(len(transfer.tasks)), [_label(t) for t in transfer.tasks], rotation=90)
    ax.set_yticks(range(len(rows)), [_label(f"{r.label} ({r.model})") for r in rows], fontsize=8)
    ax.set_xlabel("evaluated task")
    ax.set_ylabel("trained on")
    ax.set_title("MAP gain over the base model (×100)" if use_gain else "MAP (×100)")
    fig.colorbar(image, ax=ax)
    return fig


def latency_figure(board: Board) -> Figure | None:
    points = [r for r in board.models if r.complete and r.latency_ms is not None]
    if not points:
        return None
    known = [r.record.parameters for r in points if r.record.parameters]
    biggest = max(known) if known else 1
    fig = Figure(figsize=(10.0, max(4.8, 0.22 * len(points) + 1.5)), layout="constrained")
    ax = fig.add_subplot()
    handles = []
    colors = matplotlib.colormaps["tab20"]
    for i, r in enumerate(points, 1):
        y = 100 * r.macro[RANK_METRIC]
        color = colors((i - 1) % 20)
        if r.record.parameters:
            ax.scatter(
                [r.latency_ms], [y], s=30 + 400 * math.sqrt(r.record.parameters / biggest), alpha=0.6, color=color
            )
        else:
            ax.scatter([r.latency_ms], [y], s=60, facecolors="none", edgecolors=color)
        ax.text(r.latency_ms, y, str(i), fontsize=6, ha="center", va="center")
        handles.append(Line2D([], [], marker="o", linestyle="", color=color, label=f"{i}  {_label(r.name)}"))
    ax.set_xscale("log")
    ax.margins(0.2)
    ax.set_xlabel("latency, ms per query (log)")
    ax.set_ylabel("macro MAP ×100")
    ax.set_title("Latency vs macro MAP (marker area ~ parameters)")
    fig.legend(handles=handles, fontsize=7, loc="outside right upper", frameon=False)
    return fig


def board_figures(board: Board, transfer: Transfer | None) -> dict[str, Figure]:
    """The plots that apply, by file name (the label test draws these same figures)."""
    figures = {
        "per_task.png": per_task_figure(board),
        "transfer.png": transfer_figure(transfer) if transfer is not None else None,
        "latency.png": latency_figure(board),
    }
    return {name: fig for name, fig in figures.items() if fig is not None}


def write_plots(board: Board, transfer: Transfer | None, out_dir: Path) -> list[str]:
    """Write the plots that apply into out_dir; return their file names."""
    with matplotlib.rc_context():
        mpl_style.use("default")
        figures = board_figures(board, transfer)
        for name, fig in figures.items():
            _save(fig, out_dir / name)
    return list(figures)
