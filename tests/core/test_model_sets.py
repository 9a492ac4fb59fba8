"""An entry point of `workbench.model_sets` provides several models: its callable returns {name: factory}, each
name resolves like a `workbench.models` entry point, and a set that cannot be listed is one entry failing with
the reason while the other models still resolve. Real entry points: a distribution's metadata on sys.path."""

from __future__ import annotations

import textwrap

import pytest

from workbench.errors import WorkBenchError
from workbench.plugins import Registry

MODULE = """
def tfidf_like(*, k: int = 1):
    return ("model", k)


def two_models():
    return {"set-one": tfidf_like, "set-two": lambda: ("model", 2)}


def not_a_dict():
    return ["set-three"]


def raises():
    raise RuntimeError("cards folder missing")
"""


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """An installed distribution `wbtest-plugin` with a plain entry point and three sets."""
    (tmp_path / "wbtest_models.py").write_text(MODULE, encoding="utf-8")
    info = tmp_path / "wbtest_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: wbtest-plugin\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(
        textwrap.dedent("""\
            [wbtest.models]
            plain = wbtest_models:tfidf_like
            [wbtest.model_sets]
            good = wbtest_models:two_models
            wrong-type = wbtest_models:not_a_dict
            failing = wbtest_models:raises
            missing = wbtest_models:no_such_function
            """),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return Registry("model", "wbtest.models", "wbtest.model_sets")


def test_a_set_entry_point_provides_each_of_its_names(plugin):
    assert plugin.find("set-one") == "set-one" and plugin.find("SET-TWO") == "set-two"
    assert plugin.get("set-one")(k=3) == ("model", 3) and plugin.get("set-two")() == ("model", 2)
    assert plugin.origin("set-one") == "wbtest-plugin 1.0 (entry point wbtest.model_sets good)"
    assert plugin.get("plain")(k=5) == ("model", 5)  # the plain group is read as before


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("wrong-type", "returned a list, expected a dict {name: model}"),
        ("failing", "RuntimeError: cards folder missing"),
        ("missing", "AttributeError"),
    ],
)
def test_a_set_that_cannot_be_listed_is_one_failing_entry(plugin, name, reason):
    assert {"plain", "set-one", "set-two"} <= set(plugin.names())
    broken = plugin.get(name)
    assert reason in broken.workbench_card["description"]
    with pytest.raises(WorkBenchError, match=rf"^model set '{name}' \(wbtest-plugin 1.0 .*could not be listed: "):
        broken()
