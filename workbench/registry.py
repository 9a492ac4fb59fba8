"""Model registry: names -> factories, and `load_model(spec)` for names, `uwe:DIR` and local folders.

Importing this module is light: factories import their libraries (torch, sentence-transformers,
bm25s, ...) only when called. `registered_models()` reads static model cards, never weights.

    load_model("bm25")                          # a registered name
    load_model("all-MiniLM-L6-v2", batch_size=32)
    load_model("uwe:runs/uwe-v1")               # the UWE reference model (workbench.uwe_reference)
    load_model("/models/my-st-model")           # a local sentence-transformers folder
"""
from __future__ import annotations

import copy
import inspect
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import WorkBenchError

UWE_PREFIX = "uwe:"
CARD_KEYS = ("kind", "embedding_dim", "parameters", "license", "training_data", "multilingual", "weights", "notes")
_ST_MARKERS = ("modules.json", "config_sentence_transformers.json")
_POSITIONAL = ("path_or_name", "directory", "path")  # the folder a factory is called with, not a setting


@dataclass(frozen=True)
class Registration:
    name: str
    factory: Callable[..., Any]
    description: str
    card: dict[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, Registration] = {}
_lock = threading.RLock()
_builtins_state = {"done": False}


def register(
    name: str,
    factory: Callable[..., Any],
    *,
    description: str,
    kind: str | None = None,
    card: dict[str, Any] | None = None,
    replace: bool = False,
) -> None:
    """Register a model factory under `name`.

    card: static metadata shown by `registered_models()` without building the model
    (kind, embedding_dim, parameters, license, training_data, multilingual, weights, notes).
    Re-registering the same factory is a no-op; a different factory needs replace=True.
    """
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise WorkBenchError(f"model name must be a non-empty string without surrounding spaces, got {name!r}")
    if name.lower().startswith(UWE_PREFIX) or "/" in name or "\\" in name:
        raise WorkBenchError(f"model name {name!r} may not start with {UWE_PREFIX!r} or contain a path separator")
    if not callable(factory):
        raise WorkBenchError(f"model {name!r}: factory must be callable, got {type(factory).__name__}")
    card = dict(card or {})
    unknown = set(card) - set(CARD_KEYS)
    if unknown:
        raise WorkBenchError(f"model {name!r}: unknown card field(s) {sorted(unknown)}; expected {list(CARD_KEYS)}")
    if kind is not None:
        card["kind"] = kind
    if card.get("kind") not in (None, "embedding", "scoring"):
        raise WorkBenchError(f"model {name!r}: kind must be 'embedding' or 'scoring', got {card.get('kind')!r}")
    entry = Registration(name=name, factory=factory, description=description, card=card)
    with _lock:
        existing = _find(name)
        if existing is not None and not replace:
            if existing.factory is factory:
                _REGISTRY[existing.name] = entry
                return
            raise WorkBenchError(f"model name {name!r} is already registered; pass replace=True to override it")
        if existing is not None:
            del _REGISTRY[existing.name]
        _REGISTRY[name] = entry


def unregister(name: str) -> None:
    with _lock:
        existing = _find(name)
        if existing is None:
            raise WorkBenchError(f"model name {name!r} is not registered")
        del _REGISTRY[existing.name]


