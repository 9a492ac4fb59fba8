"""What a hostile submitter does to committed result files, shared by the board's forgery tests
(tests/leaderboard/test_verified_board.py, tests/reliability/test_forged_results.py)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

COMMITTED = Path(__file__).resolve().parents[1] / "leaderboard" / "results"
TASK = "house-skill-extraction"  # 262 queries: small files, the real canonical query set is recorded
FILE = f"{TASK}__v1__test.json"
MODELS = ("bm25", "tfidf", "random", "all-MiniLM-L6-v2")


def committed_copies(root: Path) -> Path:
    """The committed results of TASK for MODELS, copied under `root` (one folder per model)."""
    for model in MODELS:
        (root / model).mkdir(parents=True)
        shutil.copyfile(COMMITTED / model / FILE, root / model / FILE)
    return root


def forge(src: Path, dst: Path, edit: Callable[[dict], object]) -> Path:
    """`src` read as JSON, edited in place by `edit`, written to `dst` (folders made)."""
    data = json.loads(src.read_text(encoding="utf-8"))
    edit(data)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(data), encoding="utf-8")
    return dst
