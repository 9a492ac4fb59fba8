"""Any sentence-transformers model (a local folder or a hub id) as a WorkBench embedding model.

torch and sentence-transformers are imported when a model is built, never when this module is imported.
A hub id is resolved to a local snapshot first (workbench.models.weights.hub_snapshot); the model itself is
then always loaded from a local folder (``local_files_only``).
"""

from __future__ import annotations

import math
import os
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import WorkBenchError
from workbench.models.hashing import folder_revision, package_version
from workbench.models.model import ModelInfo, Role
from workbench.models.weights import (
    ST_MARKERS,
    card_datasets,
    card_license,
    folder_model_name,
    hub_snapshot,
    is_hub_id,
    is_sentence_transformers_folder,
)

ROLES = ("query", "target")


def resolve_prompt(prompts: Mapping[str, str] | None, *, role: str, group: str | None) -> str | None:
    """Most specific prompt: "group:role", then "role"; None when neither is set (or it is empty)."""
    if role not in ROLES:
        raise WorkBenchError(f"role must be 'query' or 'target', got {role!r}")
    if not prompts:
        return None
    keys = ([f"{group}:{role}"] if group else []) + [role]
    for key in keys:
        if key in prompts:
            return prompts[key] or None
    return None


def validate_prompts(prompts: Mapping[str, str] | None) -> dict[str, str] | None:
    if prompts is None:
        return None
    if not isinstance(prompts, Mapping):
        raise WorkBenchError(f"prompts must be a mapping like {{'query': 'query: '}}, got {type(prompts).__name__}")
    out = {}
    for key, value in prompts.items():
        role = str(key).rsplit(":", 1)[-1]
        if role not in ROLES or str(key).startswith(":"):
            raise WorkBenchError(f"prompt key {key!r}: expected 'query', 'target', or 'GROUP:query' / 'GROUP:target'")
        if value is not None and not isinstance(value, str):
            raise WorkBenchError(f"prompt {key!r} must be a string, got {type(value).__name__}")
        out[str(key)] = value or ""
    return out


def auto_device() -> str:
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


@dataclass(frozen=True)
class _Weights:
    folder: Path
    name: str  # the model's name unless the caller gives one
    revision: str | None = None  # a hub snapshot's commit; None: hash the folder's files


def _locate_weights(path_or_name: str | os.PathLike) -> _Weights:
    """A local sentence-transformers folder, or a hub id `org/name[@revision]` (downloaded, or read from
    the local Hugging Face cache when offline)."""
    path = Path(path_or_name).expanduser()
    if path.exists():
        if not is_sentence_transformers_folder(path):
            raise WorkBenchError(
                f"{path}: not a sentence-transformers model folder (expected {' or '.join(ST_MARKERS)})"
            )
        return _Weights(path.resolve(), name="")  # named lazily: a given name needs no card
    if not is_hub_id(str(path_or_name)):
        raise WorkBenchError(
            f"model {str(path_or_name)!r}: no such local folder and not a hub id (org/name[@revision])"
        )
    snapshot = hub_snapshot(str(path_or_name))
    if not is_sentence_transformers_folder(snapshot.folder):
        raise WorkBenchError(
            f"{snapshot.folder}: snapshot of {snapshot.repo_id!r} is not a sentence-transformers folder"
        )
    return _Weights(snapshot.folder, name=snapshot.repo_id, revision=snapshot.commit)


