"""Models by name: the model registries (built on `workbench.plugins.Registry`, filled from entry points and
from code), static model cards, and `load_model(spec)` for every way in.

Each registry reads one entry-point group of the installed distributions, so WorkBench's own plugins (the
baselines, the UWE reference model) and third-party packages register the same way, through their
`pyproject.toml` (the groups of every registry, models or not):

    [project.entry-points."workbench.models"]          # a name -> a model factory
    my-model = "my_package.models:my_model"
    [project.entry-points."workbench.model_sets"]      # a callable -> {name: model factory}, read at first use
    uwe-cards = "workbench.uwe_reference.named:card_models"
    [project.entry-points."workbench.model_loaders"]   # LOADER:ARG specs, e.g. uwe:DIR
    uwe = "workbench.uwe_reference.model:load_uwe"
    [project.entry-points."workbench.tasks"]           # a package whose folder holds task files
    my-tasks = "my_package.tasks"
    [project.entry-points."workbench.source_loaders"]  # a task file's source.loader (workbench.sources)
    my_loader = "my_package.loaders:load"
    [project.entry-points."workbench.commands"]        # a click group: `workbench NAME ...`
    uwe = "workbench.uwe_reference.cli:uwe_cli"
    [project.entry-points."workbench.results_commands"]  # a click command: `workbench results NAME ...`
    check = "workbench.leaderboard.results_cli:results_check"

The core imports no plugin: it only reads entry points. Importing this module is light; factories
import their libraries (torch, sentence-transformers, bm25s, ...) when called, and
`registered_models()` reads static model cards, never weights.

    load_model("bm25")                              # a registered name
    load_model("all-MiniLM-L6-v2", batch_size=32)
    load_model("uwe:runs/uwe-v1")                   # LOADER:ARG (a registered model loader)
    load_model("/models/my-st-model", name="mine")  # a local sentence-transformers folder
    load_model("sentence-transformers/all-MiniLM-L6-v2@main")  # a Hugging Face hub id
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import WorkBenchError
from workbench.models.model_settings import check_settings
from workbench.models.weights import ST_MARKERS, is_hub_id, is_sentence_transformers_folder
from workbench.plugins import Registry

MODELS_GROUP = "workbench.models"
# An entry point that provides several models (e.g. one per model card of a folder): a callable returning
# {model name: factory}, called once when the models are first looked up; its names join those of MODELS_GROUP.
MODEL_SETS_GROUP = "workbench.model_sets"
LOADERS_GROUP = "workbench.model_loaders"
# The loader that reads sentence-transformers folders and hub ids (a plugin registers it; the core names it).
ST_LOADER = "sentence-transformers"
# `reproducible`: False when the weights a board row was scored with can be neither obtained nor rebuilt (the
# board archives such rows); absent: the model loads from a public reference (a package, a pinned hub id).
CARD_KEYS = (
    "kind",
    "embedding_dim",
    "parameters",
    "license",
    "training_data",
    "multilingual",
    "weights",
    "notes",
    "reproducible",
)
_POSITIONAL = ("path_or_name", "directory", "path")  # the folder a factory is called with, not a setting


# ----------------------------------------------------------------------------- models
@dataclass(frozen=True)
class Registration:
    """A model factory with what can be said about it before it is built."""

    name: str
    factory: Callable[..., Any]
    description: str
    card: dict[str, Any] = field(default_factory=dict)


MODELS = Registry("model", MODELS_GROUP, MODEL_SETS_GROUP)
MODEL_LOADERS = Registry("model loader", LOADERS_GROUP)


def model_card(*, description: str, **card: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach a description and a static card to a factory named by a `workbench.models` entry point."""
    _check_card("(factory)", card)

    def attach(factory: Callable[..., Any]) -> Callable[..., Any]:
        factory.workbench_card = {"description": description, **card}
        return factory

    return attach


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise WorkBenchError(f"model name must be a non-empty string without surrounding spaces, got {name!r}")
    if ":" in name or "/" in name or "\\" in name:
        raise WorkBenchError(f"model name {name!r} may not contain ':' (LOADER:ARG specs) or a path separator")


def _check_card(name: str, card: dict[str, Any]) -> None:
    unknown = set(card) - set(CARD_KEYS)
    if unknown:
        raise WorkBenchError(f"model {name!r}: unknown card field(s) {sorted(unknown)}; expected {list(CARD_KEYS)}")
    if card.get("kind") not in (None, "embedding", "scoring"):
        raise WorkBenchError(f"model {name!r}: kind must be 'embedding' or 'scoring', got {card.get('kind')!r}")


def register(
    name: str,
    factory: Callable[..., Any],
    *,
    description: str,
    kind: str | None = None,
    card: dict[str, Any] | None = None,
    replace: bool = False,
) -> None:
    """Register a model factory under `name` from code (plugins use the `workbench.models` entry points).

    card: static metadata shown by `registered_models()` without building the model
    (kind, embedding_dim, parameters, license, training_data, multilingual, weights, notes).
    Re-registering the same factory is a no-op; a different factory needs replace=True.
    """
    _check_name(name)
    if not callable(factory):
        raise WorkBenchError(f"model {name!r}: factory must be callable, got {type(factory).__name__}")
    card = dict(card or {}, **({"kind": kind} if kind is not None else {}))
    _check_card(name, card)
    existing = MODELS.find(name)
    if existing is not None and not replace and _registration(existing).factory is factory:
        replace = True  # the same factory again: refresh its description and card
    MODELS.add(name, Registration(name, factory, description, card), replace=replace)


