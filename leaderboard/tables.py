"""The board as Markdown, CSV and JSON. Every text from a result file is escaped for its format."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from .aggregate import HEADLINE, Board, Cell, ModelRow, shown_score
from .collect import Collection
from .stats import ALPHA
from .transfer import Transfer

BEST_MARK, SIG_MARK, LEAK_MARK = "**", "†", "§"
_MD_ESCAPE = set("\\`*_[]|~$#")


def pct(value: float | None) -> str:
    """Scores are shown ×100 with two decimals (the precision ranks are tied at); missing values are empty."""
    return "" if value is None else shown_score(value)


def ci_text(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f"[{pct(ci[0])}, {pct(ci[1])}]"


def p_text(p: float | None) -> str:
    return "" if p is None else f"{p:.3f}"


def md(text: Any) -> str:
    """Escape text for a Markdown table cell: no HTML, no emphasis/links/code, no column breaks."""
    out = []
    for ch in " ".join(str(text).splitlines()):
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch in _MD_ESCAPE:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def legend(board: Board) -> str:
    return (
        f"Scores ×100. Headline: macro MAP over the {len(board.tasks)} tasks (95 % percentile bootstrap CI, "
        f"{board.n_bootstrap} resamples of the queries, seed {board.seed}). "
        f"Marks: **bold** = best on the task; {SIG_MARK} = significantly below the best "
        f"(paired randomisation test on per-query values, p < {ALPHA}, uncorrected); "
        f"{LEAK_MARK} = not zero-shot (declared training data overlaps the task); zero-shot is unknown when a model "
        "declares no training data or declares it undisclosed. "
        "A model missing a task gets no macro score (Tasks k/n)."
    )


def cell_text(cell: Cell | None) -> str:
    if cell is None:
        return ""
    text = pct(cell.score)
    if cell.is_best:
        text = f"{BEST_MARK}{text}{BEST_MARK}"
    if cell.significant:
        text += SIG_MARK
    if cell.zero_shot is False:
        text += LEAK_MARK
    return text


def macro_text(row: ModelRow, metric: str, n_tasks: int) -> str:
    value = row.macro.get(metric)
    if value is None:
        return "incomplete" if row.tasks_completed < n_tasks else "n/a"
    text = f"{pct(value)} {ci_text(row.macro_ci.get(metric))}"
    if metric == "map" and row.rank == 1:
        text = f"{BEST_MARK}{pct(value)}{BEST_MARK} {ci_text(row.macro_ci.get(metric))}"
    if metric == "map" and row.macro_significant:
        text += f" {SIG_MARK}"
    return text


def zero_shot_text(row: ModelRow) -> str:
    """yes / no (k tasks) / unknown (no training data declared, or "undisclosed")."""
    if row.not_zero_shot:
        return f"no ({len(row.not_zero_shot)})"
    return "unknown" if row.unknown_zero_shot else "yes"


def cell_zero_shot(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


VERIFICATION_NOTE = (
    "Verification: a model is ranked only when the board's own check re-scored a seeded sample of the queries "
    "of each of its result files and they matched (workbench results verify; docs/submitting.md). Other rows "
    "are listed under Self-reported: never bold, never best, never the reference of a significance mark."
)
SELF_REPORTED_TITLE = "Self-reported (not verified)"
SELF_REPORTED_NOTE = (
    "Rows whose files the board has not re-scored, or whose model did not load for the check. Listed by "
    "macro MAP, not ranked; their marks compare them with the best verified model."
)
ARCHIVED_TITLE = "Archived — not reproducible"
ARCHIVED_NOTE = (
    "Rows whose card says reproducible: false (the weights can be neither obtained nor rebuilt bit for bit): kept "
    "for the record, never ranked; each card says why (uwe_reference/cards/). The UWE reference row is the "
    "reproducible UWE row with the best val macro, chosen without test scores (docs/uwe.md); a recipe choice made "
    "after test scores were read is named in its card (selected_with_test: uwe-cpu-long). Today that row is uwe-cpu-mpnet."
)
UNVERIFIED_SECTIONS = (
    ("self_reported", SELF_REPORTED_TITLE, SELF_REPORTED_NOTE),
    ("archived", ARCHIVED_TITLE, ARCHIVED_NOTE),
)


def state_label(state: str | None) -> str:
    """What follows a model's name outside its own section: its verification state unless it is ranked
    (verified, or a board without a ledger)."""
    return "" if state in (None, "verified") else f" ({state})"


VARIANTS_TITLE = "Variants of submitted models"
VARIANTS_NOTE = (
    "Transfer runs, ablations and replicates: models whose card names `variant_of`. They are not ranked; "
    "their marks compare them with the best submitted model."
)


def md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def transfer_md(transfer: Transfer) -> list[str]:
    tasks = transfer.tasks
    header = ["Trained on", "Model", "Base"] + [md(t) for t in tasks]

    def fmt(row, values, signed):
        out = []
        for t in tasks:
            v = values[t]
            s = "" if v is None else (f"{100 * v:+.2f}" if signed else pct(v))
            out.append(s + (LEAK_MARK if s and row.in_domain[t] else ""))
        return out

    lines = [
        "## Cross-task transfer",
        "",
        "MAP ×100 of each variant (rows: what it was trained on) on each evaluated task; "
        f"{LEAK_MARK} = in-domain (training overlaps the task). Base = `settings.base_model`, "
        "an untuned model (trained_on empty) on this board.",
        "",
        "### MAP",
        "",
    ]
    lines += md_table(
        header, [[md(r.label), md(r.model), md(r.base or "")] + fmt(r, r.values, False) for r in transfer.rows]
    )
    if transfer.has_gains:
        lines += ["", "### MAP gain over the base model", ""]
        lines += md_table(
            header,
            [[md(r.label), md(r.model), md(r.base or "")] + fmt(r, r.gains, True) for r in transfer.rows if r.base],
        )
    if transfer.notes:
        lines += [""] + [f"- {md(n)}" for n in transfer.notes]
    return lines + [""]


def _per_task_md(board: Board) -> list[str]:
    """Each model's main score per task; a row that is not ranked names its verification state."""
    header = ["Model"] + [f"{md(t.name)} ({md(t.main_score)})" for t in board.tasks]
    rows = [
        [md(r.name + state_label(r.state))] + [cell_text(board.cell(r.name, t.name)) for t in board.tasks]
        for r in board.models
    ]
    return md_table(header, rows)


