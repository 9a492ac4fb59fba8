"""Bad input gives one clear error that names the file, field or value; never a traceback, never a score.

CLI commands print `error: ...` and exit 2; `workbench run` records a per-task failure (the other tasks
still run), prints it, and exits 1; `workbench data verify` exits 1 on a mismatch (a finding, like
`sha256sum -c`) and 2 on an unreadable checksum list.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rel_support import (
    CLASSIFICATION_ZIP,
    ESCO_VERSION_DIR,
    FIXTURE_OCCUPATIONS,
    FIXTURE_SKILLS,
    RELATIONS_ZIP,
    cli,
    result_files,
    rewrite_member,
    task_file,
    write_big_release,
    write_esco_release,
)
from workbench.errors import WorkBenchError
from workbench.fronts.cli.main import main
from workbench.models.model import ModelInfo
from workbench.models.registry import load_model
from workbench.ontologies.esco import clear_cache
from workbench.results.result_file import SCHEMA_VERSION, read_result
from workbench.running.runner import run
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec

CLASSIFICATION = f"{ESCO_VERSION_DIR}/{CLASSIFICATION_ZIP}"
RELATIONS = f"{ESCO_VERSION_DIR}/{RELATIONS_ZIP}"


@pytest.fixture(autouse=True)
def _fresh_esco_parse():
    clear_cache()  # each test writes its own release; parsed frames must not leak between tests
    yield
    clear_cache()


def _task(name, data_dir, cache_dir):
    return Task(get_task_spec(name), data_dir=data_dir, cache_dir=cache_dir)


def _no_traceback(proc):
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


# ---------------------------------------------------------------- task files
VALID = yaml.safe_load((Path(__file__).resolve().parents[2] / "tasks" / "esco-job2skill.yaml").read_text())


def _validate(path: Path):
    return CliRunner().invoke(main, ["tasks", "validate", str(path)])


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(colour="blue"), "  colour: Extra inputs are not permitted (got 'blue')"),
        (lambda d: d.update(version="one"), "  version: Input should be a valid integer (got 'one')"),
        (
            lambda d: d["source"].update(loader="esco_job2skil"),
            "  source.loader: unknown loader 'esco_job2skil'; known loaders: ",
        ),
        (
            lambda d: d["source"]["files"].update(relations="../outside.zip"),
            "  source: Value error, files.relations: path '../outside.zip' may not leave the data directory ('..')",
        ),
        (
            lambda d: d["source"]["files"].update(relations="/etc/passwd"),
            "  source: Value error, files.relations: absolute path '/etc/passwd' needs allow_absolute_paths: true",
        ),
        (
            lambda d: d["splits"].update(method="random"),
            "  splits.method: Input should be 'hash', 'source' or 'partition'",
        ),
    ],
)
def test_tasks_validate_names_file_and_field(tmp_path, mutate, message):
    data = copy.deepcopy(VALID)
    mutate(data)
    path = tmp_path / "task.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = _validate(path)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {path}: invalid task file"
    assert any(line.startswith(message) for line in lines[1:]), result.stderr


def test_tasks_validate_as_a_command(tmp_path):
    """The real command line: exit code 2, one error, no traceback; a valid file says ok."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**VALID, "metrics": ["map", "f1"]}), encoding="utf-8")
    good = tmp_path / "esco-job2skill.yaml"  # the file is named after its task (`tasks validate` checks it)
    good.write_text(yaml.safe_dump(VALID), encoding="utf-8")
    done = cli("tasks", "validate", str(good), cache_dir=tmp_path / "cache")
    assert (done.returncode, done.stdout) == (0, f"ok: {good} (esco-job2skill@v1)\n")
    done = cli("tasks", "validate", str(bad), cache_dir=tmp_path / "cache")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines()[0] == f"error: {bad}: invalid task file"
    assert "unknown metric 'f1'" in done.stderr
    _no_traceback(done)


