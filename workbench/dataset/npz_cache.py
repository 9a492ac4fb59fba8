"""The on-disk form of a built `RankingDataset` (<cache>/datasets/<key>.npz): plain arrays read with
allow_pickle=False (no pickle: a cache file is data, never code). String columns are one UTF-8 text plus
offsets, sparse matrices their CSR parts. A file that is missing, damaged or of another key reads as None:
the dataset is rebuilt (a cache only ever costs time)."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import numpy as np

from workbench.dataset.ranking import RankingDataset

_TEXT_COLUMNS = ("query_ids", "query_texts", "target_ids", "target_texts", "query_splits")


def dataset_bytes(dataset: RankingDataset, key: str) -> bytes:
    arrays: dict[str, np.ndarray] = {"key": np.array(key), "stats": np.array(json.dumps(dataset.stats))}
    for column in _TEXT_COLUMNS:
        values = [str(v) for v in getattr(dataset, column)]
        arrays[f"{column}.text"] = np.frombuffer("".join(values).encode("utf-8"), dtype=np.uint8)
        arrays[f"{column}.offsets"] = np.cumsum([0] + [len(v) for v in values], dtype=np.int64)
    for name in ("relevance", "excluded"):
        matrix = getattr(dataset, name)
        if matrix is not None:
            for part in ("data", "indices", "indptr"):
                arrays[f"{name}.{part}"] = getattr(matrix, part)
            arrays[f"{name}.shape"] = np.array(matrix.shape, dtype=np.int64)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def read_dataset(path: Path, key: str) -> RankingDataset | None:
    """A dataset from the on-disk cache, or None (missing, damaged or another key: rebuilt)."""
    import scipy.sparse as sp

    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["key"]) != key:
                return None
            columns = {}
            for column in _TEXT_COLUMNS:
                text = stored[f"{column}.text"].tobytes().decode("utf-8")
                offsets = stored[f"{column}.offsets"].tolist()
                columns[column] = np.array([text[a:b] for a, b in itertools.pairwise(offsets)] or [], dtype=object)
            matrices = {}
            for name in ("relevance", "excluded"):
                if f"{name}.shape" in stored.files:
                    matrices[name] = sp.csr_matrix(
                        (stored[f"{name}.data"], stored[f"{name}.indices"], stored[f"{name}.indptr"]),
                        shape=tuple(stored[f"{name}.shape"].tolist()),
                    )
            stats = json.loads(str(stored["stats"]))
    except Exception:  # missing, damaged or foreign: a cache only ever costs time
        return None
    if "relevance" not in matrices:
        return None
    return RankingDataset(**columns, relevance=matrices["relevance"], excluded=matrices.get("excluded"), stats=stats)