def to_markdown(board: Board, collection: Collection, transfer: Transfer | None, plots: list[str]) -> str:
    tasks = board.tasks
    title = f"suite `{md(board.suite)}`" if board.suite else f"{len(tasks)} tasks"
    lines = [f"# WorkBench leaderboard — {title}, split `{md(board.split)}`", "", legend(board), ""]
    lines += [VERIFICATION_NOTE, ""] if collection.verification else []

    lines += ["## Ranking", ""] + ranking_md(board, board.main) + [""]
    if board.variants:
        lines += (
            [f"## {VARIANTS_TITLE}", "", VARIANTS_NOTE, ""] + ranking_md(board, board.variants, variant=True) + [""]
        )
    for attr, section_title, note in UNVERIFIED_SECTIONS:
        if getattr(board, attr):
            lines += [f"## {section_title}", "", md(note), ""] + ranking_md(board, getattr(board, attr)) + [""]

    lines += ["## Per-task scores", "", "Each task's main score on the leaderboard split.", ""]
    lines += _per_task_md(board)
    lines += [""]

    lines += ["## Tasks", ""]
    rows = []
    for t in tasks:
        cells = [c for c in board.cells.values() if c.task == t.name]
        sizes = sorted({c.n_queries for c in cells})
        rows.append(
            [
                md(t.name),
                str(t.version),
                md(t.group),
                md(t.main_score),
                "/".join(map(str, sizes)),
                str(len(cells)),
                md(board.best.get(t.name, "")),
            ]
        )
    lines += md_table(["Task", "Version", "Group", "Main score", "Queries", "Models", "Best"], rows) + [""]

    if transfer is not None:
        lines += transfer_md(transfer)

    skipped = [
        (c.model, c.task, c.test_note)
        for c in sorted(board.cells.values(), key=lambda c: (c.task, c.model))
        if c.test_note
    ]
    skipped += [(r.name, "macro", r.macro_test_note) for r in board.models if r.macro_test_note]
    notes = board.notes + collection.warnings
    if skipped or notes:
        lines += ["## Notes", ""]
        lines += [f"- {md(n)}" for n in notes]
        lines += [f"- significance test skipped for {md(m)} on {md(t)}: {md(n)}" for m, t, n in skipped]
        lines += [""]

    if plots:
        lines += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]

    lines += validation_md(collection)
    return "\n".join(lines).rstrip("\n") + "\n"


