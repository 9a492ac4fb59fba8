"""UWE as a WorkBench scoring model: `index` encodes a target space once, `score` scores query blocks.

A saved UWE folder is a sentence-transformers folder (the backbone) plus ``uwe_config.json`` (scorer
settings and what the model was trained on). Its revision is the hash of the folder's weight and
config files, so a retrained or re-configured model never reuses another's cached results.

Target token embeddings are query-independent, so `index` keeps them as float16 in memory and, per
(revision, max_seq_length, target texts), on disk as one safetensors file under
``<cache>/uwe-index/`` (safetensors, never pickle: a cache file cannot run code when read).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field

from workbench.errors import WorkBenchError
from workbench.io import stable_hash
from workbench.models.model import ModelInfo
from workbench.models.weights import ST_MARKERS, is_sentence_transformers_folder

from .encoder import DEFAULT_MAX_SEQ_LENGTH, Encoder, PackedTokens, parameter_count, resolve_base_model
from .late_interaction import chunked_scores, unit_chunk

CONFIG_FILE = "uwe_config.json"
INDEX_FORMAT = "1"
DEVICE_INDEX_BYTES = 4 * 2**30  # target spaces up to this size (float16 tokens) stay on the GPU between queries
# normalised float32 target tokens kept per index up to this size (SkillNorm's 13.9k skills: 131 MiB);
# without them a batch-1 query re-normalises the whole target space
UNIT_CHUNK_BYTES = 2**30


class UWEConfig(BaseModel):
    """What `uwe_config.json` holds: how to score, and what the weights were trained on."""

    model_config = ConfigDict(extra="forbid")

    name: str = "uwe"
    base_model: str = "all-MiniLM-L6-v2"
    scoring: Literal["late", "maxsim", "pooled"] = "late"
    tau_a: float = Field(0.1, gt=0)
    attention: Literal["dot", "cosine"] = "dot"
    max_seq_length: int = Field(DEFAULT_MAX_SEQ_LENGTH, ge=1)
    training_data: list[str] = Field(default_factory=list)
    trained_on: list[str] = Field(default_factory=list)
    recipe: str | None = None
    seed: int | None = None
    ablations: list[str] = Field(default_factory=list)
    steps: int | None = None
    variant_of: str | None = None  # the recipe's own model when graphs, ablations, steps or tau_a differ


@dataclass
class TargetIndex:
    """A target space ready for scoring: padded length-sorted chunks of float16 token embeddings."""

    n_targets: int
    packed: PackedTokens
    chunks: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]
    key: str
    _pooled: torch.Tensor | None = field(default=None, repr=False)
    _unit_chunks: tuple[tuple[torch.dtype, torch.device], list] | None = field(default=None, repr=False)

    def pooled(self) -> torch.Tensor:
        if self._pooled is None:
            self._pooled = _unit(_packed_means(self.packed))
        return self._pooled

    def unit_chunks(self, dtype: torch.dtype, device: torch.device) -> list | None:
        """The chunks as unit tokens and norms in `dtype` (see `late_interaction.unit_chunk`), made once and
        kept while they fit `UNIT_CHUNK_BYTES`; None for a bigger space (scoring then prepares each chunk
        per call, which costs little against a big query block)."""
        size = sum(t.numel() for t, _, _ in self.chunks) * torch.finfo(dtype).bits // 8
        if size > UNIT_CHUNK_BYTES:
            return None
        if self._unit_chunks is None or self._unit_chunks[0] != (dtype, device):
            self._unit_chunks = ((dtype, device), [unit_chunk(*c, dtype=dtype, device=device) for c in self.chunks])
        return self._unit_chunks[1]


def _unit(x: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.normalize(x, dim=-1, eps=1e-8)


def _packed_means(packed: PackedTokens) -> torch.Tensor:
    """Mean token embedding of each text, float32 (a segment sum over the packed rows)."""
    owner = torch.repeat_interleave(torch.arange(len(packed)), packed.lengths)
    sums = torch.zeros(len(packed), packed.tokens.shape[1], dtype=torch.float32)
    sums.index_add_(0, owner, packed.tokens.float())
    return sums / packed.lengths.clamp_min(1).unsqueeze(1).float()


def _chunks(packed: PackedTokens, chunk_tokens: int) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Targets sorted by token count and cut so each padded chunk holds about `chunk_tokens` slots."""
    order = torch.argsort(packed.lengths, stable=True)
    lengths = packed.lengths[order]
    chunks, start, n = [], 0, len(order)
    while start < n:
        stop = start + 1
        # lengths ascend, so the chunk's padded width is the length of its last row
        while stop < n and (stop + 1 - start) * int(lengths[stop]) <= chunk_tokens:
            stop += 1
        rows = order[start:stop]
        batch = packed.padded(rows, dtype=torch.float16)
        chunks.append((batch.tokens, batch.mask, rows))
        start = stop
    return chunks


