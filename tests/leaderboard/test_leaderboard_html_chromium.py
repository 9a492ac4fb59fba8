"""The built index.html in a real headless Chromium: it renders, sorts (from the address and on a
header click), shows hostile model names as text, and runs no injected script."""

from __future__ import annotations

import re
from collections import Counter
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from lb_chromium import DevTools, browser_marks, dump_dom, find_chromium
from lb_fixtures import DATA_DIR, HOSTILE, make_result, write
from workbench.leaderboard import build_leaderboard

CHROMIUM = find_chromium()
pytestmark = browser_marks()

PAYLOADS = [
    HOSTILE,
    '<img src=x onerror="document.body.dataset.pwned=1">',
    '</script><script>document.title="PWNED"</script>',
    '"><svg onload=alert(2)>',
]


@pytest.fixture
def site(tmp_path, specs) -> Path:
    root = tmp_path / "results"
    qualities = {"alpha": 0.70, "beta": 0.55, "gamma": 0.60, **{p: 0.40 + 0.02 * i for i, p in enumerate(PAYLOADS)}}
    for i, (model, quality) in enumerate(qualities.items()):
        for j, spec in enumerate(specs):
            write(root, make_result(spec, model, quality=quality, seed=10 * i + j), name=f"{spec.name}__m{i}.json")
    out = tmp_path / "site"
    build_leaderboard(root, out, tasks=specs, n_bootstrap=100, data_dir=DATA_DIR)
    return out


class _Elements(HTMLParser):
    """Elements the browser actually built (tags and attributes of the dumped DOM, not text)."""

    def __init__(self):
        super().__init__()
        self.tags: Counter = Counter()
        self.images: list[tuple[str, str]] = []
        self.handlers: list[tuple[str, str]] = []
        self.pwned = False
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        attrs = dict(attrs)
        self.handlers += [(tag, name) for name in attrs if name.startswith("on")]
        self.pwned |= "data-pwned" in attrs
        self._in_title = tag == "title"
        if tag == "img":
            self.images.append((attrs.get("class", ""), attrs.get("src", "")))

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _rows(dom: str) -> list[str]:
    table = dom.split('id="ranking"', 1)[1].split("</table>", 1)[0]
    return [unescape(m) for m in re.findall(r'<tr[^>]*data-model="([^"]*)"', table)]


def _macro(dom: str) -> list[float | None]:
    table = dom.split('id="ranking"', 1)[1].split("</table>", 1)[0]
    out = []
    for row in re.findall(r"<tr[^>]*data-model=.*?</tr>", table, flags=re.S):
        value = re.findall(r'<td[^>]*data-sort="([^"]*)"', row)[2]  # rank, model, macro MAP, ...
        out.append(float(value) if value else None)
    return out


def test_dump_dom_renders_and_sorts_from_the_address(site, tmp_path):
    url = (site / "index.html").resolve().as_uri()
    unsorted = dump_dom(CHROMIUM, url, tmp_path / "p0")
    rows = _rows(unsorted)
    assert len(rows) == 3 + len(PAYLOADS) and set(PAYLOADS) <= set(rows)
    assert "data-sorted-by" not in unsorted.split('id="ranking"', 1)[1].split(">", 1)[0]

    by_name = dump_dom(CHROMIUM, url + "#sort=model&dir=asc", tmp_path / "p1")
    assert _rows(by_name) == sorted(rows, key=str.lower)
    assert 'data-sorted-by="model"' in by_name

    by_map = dump_dom(CHROMIUM, url + "?sort=macro_map&dir=asc", tmp_path / "p2")
    scores = _macro(by_map)
    assert scores == sorted(scores) and _rows(by_map)[-1] == "alpha"

    for dom in (unsorted, by_name, by_map):
        elements = _Elements()
        elements.feed(dom)
        assert elements.tags["script"] == 1 and elements.tags["svg"] == 0
        assert elements.handlers == [], elements.handlers  # no on* attribute anywhere
        assert all(cls == "plot" and src.startswith("data:image/png;base64,") for cls, src in elements.images)
        assert "PWNED" not in elements.title and not elements.pwned