def ranking_md(board: Board, rows: list[ModelRow], variant: bool = False) -> list[str]:
    n = len(board.tasks)
    header = (
        ["Rank", "Model"]
        + (["Variant of"] if variant else [])
        + ["Macro MAP [95 % CI]", "Macro RP@10 [95 % CI]", "Tasks", "Zero-shot"]
        + [f"{md(g)} avg" for g in board.groups]
    )
    body = [
        [str(r.rank) if r.rank else "—", md(r.name)]
        + ([md(r.record.variant_of)] if variant else [])
        + [macro_text(r, "map", n), macro_text(r, "rp@10", n), f"{r.tasks_completed}/{n}", zero_shot_text(r)]
        + [pct(r.group_means[g]) for g in board.groups]
        for r in rows
    ]
    return md_table(header, body)


def validation_md(collection: Collection) -> list[str]:
    lines = [
        "## Validation",
        "",
        f"{collection.files_seen} result files read, {len(collection.accepted)} accepted, "
        f"{len(collection.refused)} refused, {len(collection.skipped)} for other tasks or splits (not listed). "
        f"Inputs sha256 `{collection.inputs_sha256[:16]}`.",
        "",
    ]
    if collection.refused:
        lines += md_table(
            ["File", "Refused because", "Reason"], [[md(r.path), r.kind, md(r.reason)] for r in collection.refused]
        )
    else:
        lines += ["No file was refused."]
    return lines + [""]


# ---------------------------------------------------------------- CSV
def _csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _num(value: float | None) -> str:
    return "" if value is None else repr(round(float(value), 6))