def _find(name: str) -> Registration | None:
    if name in _REGISTRY:
        return _REGISTRY[name]
    folded = [entry for key, entry in _REGISTRY.items() if key.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def _ensure_builtins() -> None:
    with _lock:
        if _builtins_state["done"]:
            return
        _builtins_state["done"] = True
        try:
            from workbench.baselines import register_builtins
        except ImportError as err:  # the baselines sub-package is part of the install; say so if it is not
            _builtins_state["done"] = False
            raise WorkBenchError(f"built-in baselines unavailable: {err}") from err
        register_builtins()


def registered_names() -> list[str]:
    _ensure_builtins()
    return sorted(_REGISTRY, key=str.casefold)


def registered_models() -> list[dict[str, Any]]:
    """One dict per registered name: name, kind, description and the static card (no weights loaded)."""
    _ensure_builtins()
    rows = []
    for name in registered_names():
        entry = _REGISTRY[name]
        row = {"name": entry.name, "kind": entry.card.get("kind"), "description": entry.description}
        row.update({k: copy.deepcopy(v) for k, v in entry.card.items() if k != "kind"})
        row["settings"] = _accepted_settings(entry.factory)
        rows.append(row)
    return rows


def _accepted_settings(factory: Callable[..., Any]) -> list[str]:
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _call(what: str, factory: Callable[..., Any], args: tuple, settings: dict[str, Any]) -> Any:
    try:
        inspect.signature(factory).bind(*args, **settings)
    except TypeError as err:
        accepted = [s for s in _accepted_settings(factory) if s not in _POSITIONAL]
        raise WorkBenchError(
            f"{what}: invalid settings {sorted(settings)} ({err}); accepted settings: {', '.join(accepted) or 'none'}"
        ) from None
    except ValueError:  # no signature (builtin); let the call decide
        pass
    return factory(*args, **settings)


def is_sentence_transformers_folder(path: Path) -> bool:
    return path.is_dir() and any((path / marker).is_file() for marker in _ST_MARKERS)


def load_model(spec: str, **settings: Any) -> Any:
    """Build a model from a registered name, `uwe:DIR`, or a local sentence-transformers folder.

    Settings are passed to the factory (e.g. batch_size, device, prompts for embedding models;
    k1/b for bm25). trust_remote_code is False unless passed explicitly.
    """
    what, factory, args = _resolve(spec)
    return _call(what, factory(), args, settings)


def accepted_settings(spec: str) -> list[str]:
    """The settings `load_model(spec, ...)` accepts (no weights loaded; a `uwe:` spec imports its loader)."""
    _, factory, _ = _resolve(spec)
    return [s for s in _accepted_settings(factory()) if s not in _POSITIONAL]


def _resolve(spec: str) -> tuple[str, Callable[[], Callable[..., Any]], tuple]:
    """(description, a callable giving the factory, the factory's positional arguments) for a model spec;
    the factory comes through a callable so that naming a model imports nothing heavy."""
    if not isinstance(spec, str) or not spec.strip():
        raise WorkBenchError(f"model must be a registered name, 'uwe:DIR' or a local folder, got {spec!r}")
    spec = spec.strip()
    _ensure_builtins()
    entry = _find(spec)
    if entry is not None:
        return f"model {entry.name!r}", lambda: entry.factory, ()

    if spec.lower().startswith(UWE_PREFIX):
        directory = spec[len(UWE_PREFIX):]
        if not directory:
            raise WorkBenchError("'uwe:' needs a folder: uwe:DIR (a trained UWE reference model)")
        return f"model {spec!r}", lambda: _uwe_loader(spec), (directory,)

    path = Path(spec).expanduser()
    if path.exists():
        if is_sentence_transformers_folder(path):
            def st_class():
                from workbench.baselines.sentence_transformers import SentenceTransformerModel

                return SentenceTransformerModel

            return f"model folder {str(path)!r}", st_class, (path,)
        raise WorkBenchError(
            f"model {spec!r}: {path} exists but is not a sentence-transformers folder; a local path must be a "
            f"sentence-transformers model folder containing {' or '.join(_ST_MARKERS)}"
        )
    names = ", ".join(registered_names()) or "(none)"
    raise WorkBenchError(
        f"unknown model {spec!r}: not a registered name (registered: {names}), not 'uwe:DIR', and no such local "
        f"folder (a local path must be a sentence-transformers model folder containing {' or '.join(_ST_MARKERS)})"
    )


def _uwe_loader(spec: str) -> Callable[..., Any]:
    try:
        from workbench.uwe_reference.model import load_uwe
    except ImportError as err:
        missing = getattr(err, "name", None)
        if missing in ("workbench.uwe_reference", "workbench.uwe_reference.model") or "load_uwe" in str(err):
            raise WorkBenchError(
                f"{spec!r}: the UWE reference loader (workbench.uwe_reference.model.load_uwe) is not available "
                "in this install"
            ) from None
        raise WorkBenchError(f"{spec!r}: the UWE reference model needs a library that failed to import: {err}") from err
    return load_uwe
