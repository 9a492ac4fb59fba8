"""One `RunConfig` for the local runner and the Ray executor: a config and its fields as keywords run the same
items into the same files, keywords replace a config's fields, and a misspelt field fails before any work."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.models.registry import load_model
from workbench.results.result_file import read_result
from workbench.running.ray_executor import run_on_ray
from workbench.running.run_config import RunConfig
from workbench.running.runner import run
from workbench.taskfiles.catalog import get_task_spec


@pytest.fixture
def config(esco_data_dir, cache_dir, tmp_path) -> RunConfig:
    return RunConfig(
        split="full",
        output=tmp_path / "by-config",
        load_model=load_model,
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda line: None,
    )


def test_a_config_and_its_fields_as_keywords_write_the_same_file(config, tmp_path):
    spec = get_task_spec("esco-job2skill")
    by_config = run(["tfidf"], [spec], config)
    fields = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    by_keywords = run(["tfidf"], [spec], **{**fields, "output": tmp_path / "by-keywords"})
    assert [p.relative_to(config.output) for p in by_config.written] == [
        p.relative_to(tmp_path / "by-keywords") for p in by_keywords.written
    ]
    assert read_result(by_config.written[0]).per_query.values == read_result(by_keywords.written[0]).per_query.values


def test_keywords_replace_the_configs_fields(config):
    spec = get_task_spec("esco-job2skill")
    limited = run(["tfidf"], [spec], config, limit=3, ties="pessimistic")
    result = read_result(limited.written[0])
    assert not result.official and result.config["ties"] == "pessimistic" and result.sizes["queries"] == 3
    assert config.limit is None  # the config itself is frozen and unchanged
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.limit = 3  # type: ignore[misc]


def test_settings_are_per_model(config):
    given = RunConfig.of(config, model_settings={"bm25": {"k1": 1.2}})
    assert given.settings_of("bm25") == {"k1": 1.2} and given.settings_of("tfidf") is None
    assert config.settings_of("bm25") is None


@pytest.mark.parametrize("executor", [run, run_on_ray])
def test_a_misspelt_field_fails_before_any_work(executor, config):
    with pytest.raises(TypeError, match="limt"):
        executor(["tfidf"], [get_task_spec("esco-job2skill")], config, limt=3)  # run_on_ray: before Ray starts
    with pytest.raises(TypeError, match="split"):
        executor(["tfidf"], [get_task_spec("esco-job2skill")], output=config.output, load_model=load_model)
    assert not config.output.exists()


def test_a_model_that_fails_to_load_is_tried_once_and_fails_each_of_its_items(config):
    calls = []

    def load(name, **settings):
        calls.append(name)
        if name == "broken":
            raise OSError("weights unreadable")
        return load_model(name, **settings)

    specs = [get_task_spec("esco-job2skill"), get_task_spec("esco-skill2job")]
    report = run(["broken", "tfidf"], specs, config, load_model=load)
    assert calls == ["broken", "tfidf"]  # one load each, however many tasks
    assert [(m, t) for m, t, _ in report.failed] == [("broken", "esco-job2skill"), ("broken", "esco-skill2job")]
    assert len({message for *_, message in report.failed}) == 1 and "weights unreadable" in report.failed[0][2]
    assert len(report.written) == 2