def test_devtools_click_sorting_and_no_script_runs(site, tmp_path):
    browser = DevTools(CHROMIUM, tmp_path / "profile")
    try:
        browser.open((site / "index.html").resolve().as_uri())
        rows_js = "Array.from(document.querySelectorAll('#ranking tbody tr')).map(r => r.getAttribute('data-model'))"
        initial = browser.evaluate(rows_js)
        assert len(initial) == 3 + len(PAYLOADS) and initial[0] == "alpha"

        browser.evaluate("document.querySelector('#ranking th[data-key=\"model\"]').click()")
        assert browser.evaluate(rows_js) == sorted(initial, key=str.lower)
        browser.evaluate("document.querySelector('#ranking th[data-key=\"model\"]').click()")  # second click: reverse
        assert browser.evaluate(rows_js) == sorted(initial, key=str.lower, reverse=True)
        browser.evaluate("document.querySelector('#ranking th[data-key=\"macro_map\"]').click()")  # numbers: best first
        assert browser.evaluate(rows_js) == initial
        assert (
            browser.evaluate("document.querySelector('#ranking th[data-key=\"macro_map\"]').getAttribute('aria-sort')")
            == "descending"
        )

        # Hostile names are text: no element was created from them and nothing they contain ran.
        texts = browser.evaluate(
            "Array.from(document.querySelectorAll('#ranking tbody tr td:nth-child(2)')).map(td => td.textContent)"
        )
        assert set(PAYLOADS) <= set(texts)
        assert browser.evaluate("document.querySelectorAll('img:not(.plot), svg, [onerror], [onload]').length") == 0
        assert browser.evaluate("Array.from(document.images).every(i => i.src.startsWith('data:image/png;base64,'))")
        assert browser.evaluate("document.scripts.length") == 1
        assert browser.evaluate("document.title").startswith("WorkBench leaderboard")
        assert browser.evaluate("document.body.dataset.pwned === undefined")
        # Model cards: open one and read its escaped summary.
        assert HOSTILE in browser.evaluate(
            "Array.from(document.querySelectorAll('details.card summary')).map(s => s.textContent)"
        )
    finally:
        browser.close()
    methods = [e.get("method") for e in browser.events]
    assert "Page.javascriptDialogOpening" not in methods, "an alert() ran"
    assert "Runtime.exceptionThrown" not in methods, [
        e for e in browser.events if e.get("method") == "Runtime.exceptionThrown"
    ]
    blocked = [
        e["params"]["entry"]["text"]
        for e in browser.events
        if e.get("method") == "Log.entryAdded" and "Content Security Policy" in e["params"]["entry"].get("text", "")
    ]
    assert blocked == [], blocked  # our own script passed the CSP, and nothing else tried to run


FILTER_MODELS = {  # name -> (parameters, kind, training data)
    "small-embedder": (22_000_000, "embedding", ["msmarco"]),
    "big-embedder": (335_000_000, "embedding", ["msmarco"]),
    "leaky-embedder": (110_000_000, "embedding", ["esco_titles"]),
    "undeclared-embedder": (60_000_000, "embedding", []),
    "lexical-scorer": (None, "scoring", ["none"]),
}


def test_filters_and_search_in_the_browser(tmp_path, specs):
    root = tmp_path / "results"
    for i, (model, (params, kind, data)) in enumerate(FILTER_MODELS.items()):
        for j, spec in enumerate(specs):
            result = make_result(
                spec, model, quality=0.7 - 0.05 * i, seed=10 * i + j, parameters=params, training_data=data
            )
            write(root, result.model_copy(update={"model": result.model.model_copy(update={"kind": kind})}))
    build_leaderboard(root, tmp_path / "site", tasks=specs, n_bootstrap=50, data_dir=DATA_DIR)
    browser = DevTools(CHROMIUM, tmp_path / "profile")
    visible = (
        "Array.from(document.querySelectorAll('#ranking tbody tr')).filter(r => r.offsetParent !== null)"
        ".map(r => r.getAttribute('data-model')).sort()"
    )

    def set_filters(zero_shot=False, low="", high="", kind="", search=""):
        browser.evaluate(f"""(() => {{
          document.getElementById('filter-zero-shot').checked = {str(zero_shot).lower()};
          document.getElementById('filter-params-min').value = {low!r};
          document.getElementById('filter-params-max').value = {high!r};
          document.getElementById('filter-kind').value = {kind!r};
          const box = document.getElementById('filter-search');
          box.value = {search!r};
          box.dispatchEvent(new Event('input', {{bubbles: true}}));
        }})()""")
        return browser.evaluate(visible)

    try:
        browser.open((tmp_path / "site" / "index.html").resolve().as_uri())
        everyone = sorted(FILTER_MODELS)
        assert browser.evaluate(visible) == everyone
        assert browser.evaluate("document.getElementById('filter-count').textContent") == "5 of 5 models shown"
        # zero-shot only: the leaky model (no) and the undeclared one (unknown) go
        assert set_filters(zero_shot=True) == ["big-embedder", "lexical-scorer", "small-embedder"]
        # parameter range in millions, bounds inclusive; unknown parameter counts drop out once a bound is set
        assert set_filters(low="50", high="200") == ["leaky-embedder", "undeclared-embedder"]
        assert set_filters(high="22") == ["small-embedder"]
        assert set_filters(kind="scoring") == ["lexical-scorer"]
        assert set_filters(search="EMBED") == [
            "big-embedder",
            "leaky-embedder",
            "small-embedder",
            "undeclared-embedder",
        ]
        assert set_filters(zero_shot=True, kind="embedding", search="big") == ["big-embedder"]
        assert browser.evaluate("document.getElementById('filter-count').textContent") == "1 of 5 models shown"
        # typing into the box (a real input event per key) filters as well; sorting keeps the filter
        browser.evaluate(
            "document.getElementById('filter-zero-shot').checked = false; document.getElementById('filter-kind').value = ''"
        )
        set_filters()
        browser.send("Runtime.evaluate", {"expression": "document.getElementById('filter-search').focus()"})
        browser.send("Input.insertText", {"text": "lex"})
        assert browser.evaluate(visible) == ["lexical-scorer"]
        browser.evaluate("document.querySelector('#ranking th[data-key=\"model\"]').click()")
        assert browser.evaluate(visible) == ["lexical-scorer"]
        assert set_filters() == everyone
    finally:
        browser.close()
    assert "Runtime.exceptionThrown" not in [e.get("method") for e in browser.events]
