"""What a person sees: each committed board opened in headless Chromium at 1280 and 1920 pixels wide.

Every model name sits on one line (its cell is one line tall), rank and model stay in view while the
score columns scroll sideways inside the table's own container, the page itself never scrolls
sideways, and no model name is hidden. A screenshot of each board and width is written for a person
to look at: into $LEADERBOARD_SCREENSHOTS when set, else the test's temporary folder (path printed).
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from lb_chromium import DevTools, browser_marks, find_chromium

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "leaderboard" / "site"
# every committed board (the Makefile's LEADERBOARD_SUITES)
SUITES = sorted(p.parent.name for p in SITE.glob("*/index.html")) or ["workbench-core"]
WIDTHS = [1280, 1920]
CHROMIUM = find_chromium()
pytestmark = browser_marks()

# For every name cell of the ranking tables: its height against the line height, how many line boxes
# its link has, and whether its whole text is visible (not clipped by the cell).
NAME_CELLS = """Array.from(document.querySelectorAll('#ranking td.name, #variants td.name')).map(td => {
  const style = getComputedStyle(td), a = td.querySelector('a');
  return {name: td.textContent, height: td.getBoundingClientRect().height - parseFloat(style.paddingTop)
            - parseFloat(style.paddingBottom) - parseFloat(style.borderBottomWidth),
          line: parseFloat(style.lineHeight) || 1.4 * parseFloat(style.fontSize),
          boxes: a.getClientRects().length, clipped: td.scrollWidth > td.clientWidth + 1};
})"""

STICKY = """(() => {
  const box = document.querySelector('#ranking').closest('.scroll');
  const row = document.querySelector('#ranking tbody tr');
  const pos = el => el.getBoundingClientRect().left;
  const cells = Array.from(row.cells), last = cells[cells.length - 1];
  const before = {rank: pos(cells[0]), name: pos(cells[1]), score: pos(last), box: pos(box)};
  box.scrollLeft = box.scrollWidth;
  const after = {rank: pos(cells[0]), name: pos(cells[1]), score: pos(last), box: pos(box)};
  const nameRight = cells[1].getBoundingClientRect().right;
  const covered = document.elementFromPoint(nameRight - 2, cells[1].getBoundingClientRect().top + 3);
  const result = {before, after, overflow: box.scrollWidth - box.clientWidth, scrolled: box.scrollLeft,
                  nameOnTop: cells[1].contains(covered)};
  box.scrollLeft = 0;
  return result;
})()"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("LEADERBOARD_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("suite", SUITES)
def test_board_layout_at_1280_and_1920(suite, tmp_path, shots):
    page = SITE / suite / "index.html"
    if not page.is_file():
        pytest.skip(f"{page} not built (run `make leaderboard`)")
    browser = DevTools(CHROMIUM, tmp_path / "profile")
    try:
        browser.open(page.resolve().as_uri())
        for width in WIDTHS:
            browser.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            )
            browser.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            browser.evaluate("location.hash = '#sort=rank&dir=asc'")  # a sort arrow widens the header
            clipped = browser.evaluate(
                "Array.from(document.querySelectorAll('th.pin'))"
                ".filter(th => th.scrollWidth > th.clientWidth + 1).map(th => th.textContent)"
            )
            assert clipped == [], f"pinned headers cut at {width}px: {clipped}"
            names = browser.evaluate(NAME_CELLS)
            assert names, "no model name cell"
            for cell in names:
                assert cell["boxes"] == 1 and cell["height"] <= 1.5 * cell["line"], (width, cell)
                assert not cell["clipped"], (width, cell)
            page_width = browser.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert page_width[0] <= page_width[1], f"page scrolls sideways at {width}px: {page_width}"
            sticky = browser.evaluate(STICKY)
            assert sticky["overflow"] > 0, f"at {width}px the ranking fits; nothing to scroll ({sticky})"
            assert sticky["scrolled"] > 0
            assert sticky["after"]["rank"] == pytest.approx(sticky["before"]["rank"], abs=1)
            assert sticky["after"]["name"] == pytest.approx(sticky["before"]["name"], abs=1)
            assert sticky["after"]["score"] < sticky["before"]["score"] - 50  # the scores did move
            assert sticky["nameOnTop"], "a scrolled score cell covers the model name"
            shot = browser.send("Page.captureScreenshot", {"format": "png"})
            path = shots / f"{suite}-{width}.png"
            path.write_bytes(base64.b64decode(shot["data"]))
            print(f"screenshot: {path}")
            assert path.stat().st_size > 10_000
    finally:
        browser.close()
    errors = [e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"]
    assert errors == [], json.dumps(errors)[:2000]