def unregister(name: str) -> None:
    MODELS.remove(name)


def _registration(name: str) -> Registration:
    """The Registration of a registered name; an entry point naming a bare factory gets one here."""
    target = MODELS.get(name)
    if isinstance(target, Registration):
        return target
    if not callable(target):
        raise WorkBenchError(
            f"model {name!r} ({MODELS.origin(name)}): entry point names a {type(target).__name__}, "
            "expected a model factory"
        )
    card = dict(getattr(target, "workbench_card", {}))
    description = card.pop("description", None) or (inspect.getdoc(target) or "").split("\n", 1)[0]
    _check_name(name)
    _check_card(name, card)
    return Registration(name, target, description, card)


def registered_names() -> list[str]:
    return MODELS.names()


def registered_card(name: str) -> dict[str, Any] | None:
    """The static card registered under exactly `name` (no model built), or None when no model has that name."""
    if MODELS.find(name) != name:
        return None
    return copy.deepcopy(_registration(name).card)


def registered_models() -> list[dict[str, Any]]:
    """One dict per registered name: name, kind, description, origin and the static card (no weights loaded)."""
    rows = []
    for name in registered_names():
        entry = _registration(name)
        row = {
            "name": name,
            "kind": entry.card.get("kind"),
            "description": entry.description,
            "origin": MODELS.origin(name),
        }
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
    check_settings(what, factory, settings)  # strict types and ranges, before anything is built
    return factory(*args, **settings)


def load_model(spec: str, **settings: Any) -> Any:
    """Build a model from a registered name, `LOADER:ARG` (e.g. `uwe:DIR`), a local sentence-transformers
    folder or a hub id `org/name[@revision]`.

    Settings are passed to the factory (e.g. batch_size, device, prompts, name for embedding models;
    k1/b for bm25). trust_remote_code is False unless passed explicitly.
    """
    what, factory, args = _resolve(spec)
    model = _call(what, factory(), args, settings)
    registered = MODELS.find(spec.strip())
    return _named(model, registered) if registered is not None and "name" not in settings else model


def _named(model: Any, name: str) -> Any:
    """A model loaded by its registered name carries that name (its results go under OUTPUT/<name>/ and its
    board row is <name>), whatever name its factory gave it; a `name` setting given to it wins."""
    from workbench.models.model import ModelInfo  # (numpy: not on the light path of naming a model)

    info = getattr(model, "info", None)
    if not isinstance(info, ModelInfo) or info.name == name:
        return model
    try:
        model.info = info.model_copy(update={"name": name})
    except (AttributeError, TypeError) as err:
        raise WorkBenchError(
            f"model {name!r} ({MODELS.origin(name)}): its info names it {info.name!r} and cannot be renamed "
            f"({type(err).__name__}: {err}); give its ModelInfo the name {name!r}"
        ) from None
    return model


def accepted_settings(spec: str) -> list[str]:
    """The settings `load_model(spec, ...)` accepts (no weights loaded; a loader spec imports its loader)."""
    _, factory, _ = _resolve(spec)
    return [s for s in _accepted_settings(factory()) if s not in _POSITIONAL]


def _loader(name: str, spec: str) -> Callable[..., Any]:
    try:
        return MODEL_LOADERS.get(name)
    except KeyError:
        installed = ", ".join(MODEL_LOADERS.names())
        raise WorkBenchError(
            f"model {spec!r}: no model loader {name!r} is installed "
            f"(entry point group {LOADERS_GROUP}; installed: {installed})"
        ) from None


def _resolve(spec: str) -> tuple[str, Callable[[], Callable[..., Any]], tuple]:
    """(description, a callable giving the factory, the factory's positional arguments) for a model spec;
    the factory comes through a callable so that naming a model imports nothing heavy."""
    if not isinstance(spec, str) or not spec.strip():
        raise WorkBenchError(f"model must be a registered name, 'LOADER:ARG', a local folder or a hub id, got {spec!r}")
    spec = spec.strip()
    name = MODELS.find(spec)
    if name is not None:
        return f"model {name!r}", lambda: _registration(name).factory, ()
    prefix, sep, argument = spec.partition(":")
    if sep and MODEL_LOADERS.find(prefix) is not None:
        if not argument:
            raise WorkBenchError(f"{prefix + ':'!r} needs an argument: {prefix}:DIR")
        return f"model {spec!r}", lambda: _loader(prefix, spec), (argument,)
    path = Path(spec).expanduser()
    if path.exists() and not is_sentence_transformers_folder(path):
        raise WorkBenchError(
            f"model {spec!r}: {path} exists but is not a sentence-transformers folder; a local path must be a "
            f"sentence-transformers model folder containing {' or '.join(ST_MARKERS)}"
        )
    if path.exists() or is_hub_id(spec):
        where = f"model folder {str(path)!r}" if path.exists() else f"hub model {spec!r}"
        return where, lambda: _loader(ST_LOADER, spec), (path if path.exists() else spec,)
    # no names at all: the package metadata that lists the entry points is missing (a source tree never installed)
    names = ", ".join(registered_names()) or "none: is WorkBench installed? run pip install -e ."
    loaders = ", ".join(f"{n}:ARG" for n in MODEL_LOADERS.names()) or "none installed"
    raise WorkBenchError(
        f"unknown model {spec!r}: not a registered name (registered: {names}), not LOADER:ARG ({loaders}), not a "
        f"hub id (org/name[@revision]) and no such local folder (a local path must be a sentence-transformers "
        f"model folder containing {' or '.join(ST_MARKERS)})"
    )
