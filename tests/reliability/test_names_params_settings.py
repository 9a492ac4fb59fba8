"""Issue 27 items 3, 4 and 6 and the weak name/spec items: a name never writes outside its folder, a
misspelt loader parameter or file role is an error, a setting of the wrong type or range is refused before
any work, and task files that validated and then failed at write time are refused by `tasks validate`.
Fixture ESCO release, real loaders, real models (tfidf, random, the installed MiniLM folder).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

import workbench
from rel_support import REPO, cli, task_file
from workbench.errors import WorkBenchError
from workbench.models.registry import load_model


def _listing(folder: Path) -> list[str]:
    """Everything under `folder`, to compare before and after: nothing may appear beside the output."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def _no_traceback(done) -> None:
    assert "Traceback" not in done.stderr + done.stdout


def _run(tmp_path, data_dir, *args, model="tfidf", task="esco-job2skill"):
    return cli(
        "run",
        "--model",
        model,
        "--tasks",
        task,
        "--split",
        "full",
        "--output",
        str(tmp_path / "box" / "out"),
        "--data-dir",
        str(data_dir),
        "--no-progress",
        *args,
        cache_dir=tmp_path / "cache",
    )


# ------------------------------------------------------------------ 3: writes outside the chosen folder
@pytest.mark.parametrize("name", ["..", ".", "../..", "/"])
def test_evaluate_refuses_a_name_that_is_a_path_step(esco_data_dir, cache_dir, tmp_path, name):
    """`workbench.evaluate(name="..")` wrote the result one level above `output`."""
    box = tmp_path / "box"
    box.mkdir()
    with pytest.raises(WorkBenchError, match=r"is a path step \('\.', '\.\.' or separators\), not a name"):
        workbench.evaluate(
            "tfidf", "esco-job2skill", split="full", output=box / "out", name=name, data_dir=esco_data_dir
        )
    assert _listing(box) == []  # refused before the output folder is even made


def test_a_model_whose_own_name_is_a_path_step_fails_its_tasks_inside_output(esco_data_dir, cache_dir, tmp_path):
    """A Python model named '..' by its own info (no name= given) never writes above `output`: the result
    path is checked after resolution, so its tasks fail with one line and nothing lands outside."""
    model = load_model("tfidf")
    model.info = model.info.model_copy(update={"name": ".."})
    box = tmp_path / "box"
    rows = workbench.evaluate(model, "esco-job2skill", split="full", output=box / "out", data_dir=esco_data_dir)
    assert [r["status"] for r in rows] == ["failed"]
    assert "'..' is a path step" in rows[0]["error"]
    assert _listing(box) == ["out", "out/.workbench.lock"]


def test_cli_setting_name_dotdot_is_refused_before_any_work(esco_data_dir, tmp_path):
    """`-s name=..` (a model that takes a name: a sentence-transformers folder) wrote above --output."""
    from workbench.models.weights import minilm_folder

    done = _run(tmp_path, esco_data_dir, "-s", "name=..", model=str(minilm_folder()))
    assert done.returncode == 2, done.stderr
    assert "--model-setting name: model name '..' is a path step" in done.stderr
    assert _listing(tmp_path / "box") == []
    _no_traceback(done)


def test_cli_setting_name_with_an_ansi_escape_is_refused_before_encoding(esco_data_dir, tmp_path):
    """An ANSI escape in `-s name=` failed only after every text was encoded, with the reason cut off."""
    from workbench.models.weights import minilm_folder

    started = time.monotonic()
    done = _run(tmp_path, esco_data_dir, "-s", "name=red\x1b[31m", model=str(minilm_folder()))
    assert done.returncode == 2, done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    assert (
        line
        == "error: --model-setting name: model name 'red\\x1b[31m' must not hold control or format characters (found '\\x1b')"
    )
    assert time.monotonic() - started < 60 and _listing(tmp_path / "box") == []


def _exported_result(tmp_path, esco_data_dir, name: str, revision: str) -> Path:
    """A real official tfidf result, then renamed in its JSON as a hostile submitter would."""
    rows = workbench.evaluate("tfidf", "esco-job2skill", split="full", output=tmp_path / "res", data_dir=esco_data_dir)
    path = Path(rows[0]["path"])
    data = json.loads(path.read_text(encoding="utf-8"))
    data["model"].update(name=name, revision=revision)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_export_mteb_never_writes_above_out_for_a_dotdot_model_name(esco_data_dir, cache_dir, tmp_path):
    """`results export --format mteb` with a model name and revision of '..' wrote above --out."""
    _exported_result(tmp_path, esco_data_dir, "..", "..")
    box = tmp_path / "box"
    box.mkdir()
    done = cli(
        "results", "export", str(tmp_path / "res"), "--format", "mteb", "--out", str(box / "out"), cache_dir=cache_dir
    )
    assert done.returncode != 0, done.stdout + done.stderr
    assert "model name '..' is a path step" in done.stdout + done.stderr
    assert all(p.startswith("out") for p in _listing(box)), _listing(box)
    _no_traceback(done)


