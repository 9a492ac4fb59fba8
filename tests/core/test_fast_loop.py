"""`make test-fast`'s module skipping: a module is left unimported only when -m can select none of its tests."""

from __future__ import annotations

import re
from pathlib import Path

from fast_loop import _module_marks, _never_selected

# the marker expression `make test-fast` passes to -m (read from the Makefile: one definition)
FAST = re.search(r"^FAST_MARKS := (.+)$", (Path(__file__).parents[2] / "Makefile").read_text(), re.M).group(1)


def _module(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(source)
    _module_marks.cache_clear()
    return path


def test_whole_module_marks_decide_and_per_test_marks_only_add(tmp_path):
    torch_module = _module(tmp_path, "test_a.py", "import pytest\npytestmark = pytest.mark.torch\ndef test_x(): pass\n")
    listed = _module(
        tmp_path, "test_b.py", "import pytest\npytestmark = [pytest.mark.slow, pytest.mark.skipif(True, reason='')]\n"
    )
    mixed = _module(
        tmp_path, "test_c.py", "import pytest\n@pytest.mark.torch\ndef test_x(): pass\ndef test_y(): pass\n"
    )
    assert _never_selected(torch_module, FAST) and _never_selected(listed, FAST)
    assert not _never_selected(mixed, FAST)  # test_y runs in the fast loop
    assert not _never_selected(torch_module, "torch") and not _never_selected(torch_module, "torch or slow")
    # a module marked slow whose test adds torch is selected by "torch": the combination counts
    slow_with_torch = _module(
        tmp_path, "test_d.py", "import pytest\npytestmark = pytest.mark.slow\n@pytest.mark.torch\ndef test_x(): pass\n"
    )
    assert not _never_selected(slow_with_torch, "torch") and _never_selected(slow_with_torch, "not slow")


def test_unreadable_or_unmarked_modules_are_collected(tmp_path):
    assert not _never_selected(_module(tmp_path, "test_e.py", "def test_x(): pass\n"), FAST)
    assert not _never_selected(_module(tmp_path, "test_f.py", "def broken(:\n"), FAST)
