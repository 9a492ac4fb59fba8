"""The committed UWE rows by name: `workbench run --model uwe-cpu-small` (any `leaderboard/results/uwe-*` row).

Each row has a model card, ``cards/<row>.json`` beside this file (`UWECard`): the full recipe the run
trained with, its seed, the scoring settings the row was evaluated with (``-s tau_a=0.3`` rows), the
training data files with their sha256, the board row's revision, the weights' sha256 where those weights
still exist (null otherwise, with a note saying why), a hub repository (none is published yet: null) and
the recorded training cost. One entry point (`workbench.model_sets`, pyproject.toml) names `card_models`,
which lists a factory per card, so a new card is a new model name and the core imports no plugin.

Where the weights come from, in this order (`resolve_weights`):
  1. the cache, ``<cache>/uwe/<weights_name>/``, checked against the card's sha256 (or, for weights trained
     here from the recipe, the sha256 recorded when they were trained): a mismatch is one error line;
  2. the card's hub repository, when it names one (``hub_snapshot``: downloaded when the hub is reachable,
     the local Hugging Face cache offline), checked against the card's sha256, then copied into the cache;
  3. training from the recorded recipe into the cache (``<cache>/uwe/.runs/<weights_name>``, resumable),
     after one line saying what that costs (the card's recorded cost).
Rows that share weights (a trained model and the same model scored at another tau_a) share one cache folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from workbench.errors import WorkBenchError

from .recipes import RecipeConfig

CARDS_DIR = Path(__file__).resolve().parent / "cards"
WEIGHTS_FILE = "model.safetensors"
# written beside weights put in the cache (a dotfile: it never enters the folder's revision)
MARKER_FILE = ".workbench-uwe.json"
TRAINED_HERE = "trained here from the recipe"
_SHA256 = r"^[0-9a-f]{64}$"
_NAME = r"^uwe-[a-z0-9][a-z0-9.-]*$"


class DataFile(BaseModel):
    """A file of the data directory that training reads, as `uwe_reference.data` reads it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str  # relative to the data directory
    sha256: str = Field(pattern=_SHA256)
    graphs: list[str]  # the training graphs that read it
    role: Literal["trained on", "held out: read to drop training sentences that occur in it"]


class TrainingCost(BaseModel):
    """What training the weights cost where they were trained (docs/uwe.md, the run's train_log.json)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hardware: str
    steps: int = Field(ge=1)
    cpu_seconds: float | None = Field(None, gt=0)  # None: not recorded (GPU runs)
    cpu_seconds_approximate: bool = False  # the record says "~"
    wall_seconds: float | None = Field(None, gt=0)
    recorded: str  # the record in words, as docs/uwe.md states it
    cpu_reference: str | None = None  # a row trained on a CPU with the same recipe, whose CPU cost applies


class UWECard(BaseModel):
    """The model card of one committed UWE row (cards/<name>.json)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME)  # the row's folder under leaderboard/results/
    description: str
    recipe: RecipeConfig  # the run's recipe.json: the named recipe with the row's options applied
    train_command: str  # the `workbench uwe train` options that build `recipe`
    seed: int
    weights_name: str = Field(pattern=_NAME)  # the trained model's own name (uwe_config.json); the cache folder
    scoring_tau_a: float | None = Field(None, gt=0)  # the row was scored with -s tau_a=...; None: as trained
    revision: str = Field(pattern=_SHA256)  # the board row's model revision (the weights folder's hash)
    weights_sha256: str | None = Field(None, pattern=_SHA256)  # of model.safetensors; None: those weights are gone
    weights_note: str
    hub_repo: str | None = None  # org/name[@revision] where the weights are published (none yet)
    parameters: int = Field(ge=1)
    embedding_dim: int = Field(ge=1)
    training_data: list[DataFile]
    training_cost: TrainingCost
    trainable: bool = True
    not_trainable_reason: str | None = None
    # Ranked on the main board only when true: the weights are pinned (weights_sha256) and anyone can get them
    # (hub_repo) or rebuild them bit for bit from the recipe (trainable; training is deterministic for the same
    # hardware, threads and library versions: docs/uwe.md). False: listed as "Archived — not reproducible".
    reproducible: bool = False
    reproducibility: str  # why the row is (not) reproducible, in words
    # A recipe choice made after test scores of this recipe or a sibling were read (None: chosen on val only).
    selected_with_test: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> UWECard:
        if self.reproducible and not (self.weights_sha256 and (self.hub_repo or self.trainable)):
            raise ValueError(
                "reproducible is true: the card must pin weights_sha256 and name a hub_repo or be trainable"
            )
        if self.seed != self.recipe.seed:
            raise ValueError(f"seed {self.seed} differs from the recipe's seed {self.recipe.seed}")
        if not self.trainable and not self.not_trainable_reason:
            raise ValueError("trainable is false: not_trainable_reason must say why")
        if self.training_cost.steps > self.recipe.max_steps:
            raise ValueError(
                f"training_cost.steps {self.training_cost.steps} exceeds recipe.max_steps {self.recipe.max_steps}"
            )
        return self


