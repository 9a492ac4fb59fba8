"""Entry-point registries: names -> objects, filled from the entry points of the installed distributions and
from code. The stages that take plugins build theirs from `Registry`: models (`workbench.models.registry`),
source loaders (`workbench.sources`), task folders and command groups (here).

One small generic `Registry` holds lazy entries ("module:object" strings, imported on first use, as
lm-evaluation-harness does) and eager ones (objects registered from code). Each registry reads one
entry-point group, so WorkBench's own plugins (the baselines, the UWE reference model, the leaderboard) and
third-party packages register the same way, through their `pyproject.toml`. The core imports no plugin.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import WorkBenchError

TASKS_GROUP = "workbench.tasks"
COMMANDS_GROUP = "workbench.commands"  # a click group: `workbench NAME ...`
RESULT_COMMANDS_GROUP = "workbench.results_commands"  # a click command: `workbench results NAME ...`


@dataclass
class _Entry:
    target: Any  # the object, or a "module:object" string not imported yet
    origin: str  # where it comes from: "code" or "<distribution> <version> (entry point <group>)"


class Registry:
    """Names (case-insensitive when unambiguous) -> objects; entries of `group` come from entry points."""

    def __init__(self, what: str, group: str | None, sets_group: str | None = None):
        self.what, self.group, self.sets_group = what, group, sets_group
        self._entries: dict[str, _Entry] = {}
        self._clashes: dict[str, list[str]] = {}  # casefolded name -> origins of entry points that disagree on it
        self._lock = threading.RLock()
        self._scanned = group is None

    def _scan(self) -> None:
        """Read the entry-point group once; an entry registered from code keeps its place."""
        with self._lock:
            if self._scanned:
                return
            self._scanned = True
            from importlib.metadata import entry_points

            for point in entry_points(group=self.group):
                origin = f"{_distribution(point)} (entry point {self.group})"
                self._note_clash(point.name, point.value, origin)
                self._entries.setdefault(point.name, _Entry(point.value, origin))
            for point in entry_points(group=self.sets_group) if self.sets_group else ():
                origin = f"{_distribution(point)} (entry point {self.sets_group} {point.name})"
                for name, target in _set_members(point, origin, self.what).items():
                    self._note_clash(name, target, origin)
                    self._entries.setdefault(name, _Entry(target, origin))

    def _note_clash(self, name: str, value: str, origin: str) -> None:
        """Two entry points of one name (also up to case: one result folder on macOS and Windows) naming different
        objects: whichever was read first would win, and both models' results would share OUTPUT/<name>/."""
        same = [key for key in self._entries if key.casefold() == name.casefold()]
        for key in same:
            entry = self._entries[key]
            if entry.target != value:
                self._clashes.setdefault(name.casefold(), [f"{key!r} from {entry.origin}"]).append(
                    f"{name!r} from {origin}"
                )

    def _refuse_clash(self, name: str) -> None:
        origins = self._clashes.get(name.casefold())
        if origins:
            raise WorkBenchError(
                f"{self.what} name {name!r} is registered more than once ({'; '.join(origins)}); one name is one "
                "result folder, so it is refused: uninstall one of the packages or rename its entry point"
            )

    def add(self, name: str, target: Any, *, origin: str = "code", replace: bool = False) -> None:
        with self._lock:
            self._scan()
            existing = self.find(name)
            if existing is not None and not replace and self._entries[existing].target is not target:
                raise WorkBenchError(
                    f"{self.what} name {name!r} is already registered; pass replace=True to override it"
                )
            if existing is not None:
                del self._entries[existing]
            self._entries[name] = _Entry(target, origin)

    def remove(self, name: str) -> None:
        with self._lock:
            found = self.find(name)
            if found is None:
                raise WorkBenchError(f"{self.what} name {name!r} is not registered")
            del self._entries[found]

    def find(self, name: str) -> str | None:
        """The registered spelling of `name`: exact, else the one case-insensitive match. A name that entry points
        of several packages claim is refused (one line naming them)."""
        self._scan()
        self._refuse_clash(name)
        if name in self._entries:
            return name
        folded = [key for key in self._entries if key.casefold() == name.casefold()]
        return folded[0] if len(folded) == 1 else None

    def names(self) -> list[str]:
        self._scan()
        return sorted(self._entries, key=str.casefold)

    def origin(self, name: str) -> str:
        return self._entries[self.find(name) or name].origin

    def get(self, name: str) -> Any:
        """The object registered as `name`, importing a lazy "module:object" entry on first use."""
        found = self.find(name)
        if found is None:
            raise KeyError(name)
        entry = self._entries[found]
        if isinstance(entry.target, str):
            entry.target = _import_object(entry.target, f"{self.what} {found!r} ({entry.origin})")
        return entry.target


def _distribution(point) -> str:
    dist = getattr(point, "dist", None)
    return f"{dist.name} {dist.version}" if dist is not None else "an installed package"


def _set_members(point, origin: str, what: str) -> dict[str, Any]:
    """{name: object} of a set entry point (its object called once). A set that cannot be listed becomes one
    entry under the entry point's name that fails with the reason, so the other entries still work."""
    try:
        members = point.load()()
        if not isinstance(members, dict) or not all(isinstance(name, str) for name in members):
            raise WorkBenchError(f"returned a {type(members).__name__}, expected a dict {{name: {what}}}")
    except Exception as err:
        reason = str(err) if isinstance(err, WorkBenchError) else f"{type(err).__name__}: {err}"
        return {point.name: _unlisted(f"{what} set {point.name!r} ({origin}) could not be listed: {reason}")}
    return members


def _unlisted(message: str) -> Callable[..., Any]:
    def fails(**settings: Any) -> Any:
        raise WorkBenchError(message)

    fails.workbench_card = {"description": message}
    return fails


def _import_object(reference: str, what: str) -> Any:
    """ "package.module:attr.attr" -> the object; "package.module" -> the module."""
    module_name, _, attrs = reference.partition(":")
    try:
        obj = importlib.import_module(module_name.strip())
        for attr in filter(None, attrs.strip().split(".")):
            obj = getattr(obj, attr)
    except (ImportError, AttributeError) as err:
        raise WorkBenchError(f"{what}: cannot import {reference!r} ({type(err).__name__}: {err})") from None
    return obj


TASK_FOLDERS = Registry("task folder", TASKS_GROUP)
COMMANDS = Registry("command", COMMANDS_GROUP)
RESULT_COMMANDS = Registry("results command", RESULT_COMMANDS_GROUP)


def task_folders() -> list[tuple[str, Path]]:
    """(origin, folder) of every `workbench.tasks` entry point: a package whose folder holds task files."""
    folders = []
    for name in TASK_FOLDERS.names():
        target = TASK_FOLDERS.get(name)
        location = getattr(target, "__path__", None) or [Path(getattr(target, "__file__", "")).parent]
        folders.extend((TASK_FOLDERS.origin(name), Path(p)) for p in location)
    return folders
