"""The data hash recorded in each PNG: equal for the same data drawn with another layout, different for other data."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workbench.leaderboard.figure_hash import PNG_KEY, figure_data_hash, png_data_hash, png_metadata


def _bars(heights, *, width=6.0, legend_loc="upper right", fontsize=8, names=("a", "b", "c")) -> Figure:
    fig = Figure(figsize=(width, 4.0))
    ax = fig.add_subplot()
    ax.bar(np.arange(len(heights)), heights, 0.8, label="model x")
    ax.set_xticks(range(len(heights)), list(names), rotation=90, fontsize=fontsize)
    ax.set_title("scores")
    ax.legend(loc=legend_loc, fontsize=fontsize)
    return fig


def _heatmap(matrix, vmax=100.0) -> Figure:
    fig = Figure()
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(matrix), vmin=0, vmax=vmax)
    fig.colorbar(image, ax=ax)
    return fig


def test_layout_changes_keep_the_hash_and_data_changes_do_not():
    base = figure_data_hash(_bars([0.1, 0.5, 0.9]))
    assert figure_data_hash(_bars([0.1, 0.5, 0.9], width=9.0, legend_loc="lower left", fontsize=12)) == base
    assert figure_data_hash(_bars([0.1, 0.5, 0.91])) != base
    assert figure_data_hash(_bars([0.1, 0.5, 0.9], names=("a", "b", "d"))) != base
    assert figure_data_hash(_bars([0.1, 0.5], names=("a", "b"))) != figure_data_hash(_bars([0.1, 0.5, 0.0]))


def test_heatmap_values_mask_and_norm_count():
    matrix = np.array([[1.0, np.nan], [3.0, 4.0]])
    base = figure_data_hash(_heatmap(matrix))
    assert figure_data_hash(_heatmap(matrix.copy())) == base
    assert figure_data_hash(_heatmap(np.array([[1.0, 2.0], [3.0, 4.0]]))) != base
    assert figure_data_hash(_heatmap(matrix, vmax=50.0)) != base


def test_the_hash_is_written_into_the_png_and_read_back(tmp_path):
    fig = _bars([0.2, 0.4, 0.6])
    FigureCanvasAgg(fig)
    path = tmp_path / "plot.png"
    fig.savefig(path, format="png", metadata=png_metadata(fig))
    assert png_data_hash(path) == figure_data_hash(fig)
    bare = tmp_path / "bare.png"
    fig.savefig(bare, format="png")
    assert png_data_hash(bare) is None
    assert PNG_KEY.encode() in path.read_bytes() and PNG_KEY.encode() not in bare.read_bytes()
