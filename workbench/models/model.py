"""The model protocol. Two kinds of model plug into a task:

- an *embedding* model encodes texts, knowing its role (query or target), the input type and the
  task group, so it can apply prompts; the runner scores by cosine similarity and caches embeddings;
- a *scoring* model (BM25, late interaction) indexes a target space once and scores query blocks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from workbench.errors import WorkBenchError

Role = Literal["query", "target"]
# Declarations of training data that name no data set: trained on nothing (lexical, random), and trained on
# data its authors do not name. An empty `training_data` declares nothing (zero-shot "unknown").
NOT_TRAINED, UNDISCLOSED = "none", "undisclosed"


class ModelInfo(BaseModel):
    """Metadata every model declares; written into each result file."""

    model_config = ConfigDict(extra="forbid")

    name: str
    revision: str = Field(description="hash of the weights or of the code/config that determines scores")
    kind: Literal["embedding", "scoring"]
    parameters: int | None = None
    embedding_dim: int | None = None
    license: str = "unknown"
    # declared training data (task names or sources). [] declares nothing: zero-shot is "unknown" on the
    # board, never "yes"; ["none"]: trained on nothing (lexical, random); ["undisclosed"]: trained, unnamed
    training_data: list[str] = Field(default_factory=list, description="declared training data (task names or sources)")
    trained_on: list[str] | None = None
    # the submitted model this one is a transfer run, ablation or replicate of: the leaderboard lists
    # it in its own section instead of the main ranking (one row per submitted model)
    variant_of: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    # Environment, never identity: the versions of the libraries that compute the model's outputs, and how it
    # ran where that does not change scores (worker threads). Recorded in each result's `environment`
    # ("libraries", "runtime"); a newer library never makes a result another experiment: `workbench
    # leaderboard regenerate` measures whether its numbers drift.
    libraries: dict[str, str] = Field(default_factory=dict)
    runtime: dict[str, Any] = Field(default_factory=dict)
    description: str = ""
    multilingual: bool = False


class EncodeContext(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    input_type: str
    group: str | None = None


@runtime_checkable
class EmbeddingModel(Protocol):
    info: ModelInfo

    def encode(self, texts: list[str], *, role: Role, input_type: str, group: str | None = None) -> np.ndarray:
        """Return a float32 array (len(texts), dim)."""

    def prompt_for(self, *, role: Role, input_type: str, group: str | None = None) -> str | None:
        """The prompt applied for this role (recorded in results and part of the cache key)."""


@runtime_checkable
class ScoringModel(Protocol):
    info: ModelInfo

    def index(self, targets: list[str], *, target_type: str, group: str | None = None) -> Any:
        """Prepare the target space once (e.g. a BM25 index or cached token embeddings)."""

    def score(self, queries: list[str], index: Any, *, query_type: str, group: str | None = None) -> np.ndarray:
        """Return a (len(queries), n_targets) float matrix; higher is more relevant."""


def prompt_of(model: Any, *, role: str, input_type: str, group: str | None = None) -> str | None:
    """The model's prompt for this role and input type; None for a model without `prompt_for` (optional)."""
    if not hasattr(model, "prompt_for"):
        return None
    return model.prompt_for(role=role, input_type=input_type, group=group)


def model_kind(model: Any) -> str:
    kind = getattr(getattr(model, "info", None), "kind", None)
    if kind not in ("embedding", "scoring"):
        raise TypeError(
            f"{type(model).__name__} has no info.kind of 'embedding' or 'scoring'; adapt a "
            "SentenceTransformer, an encoder or a callable with workbench.as_model(model)"
        )
    return kind


def checked_matrix(out, name: str, texts: Sequence[str]) -> np.ndarray:
    """A model's output for `texts` as a new float32 matrix of one finite row per text, else one line
    naming the model and what it returned. Always a copy: a model may reuse its output buffer for its next
    call, and rows kept from this call (by the cache, by a later batch's stack) must not change with it."""
    if hasattr(out, "detach"):  # a torch tensor
        out = out.detach().cpu().numpy()
    what = _not_an_array(out)
    if what is None:
        try:
            out = np.array(out)  # copies
        except (ValueError, TypeError, RuntimeError) as err:
            what = f"values numpy cannot stack ({str(err).splitlines()[0][:120]})"
        else:
            if out.dtype.kind not in "biuf":  # complex, strings, objects: no silent cast to float
                what = f"an array of dtype {out.dtype}"
    if what is not None:
        raise WorkBenchError(
            f"model {name}: encode returned {what} for {len(texts)} texts; expected a real-valued array (n_texts, dim)"
        )
    if out.ndim != 2 or out.shape[0] != len(texts):
        raise WorkBenchError(
            f"model {name}: encode returned shape {out.shape} for {len(texts)} texts; expected ({len(texts)}, dim)"
        )
    bad = ~np.isfinite(out)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise WorkBenchError(
            f"model {name}: encode returned NaN/inf for text {texts[row]!r} ({int(bad.sum())} bad values)"
        )
    return out.astype(np.float32, copy=False)


def _not_an_array(out) -> str | None:
    """What `out` is when it cannot be an embedding matrix whatever it holds (named, never converted)."""
    if out is None or isinstance(out, (str, bytes, dict)):
        return f"a {type(out).__name__}"
    if hasattr(out, "tocsr") or hasattr(out, "todense"):  # scipy.sparse (checked by duck type: no import)
        return f"a sparse matrix ({type(out).__name__}); return a dense array"
    if isinstance(out, Iterator):  # a generator is consumed once and numpy makes a 0-d object array of it
        return f"an iterator ({type(out).__name__}); return a list or an array"
    return None
