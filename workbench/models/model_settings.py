"""Model settings checked before a model is built: strictly, against the factory's own annotations.

A factory declares each setting's type (and range) in its signature, e.g. ``seed: Seed = 0`` or
``word_ngram_range: NgramRange = (1, 2)``. `check_settings` validates the given settings with pydantic
in strict mode before the factory runs: ``sublinear_tf="maybe"`` was recorded as true and
``seed=1.5`` or ``seed=True`` as 1, each in a result file of its own; now each is one line naming the
setting, the value and what was expected, and nothing is built. An integer is a number (``k1=2``); a
list is an n-gram range (``-s word_ngram_range=[1,3]`` is JSON). Settings without an annotation (and
annotations pydantic cannot check) are passed as given. A ``name`` setting must be able to name a folder
(`workbench.names.check_name`).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError

from workbench.errors import WorkBenchError
from workbench.names import check_name


def _ordered_pair(value: list[int]) -> list[int]:
    if len(value) != 2 or not 1 <= value[0] <= value[1]:
        raise ValueError(f"an n-gram range is [low, high] with 1 <= low <= high, got {value}")
    return value


# Types for factory signatures: each names the values a setting accepts, so the check is the declaration.
PositiveInt = Annotated[int, Field(ge=1)]
Seed = Annotated[int, Field(ge=0)]  # numpy's generators refuse negative seeds
NonNegativeFloat = Annotated[float, Field(ge=0)]
UnitFloat = Annotated[float, Field(ge=0, le=1)]
# a tuple from Python and a list from JSON are the same range; each bound must be an integer
NgramRange = Annotated[
    list[int], BeforeValidator(lambda v: list(v) if isinstance(v, tuple) else v), AfterValidator(_ordered_pair)
]

_CONFIG = ConfigDict(strict=True, arbitrary_types_allowed=True)


def _annotations(factory: Callable[..., Any]) -> dict[str, Any]:
    target = factory.__init__ if inspect.isclass(factory) else factory
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:  # a name only imported for type checkers, a broken annotation: nothing to check against
        return {}


@lru_cache(maxsize=256)
def _adapter(factory: Callable[..., Any], setting: str) -> TypeAdapter | None:
    hint = _annotations(factory).get(setting)
    if hint is None:
        return None
    try:
        return TypeAdapter(hint, config=_CONFIG)
    except Exception:  # an annotation pydantic has no schema for: unchecked, as before
        return None


def check_settings(what: str, factory: Callable[..., Any], settings: dict[str, Any]) -> None:
    """Raise one WorkBenchError listing every setting of the wrong type or range (none is coerced)."""
    problems = []
    for key, value in settings.items():
        if key == "name" and value is not None:
            try:
                check_name(value)
            except WorkBenchError as err:
                problems.append(f"name: {err}")
                continue
        try:
            adapter = _adapter(factory, key)
        except TypeError:  # an unhashable factory (a callable instance defining __eq__ only): unchecked
            adapter = None
        if adapter is None:
            continue
        try:
            adapter.validate_python(value, strict=True)
        except ValidationError as err:
            first = err.errors()[0]
            where = "".join(f"[{p}]" for p in first["loc"])
            problems.append(f"{key}{where}={value!r}: {first['msg']}")
    if problems:
        raise WorkBenchError(f"{what}: invalid setting {'; '.join(problems)}")
