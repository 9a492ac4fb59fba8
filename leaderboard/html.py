"""A self-contained `index.html`: rendered server-side, every result-file text HTML-escaped.

No external scripts, fonts or URLs: CSS and the sorting script (`sort.js`) are inlined, plots are
data: URIs, and a Content-Security-Policy allows only that one script (by hash), so even an
injected inline handler could not run. No JSON is embedded in the page.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import escape
from pathlib import Path
from typing import Any

from .aggregate import Board, ModelRow
from .collect import Collection
from .tables import (
    LEAK_MARK,
    SIG_MARK,
    UNVERIFIED_SECTIONS,
    VARIANTS_NOTE,
    VARIANTS_TITLE,
    VERIFICATION_NOTE,
    cell_zero_shot,
    ci_text,
    legend,
    p_text,
    pct,
    state_label,
    zero_shot_text,
)
from .transfer import Transfer

_HERE = Path(__file__).parent
SCRIPTS = ("sort.js", "filter.js")  # inlined as the page's one script, allowed by its hash


def e(text: Any) -> str:
    return escape(str(text), quote=True)


def _num(value: float | None) -> str:
    return "" if value is None else repr(round(float(value), 6))


def _th(label: str, key: str | None = None, kind: str = "text", first_dir: str = "asc", css: str = "") -> str:
    attrs = f' data-key="{e(key)}" data-type="{kind}" data-dir="{first_dir}"' if key else ""
    cls = f' class="{css}"' if css else ""
    return f"<th{cls}{attrs}>{e(label)}</th>"


def _td(text: str, sort: str | None = None, css: str = "", raw: bool = False) -> str:
    attrs = f' data-sort="{e(sort)}"' if sort is not None else ""
    cls = f' class="{css}"' if css else ""
    return f"<td{cls}{attrs}>{text if raw else e(text)}</td>"


def _table(table_id: str | None, head: list[str], rows: list[str], sortable: bool = True) -> str:
    ident = f' id="{e(table_id)}"' if table_id else ""
    cls = ' class="sortable"' if sortable else ""
    return (
        f"<table{ident}{cls}><thead><tr>{''.join(head)}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>"
    )


def _score_td(board: Board, model: str, task: str) -> str:
    cell = board.cell(model, task)
    if cell is None:
        return _td("", sort="", css="missing")
    marks = (
        f'<span class="sig" title="significantly below the best (p={p_text(cell.p_vs_best)})">{SIG_MARK}</span>'
        if cell.significant
        else ""
    )
    marks += f'<span class="leak" title="not zero-shot">{LEAK_MARK}</span>' if cell.zero_shot is False else ""
    return _td(e(pct(cell.score)) + marks, sort=_num(cell.score), css="best" if cell.is_best else "", raw=True)


def _macro_td(row: ModelRow, metric: str, n_tasks: int) -> str:
    value = row.macro.get(metric)
    if value is None:
        return _td("incomplete" if row.tasks_completed < n_tasks else "n/a", sort="")
    text = f"{e(pct(value))} <small>{e(ci_text(row.macro_ci.get(metric)))}</small>"
    if metric == "map" and row.macro_significant:
        text += f'<span class="sig" title="p={p_text(row.macro_p_vs_best)}">{SIG_MARK}</span>'
    return _td(text, sort=_num(value), css="best" if metric == "map" and row.rank == 1 else "", raw=True)


def _row_attrs(r: ModelRow) -> str:
    """What the filters read: zero-shot status, parameter count (empty when unknown) and model kind."""
    css = "" if r.complete else ' class="incomplete"'
    return (
        f'{css} data-model="{e(r.name)}" data-zero-shot="{cell_zero_shot(r.zero_shot)}" '
        f'data-params="{r.record.parameters or ""}" data-kind="{e(r.record.kind)}"'
    )


def ranking_table(board: Board, rows: list[ModelRow] | None = None, table_id: str = "ranking") -> str:
    """The main ranking (or, with `rows` and `table_id`, the variants table). Rank and model are the
    sticky `pin` columns; the score columns scroll inside the table's own container."""
    rows = board.main if rows is None else rows
    variant = table_id == "variants"
    n = len(board.tasks)
    head = [_th("Rank", "rank", "num", css="pin rank"), _th("Model", "model", css="pin name")]
    head += [_th("Variant of", "variant_of", css="text")] if variant else []
    head += [
        _th("Macro MAP [95 % CI]", "macro_map", "num", "desc"),
        _th("Macro RP@10 [95 % CI]", "macro_rp10", "num", "desc"),
        _th("Tasks", "tasks", "num", "desc"),
        _th("Zero-shot", "zero_shot"),
        _th("Params", "params", "num", "desc"),
        _th("Type", "kind"),
    ]
    head += [_th(f"{g} avg", f"group:{g}", "num", "desc") for g in board.groups]
    head += [_th(t.name, f"task:{t.name}", "num", "desc") for t in board.tasks]
    anchors = {m.name: i for i, m in enumerate(board.models, 1)}
    body = []
    for r in rows:
        params = r.record.parameters
        cells = [
            _td(str(r.rank) if r.rank else "—", sort=str(r.rank) if r.rank else "", css="pin rank"),
            _td(f'<a href="#model-{anchors[r.name]}">{e(r.name)}</a>', sort=r.name, css="pin name", raw=True),
        ]
        cells += [_td(r.record.variant_of or "", css="text")] if variant else []
        cells += [
            _macro_td(r, "map", n),
            _macro_td(r, "rp@10", n),
            _td(f"{r.tasks_completed}/{n}", sort=str(r.tasks_completed)),
            _td(zero_shot_text(r)),
            _td(f"{params / 1e6:.1f}M" if params else "?", sort=str(params or "")),
            _td(r.record.kind),
        ]
        cells += [_td(pct(r.group_means[g]), sort=_num(r.group_means[g])) for g in board.groups]
        cells += [_score_td(board, r.name, t.name) for t in board.tasks]
        body.append(f"<tr{_row_attrs(r)}>" + "".join(cells) + "</tr>")
    return _table(table_id, head, body)


