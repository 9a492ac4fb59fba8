"""The committed leaderboard (leaderboard/site/<suite>) is exactly what the committed results and the
committed verification ledger (leaderboard/verification.json) produce.

Data files (tables, JSON, HTML) are compared byte for byte; each PNG by the hash of the data it was drawn
from (leaderboard/figure_hash.py), so a new matplotlib or FreeType that renders the same data with other
pixels does not fail the test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.leaderboard.build import build_leaderboard
from workbench.leaderboard.figure_hash import png_data_hash
from workbench.leaderboard.verification import LEDGER_PATH, Ledger

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "leaderboard" / "results"
SITE = ROOT / "leaderboard" / "site"
# The boards `make leaderboard` builds: read from the Makefile, so a suite added there is checked here.
SUITES = re.search(r"^LEADERBOARD_SUITES := (.+)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()


@pytest.mark.parametrize("suite", SUITES)
def test_committed_site_rebuilds_byte_for_byte(suite, tmp_path):
    committed = SITE / suite
    assert committed.is_dir(), f"{committed} not built (run `make leaderboard`)"
    build_leaderboard(RESULTS, tmp_path, suite=suite, ledger=Ledger.load(LEDGER_PATH))  # as `make leaderboard`
    expected = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    rebuilt = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert rebuilt == expected
    for rel in expected:
        if rel.suffix == ".png":
            drawn = png_data_hash(tmp_path / rel)
            assert drawn is not None, f"{suite}/{rel}: the rebuilt plot records no data hash"
            assert png_data_hash(committed / rel) == drawn, f"{suite}/{rel} shows other data: run `make leaderboard`"
        else:
            assert (tmp_path / rel).read_bytes() == (committed / rel).read_bytes(), (
                f"{suite}/{rel} differs: run `make leaderboard`"
            )