class UWEModel:
    """The UWE reference model as a scoring model (`info.kind == "scoring"`)."""

    def __init__(
        self,
        encoder: Encoder,
        config: UWEConfig,
        revision: str,
        *,
        folder: str | os.PathLike | None = None,
        cache_dir: str | os.PathLike | None = None,
        disk_cache: bool = True,
        batch_size: int | None = None,
        chunk_tokens: int = 32768,
        max_elements: int | None = None,
        show_progress: bool = False,
        name: str | None = None,
    ):
        # defaults by device: a GPU wants bigger encoder batches and interaction blocks (launch-bound
        # otherwise); on CPU the smaller ones keep memory low at no cost in speed
        on_gpu = encoder.device.type == "cuda"
        batch_size = (256 if on_gpu else 64) if batch_size is None else batch_size
        max_elements = (2**26 if on_gpu else 2**24) if max_elements is None else max_elements
        if int(batch_size) < 1:
            raise WorkBenchError(f"batch_size must be >= 1, got {batch_size}")
        self.encoder = encoder
        self.encoder.eval()
        self.config = config
        self.folder = Path(folder) if folder else None
        self.cache_dir = cache_dir
        self.disk_cache = bool(disk_cache)
        self.batch_size = int(batch_size)
        self.chunk_tokens = int(chunk_tokens)
        self.max_elements = int(max_elements)
        self.show_progress = bool(show_progress)
        settings: dict[str, Any] = {
            "base_model": config.base_model,
            "scoring": config.scoring,
            "tau_a": config.tau_a,
            "attention": config.attention,
            "max_seq_length": config.max_seq_length,
            "recipe": config.recipe,
            "seed": config.seed,
            "ablations": list(config.ablations),
            "steps": config.steps,
        }
        self.info = ModelInfo(
            name=name or config.name,
            revision=revision,
            kind="scoring",
            parameters=parameter_count(encoder),
            embedding_dim=encoder.dim,
            license="Apache-2.0",
            training_data=list(config.training_data),
            trained_on=list(config.trained_on) or None,
            variant_of=config.variant_of,
            settings=settings,
            libraries={"torch": torch.__version__.split("+")[0]},  # environment, never identity
            description=f"UWE reference bi-encoder ({config.base_model} backbone, {config.scoring} scoring, "
            f"tau_a={config.tau_a}), one model for every task",
        )

    # -- index ------------------------------------------------------------------------------------
    def _index_path(self, key: str) -> Path | None:
        if not self.disk_cache:
            return None
        from workbench.data.settings import resolve_cache_dir

        return resolve_cache_dir(self.cache_dir) / "uwe-index" / f"{key[:40]}.safetensors"

    def index(self, targets: list[str], *, target_type: str = "", group: str | None = None) -> TargetIndex:
        texts = [str(t) for t in targets]
        if not texts:
            raise WorkBenchError(f"model {self.info.name}: the target space is empty")
        # target type and group do not enter: UWE encodes every text the same way (no prompts)
        key = stable_hash(
            {
                "revision": self.info.revision,
                "max_seq_length": self.config.max_seq_length,
                "texts": texts,
                "format": INDEX_FORMAT,
            }
        )
        path = self._index_path(key)
        packed = _read_index(path, key, len(texts)) if path else None
        if packed is None:
            packed = self.encoder.encode_packed(texts, batch_size=self.batch_size, progress=self.show_progress)
            if path:
                _write_index(path, key, packed)
        chunks = _chunks(packed, self.chunk_tokens)
        device = self.encoder.device
        if device.type != "cpu" and packed.tokens.numel() * 2 <= DEVICE_INDEX_BYTES:
            # keep the target tokens on the GPU: copying every chunk per query block was the whole cost
            # of a single query (~45 ms for SkillNorm's 13.9k targets on an H100, measured here)
            chunks = [(t.to(device), m.to(device), rows) for t, m, rows in chunks]
        return TargetIndex(len(texts), packed, chunks, key)

    @property
    def device(self) -> torch.device:
        return self.encoder.device

    # -- score ------------------------------------------------------------------------------------
    def score(
        self, queries: list[str], index: TargetIndex, *, query_type: str = "", group: str | None = None
    ) -> np.ndarray:
        texts = [str(q) for q in queries]
        if not texts:
            return np.zeros((0, index.n_targets), dtype=np.float32)
        # queries go through the same float16 round trip as targets, so scoring is symmetric in precision
        packed = self.encoder.encode_packed(texts, batch_size=self.batch_size)
        if self.config.scoring == "pooled":
            return (_unit(_packed_means(packed)) @ index.pooled().T).numpy()
        device = self.encoder.device
        # float32 compute on every device (float16 only for storage): token dot products are ~10², and
        # rounding them to half precision before dividing by τa would shift attention logits by ~0.5
        compute = torch.float32
        unit_chunks = index.unit_chunks(compute, device) if self.config.scoring == "late" else None
        out = torch.empty(len(texts), index.n_targets, dtype=torch.float32)
        order = torch.argsort(packed.lengths, stable=True)
        for start in range(0, len(texts), 256):  # length-sorted query groups: little query padding
            rows = order[start : start + 256]
            batch = packed.padded(rows, dtype=compute, device=device)
            out[rows] = chunked_scores(
                batch.tokens,
                batch.mask,
                index.chunks,
                index.n_targets,  # runs without grad
                tau_a=self.config.tau_a,
                mode=self.config.scoring,
                attention=self.config.attention,
                max_elements=self.max_elements,
                unit_chunks=unit_chunks,
            )
        return out.numpy()

    def __repr__(self) -> str:
        return f"UWEModel({self.info.name!r}, revision={self.info.revision[:12]}, folder={str(self.folder)!r})"