class SentenceTransformerModel:
    """A sentence-transformers model as a WorkBench embedding model.

    prompts: {"query": "...", "target": "...", "GROUP:query": "..."}; the most specific key wins and is
    passed to ``SentenceTransformer.encode(prompt=...)``. Without ``prompts`` the model's own saved prompts
    apply ("query" for queries; "document"/"passage"/"corpus" for targets); a model's
    ``default_prompt_name`` is never applied silently: what ``prompt_for`` reports is exactly what is used.

    devices: encode in one worker process per listed device (e.g. ``["cuda:0", "cuda:1"]``, or
    ``["cpu", "cpu"]``) through sentence-transformers' multi-process pool. Left out, several visible
    CUDA devices (and no explicit ``device``) mean one worker per GPU; otherwise encoding runs in this
    process. The pool starts on the first non-empty ``encode`` and stops on ``close()`` or at exit.
    Embeddings do not depend on it (beyond float rounding), so it is not part of the model's settings.
    """

    # encode() applies prompt_for(role, input_type, group) and nothing else of the role: the embedding
    # cache may then share entries between roles and input types that resolve to the same prompt
    encode_depends_only_on_prompt = True

    def __init__(
        self,
        path_or_name: str | os.PathLike,
        *,
        name: str | None = None,
        prompts: Mapping[str, str] | None = None,
        batch_size: int = 64,
        device: str | None = None,
        max_seq_length: int | None = None,
        normalize: bool = True,
        fp16: bool = False,
        trust_remote_code: bool = False,
        show_progress: bool = False,
        license: str | None = None,
        training_data: list[str] | None = None,
        description: str = "",
        multilingual: bool = False,
        devices: list[str] | None = None,
    ) -> None:
        if int(batch_size) < 1:
            raise WorkBenchError(f"batch_size must be >= 1, got {batch_size}")
        if max_seq_length is not None and int(max_seq_length) < 1:
            raise WorkBenchError(f"max_seq_length must be >= 1, got {max_seq_length}")
        weights = _locate_weights(path_or_name)
        self.folder = weights.folder
        name = name or weights.name or folder_model_name(self.folder)  # before the weights load: fail fast
        self.prompts = validate_prompts(prompts)
        self.batch_size = int(batch_size)
        self.normalize = bool(normalize)
        self.show_progress = bool(show_progress)
        self.trust_remote_code = bool(trust_remote_code)

        self.devices, self.device = _placement(devices, device)
        self._pool: dict | None = None
        self._stop_pool = None
        self.fp16 = bool(fp16) and str(self.device).startswith("cuda")
        self._st = self._load_encoder(max_seq_length)
        self._saved_prompts = {k: v for k, v in (getattr(self._st, "prompts", None) or {}).items() if v}

        dim = (getattr(self._st, "get_embedding_dimension", None) or self._st.get_sentence_embedding_dimension)()
        self.info = ModelInfo(
            name=name,
            revision=weights.revision or folder_revision(self.folder),
            kind="embedding",
            parameters=int(sum(p.numel() for p in self._st.parameters())),
            embedding_dim=int(dim) if dim else None,
            license=license or card_license(self.folder) or "unknown",
            # declared by the caller, else by the model card; [] (none declared) reads as zero-shot "unknown"
            training_data=list(training_data) if training_data is not None else card_datasets(self.folder),
            settings=self._settings(),
            libraries=_libraries(),
            description=description or f"sentence-transformers model from {self.folder}",
            multilingual=multilingual,
        )

    def _load_encoder(self, max_seq_length: int | None):
        """The sentence-transformers model of `self.folder`, in eval mode (never fetched: local files only)."""
        from sentence_transformers import SentenceTransformer

        encoder = SentenceTransformer(
            str(self.folder), device=self.device, trust_remote_code=self.trust_remote_code, local_files_only=True
        )
        if max_seq_length is not None:
            encoder.max_seq_length = int(max_seq_length)
        if self.fp16:
            encoder.half()
        encoder.eval()
        return encoder

    def _settings(self) -> dict[str, Any]:
        """What changes this model's embeddings besides its weights (recorded, and part of the cache key).
        Library versions are not settings: they are environment (`_libraries`)."""
        settings: dict[str, Any] = {
            "prompts": self.prompts,
            "normalize": self.normalize,
            "max_seq_length": getattr(self._st, "max_seq_length", None),
            "fp16": self.fp16,
            "trust_remote_code": self.trust_remote_code,
        }
        if self.prompts is None:  # record the prompts the model's own config supplies (usually none)
            settings["prompts"] = {role: self.prompt_for(role=role, input_type="") or "" for role in ROLES}
            settings["prompts_source"] = "model config"
        return settings

    # -- protocol ---------------------------------------------------------------------------------
    def prompt_for(self, *, role: Role, input_type: str, group: str | None = None) -> str | None:
        if self.prompts is not None:
            return resolve_prompt(self.prompts, role=role, group=group)
        if role not in ROLES:
            raise WorkBenchError(f"role must be 'query' or 'target', got {role!r}")
        keys = ("query",) if role == "query" else ("document", "passage", "corpus")
        for key in keys:
            if self._saved_prompts.get(key):
                return self._saved_prompts[key]
        return None

    def encode(self, texts: list[str], *, role: Role, input_type: str, group: str | None = None) -> np.ndarray:
        texts = [str(t) for t in texts]
        prompt = self.prompt_for(role=role, input_type=input_type, group=group)
        dim = self.info.embedding_dim or 0
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        pool_args = {}
        if self.devices:
            # chunks of whole batches, about four per worker per call, so every worker stays busy
            per_chunk = math.ceil(len(texts) / (4 * len(self.devices) * self.batch_size))
            pool_args = {"pool": self._ensure_pool(), "chunk_size": self.batch_size * max(1, per_chunk)}
        out = self._st.encode(
            texts,
            prompt=prompt or "",  # "" (not None) so a saved default_prompt_name cannot sneak in
            batch_size=self.batch_size,
            show_progress_bar=self.show_progress and len(texts) > self.batch_size,
            normalize_embeddings=self.normalize,
            convert_to_numpy=True,
            **pool_args,
        )
        return np.ascontiguousarray(out, dtype=np.float32)

    # -- multi-process pool -----------------------------------------------------------------------
    def _ensure_pool(self) -> dict:
        if self._pool is None:
            self._pool = self._st.start_multi_process_pool(list(self.devices))
            # stops the workers when the model is collected or the interpreter exits
            self._stop_pool = weakref.finalize(self, type(self._st).stop_multi_process_pool, self._pool)
        return self._pool

    def close(self) -> None:
        """Stop the worker processes of a multi-device model (a later encode starts them again)."""
        if self._stop_pool is not None:
            self._stop_pool()
        self._pool = self._stop_pool = None

    def __repr__(self) -> str:
        where = f"devices={self.devices!r}" if self.devices else f"device={self.device!r}"
        return f"SentenceTransformerModel({self.info.name!r}, folder={str(self.folder)!r}, {where})"


