"""The one base of WorkBench's pydantic schemas: unknown fields are an error, never silently dropped."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A record read from or written to a file: an unknown field is a typo or another schema, so an error."""

    model_config = ConfigDict(extra="forbid")


class StrictFrozen(Strict):
    """A declaration that never changes once read (a task file), so it can be hashed and shared."""

    model_config = ConfigDict(extra="forbid", frozen=True)
