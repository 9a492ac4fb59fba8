"""The verification ledger: which result files the board's own check re-scored, and with what outcome.

`leaderboard/verification.json` is written only by `workbench results verify FOLDER --record` (run by the
board's CI on merge, or by a maintainer); a pull request that edits it is flagged by the pull-request check.
An entry is keyed by the sha256 of the result file's bytes, so a file edited after it was verified is no
longer verified. States of a file:

- `verified`: its model loaded from a public reference and a seeded sample of its queries re-scored within
  the tolerance;
- `mismatched`: the re-scored sample differs (the file is refused by the board: `not-reproduced`);
- `not-loadable`: the model could not be loaded here (the row stays `self-reported`);
- `other-environment`: the re-scored sample differs, but the file records other versions of the model's
  libraries than the check ran with (near-ties can rank otherwise): no verdict, the row stays
  `self-reported` until a check with those versions;
- a file with no entry is `self-reported`.

A row whose card says `reproducible: false` is `archived` (listed under "Archived — not reproducible").
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from workbench.errors import WorkBenchError
from workbench.io import atomic_write_bytes
from workbench.results.file_states import FILE_STATES, MISMATCHED, NOT_LOADABLE, OTHER_ENVIRONMENT, VERIFIED

LEDGER_PATH = Path(__file__).with_name("verification.json")

SELF_REPORTED = "self-reported"
ARCHIVED = "archived"


@dataclass(frozen=True)
class Verdict:
    path: str  # the file's path when it was verified (for people; the key is its sha256)
    state: str
    detail: str = ""
    sample: int = 0  # queries re-scored
    queries: int = 0  # queries in the file
    tolerance: float = 0.0


@dataclass
class Ledger:
    files: dict[str, Verdict]

    @classmethod
    def load(cls, path: Path = LEDGER_PATH) -> Ledger:
        """The ledger at `path`; an absent file is an empty ledger (nothing verified)."""
        path = Path(path)
        if not path.exists():
            return cls({})
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            files = {sha: Verdict(**entry) for sha, entry in raw["files"].items()}
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise WorkBenchError(f"verification ledger {path} cannot be read: {err}") from None
        bad = sorted({v.state for v in files.values()} - set(FILE_STATES))
        if bad:
            raise WorkBenchError(f"verification ledger {path}: unknown state(s) {bad}; expected {list(FILE_STATES)}")
        return cls(files)

    def state_of(self, sha256: str) -> str:
        verdict = self.files.get(sha256)
        return SELF_REPORTED if verdict is None else verdict.state

    def verdict(self, sha256: str) -> Verdict | None:
        return self.files.get(sha256)

    @classmethod
    def record(cls, sha256: str, verdict: Verdict, path: Path = LEDGER_PATH) -> None:
        """Add one verdict to the ledger at `path` at once (read, update, write under a lock): a verify run
        that stops keeps every verdict it reached, and two runs never drop each other's entries."""
        path = Path(path)
        # the lock file lives in the temporary folder, not beside the ledger (nothing to commit by mistake)
        key = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:16]
        with open(Path(tempfile.gettempdir()) / f"workbench-ledger-{key}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            book = cls.load(path)
            book.files[sha256] = verdict
            book.write(path)

    def write(self, path: Path = LEDGER_PATH) -> None:
        data = {
            "about": "written by `workbench results verify --record`; keyed by the sha256 of each result file",
            "files": {sha: asdict(v) for sha, v in sorted(self.files.items())},
        }
        atomic_write_bytes(Path(path), (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"))


__all__ = [
    "ARCHIVED",
    "LEDGER_PATH",
    "MISMATCHED",
    "NOT_LOADABLE",
    "OTHER_ENVIRONMENT",
    "SELF_REPORTED",
    "VERIFIED",
    "Ledger",
    "Verdict",
]
