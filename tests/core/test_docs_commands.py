"""Every `workbench …` command that the README, CONTRIBUTING.md and docs/*.md quote (in code blocks and in
inline code) names a command of the real click tree (plugin groups `uwe` and `leaderboard` included), and
every option it passes exists for that command; a value of a choice option is one of its choices unless it
is a placeholder (`DIR`, `<name>`, `X`, `…`)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import click
import pytest

from workbench.fronts.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"`([^`]+)`")
# `workbench` as a command: first on a line or after a shell separator (behind variable assignments and a
# path such as .venv/bin/), or `-m workbench.fronts.cli`; never `from workbench import`, `workbench/…`, prose.
START = re.compile(
    r"(?:(?:^|&&|\|\||[;|(])\s*(?:\w+=\S*\s+)*(?:\S*/)?workbench|-m\s+workbench\.fronts\.cli)(?=\s|$)", re.MULTILINE
)
SEPARATOR = re.compile(r"\s(?:&&|\|\||\||;|>|2>|&)\s|\)")
COMMENT = re.compile(r"(?:^|\s)#.*$")
PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*$|[<>…$]|\.\.\.")


def _code_lines(text: str) -> list[str]:
    """Lines of the fenced code blocks, `\\`-continued lines joined."""
    lines: list[str] = []
    for block in FENCE.findall(text):
        lines.extend(COMMENT.sub("", line) for line in re.sub(r"\\\n\s*", " ", block).splitlines())
    return lines


def _inline_spans(text: str) -> list[str]:
    """Inline code spans outside the fenced blocks (a span may wrap over a line break)."""
    prose = FENCE.sub("", text)
    return [" ".join(span.split()) for span in INLINE.findall(prose)]


def quoted_commands(text: str) -> list[str]:
    """The argument strings after `workbench` of every command quoted in a Markdown text."""
    starts = [(line, m) for line in _code_lines(text) for m in START.finditer(line)]
    starts += [(span, m) for span in _inline_spans(text) if (m := START.match(span))]
    return [" ".join(SEPARATOR.split(source[m.end() :], maxsplit=1)[0].split()) for source, m in starts]


def _tokens(args: str) -> list[str]:
    try:
        tokens = shlex.split(args)
    except ValueError:  # an unbalanced quote in an abbreviated example
        tokens = args.split()
    return [t.strip("[]") for t in tokens if t.strip("[]")]


def _options(cmd: click.Command, ctx: click.Context) -> dict[str, click.Parameter]:
    return {name: p for p in cmd.get_params(ctx) for name in (*p.opts, *p.secondary_opts) if name.startswith("-")}


def _check_value(where: str, option: str, param: click.Parameter, value: str) -> list[str]:
    if not isinstance(param.type, click.Choice) or PLACEHOLDER.search(value):
        return []
    allowed = [str(c) for c in param.type.choices]
    return [] if value in allowed else [f"{where}: {option} {value!r} is not one of {allowed}"]


def problems(args: str) -> list[str]:
    """What is wrong with `workbench <args>`: unknown commands, options, or choice values."""
    cmd: click.Command = main
    path, found, tokens = ["workbench"], [], _tokens(args)
    if tokens and PLACEHOLDER.search(tokens[0]):  # `workbench …`: any command
        return []
    while tokens:
        token = tokens.pop(0)
        ctx = click.Context(cmd, info_name=path[-1])
        where = " ".join(path)
        if token == "--":
            break
        if token.startswith("-") and len(token) > 1:
            name, _, inline = token.partition("=")
            param = _options(cmd, ctx).get(name)
            if param is None:
                found.append(f"{where}: no option {name}")
            elif not inline and not (param.is_flag or param.count):
                values = [tokens.pop(0) for _ in range(min(param.nargs, len(tokens)))]
                found += [p for v in values for p in _check_value(where, name, param, v)]
            elif inline:
                found += _check_value(where, name, param, inline)
        elif isinstance(cmd, click.Group):
            names = token.split("|")
            missing = [n for n in names if cmd.get_command(ctx, n) is None]
            if missing:
                return found + [f"{where}: no command {' / '.join(missing)}"]
            cmd, path = cmd.get_command(ctx, names[0]), [*path, names[0]]
    return found


def _doc_commands() -> list[tuple[str, str]]:
    return [(doc.relative_to(ROOT).as_posix(), c) for doc in DOCS for c in quoted_commands(doc.read_text("utf-8"))]


def test_the_docs_quote_commands():
    docs = {doc for doc, _ in _doc_commands()}
    assert len(_doc_commands()) > 100
    assert {"README.md", "docs/data.md", "docs/uwe.md", "docs/submitting.md"} <= docs


@pytest.mark.parametrize(("doc", "args"), _doc_commands())
def test_every_quoted_command_exists_with_its_options(doc, args):
    assert problems(args) == [], f"{doc}: `workbench {args}`"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("reproduce FILE", ["workbench: no command reproduce"]),
        ("results reproduce FILE --samples 20", ["workbench results reproduce: no option --samples"]),
        ("results export DIR --format csv", ["workbench results export: --format 'csv' is not one of"]),
        ("leaderboard build RESULTS --out SITE --no-ledger", []),
        ("uwe train|export --output DIR", []),
        ("run --model M [-s tau_a=0.3] --ties X", []),
    ],
)
def test_the_check_finds_what_is_wrong(args, expected):
    found = problems(args)
    assert len(found) == len(expected), found
    assert all(f.startswith(e) for f, e in zip(found, expected, strict=True)), found


def test_commands_are_found_in_code_blocks_and_inline_code_only():
    text = (
        "Run `workbench data verify --sums` or\n`workbench leaderboard\nregenerate RESULTS`; the workbench run\n"
        "```bash\n.venv/bin/workbench tasks list --json   # workbench nothing\n"
        "python -m workbench.fronts.cli uwe train \\\n  --config tiny && workbench models list\n"
        "from workbench import load_task\n```\n"
    )
    assert quoted_commands(text) == [
        "tasks list --json",
        "uwe train --config tiny",
        "models list",
        "data verify --sums",
        "leaderboard regenerate RESULTS",
    ]


def test_the_canonical_query_set_count_in_reliability_md_is_the_records():
    """docs/reliability.md states how many entries the committed record holds: the number is the file's."""
    record = json.loads((ROOT / "leaderboard" / "query_sets.json").read_text("utf-8"))["sets"]
    text = " ".join((ROOT / "docs" / "reliability.md").read_text("utf-8").split())
    stated = re.search(r"The record has (\d+) entries for (\d+) tasks", text)
    assert stated, "docs/reliability.md no longer states the record's entry count"
    assert (int(stated[1]), int(stated[2])) == (len(record), len({e["task"] for e in record}))