def variants_section(board: Board) -> str:
    if not board.variants:
        return ""
    return (
        f'<section id="variants-section"><h2>{e(VARIANTS_TITLE)}</h2><p class="note">{e(VARIANTS_NOTE.replace("`", ""))}</p>'
        f'<div class="scroll board">{ranking_table(board, board.variants, "variants")}</div></section>'
    )


def unverified_sections(board: Board) -> str:
    """Self-reported and archived rows: their own tables, below the ranking and the variants."""
    out = ""
    for attr, title, note in UNVERIFIED_SECTIONS:
        rows = getattr(board, attr)
        if rows:
            ident = attr.replace("_", "-")
            out += (
                f'<section id="{ident}-section"><h2>{e(title)}</h2><p class="note">{e(note)}</p>'
                f'<div class="scroll board">{ranking_table(board, rows, ident)}</div></section>'
            )
    return out


FILTERS = """<form class="filters" id="filters" role="search">
<label><input type="checkbox" id="filter-zero-shot"> zero-shot only</label>
<label>parameters (millions) <input type="number" id="filter-params-min" min="0" step="any" placeholder="min" size="6">
to <input type="number" id="filter-params-max" min="0" step="any" placeholder="max" size="6"></label>
<label>type <select id="filter-kind"><option value="">any</option><option value="embedding">embedding</option>
<option value="scoring">scoring</option></select></label>
<label>search <input type="search" id="filter-search" placeholder="model name"></label>
<output id="filter-count"></output>
</form>"""