def _read_index(path: Path, key: str, n: int) -> PackedTokens | None:
    """The cached index, or None when absent, unreadable or not for these texts (then it is rebuilt)."""
    if not path.is_file():
        return None
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            meta = handle.metadata() or {}
            if meta.get("key") != key or meta.get("format") != INDEX_FORMAT:
                return None
            tokens, offsets = handle.get_tensor("tokens"), handle.get_tensor("offsets")
    except Exception:  # a truncated or foreign file only costs a re-encode
        return None
    if offsets.numel() != n + 1 or int(offsets[-1]) != tokens.shape[0]:
        return None
    return PackedTokens(tokens, offsets)


def _write_index(path: Path, key: str, packed: PackedTokens) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file(
            {"tokens": packed.tokens.contiguous(), "offsets": packed.offsets.contiguous()},
            tmp,
            metadata={"key": key, "format": INDEX_FORMAT},
        )
        os.replace(tmp, path)  # readers never see a half-written index
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- saving and loading ---------------------------------------------------------------------------
def make_readable(folder: Path) -> None:
    """mkdtemp folders (and some library temp files) are owner-only; a saved model is meant to be shared."""
    for root, _, files in os.walk(folder):
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


def save_uwe(encoder: Encoder, config: UWEConfig, folder: str | os.PathLike) -> Path:
    """Write backbone + uwe_config.json into `folder` atomically (temp folder, then rename)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        encoder.save(staging)
        (staging / CONFIG_FILE).write_text(
            json.dumps(config.model_dump(mode="json"), indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        make_readable(staging)
        if folder.exists():  # replace: move the old folder aside first so the swap is two renames
            trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
            os.rename(folder, trash / folder.name)
            os.rename(staging, folder)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.rename(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def read_config(folder: str | os.PathLike) -> UWEConfig:
    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        raise WorkBenchError(f"{folder}: not a UWE model folder (no {CONFIG_FILE})")
    try:
        return UWEConfig.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as err:
        raise WorkBenchError(f"{path}: invalid UWE config ({err})") from None


def load_uwe(
    directory: str | os.PathLike,
    *,
    device: str | None = None,
    cache_dir: str | os.PathLike | None = None,
    batch_size: int | None = None,
    name: str | None = None,
    disk_cache: bool = True,
    show_progress: bool = False,
    tau_a: float | None = None,
) -> UWEModel:
    """Load a saved UWE folder (for `workbench run --model uwe:DIR`).

    `tau_a` scores with another attention temperature than the one trained with (`-s tau_a=0.3`); the
    model is then named `<name>-scored-tau0.3` unless `name` is given, so its results never land in the
    trained temperature's folder.
    """
    from workbench.models.hashing import folder_revision

    folder = Path(directory).expanduser()
    if not folder.is_dir():
        raise WorkBenchError(f"UWE model folder {folder} does not exist")
    config = read_config(folder)
    if tau_a is not None and tau_a != config.tau_a:
        try:
            config = UWEConfig.model_validate(
                {**config.model_dump(), "tau_a": tau_a, "variant_of": config.variant_of or config.name}
            )
        except ValueError:
            raise WorkBenchError(f"{folder}: tau_a must be a number > 0, got {tau_a!r}") from None
        name = name or f"{config.name}-scored-tau{config.tau_a:g}"
    if not is_sentence_transformers_folder(folder):
        raise WorkBenchError(f"{folder}: has {CONFIG_FILE} but no sentence-transformers backbone ({ST_MARKERS[0]})")
    encoder = Encoder.from_folder(folder, device=device, max_seq_length=config.max_seq_length)
    return UWEModel(
        encoder,
        config,
        folder_revision(folder),
        folder=folder,
        cache_dir=cache_dir,
        disk_cache=disk_cache,
        batch_size=batch_size,
        name=name,
        show_progress=show_progress,
    )


def uwe_from_base(
    base_model: str = "all-MiniLM-L6-v2",
    *,
    scoring: str = "late",
    tau_a: float = 0.1,
    attention: str = "dot",
    max_seq_length: int = DEFAULT_MAX_SEQ_LENGTH,
    encoder: Encoder | None = None,
    **kwargs: Any,
) -> UWEModel:
    """An untrained backbone with the UWE scorer (the "base + late interaction" reference point)."""
    from workbench.models.hashing import folder_revision

    device = kwargs.pop("device", None)
    folder = resolve_base_model(base_model, kwargs.get("cache_dir"))
    config = UWEConfig(
        name=f"uwe-untrained-{Path(str(base_model)).name}",
        base_model=str(base_model),
        scoring=scoring,
        tau_a=tau_a,
        attention=attention,
        max_seq_length=max_seq_length,
    )
    encoder = encoder or Encoder.from_folder(folder, device=device, max_seq_length=max_seq_length)
    revision = stable_hash({"base": folder_revision(folder), "config": config.model_dump(mode="json")})
    return UWEModel(encoder, config, revision, **kwargs)
