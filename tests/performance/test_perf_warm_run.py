"""What a warm run skips: loading the model when every embedding is cached (its metadata comes from
the memo in <cache>/model-info.json), and rebuilding a task's dataset (kept in this process and in
<cache>/datasets/). Both stand in only while what they were made from is unchanged."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from workbench.caches.model_memo import MODEL_MEMO_FILE, LazyModel, lazy_model
from workbench.dataset.builder import _DATASETS, DatasetBuilder
from workbench.errors import WorkBenchError
from workbench.models.model import ModelInfo
from workbench.running.runner import run
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec

TASKS = ["esco-job2skill", "esco-skill2job"]


@pytest.fixture(autouse=True)
def _fresh_process_memo():
    """The in-process dataset memo is keyed by content; the fixture release is the same in every test."""
    _DATASETS.clear()
    yield
    _DATASETS.clear()


class FolderModel:
    """A deterministic embedding model 'loaded' from a folder (like a sentence-transformers model)."""

    encode_depends_only_on_prompt = True

    def __init__(self, folder: Path):
        self.folder = folder
        weights = (folder / "weights.txt").read_text()
        self.info = ModelInfo(
            name="folder-model", revision=weights, kind="embedding", embedding_dim=8, settings={"scale": 1.0}
        )
        self.encoded: list[str] = []

    def prompt_for(self, *, role, input_type, group=None):
        return "q: " if role == "query" else None

    def encode(self, texts, *, role, input_type, group=None):
        self.encoded += list(texts)
        out = np.zeros((len(texts), 8), np.float32)
        for row, text in enumerate(texts):
            for ch in text.lower():
                out[row, ord(ch) % 8] += 1
            out[row, 0] += 0.5
        return out


@pytest.fixture
def model_folder(tmp_path) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "weights.txt").write_text("v1")
    return folder


def _loader(folder):
    loads: list[FolderModel] = []

    def load(name):
        loads.append(FolderModel(folder))
        return loads[-1]

    return load, loads


def _run(out, data_dir, cache_dir, load):
    specs = [get_task_spec(name) for name in TASKS]
    return run(
        ["folder-model"],
        specs,
        split="full",
        output=out,
        load_model=load,
        data_dir=data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda msg: None,
    )


def _scores(folder: Path) -> dict:
    return {p.name: json.loads(p.read_text())["per_query"] for p in sorted(folder.rglob("*.json"))}


def test_fully_cached_run_does_not_load_the_model(esco_data_dir, cache_dir, model_folder, tmp_path):
    load, loads = _loader(model_folder)
    _run(tmp_path / "cold", esco_data_dir, cache_dir, load)
    assert len(loads) == 1 and loads[0].encoded  # cold: loaded once, encoded
    assert (cache_dir / MODEL_MEMO_FILE).is_file()

    _run(tmp_path / "warm", esco_data_dir, cache_dir, load)
    assert len(loads) == 1  # warm: every embedding cached, the model is never built
    assert _scores(tmp_path / "cold") == _scores(tmp_path / "warm")
    cold = {p.name: json.loads(p.read_text()) for p in (tmp_path / "cold").rglob("*.json")}
    warm = {p.name: json.loads(p.read_text()) for p in (tmp_path / "warm").rglob("*.json")}
    for name in cold:  # same model record and fingerprint: the stand-in reports the real model's metadata
        assert warm[name]["model"] == cold[name]["model"] and warm[name]["fingerprint"] == cold[name]["fingerprint"]


def test_model_is_loaded_when_a_text_is_missing_from_the_cache(esco_data_dir, cache_dir, model_folder, tmp_path):
    load, loads = _loader(model_folder)
    _run(tmp_path / "cold", esco_data_dir, cache_dir, load)
    for sqlite in (cache_dir / "embeddings").glob("*.sqlite"):  # forget the embeddings, keep the memo
        sqlite.unlink()
    model = lazy_model("folder-model", load, cache_dir)
    assert isinstance(model, LazyModel) and not model.loaded and len(loads) == 1
    _run(tmp_path / "again", esco_data_dir, cache_dir, load)
    assert len(loads) == 2 and loads[1].encoded  # loaded on the first encode
    assert _scores(tmp_path / "cold") == _scores(tmp_path / "again")


def test_changed_model_files_invalidate_the_memo(cache_dir, model_folder):
    load, loads = _loader(model_folder)
    first = lazy_model("folder-model", load, cache_dir)
    assert first.loaded and first.info.revision == "v1"
    assert not lazy_model("folder-model", load, cache_dir).loaded

    (model_folder / "weights.txt").write_text("v2")  # new weights: the memo no longer applies
    second = lazy_model("folder-model", load, cache_dir)
    assert second.loaded and second.info.revision == "v2" and len(loads) == 2
    (model_folder / "extra.bin").write_bytes(b"x")  # a new file in the folder too
    assert lazy_model("folder-model", load, cache_dir).loaded


def test_memo_that_disagrees_with_the_model_fails_and_is_dropped(cache_dir, model_folder):
    load, _ = _loader(model_folder)
    lazy_model("folder-model", load, cache_dir)
    memo_path = cache_dir / MODEL_MEMO_FILE
    memo = json.loads(memo_path.read_text())
    memo["folder-model"]["info"]["settings"] = {"scale": 2.0}  # what a stale memo would hold
    memo_path.write_text(json.dumps(memo))
    stand_in = lazy_model("folder-model", load, cache_dir)
    assert not stand_in.loaded
    with pytest.raises(WorkBenchError, match="differs from the memo"):
        stand_in.encode(["x"], role="query", input_type="skill_name")
    assert "folder-model" not in json.loads(memo_path.read_text())


def test_damaged_memo_is_ignored(cache_dir, model_folder):
    load, loads = _loader(model_folder)
    (cache_dir).mkdir(parents=True, exist_ok=True)
    (cache_dir / MODEL_MEMO_FILE).write_text("{not json")
    assert lazy_model("folder-model", load, cache_dir).loaded and len(loads) == 1


def test_model_without_folder_is_loaded_as_before(cache_dir):
    class Plain:
        info = ModelInfo(name="plain", revision="1", kind="embedding")

    model = lazy_model("plain", lambda name: Plain(), cache_dir)
    assert isinstance(model, Plain)


# ------------------------------------------------------------------------------- dataset cache
def _sizes(task: Task) -> tuple:
    ds = task.dataset("full")
    return ds.n_queries, ds.n_targets, ds.n_positives


def test_dataset_is_built_once_and_reused_across_processes(esco_data_dir, cache_dir, monkeypatch):
    spec = get_task_spec("esco-job2skill")
    first = Task(spec, data_dir=esco_data_dir, cache_dir=cache_dir)
    built = first.full_dataset
    assert Task(spec, data_dir=esco_data_dir, cache_dir=cache_dir).full_dataset is built  # same process
    assert len(list((cache_dir / "datasets").glob("*.npz"))) == 1

    _DATASETS.clear()  # as a new process: read from disk, not rebuilt
    monkeypatch.setattr(DatasetBuilder, "build", lambda self, loader: pytest.fail("rebuilt despite a valid cache"))
    again = Task(spec, data_dir=esco_data_dir, cache_dir=cache_dir).full_dataset
    for column in ("query_ids", "query_texts", "target_ids", "target_texts", "query_splits"):
        assert getattr(again, column).tolist() == getattr(built, column).tolist()
    assert (again.relevance != built.relevance).nnz == 0 and again.relevance.dtype == built.relevance.dtype
    assert again.stats == built.stats


def test_changed_data_file_invalidates_the_dataset_cache(esco_data_dir, cache_dir):
    from workbench.ontologies.esco import clear_cache

    spec = get_task_spec("esco-job2skill")
    before = _sizes(Task(spec, data_dir=esco_data_dir, cache_dir=cache_dir))
    relations = Task(spec, data_dir=esco_data_dir, cache_dir=cache_dir).files["relations"]
    # drop the relations of one occupation-skill pair: rewrite the zip without its last row
    import zipfile

    with zipfile.ZipFile(relations) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    name = next(n for n in members if n.endswith("occupationSkillRelations.csv"))
    lines = members[name].decode("utf-8-sig").splitlines(keepends=True)
    members[name] = "".join(lines[:-1]).encode("utf-8")
    time.sleep(0.01)
    with zipfile.ZipFile(relations, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    clear_cache()  # the parser's own per-process memo (keyed by size and mtime) is not under test here
    after = _sizes(Task(spec, data_dir=esco_data_dir, cache_dir=cache_dir))
    assert after[2] == before[2] - 1
    assert len(list((cache_dir / "datasets").glob("*.npz"))) == 2


def test_damaged_dataset_cache_file_is_rebuilt(esco_data_dir, cache_dir):
    spec = get_task_spec("esco-skill2job")
    before = _sizes(Task(spec, data_dir=esco_data_dir, cache_dir=cache_dir))
    for path in (cache_dir / "datasets").glob("*.npz"):
        path.write_bytes(b"not an npz file")
    _DATASETS.clear()
    assert _sizes(Task(spec, data_dir=esco_data_dir, cache_dir=cache_dir)) == before


def test_a_relative_model_path_is_remembered_per_folder(tmp_path, monkeypatch):
    from workbench.caches.model_memo import memo_key

    (tmp_path / "a" / "m").mkdir(parents=True)
    (tmp_path / "b" / "m").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a")
    in_a = memo_key("./m", {})
    monkeypatch.chdir(tmp_path / "b")
    assert memo_key("./m", {}) != in_a and memo_key("all-MiniLM-L6-v2", {}) == "all-MiniLM-L6-v2"
    assert memo_key("uwe:./m", {}).startswith("uwe:") and memo_key("uwe:./m", {}).endswith(str(tmp_path / "b" / "m"))
