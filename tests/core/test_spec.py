"""The task-file schema rejects bad files with errors that name the file, the field and the expectation."""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import WorkBenchError
from workbench.taskfiles.catalog import list_tasks, resolve_task_list, task_files_dir
from workbench.taskfiles.spec import TaskSpec, load_task_spec, parse_task_spec

VALID = {
    "name": "demo-task",
    "version": 1,
    "description": "A demo task for tests.",
    "group": "job2skill",
    "query_type": "job_title",
    "target_type": "skill_name",
    "languages": {"query": ["en"], "target": ["en"]},
    "source": {"loader": "trec", "files": {"queries": "q.tsv", "corpus": "c.tsv", "qrels": "r.tsv"}},
    "splits": {"method": "hash", "fractions": {"val": 0.5, "test": 0.5}},
    "metrics": ["map", "rp@10"],
    "main_score": "map",
    "license": "CC-BY-4.0",
    "citation": "Someone 2024.",
}


def write(tmp_path, data, name="task.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_valid_file_loads(tmp_path):
    spec = load_task_spec(write(tmp_path, VALID))
    assert spec.key == "demo-task@v1"
    assert spec.splits.available == ["val", "test", "full"]


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda d: d.update(colour="blue"), "colour: Extra inputs are not permitted"),
        (lambda d: d.update(version="one"), "version: Input should be a valid integer"),
        (lambda d: d.pop("main_score"), "main_score: Field required"),
        (lambda d: d.update(group="cooking"), "group: Input should be"),
        (lambda d: d.update(metrics=["map", "f1"]), "unknown metric 'f1'"),
        (lambda d: d.update(main_score="mrr"), "main_score 'mrr' is not one of metrics"),
        (lambda d: d["source"]["files"].update(queries="../../etc/passwd"), "may not leave the data directory"),
        (lambda d: d["source"]["files"].update(queries="/etc/passwd"), "needs allow_absolute_paths"),
        (lambda d: d["splits"].update(fractions={"val": 0.5, "test": 0.6}), "sum to 1"),
        (lambda d: d["source"].update(loaderr="x"), "source.loaderr: Extra inputs are not permitted"),
    ],
)
def test_invalid_files_name_file_and_field(tmp_path, mutate, fragment):
    data = copy.deepcopy(VALID)
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(WorkBenchError) as err:
        load_task_spec(path)
    message = str(err.value)
    assert str(path) in message
    assert fragment in message


def test_not_yaml_and_not_mapping(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(WorkBenchError, match="not valid YAML"):
        load_task_spec(bad)
    with pytest.raises(WorkBenchError, match="must be a YAML mapping"):
        parse_task_spec(["a"], "x.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9".encode("latin-1"))
    with pytest.raises(WorkBenchError, match="not UTF-8"):
        load_task_spec(latin)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(sorted(VALID) + ["extra", "unknown"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)),
        max_size=6,
    )
)
def test_fuzzed_overrides_never_crash(overrides):
    """Any mangled task file gives either a valid spec or one WorkBenchError: never another exception."""
    data = {**VALID, **overrides}
    try:
        spec = parse_task_spec(data, "fuzz.yaml")
    except WorkBenchError as err:
        assert str(err).startswith("fuzz.yaml: ")
    else:
        assert isinstance(spec, TaskSpec)


def test_catalog_files_are_valid_and_named_after_their_task():
    specs = list_tasks()
    assert {"esco-skillnorm", "esco-job2skill"} <= {s.name for s in specs}
    task_files = [p for p in task_files_dir().glob("*.yaml") if not p.name.startswith("_")]  # _*: declarations
    assert len(task_files) == len(specs)
    for path in task_files:
        assert load_task_spec(path).name == path.stem


def test_suite_resolution_and_errors():
    names = [s.name for s in resolve_task_list("workbench-core")]
    assert "esco-job2skill" in names and "esco-skillnorm" in names
    with pytest.raises(WorkBenchError, match="unknown task 'nope'"):
        resolve_task_list("nope")
