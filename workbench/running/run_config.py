"""`RunConfig`: what a run does apart from its models and tasks, one set of fields for both executors.

`runner.run` and `ray_executor.run_on_ray` take a `RunConfig`, or its fields as keywords (the keyword API of
`run(models, tasks, split=..., output=..., load_model=...)` is this dataclass's constructor, never a second
parameter list).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass(frozen=True)
class RunConfig:
    """`split` of every task, result files under `output`, models from `load_model(name, **settings)`.

    `limit`: only the first N queries (an unofficial run); `ties`: the tie policy of the metrics; `shard`:
    (I, N), every N-th work item from the I-th; `model_settings`: {model name: settings} for the models that
    get some; `log`: one line per event (default: stderr).
    """

    split: str
    output: Path
    load_model: Callable[..., object]
    data_dir: Path | None = None
    cache_dir: Path | None = None
    limit: int | None = None
    ties: str = "average"
    shard: tuple[int, int] | None = None
    progress: bool = True
    model_settings: dict[str, dict[str, Any]] | None = None
    log: Callable[[str], None] = _to_stderr

    def __post_init__(self) -> None:
        object.__setattr__(self, "output", Path(self.output))

    @classmethod
    def of(cls, config: RunConfig | None = None, **fields: Any) -> RunConfig:
        """`config` with `fields` replaced, or a new config of `fields` (a misspelt field is a TypeError)."""
        return dataclasses.replace(config, **fields) if config is not None else cls(**fields)

    def settings_of(self, model: str) -> dict[str, Any] | None:
        """The settings given to `model` in this run (None: none)."""
        return (self.model_settings or {}).get(model)
