"""Result identity without the environment (issue 26): library versions and threads are recorded in the
result's environment, never in the model's settings or revision; files written before scoring versions stay
readable, are the same experiment as a rerun with newer libraries, and `workbench results migrate` brings
them up to date with their values untouched."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from workbench.fronts.cli.main import main
from workbench.models.hashing import legacy_settings_revision, package_version
from workbench.models.registry import load_model
from workbench.results.result_file import read_result, recorded_fingerprint, write_result
from workbench.running.runner import run
from workbench.taskfiles.catalog import get_task_spec

LEXICAL = {"bm25": "bm25s", "tfidf": "scikit-learn", "edit-distance": "rapidfuzz", "random": "numpy"}


@pytest.fixture
def runner(esco_data_dir, cache_dir, tmp_path):
    out = tmp_path / "results"

    def go(models):
        logs: list[str] = []
        spec = get_task_spec("esco-skillnorm")
        kwargs = dict(split="full", output=out, load_model=load_model, data_dir=esco_data_dir, cache_dir=cache_dir)
        return run(list(models), [spec], progress=False, log=logs.append, **kwargs), logs

    go.out = out
    return go


def test_lexical_library_versions_are_environment_not_revision_or_settings(monkeypatch):
    import sklearn

    before = load_model("tfidf").info
    assert before.libraries == {"scikit-learn": sklearn.__version__}
    monkeypatch.setattr(sklearn, "__version__", "0.0.1")
    after = load_model("tfidf").info
    assert after.revision == before.revision and after.settings == before.settings
    assert after.libraries == {"scikit-learn": "0.0.1"}
    for name, library in LEXICAL.items():
        info = load_model(name).info
        assert set(info.libraries) == {library}
        assert not any(str(v).count(".") >= 2 and str(v)[0].isdigit() for v in info.settings.values()), info.settings
    edit = load_model("edit-distance", workers=2).info
    assert edit.runtime == {"workers": 2} and edit.settings == load_model("edit-distance").info.settings


def test_a_run_with_other_library_versions_reuses_the_result_and_records_them(runner, monkeypatch):
    import sklearn

    path = runner(["tfidf"])[0].written[0]
    assert read_result(path).environment["libraries"] == {"scikit-learn": sklearn.__version__}
    monkeypatch.setattr(sklearn, "__version__", "99.0")
    report, logs = runner(["tfidf"])
    assert report.reused == [path] and not report.failed, logs


def _legacy(path, *, settings_extra=None, revision=None):
    """Rewrite a result file as it was written before scoring versions (no scoring_version, library versions
    among its settings, the fingerprint of that time)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["scoring_version"]
    data["environment"].pop("libraries", None)
    data["environment"].pop("runtime", None)
    data["model"]["settings"].update(settings_extra or {})
    if revision:
        data["model"]["revision"] = revision
    path.write_text(json.dumps(data), encoding="utf-8")
    legacy = read_result(path)
    write_result(path, legacy.model_copy(update={"fingerprint": recorded_fingerprint(legacy)}))
    return read_result(path)


def test_a_file_recording_an_older_sentence_transformers_version_is_rerun_not_a_clash(runner):
    """The issue: committed files record sentence-transformers 6.2.0 in model.settings; a fresh install has
    6.3.0, and every rerun said 'this run differs in model settings: it is not replaced'."""
    path = runner(["tfidf"])[0].written[0]
    _legacy(path, settings_extra={"sentence_transformers": "6.2.0", "torch": "2.0.0"})
    report, logs = runner(["tfidf"])
    assert report.written == [path] and not report.failed, logs
    assert read_result(path).scoring_version is not None


def test_migrate_moves_library_versions_out_keeps_values_and_a_rerun_reuses(runner, tmp_path):
    paths = runner(["tfidf", "edit-distance", "random"])[0].written
    tfidf, edit, rnd = paths
    settings = read_result(tfidf).model.settings
    old_revision = legacy_settings_revision("tfidf", settings, {"scikit-learn": package_version("scikit-learn")})
    _legacy(tfidf, settings_extra={"sentence_transformers": "6.2.0"}, revision=old_revision)
    edit_settings = read_result(edit).model.settings
    old_edit = legacy_settings_revision("edit-distance", edit_settings, {"rapidfuzz": package_version("rapidfuzz")})
    _legacy(edit, settings_extra={"workers": 1}, revision=old_edit)
    edited = _legacy(rnd)
    raw = json.loads(rnd.read_text(encoding="utf-8"))
    raw["fingerprint"] = "0" * 64  # edited by hand: its fingerprint no longer matches its content
    rnd.write_text(json.dumps(raw), encoding="utf-8")
    before = {p: json.loads(p.read_text(encoding="utf-8")) for p in paths}

    done = CliRunner().invoke(main, ["results", "migrate", str(runner.out)])
    assert done.exit_code == 1, done.output  # one file could not be migrated
    assert "2 result files migrated, 0 already current, 1 not migrated" in done.output
    assert f"not migrated {rnd}: its fingerprint does not match its content" in done.output
    assert json.loads(rnd.read_text(encoding="utf-8")) == before[rnd] and edited.scoring_version is None
    for path in (tfidf, edit):
        after = json.loads(path.read_text(encoding="utf-8"))
        assert after["per_query"] == before[path]["per_query"] and after["scores"] == before[path]["scores"]
        assert after["scoring_version"] == 1 and "sentence_transformers" not in after["model"]["settings"]
    assert json.loads(tfidf.read_text())["environment"]["libraries"]["sentence-transformers"] == "6.2.0"
    assert json.loads(edit.read_text())["environment"]["runtime"] == {"workers": 1}

    rnd.unlink()
    report, logs = runner(["tfidf", "edit-distance"])
    assert sorted(report.reused) == sorted([tfidf, edit]) and not report.written, logs
    again = CliRunner().invoke(main, ["results", "migrate", str(runner.out)])
    assert again.exit_code == 0 and "0 result files migrated, 2 already current" in again.output