def test_yaml_aliases_are_refused(tmp_path):
    """Nested aliases ('billion laughs') passed validation and then hung the run while hashing the spec."""
    levels = ['      a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    levels += [f"      a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    text = yaml.safe_dump(VALID, sort_keys=False).replace(
        "  params:\n", "  params:\n    bomb:\n" + "\n".join(levels) + "\n", 1
    )
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "*a0" in row)
    result = _validate(path)
    assert result.exit_code == 2
    assert result.stderr == f"error: {path}:{line}: YAML alias *a0 is not allowed in task files\n"


def test_python_yaml_tags_are_not_executed(tmp_path):
    path = tmp_path / "evil.yaml"
    marker = tmp_path / "pwned"
    path.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    result = _validate(path)
    assert result.exit_code == 2 and result.stderr.startswith(
        f"error: {path}: not valid YAML: could not determine a constructor"
    )
    assert not marker.exists()


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.text(max_size=6),
    st.lists(st.text(max_size=4), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    overrides=st.dictionaries(st.sampled_from(sorted(VALID) + ["extra"]), _VALUES, max_size=4),
    source=st.dictionaries(
        st.sampled_from(["loader", "files", "params", "allow_absolute_paths", "x"]), _VALUES, max_size=2
    ),
    raw=st.one_of(st.none(), st.text(max_size=40)),
)
def test_fuzzed_task_files_through_the_cli(tmp_path_factory, overrides, source, raw):
    """Any mangled task file: `tasks validate` says ok (exit 0) or prints one error (exit 2); nothing else."""
    path = tmp_path_factory.mktemp("fuzz") / "task.yaml"
    if raw is not None:
        path.write_text(raw, encoding="utf-8")
    else:
        data = copy.deepcopy(VALID)
        data.update(overrides)
        if isinstance(data.get("source"), dict):
            data["source"] = {**data["source"], **source}
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = _validate(path)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 2)
    if result.exit_code == 0:
        assert result.stdout.startswith(f"ok: {path} (") and result.stderr == ""
    else:
        assert result.stderr.startswith(f"error: {path}") and result.stdout == ""


def test_missing_source_file_fails_that_task_only(esco_data_dir, tmp_path):
    missing = task_file(tmp_path / "missing.yaml", "missing-files", folder="esco/v9")
    out = tmp_path / "out"
    done = cli(
        "run",
        "--model",
        "tfidf",
        "--tasks",
        f"{missing},esco-job2skill",
        "--split",
        "full",
        "--output",
        str(out),
        "--data-dir",
        str(esco_data_dir),
        "--no-progress",
        cache_dir=tmp_path / "cache",
    )
    assert done.returncode == 1
    error = (
        f"task missing-files: source.files.classification: {esco_data_dir}/esco/v9/{CLASSIFICATION_ZIP} not found "
        f"(data directory {esco_data_dir})"
    )
    assert f"  failed: tfidf / missing-files: {error}" in done.stderr.splitlines()
    assert done.stdout.strip() == f"1 written, 0 reused, 1 failed → {out}"
    assert sorted(result_files(out)) == ["tfidf/esco-job2skill__v1__full.json"]
    _no_traceback(done)