def task_sections(board: Board) -> str:
    names = {r.name: i for i, r in enumerate(board.models, 1)}
    parts = []
    for spec in board.tasks:
        cells = sorted((c for c in board.cells.values() if c.task == spec.name), key=lambda c: (-c.score, c.model))
        head = [
            _th("Model", "model", css="name"),
            _th(spec.main_score, "score", "num", "desc"),
            _th("95 % CI"),
            _th("p vs best", "p", "num"),
            _th("Zero-shot", "zero_shot"),
            _th("Queries", "queries", "num"),
            _th("Revision", "revision", css="text"),
            _th("Test note", css="text"),
        ]
        rows = []
        for c in cells:
            rows.append(
                f'<tr data-model="{e(c.model)}">'
                + "".join(
                    [
                        _td(
                            f'<a href="#model-{names[c.model]}">{e(c.model)}</a>{e(state_label(c.state))}',
                            sort=c.model,
                            css="name",
                            raw=True,
                        ),
                        _score_td(board, c.model, spec.name),
                        _td(ci_text(c.ci)),
                        _td(p_text(c.p_vs_best) + (" " + SIG_MARK if c.significant else ""), sort=_num(c.p_vs_best)),
                        _td(cell_zero_shot(c.zero_shot)),
                        _td(str(c.n_queries), sort=str(c.n_queries)),
                        _td(c.result.model.revision, css="text"),
                        _td(c.test_note or "", css="text"),
                    ]
                )
                + "</tr>"
            )
        info = (
            f"version {spec.version} · group {e(spec.group)} · main score {e(spec.main_score)} · "
            f"spec <code>{e(spec.spec_hash[:12])}</code> · {len(cells)} models"
        )
        parts.append(
            f'<section id="task-{e(spec.name)}"><h3>{e(spec.name)}</h3><p class="note">{info}</p>'
            f'<p class="note">{e(spec.description)}</p>'
            f'<div class="scroll">{_table(f"task-table-{spec.name}", head, rows)}</div></section>'
        )
    return "\n".join(parts)


def transfer_section(transfer: Transfer | None) -> str:
    if transfer is None:
        return ""

    def block(title: str, rows, pick, signed: bool) -> str:
        head = [_th("Trained on", "trained_on", css="text"), _th("Model", "model", css="text"), _th("Base", css="text")]
        head += [_th(t, f"task:{t}", "num", "desc") for t in transfer.tasks]
        body = []
        for r in rows:
            cells = [_td(r.label, css="text"), _td(r.model, css="text"), _td(r.base or "", css="text")]
            for t in transfer.tasks:
                v = pick(r)[t]
                text = "" if v is None else (f"{100 * v:+.2f}" if signed else pct(v))
                mark = f'<span class="leak" title="in-domain">{LEAK_MARK}</span>' if text and r.in_domain[t] else ""
                cells.append(_td(e(text) + mark, sort=_num(v), raw=True))
            body.append("<tr>" + "".join(cells) + "</tr>")
        return f'<h3>{e(title)}</h3><div class="scroll">{_table(None, head, body)}</div>'

    html = block("MAP ×100", transfer.rows, lambda r: r.values, False)
    if transfer.has_gains:
        html += block(
            "MAP gain over the base model ×100", [r for r in transfer.rows if r.base], lambda r: r.gains, True
        )
    notes = "".join(f"<li>{e(n)}</li>" for n in transfer.notes)
    return (
        f'<section id="transfer-section"><h2>Cross-task transfer</h2><p class="note">Rows: what a variant was trained on '
        f"(<code>model.trained_on</code>); base = <code>settings.base_model</code>, an untuned model on this board; "
        f"{LEAK_MARK} = in-domain.</p>{html}{'<ul>' + notes + '</ul>' if notes else ''}</section>"
    )


def _dl(items: list[tuple[str, str]]) -> str:
    return "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def model_cards(board: Board) -> str:
    cards = []
    for i, r in enumerate(board.models, 1):
        m = r.record
        prompts = "".join(
            f'<tr><td class="text">{e(k)}</td><td class="text">{e(v if v is not None else "(none)")}</td></tr>'
            for k, v in sorted(m.prompts.items())
        )
        files = "".join(
            f"<li><code>{e(c.path)}</code> ({e(c.task)}, revision {e(c.result.model.revision)}, "
            f"created {e(c.result.created_at)})</li>"
            for c in sorted((c for c in board.cells.values() if c.model == r.name), key=lambda c: c.task)
        )
        items = [
            ("Rank", e(r.rank or "unranked")),
            ("Revision", f"<code>{e(m.revision)}</code>"),
            ("Kind", e(m.kind)),
            ("Parameters", e(f"{m.parameters:,}" if m.parameters else "unknown")),
            ("Embedding dim", e(m.embedding_dim or "—")),
            ("License", e(m.license)),
            ("Training data", e(", ".join(m.training_data) or "none declared")),
            ("Variant of", e(m.variant_of or "— (a submitted model)")),
            ("Trained on", e(", ".join(m.trained_on) if m.trained_on else ("[]" if m.trained_on == [] else "—"))),
            ("Not zero-shot on", e(", ".join(r.not_zero_shot) or "—")),
            ("Latency", e(f"{r.latency_ms:.2f} ms/query" if r.latency_ms else "not recorded")),
            ("Settings", f"<pre>{e(json.dumps(m.settings, indent=1, sort_keys=True, ensure_ascii=False))}</pre>"),
            ("Prompts", f"<table><tbody>{prompts}</tbody></table>" if prompts else "none"),
            ("Result files", f"<ul>{files}</ul>"),
        ]
        cards.append(f'<details class="card" id="model-{i}"><summary>{e(r.name)}</summary>{_dl(items)}</details>')
    return "\n".join(cards)


