"""A result file is reused only when task (version and spec), split, data checksums, model (name, revision,
settings) and run settings (ties, limit) all match; any difference recomputes, and no recompute destroys a
finished result of other work (another split, another model, an official run replaced by a --limit run).
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from rel_support import CLASSIFICATION_ZIP, ESCO_VERSION_DIR, RELATIONS_ZIP, comparable, rewrite_member
from workbench.baselines.lexical import RandomModel
from workbench.models.registry import load_model
from workbench.ontologies.esco import clear_cache
from workbench.results.result_file import read_result, result_path
from workbench.running.runner import run
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec

CLASSIFICATION = f"{ESCO_VERSION_DIR}/{CLASSIFICATION_ZIP}"
VERSION = get_task_spec("esco-skillnorm").version  # the shipped task file's version
RELATIONS = f"{ESCO_VERSION_DIR}/{RELATIONS_ZIP}"


@pytest.fixture
def runner(esco_data_dir, cache_dir, tmp_path):
    """run(models, tasks, **overrides) into tmp/results on the fixture release; returns (report, log lines)."""
    out = tmp_path / "results"

    def go(models, tasks=("esco-skillnorm",), *, load=load_model, output=out, **overrides):
        logs: list[str] = []
        kwargs = dict(
            split="full",
            output=output,
            load_model=load,
            data_dir=esco_data_dir,
            cache_dir=cache_dir,
            progress=False,
            log=logs.append,
        )
        kwargs.update(overrides)
        specs = [t if not isinstance(t, str) else get_task_spec(t) for t in tasks]
        return run(list(models), specs, **kwargs), logs

    go.out = out
    return go


def _stamp(path):
    st = path.stat()
    return st.st_mtime_ns, st.st_ino, path.read_bytes()


def test_identical_rerun_reuses_the_file_untouched(runner):
    first, _ = runner(["tfidf"])
    path = first.written[0]
    stamp = _stamp(path)
    again, logs = runner(["tfidf"])
    assert again.reused == [path] and not again.written and not again.failed
    assert logs == [f"reuse {path} (task, data, model and settings unchanged)"]
    assert _stamp(path) == stamp


def test_other_split_recomputes_and_keeps_the_first(runner):
    full = runner(["tfidf"])[0].written[0]
    stamp = _stamp(full)
    test, _ = runner(["tfidf"], split="test")
    assert test.written == [result_path(runner.out, "tfidf", "esco-skillnorm", VERSION, "test")] and not test.reused
    assert read_result(test.written[0]).split == "test"
    assert _stamp(full) == stamp


def test_val_then_test_never_returns_val_results_for_test(runner, esco_data_dir, cache_dir):
    """WorkRB 0.6.0: a val run followed by a test run into the same folder returned the val scores for test."""
    task = Task(get_task_spec("esco-skillnorm"), data_dir=esco_data_dir, cache_dir=cache_dir)
    val_ids, test_ids = task.dataset("val").query_ids.tolist(), task.dataset("test").query_ids.tolist()
    assert val_ids and test_ids and not set(val_ids) & set(test_ids)

    val_path = runner(["tfidf"], split="val")[0].written[0]
    report, logs = runner(["tfidf"], split="test")
    assert not report.reused and logs[0] == f"run tfidf on esco-skillnorm@v{VERSION} [test]"
    test_result = read_result(report.written[0])
    assert test_result.split == "test" and test_result.per_query.query_ids == test_ids
    assert test_result.sizes["queries"] == len(test_ids)
    assert read_result(val_path).per_query.query_ids == val_ids

    # Even a val file copied onto the test file's path is not taken for test: the fingerprint names the split.
    shutil.copyfile(val_path, report.written[0])
    again, _ = runner(["tfidf"], split="test")
    assert again.written == report.written and not again.reused
    assert read_result(report.written[0]).per_query.query_ids == test_ids


def _evaluate_fresh(esco_data_dir, tmp_path, model="tfidf"):
    clear_cache()
    task = Task(get_task_spec("esco-skillnorm"), data_dir=esco_data_dir, cache_dir=tmp_path / "fresh-cache")
    return task.evaluate(load_model(model), "full", progress=False)


def test_changed_data_file_recomputes(runner, esco_data_dir, tmp_path):
    path = runner(["tfidf"])[0].written[0]
    before = read_result(path)
    rewrite_member(
        esco_data_dir / CLASSIFICATION, "skills_en.csv", lambda text: text.replace("bread baking", "zzz qqq")
    )
    clear_cache()  # parsed ESCO frames are cached per process by (path, size, mtime)
    report, _logs = runner(["tfidf"])
    assert report.written == [path] and not report.reused
    after = read_result(path)
    assert after.data_files[CLASSIFICATION] != before.data_files[CLASSIFICATION]
    assert after.data_files[RELATIONS] == before.data_files[RELATIONS]
    assert after.sizes == before.sizes  # one alternative label changed, nothing else
    assert after.per_query.values != before.per_query.values  # the changed label is a query: its score changes
    fresh = _evaluate_fresh(esco_data_dir, tmp_path)
    assert after.per_query.values == fresh.per_query.values and after.fingerprint == fresh.fingerprint


def test_changed_data_file_with_same_size_and_mtime_recomputes(runner, esco_data_dir, tmp_path):
    """A same-length edit whose mtime is set back (cp -p, rsync -t, tar): the checksum memo must notice."""
    path = runner(["tfidf"])[0].written[0]
    before = read_result(path)
    zip_path = esco_data_dir / CLASSIFICATION
    st = zip_path.stat()
    rewrite_member(zip_path, "skills_en.csv", lambda text: text.replace("bread baking", "bread bakinG"))
    os.utime(zip_path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (zip_path.stat().st_size, zip_path.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    clear_cache()
    report, _ = runner(["tfidf"])
    assert report.written == [path] and not report.reused
    assert read_result(path).data_files[CLASSIFICATION] != before.data_files[CLASSIFICATION]


@pytest.mark.parametrize("setting, value", [("ties", "pessimistic"), ("ties", "optimistic"), ("limit", 3)])
def test_other_ties_or_limit_recomputes_into_its_own_file(runner, setting, value):
    official = runner(["tfidf"])[0].written[0]
    stamp = _stamp(official)
    report, _ = runner(["tfidf"], **{setting: value})
    assert len(report.written) == 1 and not report.reused
    tagged = report.written[0]
    assert tagged != official and _stamp(official) == stamp  # the official result is kept
    result = read_result(tagged)
    assert result.config[setting] == value
    assert result.official is (setting != "limit")
    if setting == "limit":
        assert result.sizes["queries"] == 3
    assert runner(["tfidf"], **{setting: value})[0].reused == [tagged]
    assert runner(["tfidf"])[0].reused == [official]


def test_other_model_revision_or_settings_is_a_clash_never_a_silent_replace(runner):
    """Issue 15 item 4: a run of another revision or other settings used to replace the file of the same path."""
    seeds = {"random": 0}
    base = lambda name: RandomModel(seed=seeds[name])  # noqa: E731

    path = runner(["random"], load=base)[0].written[0]
    stamp = _stamp(path)
    assert read_result(path).model.settings["seed"] == 0
    seeds["random"] = 1
    report, _ = runner(["random"], load=base)
    assert not report.written and len(report.failed) == 1
    assert "model settings: it is not replaced" in report.failed[0][2]

    def new_revision(name):
        model = RandomModel(seed=0)
        model.info = model.info.model_copy(update={"revision": "retrained"})
        return model

    report, _ = runner(["random"], load=new_revision)
    assert not report.written and "differs in model revision: it is not replaced" in report.failed[0][2]
    assert _stamp(path) == stamp
    # settings given to the run get a file of their own; the default file is kept
    report, _ = runner(["random"], model_settings={"random": {"seed": 1}})
    tagged = report.written[0]
    assert tagged != path and tagged.name.startswith(path.stem + "__settings-") and _stamp(path) == stamp
    assert read_result(tagged).model.settings["seed"] == 1
    assert runner(["random"], model_settings={"random": {"seed": 1}})[0].reused == [tagged]
    other, _ = runner(["tfidf"])
    assert other.written == [result_path(runner.out, "tfidf", "esco-skillnorm", VERSION, "full")]
    assert read_result(path).model.name == "random"
    # removing the file is how one asks for it to be replaced
    path.unlink()
    assert runner(["random"], load=new_revision)[0].written == [path]


def test_models_whose_names_share_a_folder_do_not_overwrite_each_other(runner):
    load = lambda name: RandomModel(seed=0, name=name)  # noqa: E731
    first = runner(["my model"], load=load)[0].written[0]
    stamp = _stamp(first)
    report, _logs = runner(["my_model"], load=load)
    assert not report.written and len(report.failed) == 1
    model, task, error = report.failed[0]
    assert (model, task) == ("my_model", "esco-skillnorm")
    assert error.startswith(f"{first} holds another result (model 'my model', revision ")
    assert error.endswith(
        "this run differs in model: it is not replaced. Remove it to replace it, give the model "
        "another name, or use another --output"
    )
    assert _stamp(first) == stamp


def test_changed_task_spec_is_a_clash_and_a_new_version_gets_its_own_file(runner, tmp_path):
    """Issue 15 item 4: a task file of the same name and version with edited metrics replaced the official result."""
    spec = get_task_spec("esco-skillnorm")
    path = runner(["tfidf"], tasks=[spec])[0].written[0]
    stamp = _stamp(path)
    edited = spec.model_copy(update={"metrics": ["map", "mrr"]})
    assert edited.spec_hash != spec.spec_hash
    report, _ = runner(["tfidf"], tasks=[edited])
    assert not report.written and "differs in task spec hash: it is not replaced" in report.failed[0][2]
    assert _stamp(path) == stamp
    bumped = spec.model_copy(update={"version": VERSION + 1})
    report, _ = runner(["tfidf"], tasks=[bumped])
    assert report.written == [result_path(runner.out, "tfidf", "esco-skillnorm", VERSION + 1, "full")]
    assert read_result(path).task.version == VERSION  # the older version's file is kept


def test_result_of_a_future_schema_is_not_reused(runner):
    path = runner(["tfidf"])[0].written[0]
    data = json.loads(path.read_text())
    data["schema_version"] = 99
    path.write_text(json.dumps(data))
    report, _ = runner(["tfidf"])
    assert report.written == [path] and read_result(path).schema_version == 1
    assert comparable(path)["scores"] == data["scores"]