def to_csv(board: Board) -> str:
    tasks = [t.name for t in board.tasks]
    header = [
        "rank",
        "model",
        "variant_of",
        "revision",
        "tasks_completed",
        "tasks_total",
        "zero_shot",
        "not_zero_shot_tasks",
    ]
    for metric in HEADLINE:
        header += [f"macro_{metric}", f"macro_{metric}_ci_low", f"macro_{metric}_ci_high"]
    header += ["macro_map_p_vs_best"] + [f"group:{g}" for g in board.groups]
    for t in tasks:
        header += [t, f"{t}:ci_low", f"{t}:ci_high", f"{t}:p_vs_best", f"{t}:zero_shot"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([_csv_safe(h) for h in header])
    for r in board.models:
        row = [
            r.rank or "",
            r.name,
            r.record.variant_of or "",
            r.record.revision,
            r.tasks_completed,
            len(tasks),
            cell_zero_shot(r.zero_shot),
            ";".join(r.not_zero_shot),
        ]
        for metric in HEADLINE:
            ci = r.macro_ci.get(metric)
            row += [_num(r.macro.get(metric)), _num(ci[0] if ci else None), _num(ci[1] if ci else None)]
        row += [_num(r.macro_p_vs_best)] + [_num(r.group_means[g]) for g in board.groups]
        for t in tasks:
            c = board.cell(r.name, t)
            row += (
                [_num(c.score), _num(c.ci[0]), _num(c.ci[1]), _num(c.p_vs_best), cell_zero_shot(c.zero_shot)]
                if c
                else ["", "", "", "", ""]
            )
        writer.writerow([_csv_safe(v) for v in row])
    return buf.getvalue()


# ---------------------------------------------------------------- JSON
def _r(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _ci(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else [_r(ci[0]), _r(ci[1])]


def _cell_data(c) -> dict:
    return {
        "score": _r(c.score),
        "scores": {k: _r(v) for k, v in c.scores.items()},
        "ci95": _ci(c.ci),
        "best": c.is_best,
        "p_vs_best": _r(c.p_vs_best),
        "significant": c.significant,
        "test_note": c.test_note,
        "zero_shot": cell_zero_shot(c.zero_shot),
        "queries": c.n_queries,
        "revision": c.result.model.revision,
        "created_at": c.result.created_at,
        "latency_ms": _r(c.latency_ms),
        "file": c.path,
        "verification": c.state,
    }


def _section(r: ModelRow) -> str:
    if not r.rankable:
        return r.state
    return "variants" if r.is_variant else "main"


def _model_data(board: Board, r) -> dict:
    cells = {}
    for t in board.tasks:
        c = board.cell(r.name, t.name)
        if c is not None:
            cells[t.name] = _cell_data(c)
    return {
        "rank": r.rank,
        "name": r.name,
        "complete": r.complete,
        "tasks_completed": r.tasks_completed,
        "tasks_total": len(board.tasks),
        "macro": {m: _r(v) for m, v in r.macro.items()},
        "macro_ci95": {m: _ci(v) for m, v in r.macro_ci.items()},
        "macro_p_vs_best": _r(r.macro_p_vs_best),
        "macro_significant": r.macro_significant,
        "macro_test_note": r.macro_test_note,
        "group_means": {g: _r(v) for g, v in r.group_means.items()},
        "not_zero_shot": r.not_zero_shot,
        "zero_shot": cell_zero_shot(r.zero_shot),
        "section": _section(r),
        "verification": r.state,
        "latency_ms": _r(r.latency_ms),
        "model": r.record.model_dump(mode="json"),
        "tasks": cells,
    }


def _transfer_data(transfer: Transfer) -> dict:
    return {
        "tasks": transfer.tasks,
        "notes": transfer.notes,
        "rows": [
            {
                "model": r.model,
                "trained_on": r.trained_on,
                "base": r.base,
                "map": {t: _r(v) for t, v in r.values.items()},
                "gain": {t: _r(v) for t, v in r.gains.items()},
                "in_domain": r.in_domain,
            }
            for r in transfer.rows
        ],
    }


def to_data(board: Board, collection: Collection, transfer: Transfer | None, plots: list[str]) -> dict:
    tasks = [
        {
            "name": t.name,
            "version": t.version,
            "group": t.group,
            "main_score": t.main_score,
            "spec_hash": t.spec_hash,
            "best_model": board.best.get(t.name),
        }
        for t in board.tasks
    ]
    data = {
        "suite": board.suite,
        "split": board.split,
        "seed": board.seed,
        "n_bootstrap": board.n_bootstrap,
        "alpha": ALPHA,
        "headline": list(HEADLINE),
        "tasks": tasks,
        "models": [_model_data(board, r) for r in board.models],
        "notes": board.notes,
        "plots": plots,
        "validation": {
            "files_seen": collection.files_seen,
            "inputs_sha256": collection.inputs_sha256,
            "accepted": sorted(e.path for e in collection.accepted.values()),
            "refused": [{"file": r.path, "kind": r.kind, "reason": r.reason} for r in collection.refused],
            "skipped": len(collection.skipped),
            "warnings": collection.warnings,
            "verification": collection.verification,
        },
    }
    if transfer is not None:
        data["transfer"] = _transfer_data(transfer)
    return data


def to_json(data: dict) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
