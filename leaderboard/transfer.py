"""Cross-task transfer: what a variant trained on some graphs/tasks scores on each evaluated task.

Rules:
- a *variant* is a model whose result declares a non-empty `model.trained_on` (graphs or task names it
  was fine-tuned on);
- its *base* is the model named by the variant's `model.settings["base_model"]`; that model must be on
  the board and declare `trained_on` as [] or null (an untuned shared base). Otherwise the variant's
  gains stay empty and a note says why;
- the value of a cell is the task's MAP (the main score if the task computes no MAP); the gain is
  variant MAP minus base MAP on the same task;
- a cell is *in-domain* when the variant's declared training overlaps the task (see zeroshot.overlaps).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .aggregate import Board
from .zeroshot import overlaps


@dataclass
class TransferRow:
    model: str
    trained_on: list[str]
    base: str | None
    values: dict[str, float | None]
    gains: dict[str, float | None]
    in_domain: dict[str, bool]

    @property
    def label(self) -> str:
        return ", ".join(self.trained_on) if self.trained_on else "(base)"


@dataclass
class Transfer:
    tasks: list[str]
    rows: list[TransferRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def has_gains(self) -> bool:
        return any(g is not None for row in self.rows for g in row.gains.values())


def _map(board: Board, model: str, task: str) -> float | None:
    cell = board.cell(model, task)
    if cell is None:
        return None
    return cell.scores.get("map", cell.score)


def _usable_base(row, records: dict, notes: list[str]) -> str | None:
    """The variant's declared base model when it has plain (untrained) results on the board; else a note."""
    base = row.record.settings.get("base_model")
    if not isinstance(base, str) or not base:
        notes.append(f"{row.name}: no settings.base_model declared, so no gain over a base")
        return None
    if base not in records:
        notes.append(f"{row.name}: base model {base!r} has no accepted results on this board")
        return None
    if records[base].trained_on:
        notes.append(
            f"{row.name}: declared base {base!r} is itself trained on {records[base].trained_on}; no gain computed"
        )
        return None
    return base


def build_transfer(board: Board) -> Transfer | None:
    """None when no model on the board declares `trained_on`."""
    tasks = [t.name for t in board.tasks]
    specs = {t.name: t for t in board.tasks}
    records = {row.name: row.record for row in board.models}
    variants = sorted(
        (r for r in board.models if r.record.trained_on),
        key=lambda r: (
            r.record.settings.get("base_model") is None,
            str(r.record.settings.get("base_model")),
            list(r.record.trained_on or []),
            r.name,
        ),
    )
    if not variants:
        return None
    out = Transfer(tasks=tasks)
    bases: list[str] = []
    for row in variants:
        base = _usable_base(row, records, out.notes)
        if base and base not in bases:
            bases.append(base)
        values = {t: _map(board, row.name, t) for t in tasks}
        gains = {
            t: (values[t] - b if values[t] is not None and (b := _map(board, base, t)) is not None else None)
            if base
            else None
            for t in tasks
        }
        out.rows.append(
            TransferRow(
                row.name,
                list(row.record.trained_on or []),
                base,
                values,
                gains,
                {t: overlaps(row.record, specs[t]) for t in tasks},
            )
        )
    base_rows = [
        TransferRow(
            b,
            [],
            None,
            {t: _map(board, b, t) for t in tasks},
            dict.fromkeys(tasks),
            {t: overlaps(records[b], specs[t]) for t in tasks},
        )
        for b in bases
    ]
    out.rows = base_rows + out.rows
    return out