# ---------------------------------------------------------------- data files
def test_truncated_and_corrupt_esco_zip(esco_data_dir, cache_dir, tmp_path):
    zip_path = esco_data_dir / CLASSIFICATION
    good = zip_path.read_bytes()
    zip_path.write_bytes(good[: len(good) // 2])
    out = tmp_path / "out"
    done = cli(
        "run",
        "--model",
        "tfidf",
        "--tasks",
        "esco-job2skill",
        "--split",
        "full",
        "--output",
        str(out),
        "--data-dir",
        str(esco_data_dir),
        "--no-progress",
        cache_dir=cache_dir,
    )
    assert done.returncode == 1 and not result_files(out)
    assert (
        f"  failed: tfidf / esco-job2skill: {zip_path}: not a valid zip archive (File is not a zip file)"
        in done.stderr.splitlines()
    )
    _no_traceback(done)

    corrupt = bytearray(good)
    start = good.index(b"Python (computer programming)")  # inside the stored skills CSV
    corrupt[start : start + 6] = b"XXXXXX"
    zip_path.write_bytes(bytes(corrupt))
    clear_cache()
    with pytest.raises(WorkBenchError) as err:
        _task("esco-job2skill", esco_data_dir, cache_dir).dataset("full")
    assert str(err.value) == f"{zip_path}: not a valid zip archive (Bad CRC-32 for file 'skills_en.csv')"


def test_skills_csv_in_latin1(esco_data_dir, cache_dir):
    zip_path = esco_data_dir / CLASSIFICATION
    with zipfile.ZipFile(zip_path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["skills_en.csv"] = (
        members["skills_en.csv"].decode("utf-8").replace("prepare meals", "préparer des repas").encode("latin-1")
    )
    with zipfile.ZipFile(zip_path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(WorkBenchError) as err:
        _task("esco-job2skill", esco_data_dir, cache_dir).dataset("full")
    message = str(err.value)
    assert message.startswith(f"{zip_path} :: skills_en.csv: cannot parse as CSV ('utf-8' codec can't decode byte 0xe9")


def test_skills_csv_without_preferred_label(esco_data_dir, cache_dir):
    zip_path = esco_data_dir / CLASSIFICATION
    rewrite_member(zip_path, "skills_en.csv", lambda text: text.replace("preferredLabel", "prefLabel", 1))
    with pytest.raises(WorkBenchError) as err:
        _task("esco-skillnorm", esco_data_dir, cache_dir).dataset("full")
    assert str(err.value).startswith(
        f"{zip_path} :: skills_en.csv: missing column(s) ['preferredLabel']; columns found: ['conceptType'"
    )


def test_empty_target_space(tmp_path, cache_dir):
    data = tmp_path / "data"
    write_esco_release(
        data,
        skills=[],
        occupations=[(o, label, alts, isco, [], []) for o, label, alts, isco, _, _ in FIXTURE_OCCUPATIONS],
    )
    with pytest.raises(WorkBenchError) as err:
        _task("esco-job2skill", data, cache_dir).dataset("full")
    assert str(err.value) == "task esco-job2skill: the target space is empty"


def test_duplicate_ids(tmp_path, cache_dir):
    data = tmp_path / "data"
    write_esco_release(data, skills=FIXTURE_SKILLS + [FIXTURE_SKILLS[2]])
    with pytest.raises(WorkBenchError) as err:
        _task("esco-job2skill", data, cache_dir).dataset("full")
    assert (
        str(err.value)
        == "task esco-job2skill target id 'http://data.europa.eu/esco/skill/sql-0000' occurs more than once (1 duplicates)"
    )
    clear_cache()
    data2 = tmp_path / "data2"
    write_esco_release(data2, occupations=FIXTURE_OCCUPATIONS + [FIXTURE_OCCUPATIONS[0]])
    with pytest.raises(WorkBenchError) as err:
        _task("esco-job2skill", data2, cache_dir).dataset("full")
    assert (
        str(err.value)
        == "task esco-job2skill query id 'http://data.europa.eu/esco/occupation/dev-0000' occurs more than once (1 duplicates)"
    )


def _write_sums(root: Path) -> Path:
    lines = [f"{hashlib.sha256((root / rel).read_bytes()).hexdigest()}  {rel}" for rel in (CLASSIFICATION, RELATIONS)]
    sums = root / "SHA256SUMS"
    sums.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sums


def test_data_verify_reports_a_tampered_checksum(esco_data_dir, tmp_path):
    sums = _write_sums(esco_data_dir)
    done = cli("data", "verify", "--data-dir", str(esco_data_dir), cache_dir=tmp_path / "cache")
    assert (done.returncode, done.stdout) == (0, f"2 ok, 0 mismatched, 0 missing in {esco_data_dir}\n")
    text = sums.read_text()
    sums.write_text(text.replace(text[:64], "0" * 64, 1), encoding="utf-8")  # the classification zip's digest
    done = cli("data", "verify", "--data-dir", str(esco_data_dir), cache_dir=tmp_path / "cache")
    assert done.returncode == 1
    assert done.stdout == f"MISMATCH {CLASSIFICATION}\n1 ok, 1 mismatched, 0 missing in {esco_data_dir}\n"
    _no_traceback(done)


@pytest.mark.parametrize(
    "line, message",
    [
        (
            "not a checksum line",
            "{sums}:3: expected '<64 hex sha256>  <path>' or '<64 hex sha256> *<path>', got 'not a checksum line'",
        ),
        (f"{'a' * 64}  ../../etc/passwd", "{sums}:3: path '../../etc/passwd' leaves the data directory"),
        (f"{'a' * 64}  /etc/passwd", "{sums}:3: path '/etc/passwd' leaves the data directory"),
    ],
)
def test_data_verify_refuses_a_malformed_checksum_list(esco_data_dir, tmp_path, line, message):
    sums = _write_sums(esco_data_dir)
    sums.write_text(sums.read_text() + line + "\n", encoding="utf-8")
    done = cli("data", "verify", "--data-dir", str(esco_data_dir), cache_dir=tmp_path / "cache")
    assert done.returncode == 2 and done.stderr == "error: " + message.format(sums=sums) + "\n"
    _no_traceback(done)


def test_data_verify_checksum_list_not_utf8(esco_data_dir, tmp_path):
    sums = esco_data_dir / "SHA256SUMS"
    sums.write_bytes("caf\xe9  x\n".encode("latin-1"))
    done = cli("data", "verify", "--data-dir", str(esco_data_dir), cache_dir=tmp_path / "cache")
    assert done.returncode == 2
    assert done.stderr == f"error: {sums}: not UTF-8 text (invalid continuation byte at byte 3)\n"


def test_damaged_checksum_memo_is_ignored(esco_data_dir, cache_dir):
    task = _task("esco-job2skill", esco_data_dir, cache_dir)
    expected = dict(task.data_checksums)
    for damaged in ("[1, 2]", '{"trunc', "\udcff"):
        (cache_dir / "checksums.json").write_text(damaged, encoding="utf-8", errors="surrogateescape")
        assert _task("esco-job2skill", esco_data_dir, cache_dir).data_checksums == expected


# ---------------------------------------------------------------- faulty models
class _Embedder:
    """Base of the deliberately faulty embedding models: a character-histogram embedding, then a fault."""

    def __init__(self, name):
        self.info = ModelInfo(name=name, revision="1", kind="embedding")
        self.calls = 0

    def histogram(self, texts, dim=26):
        out = np.zeros((len(texts), dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for ch in text.lower():
                out[row, ord(ch) % dim] += 1
        return out


class NaNEmbedder(_Embedder):
    def encode(self, texts, *, role, input_type, group=None):
        out = self.histogram(texts)
        out[len(texts) // 2, 3] = np.nan
        return out


class InfEmbedder(_Embedder):
    def encode(self, texts, *, role, input_type, group=None):
        out = self.histogram(texts)
        out[0, 0] = np.inf
        return out


class ShortEmbedder(_Embedder):
    def encode(self, texts, *, role, input_type, group=None):
        return self.histogram(texts)[:-1]


class GrowingEmbedder(_Embedder):
    """Each call returns one more dimension than the last."""

    def encode(self, texts, *, role, input_type, group=None):
        self.calls += 1
        return self.histogram(texts, dim=8 + self.calls)


class FixedDimEmbedder(_Embedder):
    def __init__(self, name, dim):
        super().__init__(name)
        self.dim = dim

    def encode(self, texts, *, role, input_type, group=None):
        return self.histogram(texts, dim=self.dim)


class _Scorer:
    def __init__(self, name):
        self.info = ModelInfo(name=name, revision="1", kind="scoring")

    def index(self, targets, *, target_type, group=None):
        return list(targets)


class NaNScorer(_Scorer):
    def score(self, queries, index, *, query_type, group=None):
        out = np.random.default_rng(0).random((len(queries), len(index)))
        out[-1, -1] = np.nan
        return out


class WideScorer(_Scorer):
    def score(self, queries, index, *, query_type, group=None):
        return np.zeros((len(queries), len(index) + 1))


def test_model_returning_nan_or_inf(esco_data_dir, cache_dir):
    task = _task("esco-job2skill", esco_data_dir, cache_dir)
    # the runner encodes unique texts shortest first (workbench/caches/embeddings.py), so that is the order the model sees
    queries = sorted(dict.fromkeys(task.dataset("full").query_texts.tolist()), key=len)
    with pytest.raises(WorkBenchError) as err:
        task.evaluate(NaNEmbedder("nan-embedder"), "full", progress=False)
    assert (
        str(err.value)
        == f"model nan-embedder: encode returned NaN/inf for text {queries[len(queries) // 2]!r} (1 bad values)"
    )
    with pytest.raises(WorkBenchError) as err:
        task.evaluate(InfEmbedder("inf-embedder"), "full", progress=False)
    assert str(err.value) == f"model inf-embedder: encode returned NaN/inf for text {queries[0]!r} (1 bad values)"
    with pytest.raises(WorkBenchError) as err:
        task.evaluate(NaNScorer("nan-scorer"), "full", progress=False)
    assert str(err.value) == f"model nan-scorer: scores contain NaN/inf for queries 0..{len(queries) - 1}"


def test_model_returning_the_wrong_number_of_rows_or_columns(esco_data_dir, cache_dir):
    task = _task("esco-job2skill", esco_data_dir, cache_dir)
    with pytest.raises(WorkBenchError) as err:
        task.evaluate(ShortEmbedder("short"), "full", progress=False)
    assert str(err.value) == "model short: encode returned shape (7, 26) for 8 texts; expected (8, dim)"
    with pytest.raises(WorkBenchError) as err:
        task.evaluate(WideScorer("wide"), "full", progress=False)
    assert str(err.value) == "model wide: score returned shape (8, 13), expected (8, 12)"


def test_model_whose_dimension_changes_between_calls(tmp_path, esco_data_dir, cache_dir):
    small = _task("esco-job2skill", esco_data_dir, cache_dir)
    with pytest.raises(WorkBenchError) as err:  # one call per side: the two sides disagree
        small.evaluate(GrowingEmbedder("growing"), "full", progress=False, use_cache=False)
    assert str(err.value) == "model growing: query dim 9 differs from target dim 10"

    write_big_release(esco_data_dir)  # 4000 skills: the target side is encoded in two calls of 2048
    big = Task(
        get_task_spec(str(task_file(tmp_path / "big.yaml", "big-job2skill", folder="esco/big"))),
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
    )
    with pytest.raises(WorkBenchError) as err:
        big.evaluate(GrowingEmbedder("growing"), "full", progress=False, use_cache=False)
    assert str(err.value) == "model growing: embedding dimension changed between calls (10 → 11)"


def test_cached_vectors_of_another_dimension(esco_data_dir, cache_dir):
    """Same name and revision, different output size across runs: cached and fresh vectors do not mix."""
    task = _task("esco-skillnorm", esco_data_dir, cache_dir)
    task.evaluate(FixedDimEmbedder("fickle", 8), "full", limit=5, progress=False)
    with pytest.raises(WorkBenchError) as err:
        task.evaluate(FixedDimEmbedder("fickle", 16), "full", progress=False)
    assert str(err.value).startswith(
        f"embeddings of different dimensions [8, 16] for one model and role (cache {cache_dir}/embeddings/"
    )


def test_faulty_models_write_no_result_and_the_others_still_run(esco_data_dir, cache_dir, tmp_path):
    faulty = {"nan-embedder": NaNEmbedder, "short": ShortEmbedder, "nan-scorer": NaNScorer, "wide": WideScorer}
    load = lambda name: faulty[name](name) if name in faulty else load_model(name)  # noqa: E731
    out = tmp_path / "out"
    logs: list[str] = []
    report = run(
        [*faulty, "tfidf"],
        [get_task_spec("esco-job2skill")],
        split="full",
        output=out,
        load_model=load,
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=logs.append,
    )
    assert [m for m, _, _ in report.failed] == list(faulty)
    assert sorted(result_files(out)) == ["tfidf/esco-job2skill__v1__full.json"]
    assert sum(line.startswith("FAILED ") for line in logs) == 4


def test_corrupt_embedding_cache_is_rebuilt(esco_data_dir, cache_dir):
    task = _task("esco-job2skill", esco_data_dir, cache_dir)
    model = FixedDimEmbedder("histogram", 26)
    first = task.evaluate(model, "full", progress=False)
    files = sorted((cache_dir / "embeddings").glob("*.sqlite"))
    assert len(files) == 2
    files[0].write_bytes(b"not a database" * 500)  # garbage
    files[1].write_bytes(files[1].read_bytes()[:4096])  # truncated
    with pytest.warns(UserWarning, match="is corrupt") as caught:
        again = task.evaluate(model, "full", progress=False)
    assert len(caught) == 2
    assert again.per_query.values == first.per_query.values and again.timing.texts_encoded == first.timing.texts_encoded
    assert sorted(p.name for p in (cache_dir / "embeddings").glob("*.corrupt")) == sorted(
        p.name + ".corrupt" for p in files
    )
    third = task.evaluate(model, "full", progress=False)
    assert third.timing.texts_encoded == 0 and third.per_query.values == first.per_query.values


# ---------------------------------------------------------------- result files
def _fixture_result(esco_data_dir, cache_dir, tmp_path) -> Path:
    out = tmp_path / "results"
    report = run(
        ["tfidf"],
        [get_task_spec("esco-skillnorm")],
        split="test",
        output=out,
        load_model=load_model,
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda m: None,
    )
    return report.written[0]


def test_read_result_rejects_malformed_future_and_edited_files(esco_data_dir, cache_dir, tmp_path):
    path = _fixture_result(esco_data_dir, cache_dir, tmp_path)
    good = path.read_text()
    data = json.loads(good)

    path.write_text(good[: len(good) // 2])
    with pytest.raises(WorkBenchError) as err:
        read_result(path)
    assert str(err.value).startswith(f"{path}: not a readable JSON result file (")
    path.write_text(json.dumps({**data, "schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(WorkBenchError) as err:
        read_result(path)
    assert str(err.value) == (
        f"{path}: schema_version {SCHEMA_VERSION + 1} is not supported "
        f"(this is workbench 0.1.0, schema {SCHEMA_VERSION})"
    )
    cases = {
        "edited score": (
            lambda d: d["scores"].update(map=0.999),
            "stored map = 0.999000 but the per-query values average ",
        ),
        "NaN score": (
            lambda d: d["scores"].update(map=float("nan")),
            "stored map = nan but the per-query values average ",
        ),
        "missing field": (
            lambda d: d["model"].pop("revision"),
            "invalid result file at model.revision: Field required",
        ),
        "broken base64": (
            lambda d: d["per_query"]["values"].update(map="AAA="),
            "per_query.values.map holds 4 base64 characters; 6 float32 values take 32",
        ),
        "NaN per query": (
            lambda d: d["per_query"]["values"].update(
                map=base64.b64encode(np.full(d["sizes"]["queries"], np.nan, "<f4").tobytes()).decode()
            ),
            "per-query map holds NaN/inf values",
        ),
        "values dropped": (
            lambda d: d["per_query"]["values"].update(map=""),
            "per_query.values.map holds 0 base64 characters; 6 float32 values take 32",
        ),
    }
    for label, (edit, message) in cases.items():
        edited = copy.deepcopy(data)
        edit(edited)
        path.write_text(json.dumps(edited))
        with pytest.raises(WorkBenchError) as err:
            read_result(path)
        assert str(err.value).startswith(f"{path}: {message}"), label


def test_damaged_result_in_the_output_folder_is_recomputed(esco_data_dir, cache_dir, tmp_path):
    """Before: a result file with broken base64 raised ValueError from the runner's reuse check (traceback)."""
    path = _fixture_result(esco_data_dir, cache_dir, tmp_path)
    good = read_result(path)
    data = json.loads(path.read_text())
    data["per_query"]["values"]["map"] = "AAA="
    path.write_text(json.dumps(data))
    report = run(
        ["tfidf"],
        [get_task_spec("esco-skillnorm")],
        split="test",
        output=path.parents[1],
        load_model=load_model,
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda m: None,
    )
    assert report.written == [path] and read_result(path).per_query.values == good.per_query.values