# -- cards ----------------------------------------------------------------------------------------
def card_names() -> list[str]:
    return sorted(p.stem for p in CARDS_DIR.glob("uwe-*.json"))


def read_card(path: str | os.PathLike) -> UWECard:
    """A card file, validated; a bad file is one line naming it, the field and the problem."""
    path = Path(path)
    try:
        card = UWECard.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as err:
        raise WorkBenchError(f"{path}: cannot read the model card ({err.strerror or err})") from None
    except json.JSONDecodeError as err:
        raise WorkBenchError(f"{path}: not JSON ({err.msg} at line {err.lineno})") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(card)"
        raise WorkBenchError(f"{path}: {where}: {first['msg']} (got {str(first.get('input'))[:80]!r})") from None
    if card.name != path.stem:
        raise WorkBenchError(f"{path}: name {card.name!r} differs from the file name {path.stem!r}")
    return card


@cache
def get_card(name: str) -> UWECard:
    path = CARDS_DIR / f"{name}.json"
    if not path.is_file():
        raise WorkBenchError(f"no UWE model card named {name!r} in {CARDS_DIR}; known: {', '.join(card_names())}")
    return read_card(path)


# -- where the weights are ------------------------------------------------------------------------
def weights_folder(card: UWECard, cache_dir: str | os.PathLike | None = None) -> Path:
    from workbench.data.settings import resolve_cache_dir

    return resolve_cache_dir(cache_dir) / "uwe" / card.weights_name


def _marker(folder: Path) -> dict:
    try:
        return json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _sha256(path: Path) -> str:
    from workbench.models.hashing import file_sha256

    return file_sha256(path)


def check_weights(card: UWECard, folder: Path) -> str:
    """The sha256 of `folder`'s weights, refused (one line) when it is not the card's. Weights trained here
    from the recipe are checked against the sha256 recorded when they were trained (another machine's
    arithmetic need not reproduce the card's bytes)."""
    weights = folder / WEIGHTS_FILE
    got = _sha256(weights)
    marker = _marker(folder)
    trained_here = marker.get("origin") == TRAINED_HERE  # the folder is the card's: named by its weights_name
    expected, source = (
        (marker.get("sha256"), f"{folder / MARKER_FILE}")
        if trained_here or not card.weights_sha256
        else (card.weights_sha256, f"model card {card.name}")
    )
    if expected and got != expected:
        raise WorkBenchError(
            f"{weights}: sha256 {got} differs from {expected} ({source}); remove {folder} to "
            f"fetch or retrain it, or install the right weights (workbench uwe install {card.name})"
        )
    if not expected:  # neither the card nor a record of this machine knows these weights
        raise WorkBenchError(
            f"{weights}: sha256 {got} cannot be checked: the card of {card.name} records no weights "
            f"sha256 and {folder / MARKER_FILE} records none; remove {folder} to retrain it"
        )
    return got


def cached_weights(card: UWECard, cache_dir: str | os.PathLike | None = None) -> Path | None:
    """The checked cache folder of the card's weights, or None when the cache does not hold them."""
    folder = weights_folder(card, cache_dir)
    if not (folder / WEIGHTS_FILE).is_file() or not (folder / "uwe_config.json").is_file():
        return None
    check_weights(card, folder)
    return folder


def _check_is_the_rows(card: UWECard, source: Path, sha256: str) -> None:
    """Weights from elsewhere must be the row's: the card's sha256, or (where the card has none) the row's
    revision, the hash of the whole model folder the board row was scored with."""
    from workbench.models.hashing import folder_revision

    if card.weights_sha256:
        if sha256 != card.weights_sha256:
            raise WorkBenchError(
                f"{source / WEIGHTS_FILE}: sha256 {sha256} differs from the model card's "
                f"{card.weights_sha256} ({card.name}); these are not the row's weights"
            )
        return
    revision = folder_revision(source)
    if revision != card.revision:
        raise WorkBenchError(
            f"{source}: folder revision {revision} differs from the row's {card.revision} "
            f"({card.name} records no weights sha256); these are not the row's weights"
        )


