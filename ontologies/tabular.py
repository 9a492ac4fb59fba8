"""Read an evaluation set (csv / tsv / parquet / json(l), local or on the Hugging Face Hub) into pandas.

Reading goes through the Hugging Face ``datasets`` library (``load_dataset("csv", ...)`` etc.),
so local files and hub datasets share one code path and one on-disk Arrow cache, kept in ``hf-datasets/``
under the run's cache folder (``--cache-dir``, else ``$WORKBENCH_CACHE_DIR``, else ``~/.cache/workbench``);
a local file's build is kept under its content key (``hf-datasets/local/<size>-<xxh3>``), never under
its mtime as ``datasets`` would. No writable cache folder: a warning, and a temporary one per read.

Strings stay strings. ``datasets``' CSV builder runs ``pandas.read_csv`` chunk by chunk with
pandas' NA defaults, which turn labels such as "NA", "None", "null" or "" into missing values and
"007" into 7; ``read_table`` passes ``keep_default_na=False, na_filter=False`` and declares every
CSV/TSV column a string, so a cell comes back exactly as written (empty cells as ""). Parquet and
JSON keep their own types: JSON ``null`` is missing, integers with nulls become ``Int64``, text
becomes the nullable ``string`` dtype and list cells become Python lists.

Local files need no network and no ``HF_DATASETS_OFFLINE`` setting; hub reads follow the usual
``HF_HUB_OFFLINE`` / ``HF_DATASETS_OFFLINE`` environment. Importing this module does not import
``datasets`` (nor torch); ``read_table`` does.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench.data.file_hashes import content_key
from workbench.data.settings import current_cache_dir
from workbench.ontologies._files import OntologyFileNotFoundError

# suffix -> (datasets builder, builder options)
_FORMATS: dict[str, tuple[str, dict[str, Any]]] = {
    "csv": ("csv", {}),
    "tsv": ("csv", {"delimiter": "\t"}),
    "tab": ("csv", {"delimiter": "\t"}),
    "parquet": ("parquet", {}),
    "pq": ("parquet", {}),
    "json": ("json", {}),
    "jsonl": ("json", {}),
    "ndjson": ("json", {}),
}
_COMPRESSION = {"gz", "bz2", "xz", "zst", "zip"}
_HUB_NAME = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


def infer_format(path: str | os.PathLike) -> str:
    """'csv', 'tsv', 'parquet', 'json', ... from the file name (a compression suffix is skipped)."""
    parts = Path(path).name.lower().split(".")[1:]
    while parts and parts[-1] in _COMPRESSION:
        parts.pop()
    if not parts or parts[-1] not in _FORMATS:
        raise ValueError(f"{path}: cannot tell the format from the file name; pass format= one of {sorted(_FORMATS)}")
    return parts[-1]


def _looks_like_file(name: str) -> bool:
    try:
        infer_format(name)
        return True
    except ValueError:
        return False


@contextlib.contextmanager
def _datasets_cache(local_file: Path | None):
    """The folder ``datasets`` builds into: ``<cache>/hf-datasets`` for hub datasets, and for a local file
    ``<cache>/hf-datasets/local/<content key>``. ``datasets`` itself knows a local file by its mtime
    only, so an edit that keeps the mtime (cp -p, rsync -t, os.utime) would get the old rows: keyed on the
    file's bytes, an edited file is built again. With no writable cache folder (said once, by
    ``usable_cache_dir``) the build goes to a temporary folder removed afterwards: slower, same rows."""
    root = current_cache_dir()
    if root is not None:
        path = root / "hf-datasets"
        if local_file is not None:
            path = path / "local" / content_key(local_file).replace(":", "-")
        with contextlib.suppress(OSError):  # e.g. a full disk: the temporary folder below
            path.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            yield str(path)
            return
    with tempfile.TemporaryDirectory(prefix="workbench-hf-datasets-") as tmp:
        yield tmp


def _single_split(loaded: Any, name: str) -> Any:
    import datasets

    if isinstance(loaded, datasets.DatasetDict):
        if len(loaded) != 1:
            raise ValueError(f"hub dataset {name!r} has splits {sorted(loaded)}; pass split=")
        loaded = next(iter(loaded.values()))
    return loaded


def _to_pandas(dataset: Any) -> pd.DataFrame:
    import pyarrow as pa

    table = dataset.with_format("arrow")[:]
    mapping = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype(), pa.bool_(): pd.BooleanDtype()}
    for arrow_type, dtype in ((pa.int8(), "Int8"), (pa.int16(), "Int16"), (pa.int32(), "Int32"), (pa.int64(), "Int64")):
        mapping[arrow_type] = pd.api.types.pandas_dtype(dtype)
    frame = table.to_pandas(types_mapper=mapping.get)
    for col in frame.columns:
        if frame[col].dtype == object:  # list cells arrive as numpy arrays
            frame[col] = frame[col].map(lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
    return frame


def read_table(
    path_or_hub: str | os.PathLike,
    *,
    format: str | None = None,
    revision: str | None = None,
    split: str | None = None,
    **kw: Any,
) -> pd.DataFrame:
    """Load a local csv/tsv/parquet/json(l) file, or a hub dataset "org/name", as a pandas DataFrame.

    ``format`` overrides the suffix (csv, tsv, parquet, json). ``revision`` (a hub branch, tag or
    commit) and ``split`` apply to hub datasets; a hub dataset with several splits needs ``split``.
    Other keywords go to ``datasets.load_dataset`` (e.g. ``features=``, ``field=`` for JSON,
    ``encoding=`` for CSV) and override the string-keeping CSV defaults.
    """
    import datasets

    # The runner shows its own progress; per-file "Generating train split" bars are noise there.
    datasets.disable_progress_bars()
    path = Path(path_or_hub).expanduser()
    if not path.exists():
        name = str(path_or_hub)
        if format is not None or not _HUB_NAME.fullmatch(name) or _looks_like_file(name):
            raise OntologyFileNotFoundError(f"evaluation file {path.name} not found in {path.parent.resolve()}")
        with _datasets_cache(None) as cache:
            loaded = datasets.load_dataset(name, revision=revision, split=split, cache_dir=cache, **kw)
            loaded = _single_split(loaded, name)
            return _to_pandas(loaded)
    if revision is not None:
        raise ValueError(f"revision= applies to hub datasets only, and {path} is a local file")
    if path.is_dir():
        raise ValueError(f"{path} is a folder; pass one file")
    fmt = (format or infer_format(path)).lower()
    if fmt not in _FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(_FORMATS)}")
    builder, options = _FORMATS[fmt]
    options = dict(options)
    if builder == "csv":
        sep = kw.get("delimiter", kw.get("sep", options.get("delimiter", ",")))
        names = kw.get("column_names") or kw.get("names")
        if names is None:
            names = pd.read_csv(path, sep=sep, nrows=0, encoding=kw.get("encoding")).columns
        options.update(
            keep_default_na=False,
            na_filter=False,
            features=datasets.Features({str(c): datasets.Value("string") for c in names}),
        )
    options.update(kw)
    with _datasets_cache(path) as cache:
        loaded = datasets.load_dataset(
            builder, data_files=str(path.resolve()), split=split or "train", cache_dir=cache, **options
        )
        return _to_pandas(loaded)  # inside the block: a temporary cache folder is removed after it