def plots_section(out_dir: Path, plots: list[str]) -> str:
    if not plots:
        return ""
    imgs = []
    for name in plots:
        data = base64.b64encode((out_dir / name).read_bytes()).decode("ascii")
        imgs.append(
            f'<figure><img class="plot" alt="{e(name)}" src="data:image/png;base64,{data}">'
            f'<figcaption class="note">{e(name)}</figcaption></figure>'
        )
    return '<section id="plots-section"><h2>Plots</h2>' + "\n".join(imgs) + "</section>"


def validation_section(collection: Collection) -> str:
    text = (
        f"<p>{collection.files_seen} result files read, {len(collection.accepted)} accepted, "
        f"{len(collection.refused)} refused, {len(collection.skipped)} for other tasks or splits (not listed). "
        f"Inputs sha256 <code>{e(collection.inputs_sha256[:16])}</code>.</p>"
    )
    if not collection.refused:
        return text + "<p>No file was refused.</p>"
    head = [_th("File", "file", css="text"), _th("Refused because", "kind"), _th("Reason", css="text")]
    rows = [
        f"<tr>{_td(r.path, css='text')}{_td(r.kind, css='text')}{_td(r.reason, css='text')}</tr>"
        for r in collection.refused
    ]
    return text + _table("validation", head, rows)


def notes_section(board: Board, collection: Collection) -> str:
    items = [e(n) for n in board.notes + collection.warnings]
    items += [
        f"significance test skipped for {e(c.model)} on {e(c.task)}: {e(c.test_note)}"
        for c in sorted(board.cells.values(), key=lambda c: (c.task, c.model))
        if c.test_note
    ]
    items += [f"macro test skipped for {e(r.name)}: {e(r.macro_test_note)}" for r in board.models if r.macro_test_note]
    if not items:
        return ""
    return (
        '<section id="notes-section"><h2>Notes</h2><ul>' + "".join(f"<li>{i}</li>" for i in items) + "</ul></section>"
    )


def render(board: Board, collection: Collection, transfer: Transfer | None, plots: list[str], out_dir: Path) -> str:
    script = "\n".join((_HERE / name).read_text(encoding="utf-8") for name in SCRIPTS)
    if "</script" in script.lower():
        raise AssertionError(f"{SCRIPTS} may not contain </script")
    script_hash = "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
    title = f"WorkBench leaderboard — {'suite ' + board.suite if board.suite else f'{len(board.tasks)} tasks'}, split {board.split}"
    nav_extra = '<a href="#variants-section">Variants</a>' if board.variants else ""
    nav_extra += ('<a href="#plots-section">Plots</a>' if plots else "") + (
        '<a href="#transfer-section">Transfer</a>' if transfer else ""
    )
    parts = {
        "title": e(title),
        "legend": e(legend(board).replace("**bold**", "bold on green"))
        + (" " + e(VERIFICATION_NOTE) if collection.verification else ""),
        "ranking": ranking_table(board),
        "tasks": task_sections(board),
        "filters": FILTERS,
        "variants": variants_section(board) + unverified_sections(board),
        "transfer": transfer_section(transfer),
        "cards": model_cards(board),
        "plots": plots_section(out_dir, plots),
        "validation": validation_section(collection),
        "notes": notes_section(board, collection),
        "nav_extra": nav_extra,
        "script": script,
        "script_hash": script_hash,
    }
    template = (_HERE / "template.html").read_text(encoding="utf-8")
    missing = set(re.findall(r"\{\{(\w+)\}\}", template)) - set(parts)
    if missing:
        raise AssertionError(f"template placeholders without content: {sorted(missing)}")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], template)


__all__ = ["render"]
