"""The hash of the data a figure shows, kept in its PNG, so that a rebuilt plot is compared by what it shows.

PNG bytes change with the matplotlib, FreeType and zlib versions even when the plotted data does not;
the committed-leaderboard test therefore compares each PNG by this hash instead of byte for byte.
The hash covers every plotted value (bar geometry, line and marker data, marker sizes, image arrays)
and every text the data supplies (titles, axis labels, fixed tick labels, annotations, legend
entries). It leaves out how things are laid out (positions of texts and legends, fonts, colours, sizes
of the figure), so a layout change alone keeps the hash.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

PNG_KEY = "workbench-data-sha256"  # a tEXt keyword (Latin-1, at most 79 characters)


def _numbers(values) -> list:
    """Floats to 10 significant digits: identical data gives identical text on every platform."""
    array = np.ma.filled(np.ma.asarray(values, dtype=float), np.nan)
    return [f"{v:.10g}" for v in array.ravel()] + [list(array.shape)]


def _fixed_tick_labels(axis) -> list[str]:
    """Labels set with the ticks (task and model names); automatic number ticks are matplotlib's choice."""
    if not isinstance(axis.get_major_locator(), FixedLocator):
        return []
    return [label.get_text() for label in axis.get_ticklabels()]


def _axes_content(ax: Axes) -> dict:
    legend = ax.get_legend()
    return {
        "title": ax.get_title(),
        "xlabel": ax.get_xlabel(),
        "ylabel": ax.get_ylabel(),
        "xscale": ax.get_xscale(),
        "yscale": ax.get_yscale(),
        "xticks": _fixed_tick_labels(ax.xaxis),
        "yticks": _fixed_tick_labels(ax.yaxis),
        "patches": [
            _numbers([p.get_x(), p.get_y(), p.get_width(), p.get_height()])
            for p in ax.patches
            if hasattr(p, "get_width")
        ],
        "lines": [_numbers(line.get_xydata()) for line in ax.lines],
        "collections": [
            [
                _numbers(c.get_offsets()),
                _numbers(c.get_sizes()),
                None if c.get_array() is None else _numbers(c.get_array()),
            ]
            for c in ax.collections
        ],
        "images": [[_numbers(image.get_array()), _numbers([image.norm.vmin, image.norm.vmax])] for image in ax.images],
        "texts": [t.get_text() for t in ax.texts],
        "legend": [] if legend is None else [t.get_text() for t in legend.get_texts()],
    }


def figure_data_hash(fig: Figure) -> str:
    """sha256 (hex) of what ``fig`` shows; see the module docstring for what counts."""
    # A colorbar shows its image's norm (hashed with the image); its own drawing is matplotlib's.
    colorbars = {image.colorbar.ax for ax in fig.axes for image in ax.images if image.colorbar is not None}
    content = {
        "axes": [_axes_content(ax) for ax in fig.axes if ax not in colorbars],
        "legends": [[t.get_text() for t in legend.get_texts()] for legend in fig.legends],
        "texts": [t.get_text() for t in fig.texts],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


def png_metadata(fig: Figure) -> dict[str, str]:
    """The PNG text entry that records ``figure_data_hash(fig)`` (for ``savefig(metadata=...)``)."""
    return {PNG_KEY: figure_data_hash(fig)}


def png_data_hash(path: Path) -> str | None:
    """The data hash recorded in a PNG file, or None when it has none."""
    data = Path(path).read_bytes()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError(f"{path}: not a PNG file")
    at = 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind in (b"tEXt", b"zTXt"):
            key, _, value = body.partition(b"\0")
            if kind == b"zTXt":
                value = zlib.decompress(value[1:])  # first byte: compression method
            if key.decode("latin-1") == PNG_KEY:
                return value.decode("latin-1")
        at += 12 + length
    return None
