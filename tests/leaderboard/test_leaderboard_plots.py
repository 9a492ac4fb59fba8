"""The PNG plots read: no label is shortened, cut by the figure's edge, or drawn over another label.

Every visible text of each figure (titles, axis and tick labels, legend entries, heatmap values,
point numbers) is measured with the Agg renderer: its extent lies inside the figure, and no two
extents intersect. Checked on the committed workbench-core results (long real model names, 21
models, transfer variants, latency) and on fixture models with 70-character names.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from lb_fixtures import DATA_DIR, make_result, write
from workbench.leaderboard.aggregate import build_board
from workbench.leaderboard.collect import collect
from workbench.leaderboard.plots import HORIZONTAL_FROM, board_figures, is_baseline, plotted_models, write_plots
from workbench.leaderboard.transfer import build_transfer
from workbench.taskfiles.catalog import suite_tasks

RESULTS = Path(__file__).resolve().parents[2] / "leaderboard" / "results"


def _texts(fig) -> list[tuple[str, object]]:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    # Tick labels exist for ticks outside the view limits too, but only those of drawn ticks are drawn.
    axes = [axis for ax in fig.axes for axis in ax._axis_map.values()]
    all_ticks = {
        id(label) for axis in axes for t in axis.majorTicks + axis.minorTicks for label in (t.label1, t.label2)
    }
    drawn = [label for axis in axes for t in axis._update_ticks() for label in (t.label1, t.label2)]
    texts = [t for t in fig.findobj(Text) if id(t) not in all_ticks] + drawn
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_visible() and t.get_text().strip()]


def _check_labels(figures: dict) -> int:
    checked = 0
    for name, fig in figures.items():
        width, height = fig.bbox.width, fig.bbox.height
        texts = _texts(fig)
        assert texts, name
        for label, box in texts:
            assert "…" not in label, f"{name}: shortened label {label!r}"
            assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, (
                f"{name}: {label!r} at {box.bounds} is cut by the figure edge ({width}×{height})"
            )
        for (a, box_a), (b, box_b) in itertools.combinations(texts, 2):
            assert not box_a.overlaps(box_b), f"{name}: {a!r} {box_a.bounds} overlaps {b!r} {box_b.bounds}"
        checked += len(texts)
    return checked


def _figures(board):
    with matplotlib.rc_context():
        matplotlib.style.use("default")
        return board_figures(board, build_transfer(board))


@pytest.mark.slow
def test_many_tasks_lie_sideways_with_whole_labels():
    """The multilingual board (dozens of tasks): task names run down the page instead of being squeezed."""
    tasks = suite_tasks("workbench-multilingual")
    board = build_board(collect(RESULTS, tasks), tasks, suite="workbench-multilingual", n_bootstrap=20)
    figures = _figures(board)
    assert len(tasks) >= HORIZONTAL_FROM and "per_task.png" in figures
    ticks = [t.get_text() for t in figures["per_task.png"].axes[0].get_yticklabels()]
    assert ticks == [t.name for t in tasks]
    _check_labels(figures)


@pytest.mark.slow
def test_committed_board_plots_have_whole_separate_labels():
    tasks = suite_tasks("workbench-core")
    collection = collect(RESULTS, tasks)
    board = build_board(collection, tasks, suite="workbench-core", n_bootstrap=20)
    figures = _figures(board)
    assert set(figures) == {"per_task.png", "transfer.png", "latency.png"}
    assert _check_labels(figures) > 50
    legend = [t for t, _ in _texts(figures["per_task.png"])]
    assert any(is_baseline(r) and r.name in " ".join(legend) for r in board.main)
    assert all(
        r.name in " ".join(t for t, _ in _texts(figures["latency.png"]))
        for r in board.models
        if r.complete and r.latency_ms
    )


def test_fixture_plots_long_names_and_best_baseline(tmp_path, specs):
    root = tmp_path / "results"
    long = "a-very-long-model-name-from-an-organisation/with-a-descriptive-suffix-v{}"
    for i in range(9):  # nine tuned models beat the only baseline: it still gets a bar
        extra = {
            "trained_on": ["job-norm"],
            "settings": {"base_model": "plain-baseline"},
            "parameters": 10**8,
            "latency": {"ms_per_query_mean": 1.0 + i},
            "revision": f"r{i}",
        }
        for j, spec in enumerate(specs):
            write(root, make_result(spec, long.format(i), quality=0.8 - 0.01 * i, seed=i * 7 + j, **extra))
    for j, spec in enumerate(specs):
        write(
            root,
            make_result(
                spec,
                "plain-baseline",
                quality=0.3,
                seed=99 + j,
                trained_on=[],
                revision="base",
                latency={"ms_per_query_mean": 0.5},
            ),
        )
    collection = collect(root, specs, data_dir=DATA_DIR)
    board = build_board(collection, specs, suite=None, n_bootstrap=20)
    chosen = plotted_models(board)
    assert len(chosen) == 8 and chosen[-1].name == "plain-baseline" and sum(map(is_baseline, chosen)) == 1
    figures = _figures(board)
    _check_labels(figures)
    assert sorted(write_plots(board, build_transfer(board), tmp_path)) == sorted(figures)
