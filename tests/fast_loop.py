"""Marker-based selection for `make test-fast` (hooks imported by tests/conftest.py).

* A test module whose every test is deselected by ``-m`` is not imported at all: a module that imports
  torch at its top, or builds the catalogue while it is collected, costs the fast loop nothing and
  works where torch is not installed. The module's marks are read from its source (``pytestmark``
  and every ``pytest.mark.NAME`` in it), so a module is skipped only when no combination of the marks
  its tests can carry is selected.
* When ``-m`` deselects ``torch``, a test (or a test module, while collected) that imports torch anyway
  fails, naming the marker it lacks: an unmarked torch test would otherwise make the fast loop slow, and
  break it on a machine without torch. The check is per test phase, so it holds under pytest-xdist.
"""

from __future__ import annotations

import ast
import itertools
import sys
from functools import cache
from pathlib import Path

import pytest

# Heavy dependencies that the fast loop must not load, by the marker that admits them.
GUARDED_MODULES = {"torch": "torch"}


@cache
def _module_marks(path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """(marks of every test in the module, marks some of its tests may add) read from the source."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return frozenset(), frozenset()
    module: set[str] = set()
    anywhere: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "mark":
            anywhere.add(node.attr)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets):
            for sub in ast.walk(node.value):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Attribute) and sub.value.attr == "mark":
                    module.add(sub.attr)
    return frozenset(module), frozenset(anywhere - module)


def _never_selected(path: Path, markexpr: str) -> bool:
    from _pytest.mark.expression import Expression  # pytest's own -m parser

    module, optional = _module_marks(path)
    if not module:
        return False
    expression = Expression.compile(markexpr)
    for size in range(len(optional) + 1):
        for extra in itertools.combinations(sorted(optional), size):
            marks = module | set(extra)
            if expression.evaluate(lambda name, marks=marks: name in marks):
                return False
    return True


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    markexpr = config.getoption("markexpr", default="")
    if not markexpr or collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    try:
        return True if _never_selected(collection_path, markexpr) else None
    except Exception:  # an expression this reader does not understand: collect as usual
        return None


def _deselected_imports(config: pytest.Config) -> list[tuple[str, str]]:
    """(module, marker) for each guarded module now imported although ``-m`` deselects its marker."""
    markexpr = config.getoption("markexpr", default="")
    return [
        (module, marker)
        for module, marker in GUARDED_MODULES.items()
        if f"not {marker}" in markexpr and sys.modules.get(module) is not None
    ]


_collection_problem: list[str] = []  # reported by the first test (of each xdist worker)


def pytest_collection_finish(session: pytest.Session) -> None:
    _collection_problem[:] = [
        f"{module} was imported while collecting although -m deselects {marker}: give the test module that "
        f"imports it at its top `pytestmark = pytest.mark.{marker}`"
        for module, marker in _deselected_imports(session.config)
    ]


def _guarded(item: pytest.Item):
    """Wrap a test phase: a test that first imports a deselected heavy module fails, naming the marker."""
    if _collection_problem:
        problem = "; ".join(_collection_problem)
        _collection_problem.clear()
        pytest.fail(problem, pytrace=False)
    before = set(_deselected_imports(item.config))
    result = yield
    new = [pair for pair in _deselected_imports(item.config) if pair not in before]
    if new:
        module, marker = new[0]
        pytest.fail(
            f"{item.nodeid} imports {module} although -m deselects {marker}: mark it @pytest.mark.{marker}",
            pytrace=False,
        )
    return result


pytest_runtest_setup = pytest.hookimpl(wrapper=True)(_guarded)
pytest_runtest_call = pytest.hookimpl(wrapper=True)(_guarded)
