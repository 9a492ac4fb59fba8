"""The order in which the repository received result files: git history, never a file's own date.

For each file under the results folder: the first commit that added it (`git log --diff-filter=A`). File
A was received before file B when A's commit is an ancestor of B's (`git merge-base --is-ancestor`), or
when A is committed and B is not in the history at all (a pull request's new file, an untracked copy). A
file changed since its commit counts as not received. Commit dates are not used (a committer sets them);
ancestry is what the repository's history fixes. Outside a git checkout nothing is ordered.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-c", "core.quotepath=off", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


@dataclass
class ReceivedOrder:
    top: Path | None = None  # the checkout's top folder; None outside git
    commit_of: dict[str, str] = field(default_factory=dict)  # path relative to the results folder -> commit

    @classmethod
    def of(cls, results_dir: Path | None) -> ReceivedOrder:
        if results_dir is None or not Path(results_dir).is_dir():
            return cls()
        results_dir = Path(results_dir).resolve()
        top = _git(results_dir, "rev-parse", "--show-toplevel")
        if top.returncode != 0:
            return cls()
        prefix = _git(results_dir, "rev-parse", "--show-prefix").stdout.strip()
        log = _git(results_dir, "log", "--diff-filter=A", "--format=@%H", "--name-only", "--no-renames", "--", ".")
        commit_of: dict[str, str] = {}
        commit = ""
        for line in log.stdout.splitlines():  # newest first: the last commit seen for a path is its first add
            if line.startswith("@"):
                commit = line[1:]
            elif line.strip() and line.startswith(prefix):
                commit_of[line[len(prefix) :]] = commit
        changed = _git(results_dir, "status", "--porcelain", "--no-renames", "--untracked-files=all", "--", ".")
        for line in changed.stdout.splitlines():
            path = line[3:]
            relative = path[len(prefix) :] if path.startswith(prefix) else path
            commit_of.pop(relative, None)  # edited or untracked here: not what the repository received
        return cls(Path(top.stdout.strip()), commit_of)

    def _before(self, a: str, b: str) -> bool:
        """Commit `a` is a strict ancestor of commit `b`."""
        if a == b or self.top is None:
            return False
        return _git(self.top, "merge-base", "--is-ancestor", a, b).returncode == 0

    def first_of(self, paths: list[str]) -> str | None:
        """The path received before every other one, or None when the history does not say."""
        committed = [p for p in paths if p in self.commit_of]
        for path in committed:
            others = [p for p in paths if p != path]
            if all(p not in self.commit_of or self._before(self.commit_of[path], self.commit_of[p]) for p in others):
                return path
        return None

    def why_undecided(self, paths: list[str]) -> str:
        if self.top is None:
            return "the results folder is not in a git checkout, so the order the files were received is unknown"
        committed = sorted({self.commit_of[p][:10] for p in paths if p in self.commit_of})
        if not committed:
            return "none of them is in the repository's history yet"
        return f"their first commits ({', '.join(committed)}) do not order them (one commit or parallel branches)"


__all__ = ["ReceivedOrder"]
