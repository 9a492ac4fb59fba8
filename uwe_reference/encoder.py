"""The UWE bi-encoder: one transformer backbone for queries and targets, token + mean-pooled output.

Queries and targets share the weights and get no prompt: UWE is one model and one scorer for every
task (seed paper), so "query" and "target" differ only in how the late-interaction scorer treats
them. The backbone is a sentence-transformers folder loaded from disk (never the hub); the folder we
save after training is again a sentence-transformers folder, usable as a plain embedding model too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from workbench.errors import WorkBenchError

# Names the recipes use for the two offline generalists; anything else must be a local folder.
BASE_MODELS = ("all-MiniLM-L6-v2", "all-mpnet-base-v2")
DEFAULT_MAX_SEQ_LENGTH = 64  # the paper's limit: labels and vacancy sentences are short


def resolve_base_model(name_or_path: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> Path:
    """Local folder of a base model: a known offline name (via workbench.models.weights) or a folder path."""
    from workbench.models.weights import is_sentence_transformers_folder, minilm_folder, mpnet_folder

    if str(name_or_path) == "all-MiniLM-L6-v2":
        return minilm_folder()
    if str(name_or_path) == "all-mpnet-base-v2":
        return mpnet_folder(cache_dir)
    path = Path(name_or_path).expanduser()
    if is_sentence_transformers_folder(path):
        return path.resolve()
    raise WorkBenchError(
        f"base model {str(name_or_path)!r}: not one of {', '.join(BASE_MODELS)} and not a local "
        "sentence-transformers folder (the hub is not reachable)"
    )


@dataclass
class TokenBatch:
    """Last hidden states of a batch of texts. tokens: (B, L, d); mask: (B, L) bool, True = real token."""

    tokens: torch.Tensor
    mask: torch.Tensor

    @property
    def pooled(self) -> torch.Tensor:
        """Masked mean over tokens (the sentence-transformers 'mean' pooling, before normalisation)."""
        m = self.mask.unsqueeze(-1).to(self.tokens.dtype)
        return (self.tokens * m).sum(1) / m.sum(1).clamp_min(1.0)


@dataclass
class PackedTokens:
    """Variable-length token embeddings of many texts, without padding: text i owns rows offsets[i]:offsets[i+1]."""

    tokens: torch.Tensor  # (total_tokens, d), float16 on CPU
    offsets: torch.Tensor  # (n + 1,) int64

    def __len__(self) -> int:
        return int(self.offsets.numel() - 1)

    @property
    def lengths(self) -> torch.Tensor:
        return self.offsets[1:] - self.offsets[:-1]

    def padded(
        self, rows: torch.Tensor, dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu"
    ) -> TokenBatch:
        """Rows `rows` as one padded batch (padded to the longest of those rows)."""
        lengths = self.lengths[rows]
        width = int(lengths.max()) if rows.numel() else 0
        out = torch.zeros(rows.numel(), width, self.tokens.shape[1], dtype=dtype)
        mask = torch.arange(width).unsqueeze(0) < lengths.unsqueeze(1)
        starts = self.offsets[rows]
        # one gather instead of a python loop: token j of row r sits at starts[r] + j
        flat = (starts.unsqueeze(1) + torch.arange(width).unsqueeze(0))[mask]
        out[mask] = self.tokens[flat].to(dtype)
        return TokenBatch(out.to(device), mask.to(device))


class Encoder(torch.nn.Module):
    """A sentence-transformers model used for its token embeddings (module 0, the transformer)."""

    def __init__(self, st, max_seq_length: int = DEFAULT_MAX_SEQ_LENGTH):
        super().__init__()
        self.st = st
        self.st.max_seq_length = int(max_seq_length)
        self._forward = None  # a torch.compile'd transformer forward, set by compile_backbone()

    @classmethod
    def from_folder(
        cls, folder: str | os.PathLike, *, device: str | None = None, max_seq_length: int = DEFAULT_MAX_SEQ_LENGTH
    ) -> Encoder:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        from workbench.baselines.sentence_transformers import auto_device

        st = SentenceTransformer(str(folder), device=device or auto_device(), local_files_only=True)
        return cls(st, max_seq_length=max_seq_length)

    @property
    def device(self) -> torch.device:
        return next(self.st.parameters()).device

    @property
    def dim(self) -> int:
        return int(self.st[0].auto_model.config.hidden_size)

    @property
    def max_seq_length(self) -> int:
        return int(self.st.max_seq_length)

    def compile_backbone(self) -> None:
        """torch.compile the transformer (CUDA only: on CPU compile time exceeds what it saves)."""
        self._forward = torch.compile(self.st[0].auto_model, dynamic=True)

    def tokenize(self, texts: list[str]) -> dict:
        features = self.st.preprocess(list(texts))
        return {k: (v.to(self.device) if isinstance(v, torch.Tensor) else v) for k, v in features.items()}

    def forward(self, texts: list[str]) -> TokenBatch:
        features = self.tokenize(texts)
        if self._forward is not None:
            kwargs = {k: features[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in features}
            tokens = self._forward(**kwargs).last_hidden_state
        else:
            tokens = self.st[0](features)["token_embeddings"]
        return TokenBatch(tokens, features["attention_mask"].bool())

    @torch.no_grad()
    def encode_packed(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> PackedTokens:
        """Token embeddings of every text as float16 on CPU (inference mode; texts batched by length)."""
        was_training = self.training
        self.eval()
        try:
            n = len(texts)
            # sorting by character length keeps padding (wasted compute) low within a batch
            order = sorted(range(n), key=lambda i: len(texts[i]))
            pieces: list[torch.Tensor | None] = [None] * n
            from tqdm.auto import tqdm

            for start in tqdm(range(0, n, batch_size), desc="uwe encode", disable=not progress, leave=False):
                rows = order[start : start + batch_size]
                batch = self.forward([texts[i] for i in rows])
                tokens = batch.tokens.float().cpu()
                lengths = batch.mask.sum(1).cpu()
                for k, i in enumerate(rows):
                    pieces[i] = tokens[k, : int(lengths[k])].to(torch.float16)
            lengths = torch.tensor([p.shape[0] for p in pieces], dtype=torch.int64)
            offsets = torch.zeros(n + 1, dtype=torch.int64)
            offsets[1:] = torch.cumsum(lengths, 0)
            flat = torch.cat(pieces) if n else torch.zeros(0, self.dim, dtype=torch.float16)
            return PackedTokens(flat.contiguous(), offsets)
        finally:
            self.train(was_training)

    def state_for_saving(self) -> dict[str, torch.Tensor]:
        # contiguous CPU copies: safetensors refuses views and shared storage
        return {k: v.detach().cpu().contiguous() for k, v in self.st.state_dict().items()}

    def save(self, folder: str | os.PathLike) -> None:
        # tokenizer.json records the fast tokenizer's last truncation/padding call, which no encode reads
        # (every call passes its own); set it to what encoding leaves, so the same weights saved after
        # training or exported from a checkpoint are the same files (and the same revision)
        backend = getattr(self.st.tokenizer, "backend_tokenizer", None)
        if backend is not None:
            backend.enable_truncation(max_length=self.max_seq_length)
            backend.enable_padding(pad_id=self.st.tokenizer.pad_token_id, pad_token=self.st.tokenizer.pad_token)
        self.st.save(str(folder), create_model_card=False, safe_serialization=True)


def parameter_count(encoder: Encoder) -> int:
    return int(sum(p.numel() for p in encoder.st.parameters()))