# ------------------------------------------------------------ 4: a misspelt loader parameter is an error
def test_a_misspelt_loader_parameter_is_an_error_of_tasks_validate(tmp_path):
    """`params: {relation_typs: [essential]}` built every relation type (123,788 positives, not 64,891)
    and `tasks validate` said ok."""
    path = task_file(tmp_path / "typo.yaml", "typo")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["source"]["params"] = {"language": "en", "relation_typs": ["essential"]}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = cli("tasks", "validate", str(path), cache_dir=tmp_path / "cache")
    assert done.returncode == 2, done.stdout
    assert str(path) in done.stderr
    assert "source.params.relation_typs: loader 'esco_job2skill' has no such parameter" in done.stderr
    assert "accepted: grades, language, partition_seed, relation_types, target_language" in done.stderr
    _no_traceback(done)


def test_an_unknown_file_role_and_a_wrong_typed_parameter_are_errors(tmp_path):
    path = task_file(tmp_path / "roles.yaml", "roles")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["source"]["files"]["relation"] = data["source"]["files"].pop("relations")
    data["source"]["params"] = {"language": False, "relation_types": ["essential", "optionall"]}  # YAML `no`
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = cli("tasks", "validate", str(path), cache_dir=tmp_path / "cache")
    assert done.returncode == 2, done.stdout
    assert "source.files.relation: loader 'esco_job2skill' reads no such file role (accepted: classification, " in (
        done.stderr
    )
    assert "source.params.language: Input should be a valid string (got False)" in done.stderr
    assert "source.params.relation_types.1: Input should be 'essential' or 'optional'" in done.stderr


def test_run_refuses_a_misspelt_loader_parameter_before_building(esco_data_dir, tmp_path):
    path = task_file(tmp_path / "typo.yaml", "typo")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["source"]["params"] = {"language": "en", "relation_typs": ["essential"]}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    done = _run(tmp_path, esco_data_dir, task=str(path))
    assert done.returncode == 1 and "relation_typs: loader 'esco_job2skill' has no such parameter" in done.stderr
    assert not list((tmp_path / "box" / "out").rglob("*.json"))
    _no_traceback(done)


def test_every_catalog_task_file_still_validates():
    from workbench.running.validate import validate_task_file

    files = sorted((REPO / "tasks").glob("*.yaml"))
    assert len(files) > 70
    for path in files:
        if not path.name.startswith("_"):
            validate_task_file(path, None)


# ------------------------------------------------------------------- 6: a wrong-typed setting is coerced
@pytest.mark.parametrize(
    "model, settings, message",
    [
        ("tfidf", {"sublinear_tf": "maybe"}, "sublinear_tf='maybe': Input should be a valid boolean"),
        ("random", {"seed": 1.5}, "seed=1.5: Input should be a valid integer"),
        ("random", {"seed": True}, "seed=True: Input should be a valid integer"),
        ("random", {"seed": -1}, "seed=-1: Input should be greater than or equal to 0"),
        ("tfidf", {"word_ngram_range": [2, 1]}, "word_ngram_range=[2, 1]: Value error, an n-gram range"),
        ("tfidf", {"char_ngram_range": [0, 2.5]}, "char_ngram_range[1]=[0, 2.5]: Input should be a valid integer"),
        ("bm25", {"b": 1.5}, "b=1.5: Input should be less than or equal to 1"),
        ("all-MiniLM-L6-v2", {"batch_size": 0}, "batch_size=0: Input should be greater than or equal to 1"),
    ],
)
def test_a_setting_of_the_wrong_type_or_range_is_refused_before_the_model_is_built(model, settings, message):
    with pytest.raises(WorkBenchError, match="invalid setting") as caught:
        load_model(model, **settings)
    assert message in str(caught.value)


def test_settings_of_the_right_type_still_build_the_same_model():
    assert load_model("tfidf", word_ngram_range=[1, 3], sublinear_tf=True).info.settings["sublinear_tf"] is True
    assert load_model("bm25", k1=2, b=0.5).info.settings["k1"] == 2.0  # an integer is a number
    assert load_model("random", seed=3).info.revision == load_model("random", seed=3).info.revision


def test_cli_sublinear_tf_maybe_writes_no_result_file(esco_data_dir, tmp_path):
    """`-s sublinear_tf=maybe` was recorded as true, in a result file of its own."""
    done = _run(tmp_path, esco_data_dir, "-s", "sublinear_tf=maybe")
    assert done.returncode == 1, done.stderr
    assert "sublinear_tf='maybe': Input should be a valid boolean" in done.stderr
    assert not list((tmp_path / "box").rglob("*.json"))
    _no_traceback(done)


# ----------------------------------------------------- weak: task files that validated and failed later
def _trec_task(tmp_path, edit) -> Path:
    from test_forged_results import TREC_TASK

    path = tmp_path / "graded-titles.yaml"
    path.write_text(edit(TREC_TASK), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace("version: 1", "version: " + "9" * 40), "version: Input should be less than or equal to"),
        (lambda t: t.replace("[map, ndcg@10]", "[map, ndcg@10, map]"), "metric 'map' is listed twice"),
        (
            lambda t: t.replace("fractions: {val: 0.5, test: 0.5}", "fractions: {test: 1.0}"),
            "available split 'val' has no fraction",
        ),
    ],
)
def test_task_files_that_validated_and_failed_at_write_time_are_refused(tmp_path, edit, message):
    done = cli("tasks", "validate", str(_trec_task(tmp_path, edit)), cache_dir=tmp_path / "cache")
    assert done.returncode == 2 and message in done.stderr, done.stderr
    _no_traceback(done)
