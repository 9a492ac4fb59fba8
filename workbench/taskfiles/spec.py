"""The task-file schema: a strict pydantic model, so a typo in a task file is an error, not a silent default.

A task is never changed in place: change anything that affects scores and bump `version`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from workbench.errors import WorkBenchError
from workbench.io import InputFileError, read_regular_text, stable_hash
from workbench.metrics.names import parse_metric
from workbench.schema import StrictFrozen

_Declared = TypeVar("_Declared", bound=BaseModel)

TaskGroup = Literal[
    "job2skill",
    "skill2job",
    "job_normalization",
    "skill_normalization",
    "skill_extraction",
    "similarity",
    "job_similarity",
    "skill_similarity",
    "task2activity",
    "crosswalk",
]
InputType = Literal[
    "job_title",
    "skill_name",
    "sentence",
    "occupation",
    "task_statement",
    "work_activity",
    "technology",
    "text",
]
SPLIT_NAMES = ("train", "val", "test", "full")
MAX_CUTOFF = 1_000_000  # above any target space of the catalog
# A task's version is bumped by hand, one at a time; 10^40 validated and then failed when its result was written.
MAX_VERSION = 999_999


class Languages(StrictFrozen):
    query: list[str] = Field(min_length=1)
    target: list[str] = Field(min_length=1)


class Source(StrictFrozen):
    """Which loader builds the dataset, from which files (relative to the data directory), with which parameters."""

    loader: str = Field(min_length=1)
    files: dict[str, str] = Field(default_factory=dict)
    params: dict[str, Any] = Field(default_factory=dict)
    allow_absolute_paths: bool = False

    @model_validator(mode="after")
    def _paths_stay_inside(self) -> Source:
        for role, rel in self.files.items():
            path = Path(rel)
            if path.is_absolute() and not self.allow_absolute_paths:
                raise ValueError(f"files.{role}: absolute path {rel!r} needs allow_absolute_paths: true")
            if ".." in path.parts:
                raise ValueError(f"files.{role}: path {rel!r} may not leave the data directory ('..')")
        return self


class Splits(StrictFrozen):
    """How evaluation splits are formed.

    hash: disjoint query splits from a hash of the query id (fractions sum to 1).
    source: the loader assigns splits (the publisher ships val/test files).
    partition: the shared ESCO concept partition assigns splits (see workbench.sources.partition).
    """

    method: Literal["hash", "source", "partition"]
    fractions: dict[Literal["train", "val", "test"], float] | None = None
    seed: str = "workbench-v1"
    available: list[Literal["train", "val", "test", "full"]] = Field(default_factory=lambda: ["val", "test", "full"])

    @model_validator(mode="after")
    def _fractions_match_method(self) -> Splits:
        if self.method == "hash":
            if not self.fractions:
                raise ValueError("method 'hash' needs fractions, e.g. {val: 0.2, test: 0.8}")
            values = list(self.fractions.values())
            # (NaN compares false with everything: checked explicitly)
            if not all(math.isfinite(v) and v > 0 for v in values) or abs(sum(values) - 1.0) > 1e-9:
                raise ValueError(f"fractions must be positive and sum to 1, got {dict(self.fractions)}")
            # a hash split without a fraction holds no query: offering it would be an empty split
            unfilled = [s for s in self.available if s != "full" and s not in self.fractions]
            if unfilled:
                raise ValueError(
                    f"available split {unfilled[0]!r} has no fraction in {dict(self.fractions)}: "
                    "give it one or leave it out of available"
                )
        elif self.fractions is not None:
            raise ValueError(f"fractions only apply to method 'hash', not {self.method!r}")
        return self


class Policies(StrictFrozen):
    """Explicit dataset policies (see workbench.dataset.ranking)."""

    duplicate_queries: Literal["merge", "keep"] = "merge"
    duplicate_targets: Literal["merge", "keep"] = "keep"
    exclude_self: bool = False


class TaskSpec(StrictFrozen):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: int = Field(ge=1, le=MAX_VERSION, strict=True)  # `version: true` is not version 1
    description: str = Field(min_length=10)
    group: TaskGroup
    query_type: InputType
    target_type: InputType
    languages: Languages
    source: Source
    splits: Splits
    policies: Policies = Policies()
    metrics: list[str] = Field(min_length=1)
    main_score: str
    license: str = Field(min_length=1)
    citation: str = Field(min_length=1)
    synthetic: bool = False
    notes: str | None = None
    suites: list[str] = Field(default_factory=list)
    subset: str | None = None

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, value: list[str]) -> list[str]:
        twice = next((name for i, name in enumerate(value) if name in value[:i]), None)
        if twice is not None:  # a result file keeps one score per metric name
            raise ValueError(f"metric {twice!r} is listed twice")
        for name in value:
            _, cutoff = parse_metric(name)  # the one grammar of metric names; its ValueError names the accepted forms
            if cutoff is not None and cutoff > MAX_CUTOFF:  # a cut-off sizes arrays: 10^14 exhausts memory
                raise ValueError(f"metric {name!r}: the cut-off may be at most {MAX_CUTOFF:,}")
        return value

    @model_validator(mode="after")
    def _main_score_is_a_metric(self) -> TaskSpec:
        if self.main_score not in self.metrics:
            raise ValueError(f"main_score {self.main_score!r} is not one of metrics {self.metrics}")
        return self

    @property
    def spec_hash(self) -> str:
        return stable_hash(self.model_dump(mode="json"))

    @property
    def key(self) -> str:
        return f"{self.name}@v{self.version}"


def _format_error(origin: str, err: ValidationError, what: str = "task file") -> str:
    lines = [f"{origin}: invalid {what}"]
    for item in err.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        got = item.get("input")
        shown = repr(got) if not isinstance(got, dict) else "a mapping"
        lines.append(f"  {where}: {item['msg']} (got {shown[:80]})")
    return "\n".join(lines)


def parse_task_spec(data: Any, origin: str = "<task>") -> TaskSpec:
    if not isinstance(data, dict):
        raise WorkBenchError(f"{origin}: a task file must be a YAML mapping, got {type(data).__name__}")
    try:
        return TaskSpec.model_validate(data)
    except ValidationError as err:
        raise WorkBenchError(_format_error(origin, err)) from None


# libyaml's safe loader when PyYAML has it: the pure-Python one was ~4 % of a warm suite run (the
# catalog reads every task file); both build the same safe types.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _safe_load(text: str):
    # the loader is named literally, not through _SAFE_LOADER: the source scan in tests/reliability/test_security.py
    # accepts yaml.load only with a visibly safe Loader
    return yaml.load(text, Loader=yaml.CSafeLoader) if hasattr(yaml, "CSafeLoader") else yaml.safe_load(text)


def _refuse_duplicate_keys(node, path: Path) -> None:
    """YAML lets a later key silently replace an earlier one (`metrics:` twice): in a task file that is an error."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise WorkBenchError(f"{path}:{key.start_mark.line + 1}: key {key.value!r} is given twice")
                    seen.add(key.value)
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def read_yaml(path: Path, what: str = "task file") -> Any:
    """The parsed YAML of a task file or a catalog declaration: UTF-8, no aliases, no key given twice."""
    try:  # a regular file only: a named pipe or a device would hang or never end the read
        text = read_regular_text(path)
    except FileNotFoundError:
        raise WorkBenchError(f"{path}: {what} not found") from None
    except InputFileError as err:
        raise WorkBenchError(f"{what}: {err}") from None
    try:
        # No anchors/aliases: a task file never needs them, and nested aliases expand exponentially
        # ("billion laughs") when the spec is hashed or dumped.
        alias = next((e for e in yaml.parse(text, Loader=_SAFE_LOADER) if isinstance(e, yaml.AliasEvent)), None)
        if alias is not None:
            raise WorkBenchError(
                f"{path}:{alias.start_mark.line + 1}: YAML alias *{alias.anchor} is not allowed in {what}s"
            )
        _refuse_duplicate_keys(yaml.compose(text, Loader=_SAFE_LOADER), path)
        return _safe_load(text)
    except yaml.YAMLError as err:
        raise WorkBenchError(f"{path}: not valid YAML: {err}") from None


def load_task_spec(path: str | Path) -> TaskSpec:
    path = Path(path)
    return parse_task_spec(read_yaml(path), origin=str(path))


def load_declaration(path: Path, model: type[_Declared]) -> _Declared | None:
    """A catalog declaration (``tasks/_*.yaml``) read like a task file and validated as ``model``; None when absent."""
    if not path.is_file():
        return None
    try:
        return model.model_validate(read_yaml(path, "declaration file"))
    except ValidationError as err:
        raise WorkBenchError(_format_error(str(path), err, "declaration file")) from None
