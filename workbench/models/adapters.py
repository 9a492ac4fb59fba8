"""Any model object in: WorkBench's own protocol, a SentenceTransformer, an MTEB-style encoder
(`encode(sentences, **kwargs)`), or a plain callable `texts -> array`.

`as_model(obj)` returns an object that follows the protocol of `workbench.models.model`, with a `ModelInfo`
whose name and revision are derived and recorded:

- name: the one given, else the model's card (a SentenceTransformer's card data, or the card of the
  folder it was loaded from), else the function's or class's name; never a bare folder name like `model`;
- revision: the one given, else a content hash: of the weights (`state_dict()`) when the object has
  them, else of the code (function or class source) and of its output on a fixed probe of texts, so two
  encoders that compute different embeddings never share a revision (and thus an embedding cache).

This is the only place that adapts foreign objects; everything behind it sees the protocol.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import WorkBenchError
from workbench.io import stable_hash
from workbench.models.model import ModelInfo, Role, checked_matrix

# Texts whose embeddings fingerprint an encoder without weights we can read (part of its revision).
PROBE_TEXTS = ("software developer", "Python programming", "nurse", "operate a forklift", "Führungskompetenz")
# MTEB's prompt types for the two roles
_MTEB_PROMPT_TYPE = {"query": "query", "target": "passage"}


def is_protocol_model(model: Any) -> bool:
    return getattr(getattr(model, "info", None), "kind", None) in ("embedding", "scoring")


def _is_sentence_transformer(model: Any) -> bool:
    return any(
        cls.__module__.startswith("sentence_transformers") and cls.__name__ == "SentenceTransformer"
        for cls in type(model).__mro__
    )


class EncoderAdapter:
    """A foreign encoder as a WorkBench embedding model. `call(texts, role)` returns one row per text."""

    def __init__(self, call: Callable[[list[str], Role], Any], info: ModelInfo, *, role_aware: bool):
        self._call, self.info = call, info
        # an encoder that never sees the role computes the same vector for a text in every role
        self.encode_depends_only_on_prompt = not role_aware

    def prompt_for(self, *, role: Role, input_type: str, group: str | None = None) -> str | None:
        return None

    def encode(self, texts: list[str], *, role: Role, input_type: str, group: str | None = None) -> np.ndarray:
        # checked and copied here too: this object is also called without the embedding layer (latency)
        return checked_matrix(self._call(list(texts), role), self.info.name, texts)

    def __repr__(self) -> str:
        return f"EncoderAdapter({self.info.name!r}, revision={self.info.revision[:12]!r})"


def as_model(model: Any, *, name: str | None = None, revision: str | None = None, **card: Any) -> Any:
    """The protocol model for `model` (returned as is when it already follows the protocol).

    card: ModelInfo fields to record (license, training_data, parameters, description, multilingual).
    """
    if is_protocol_model(model):
        if name or revision or card:
            model.info = model.info.model_copy(
                update={k: v for k, v in dict(card, name=name, revision=revision).items() if v}
            )
        return model
    if _is_sentence_transformer(model):
        call, role_aware, settings = _sentence_transformer_call(model)
        name = name or _sentence_transformer_name(model)
        revision = revision or _weights_hash(model)
        card.setdefault("parameters", int(sum(p.numel() for p in model.parameters())))
    elif callable(getattr(model, "encode", None)):
        call, role_aware, settings = _encode_method_call(model.encode)
        name = name or _required_name(type(model).__name__, model)
    elif callable(model):
        call, role_aware, settings = (lambda texts, role: model(texts)), False, {"interface": "callable"}
        name = name or _required_name(getattr(model, "__name__", ""), model)
    else:
        raise WorkBenchError(
            f"{type(model).__name__}: not a model; expected a SentenceTransformer, an object with "
            "encode(sentences, ...), a callable texts -> array, or a workbench model (info, encode)"
        )
    probe = _probe(call, name)
    if revision is None:
        revision = stable_hash({"code": _code_hash(model), "probe": np.round(probe, 4).tolist()})
        settings["revision_from"] = "content hash (code + probe embeddings)"
    info = ModelInfo(
        name=name, revision=revision, kind="embedding", embedding_dim=int(probe.shape[1]), settings=settings, **card
    )
    return EncoderAdapter(call, info, role_aware=role_aware)


def _probe(call: Callable, name: str) -> np.ndarray:
    """The encoder's output on `PROBE_TEXTS`, checked as every later call is (one line for strings, a sparse
    matrix, a generator, complex values...); an encoder that raises on them is named with its error."""
    try:
        out = call(list(PROBE_TEXTS), "query")
    except WorkBenchError:
        raise
    except Exception as err:  # the foreign encoder's own failure, as one line
        first = (str(err).strip().splitlines() or [""])[0][:300]
        raise WorkBenchError(
            f"model {name!r}: encoding {len(PROBE_TEXTS)} probe texts failed ({type(err).__name__}: {first})"
        ) from None
    return checked_matrix(out, repr(name), PROBE_TEXTS)


def _sentence_transformer_call(st: Any) -> tuple[Callable, bool, dict]:
    def call(texts: list[str], role: Role):
        return st.encode(texts, convert_to_numpy=True, show_progress_bar=False, prompt="")

    return call, False, {"interface": "SentenceTransformer", "max_seq_length": getattr(st, "max_seq_length", None)}


def _encode_method_call(encode: Callable) -> tuple[Callable, bool, dict]:
    """MTEB style (`encode(sentences, **kwargs)`: told the prompt type) or plain (`encode(texts)`)."""
    try:
        params = inspect.signature(encode).parameters.values()
    except (TypeError, ValueError):
        params = []
    if any(p.kind is p.VAR_KEYWORD or p.name == "prompt_type" for p in params):

        def call(texts: list[str], role: Role):
            return encode(texts, prompt_type=_MTEB_PROMPT_TYPE[role])

        return call, True, {"interface": "encode(sentences, prompt_type=query|passage)"}
    return (lambda texts, role: encode(texts)), False, {"interface": "encode(texts)"}


def _sentence_transformer_name(st: Any) -> str:
    """The card's model name or id, else the name of the folder or hub id it was loaded from."""
    from workbench.models.weights import folder_model_name

    data = getattr(st, "model_card_data", None)
    for value in (getattr(data, "model_name", None), getattr(data, "model_id", None)):
        if isinstance(value, str) and value.strip():
            return value.strip()
    config = getattr(getattr(st[0], "auto_model", None), "config", None) if len(st) else None
    source = getattr(config, "_name_or_path", None)
    if isinstance(source, str) and source:
        return folder_model_name(source) if Path(source).is_dir() else source
    raise WorkBenchError("SentenceTransformer: no name in its card and no folder to read one from; pass name=...")


def _required_name(candidate: str, model: Any) -> str:
    if candidate and candidate != "<lambda>":
        return candidate
    raise WorkBenchError(f"{type(model).__name__}: cannot derive a model name from it; pass name=...")


def _weights_hash(module: Any) -> str:
    """sha256 over the sorted (parameter name, bytes) of a torch module's state_dict."""
    digest = hashlib.sha256()
    for key, tensor in sorted(module.state_dict().items()):
        digest.update(key.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _code_hash(model: Any) -> str:
    """The source of the function or class that encodes (its bytecode when the source is not available)."""
    target = model if inspect.isfunction(model) or inspect.ismethod(model) else type(model)
    try:
        return hashlib.sha256(inspect.getsource(target).encode()).hexdigest()
    except (OSError, TypeError):
        code = getattr(target, "__code__", None)
        return hashlib.sha256(code.co_code if code else repr(target).encode()).hexdigest()