def _libraries() -> dict[str, str]:
    """The versions of the libraries that compute the embeddings: recorded in each result's environment, never
    part of its identity (a newer sentence-transformers reruns the same experiment; `workbench leaderboard
    regenerate` says whether its numbers drift)."""
    import torch

    return {
        "sentence-transformers": package_version("sentence-transformers"),
        "transformers": package_version("transformers"),
        "torch": torch.__version__.split("+")[0],
    }


def _placement(devices: list[str] | None, device: str | None) -> tuple[list[str] | None, str]:
    """(the worker devices of a multi-process pool or None, the device of this process)."""
    pool = _pool_devices(devices, explicit_device=device)
    if devices and len(devices) == 1 and device is None:
        device = devices[0]  # one device: no pool, encode there in this process
    return pool, device or auto_device()


def _pool_devices(devices: list[str] | None, *, explicit_device: str | None) -> list[str] | None:
    """The worker devices of a multi-process pool, or None to encode in this process."""
    if devices is not None:
        if isinstance(devices, str) or not all(isinstance(d, str) and d for d in devices):
            raise WorkBenchError(f"devices must be a list of device names like ['cuda:0', 'cuda:1'], got {devices!r}")
        return list(devices) if len(devices) > 1 else None
    if explicit_device is not None:
        return None
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return [f"cuda:{i}" for i in range(count)] if count > 1 else None
