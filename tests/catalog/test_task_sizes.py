"""The size record (`tasks/_sizes.json`): `tasks list` reads it without data and builds no dataset; every
catalog task has a current entry; a task without one is listed without sizes and with the command that
counts it; the record agrees with the real data on one task of every loader."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from workbench.errors import WorkBenchError
from workbench.fronts.cli.main import main
from workbench.running.task_sizes import (
    RECORD_NAME,
    WRITE_COMMAND,
    differences,
    entry_from_data,
    read_record,
    record_path,
    recorded_entry,
    recorded_sizes,
)
from workbench.taskfiles.catalog import list_tasks, suite_tasks


def test_every_catalog_task_has_a_current_entry():
    stale = []
    for spec in list_tasks():
        entry = recorded_entry(spec.name)
        if entry is None or (entry.version, entry.spec_hash) != (spec.version, spec.spec_hash):
            stale.append(spec.name)
    assert stale == [], f"size record without a current entry for {stale}: run `{WRITE_COMMAND} --tasks <names>`"


def test_listing_reads_the_record_without_data_and_builds_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "no-data"))
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    listed = CliRunner().invoke(main, ["tasks", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert set(rows) == {spec.name for spec in list_tasks()}
    for spec in list_tasks():
        recorded = recorded_entry(spec.name).sizes
        assert rows[spec.name]["sizes"] == recorded and "error" not in rows[spec.name]
        assert list(rows[spec.name]["sizes"]) == [s for s in spec.splits.available if s in recorded]
    assert not (tmp_path / "cache").exists() and not (tmp_path / "no-data").exists()


def test_a_task_without_a_current_entry_is_listed_without_sizes_and_a_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    spec = list_tasks()[0]
    edited = spec.model_copy(update={"description": spec.description + " Edited by a curator."})
    sizes, why = recorded_sizes(edited)
    assert sizes is None and "another version of its task file" in why
    assert f"{WRITE_COMMAND} --tasks {spec.name}" in why
    # the ESCO language variants have no entry: listed by name, no crash, one note naming the command
    listed = CliRunner().invoke(main, ["tasks", "list", "--suite", "esco-crosslingual"])
    assert listed.exit_code == 0, listed.output
    variants = suite_tasks("esco-crosslingual")
    assert [line.split()[0] for line in listed.stdout.splitlines()] == [v.name for v in variants]
    assert f"note: {len(variants)} task(s) without sizes" in listed.stderr
    assert "workbench tasks sizes --write --tasks" in listed.stderr
    as_json = json.loads(CliRunner().invoke(main, ["tasks", "list", "--json", "--suite", "esco-crosslingual"]).stdout)
    assert all(row["sizes"] is None and "has no entry for it" in row["error"] for row in as_json)


def test_a_bad_record_is_one_line_naming_the_file_and_field(tmp_path):
    path = tmp_path / RECORD_NAME
    assert read_record(path) == {}  # no record: no entries
    path.write_text(json.dumps({"version": 1, "generated_by": "x", "tasks": {"t": {"version": 1, "sizes": {}}}}))
    with pytest.raises(
        WorkBenchError, match=r"_sizes.json: not a size record: tasks.t.spec_hash: Field required"
    ) as err:
        read_record(path)
    assert "\n" not in str(err.value)


def test_sizes_compares_the_record_with_the_data_and_writes_only_when_asked(esco_data_dir, cache_dir):
    before = record_path("esco-job2skill").read_bytes()
    checked = CliRunner().invoke(
        main, ["tasks", "sizes", "--tasks", "esco-job2skill", "--data-dir", str(esco_data_dir)]
    )
    # the fixture release is tiny: its counts differ from the record of the published data
    assert checked.exit_code == 1, checked.output
    assert checked.stdout.startswith("esco-job2skill: full: recorded {") and "data {" in checked.stdout
    assert record_path("esco-job2skill").read_bytes() == before


# One task of every loader (the first by name): together they build every loader's code path in a few
# minutes; `workbench tasks sizes` (no --write) compares all of them.
def _one_task_per_loader() -> list[str]:
    first: dict[str, str] = {}
    for spec in sorted(list_tasks(), key=lambda s: s.name):
        first.setdefault(spec.source.loader, spec.name)
    return sorted(first.values())


@pytest.mark.data
@pytest.mark.parametrize("name", _one_task_per_loader())
def test_the_record_agrees_with_the_real_data(name, real_data_dir, tmp_path_factory):
    spec = next(s for s in list_tasks() if s.name == name)
    built = entry_from_data(spec, real_data_dir, tmp_path_factory.getbasetemp() / "sizes-cache")
    assert differences(recorded_entry(name), built) == []