def install_weights(
    card: UWECard, source: str | os.PathLike, cache_dir: str | os.PathLike | None = None, *, origin: str
) -> Path:
    """Copy a UWE model folder into the cache as the card's weights (checked first; atomic replace)."""
    source = Path(source)
    if not (source / WEIGHTS_FILE).is_file() or not (source / "uwe_config.json").is_file():
        raise WorkBenchError(f"{source}: not a UWE model folder (expected {WEIGHTS_FILE} and uwe_config.json)")
    got = _sha256(source / WEIGHTS_FILE)
    if origin != TRAINED_HERE:
        _check_is_the_rows(card, source, got)
    target = weights_folder(card, cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        shutil.copytree(source, staging / "model", ignore=shutil.ignore_patterns(MARKER_FILE))
        (staging / "model" / MARKER_FILE).write_text(
            json.dumps({"card": card.name, "sha256": got, "origin": origin}, indent=1) + "\n", encoding="utf-8"
        )
        if target.exists():  # replaced as two renames; the old folder is removed after
            os.rename(target, staging / "old")
        os.rename(staging / "model", target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def hub_weights(
    card: UWECard, cache_dir: str | os.PathLike | None = None, log: Callable[[str], None] = print
) -> Path | None:
    """The card's hub repository copied into the cache (checked), or None when it names none or the hub
    (and the local Hugging Face cache) cannot give it: then one line says so."""
    if not card.hub_repo:
        return None
    from workbench.models.weights import hub_snapshot

    try:
        snapshot = hub_snapshot(card.hub_repo)
    except WorkBenchError as err:
        log(f"{card.name}: the weights could not be fetched from {card.hub_repo} ({err})")
        return None
    return install_weights(card, snapshot.folder, cache_dir, origin=f"hub {snapshot.repo_id}@{snapshot.commit}")


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f}" if seconds >= 60 else f"{seconds / 60:.1f}"


def training_estimate(card: UWECard) -> str:
    """One line: what training the card's weights from its recipe costs, from the recorded cost."""
    cost, recipe = card.training_cost, card.recipe
    steps = f"{cost.steps} of {recipe.max_steps}" if cost.steps < recipe.max_steps else f"{recipe.max_steps}"
    head = f"training {card.weights_name} from recipe {recipe.name} ({steps} steps of {recipe.batch_size}"
    head += f" {'skills' if recipe.sampler == 'shared-skills' else 'edges per graph'})"
    # a GPU-trained row names a CPU-trained row of the same recipe whose CPU cost applies here
    on_cpu = cost if cost.cpu_seconds else get_card(cost.cpu_reference).training_cost if cost.cpu_reference else None
    cpu = on_cpu.cpu_seconds if on_cpu else None
    cpu_text = f"{'~' if on_cpu and on_cpu.cpu_seconds_approximate else ''}{_minutes(cpu or 0)} CPU-min"
    if cost.cpu_seconds:
        took = f"{cpu_text} recorded on {cost.hardware}"
    elif cpu:
        took = (
            f"recorded {cost.recorded} on {cost.hardware}; {cost.cpu_reference}, its recipe on a CPU, took {cpu_text}"
        )
    else:
        took = f"recorded {cost.recorded} on {cost.hardware}"
    threads = recipe.threads or os.cpu_count() or 1
    here = f"; here at best ~{_minutes(cpu / threads)} min wall on {threads} free core(s)" if cpu else ""
    return f"{head}: {took}{here}"


def check_training_data(card: UWECard, data_dir: Path) -> None:
    """Every data file the recipe reads must be the card's bytes (else the weights would differ silently)."""
    for entry in card.training_data:
        path = data_dir / entry.path
        if not path.is_file():
            raise WorkBenchError(
                f"{path}: missing; training {card.name} reads it ({entry.role}); get it with `workbench data fetch`"
            )
        got = _sha256(path)
        if got != entry.sha256:
            raise WorkBenchError(f"{path}: sha256 {got} differs from the model card's {entry.sha256} ({card.name})")


def train_weights(
    card: UWECard,
    cache_dir: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    log: Callable[[str], None] = print,
    progress: bool = True,
) -> Path:
    """Train the card's recipe into the cache (resumable) and install the model; the cost line comes first."""
    from workbench.data.settings import resolve_data_dir

    from .train import export_checkpoint, train

    if not card.trainable:
        raise WorkBenchError(
            f"{card.name}: its weights are not in the cache and cannot be trained from the card "
            f"({card.not_trainable_reason})"
        )
    data_dir = resolve_data_dir(data_dir)
    check_training_data(card, Path(data_dir))
    log(training_estimate(card))
    run_dir = weights_folder(card, cache_dir).parent / ".runs" / card.weights_name
    steps = card.training_cost.steps  # the row's weights: step `steps` of the recipe's schedule (val-chosen)
    model_dir = train(card.recipe, run_dir, data_dir=data_dir, resume=True, progress=progress, stop_after=steps)
    if steps < card.recipe.max_steps:
        model_dir = export_checkpoint(run_dir, data_dir, step=steps, model_dir=run_dir / f"model-step-{steps}")
    folder = install_weights(card, model_dir, cache_dir, origin=TRAINED_HERE)
    got = _marker(folder).get("sha256")
    if card.weights_sha256 and got != card.weights_sha256:
        log(
            f"{card.name}: weights trained here have sha256 {got}, the row's {card.weights_sha256} (trained on "
            f"{card.training_cost.hardware}): scores may differ from the board row's"
        )
    return folder


def resolve_weights(
    card: UWECard,
    cache_dir: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    log: Callable[[str], None] = print,
    progress: bool = True,
) -> Path:
    """The card's weights: from the cache, else the hub, else trained from the recipe (module docstring)."""
    return (
        cached_weights(card, cache_dir)
        or hub_weights(card, cache_dir, log)
        or train_weights(card, cache_dir, data_dir, log, progress)
    )


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load_card_model(
    card: UWECard,
    *,
    device: str | None = None,
    batch_size: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    data_dir: str | os.PathLike | None = None,
    disk_cache: bool = True,
    show_progress: bool = False,
):
    """The model a card describes: its weights (`resolve_weights`), its scoring settings, its name."""
    from .model import load_uwe

    # training (when the weights are nowhere) takes minutes: its progress bar shows on a terminal
    folder = resolve_weights(card, cache_dir, data_dir, log=_stderr, progress=show_progress or sys.stderr.isatty())
    return load_uwe(
        folder,
        device=device,
        cache_dir=cache_dir,
        batch_size=batch_size,
        name=card.name,
        disk_cache=disk_cache,
        show_progress=show_progress,
        tau_a=card.scoring_tau_a,
    )


# -- one factory per card, listed by the `workbench.model_sets` entry point ---------------------------------
def card_models() -> dict[str, Callable[..., Any]]:
    """{card name: its model factory} for every card of CARDS_DIR: the one entry point (`uwe-cards`, group
    `workbench.model_sets`) that makes each committed UWE row a model name. A broken card fails its own name
    (one line), never the listing of every model."""
    models = {}
    for name in card_names():
        try:
            models[name] = _factory(get_card(name))
        except WorkBenchError as err:
            models[name] = _broken_factory(err)
    return models


def _factory(card: UWECard) -> Callable[..., Any]:
    def factory(
        *,
        device: str | None = None,
        batch_size: int | None = None,
        data_dir: str | None = None,
        disk_cache: bool = True,
        show_progress: bool = False,
    ):
        return load_card_model(
            card,
            device=device,
            batch_size=batch_size,
            data_dir=data_dir,
            disk_cache=disk_cache,
            show_progress=show_progress,
        )

    factory.__name__ = factory.__qualname__ = card.name.replace("-", "_").replace(".", "_")
    factory.__doc__ = card.description
    scored = f", scored at tau_a {card.scoring_tau_a:g}" if card.scoring_tau_a else ""
    factory.workbench_card = {
        "description": card.description,
        "kind": "scoring",
        "embedding_dim": card.embedding_dim,
        "parameters": card.parameters,
        "license": "Apache-2.0",
        "training_data": sorted(
            {f"{d.path} (sha256 {d.sha256[:12]})" for d in card.training_data if d.role == "trained on"}
        ),
        "weights": f"<cache>/uwe/{card.weights_name}: cache, else hub {card.hub_repo or '(none published)'}, else "
        f"trained from recipe {card.recipe.name}{'' if card.trainable else ' (not trainable here)'}",
        "notes": f"model card uwe_reference/cards/{card.name}.json{scored}; {card.weights_note}",
        "reproducible": card.reproducible,
    }
    return factory


def _broken_factory(err: WorkBenchError) -> Callable[..., Any]:
    def factory(**settings: Any):
        raise err

    factory.workbench_card = {"description": f"UWE row with a broken model card: {err}", "kind": "scoring"}
    return factory