BRANCH = re.compile(r"[├└]── ")
FOLDER = re.compile(r"[├└]── (\w+)/")


def tree_modules(text: str) -> set[str]:
    """workbench/... paths of the .py files the folder tree of docs/architecture.md names: a name belongs to the
    folder whose line (or continuation lines) names it, or to the folder above the branch it is on."""
    block = next(b for b in FENCE.findall(text) if b.startswith("workbench/"))
    found, folders, current = set(), [], ["workbench"]
    for line in block.splitlines()[1:]:
        branch = BRANCH.search(line)
        if branch:
            depth = branch.start() // 4
            folders = folders[:depth]
            folder = FOLDER.match(line, branch.start())
            current = ["workbench", *folders]
            if folder:
                folders.append(folder[1])
                current = ["workbench", *folders]
        found.update("/".join([*current, name]) for name in re.findall(r"\b\w+\.py\b", line))
    return found


def test_the_architecture_module_tree_names_every_module():
    """Every module of the core is named in the folder tree of docs/architecture.md, under its folder; every
    module of the leaderboard in its table."""
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    core = [m.relative_to(ROOT).as_posix() for m in sorted((ROOT / "workbench").rglob("*.py"))]
    wanted = [m for m in core if m == "workbench/__init__.py" or not m.endswith(("/__init__.py", "/__main__.py"))]
    named = tree_modules(text)
    assert [m for m in wanted if m not in named] == []
    assert sorted(named - set(core)) == []  # no module the tree names is gone
    board = [m for m in (ROOT / "leaderboard").glob("*.py") if m.name != "__init__.py"]
    assert [m.relative_to(ROOT).as_posix() for m in board if f"`{m.name}`" not in text] == []


def test_the_readme_names_the_fast_loop_markers_of_the_makefile():
    makefile = (ROOT / "Makefile").read_text("utf-8")
    marks = set(re.findall(r"not (\w+)", re.search(r"^FAST_MARKS := (.+)$", makefile, re.MULTILINE)[1]))
    readme = " ".join((ROOT / "README.md").read_text("utf-8").split())
    sentence = re.search(r"`make test-fast` runs everything not marked (.+?) \(markers", readme)
    assert sentence, "README.md no longer says which markers `make test-fast` leaves out"
    assert set(re.findall(r"`(\w+)`", sentence[1])) == marks
