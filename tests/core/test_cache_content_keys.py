"""No cache trusts a file's metadata: an edit at the same size with the mtime put back (`cp -p`, `rsync -t`,
`os.utime`) gives new rows, a new model revision and new checksums (issue 26, "Two caches still trust mtime"),
and CSV tasks run without a writable cache folder, under --cache-dir when one is given (issue 27)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile

from esco_fixture import ESCO_VERSION_DIR
from workbench.data.datafiles import ChecksumMemo
from workbench.models import hashing
from workbench.models.registry import load_model
from workbench.ontologies.esco import EscoRelease
from workbench.ontologies.tabular import read_table
from workbench.results.result_file import read_result
from workbench.running.runner import run
from workbench.running.task import Task
from workbench.taskfiles.spec import TaskSpec

CLASSIFICATION = f"{ESCO_VERSION_DIR}/ESCO dataset - v1.1.1 - classification - en - csv.zip"


def _same_size_edit(path, old: bytes, new: bytes) -> None:
    """Replace `old` by `new` (same length) in place, then put size and mtime back as `cp -p` would."""
    assert len(old) == len(new)
    before = path.stat()
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_content_key_follows_the_bytes_not_the_metadata(tmp_path):
    from workbench.data.file_hashes import content_key

    path = tmp_path / "f.bin"
    path.write_bytes(b"a" * 1000)
    first = content_key(path)
    _same_size_edit(path, b"a" * 10, b"b" * 10)
    assert content_key(path) != first and content_key(path).startswith("1000:")
    copy = tmp_path / "g.bin"
    shutil.copy2(path, copy)
    assert content_key(copy) == content_key(path)


# -------------------------------------------------------------------------------- the hf-datasets cache
def test_csv_edited_at_same_size_with_mtime_restored_gives_new_rows(tmp_path, cache_dir):
    """`datasets` knows a local file by its mtime only: before, the second read returned the old rows."""
    path = tmp_path / "labels.csv"
    path.write_text("id,label\n1,bread baking\n2,python\n", encoding="utf-8")
    assert read_table(path)["label"].tolist() == ["bread baking", "python"]
    _same_size_edit(path, b"bread baking", b"bread bakinG")
    assert read_table(path)["label"].tolist() == ["bread bakinG", "python"]


def _house_files(data_dir) -> None:
    folder = data_dir / "skill-extraction/decorte"
    folder.mkdir(parents=True)
    header = "sentence,span,sub_span,label\n"
    (folder / "house_validation_annotations.csv").write_text(
        header + "We bake bread daily .,bake,,bake bread\n", encoding="utf-8"
    )
    (folder / "house_test_annotations.csv").write_text(
        header + "Cook meals for guests .,Cook,,prepare meals\nWe bake bread daily .,bake,,bake bread\n",
        encoding="utf-8",
    )


def _house_spec() -> TaskSpec:
    from workbench.taskfiles.catalog import get_task_spec

    spec = get_task_spec("house-skill-extraction").model_dump(mode="json")
    spec["source"]["files"]["classification"] = CLASSIFICATION
    return TaskSpec(**spec)


def _run_house(esco_data_dir, out, cache_dir):
    return run(
        ["tfidf"],
        [_house_spec()],
        split="test",
        output=out,
        load_model=load_model,
        data_dir=esco_data_dir,
        cache_dir=cache_dir,
        progress=False,
        log=lambda message: None,
    )


def test_csv_task_runs_with_a_warning_when_the_cache_folder_cannot_be_written(
    esco_data_dir, tmp_path, monkeypatch, capsys
):
    """Before: `hf-datasets` had no usable-cache probe, so every CSV task failed (NotADirectoryError)."""
    _house_files(esco_data_dir)
    (tmp_path / "afile").write_text("x")
    unusable = tmp_path / "afile" / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(unusable))
    report = _run_house(esco_data_dir, tmp_path / "out", None)
    assert not report.failed and len(report.written) == 1, report.failed
    assert read_result(report.written[0]).sizes["queries"] == 2
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: cache directory {unusable} cannot be written (Not a directory); running without a "
        "cache (slower, same results); set WORKBENCH_CACHE_DIR to a writable folder"
    ]


def test_datasets_cache_follows_cache_dir(esco_data_dir, tmp_path, monkeypatch):
    """Before: read_table used $WORKBENCH_CACHE_DIR whatever --cache-dir (the run's cache_dir) said."""
    # as in a new process: an earlier test's run of the same files would serve the dataset from memory
    monkeypatch.setattr("workbench.dataset.builder._DATASETS", {})
    _house_files(esco_data_dir)
    env_cache, chosen = tmp_path / "env-cache", tmp_path / "chosen"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(env_cache))
    report = _run_house(esco_data_dir, tmp_path / "out", chosen)
    assert not report.failed and len(report.written) == 1
    assert any((chosen / "hf-datasets").iterdir())
    assert not (env_cache / "hf-datasets").exists()


def test_csv_task_sees_a_same_size_edit_with_mtime_restored(esco_data_dir, tmp_path, cache_dir):
    """Before: the new checksum was recorded, but the rows were the old ones (the hf-datasets build)."""
    _house_files(esco_data_dir)
    first = read_result(_run_house(esco_data_dir, tmp_path / "out", cache_dir).written[0])
    _same_size_edit(esco_data_dir / "skill-extraction/decorte/house_test_annotations.csv", b"Cook meals", b"Cook MEALS")
    second = read_result(_run_house(esco_data_dir, tmp_path / "out", cache_dir).written[0])
    assert second.data_files != first.data_files
    dataset = Task(_house_spec(), data_dir=esco_data_dir, cache_dir=cache_dir).dataset("test")
    assert "Cook MEALS for guests ." in dataset.query_texts.tolist()


# ------------------------------------------------------------------------- model revisions (file-hashes.json)
def _weights_folder(root):
    folder = root / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"hidden_size": 4}', encoding="utf-8")
    (folder / "model.safetensors").write_bytes(bytes(range(256)) * 64)
    return folder


def _in_a_new_process(function: str, path) -> str:
    """workbench.models.hashing.<function>(path) as a later run computes it: a fresh process, only the memo file left."""
    code = f"import sys; from workbench.models.hashing import {function}; print({function}(sys.argv[1]))"
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_weights_swapped_at_same_size_with_mtime_kept_give_a_new_revision(tmp_path, cache_dir):
    """Before: file-hashes.json was keyed by (path, size, mtime), so `cp -p` weights kept the old revision."""
    folder = _weights_folder(tmp_path)
    old = _in_a_new_process("folder_revision", folder)
    assert (cache_dir / "file-hashes.json").is_file()
    # other weights of the same size, copied over with `cp -p` semantics (content, then the old mtime)
    other = tmp_path / "other.safetensors"
    other.write_bytes(bytes(reversed(range(256))) * 64)
    stat = (folder / "model.safetensors").stat()
    shutil.copyfile(other, folder / "model.safetensors")
    os.utime(folder / "model.safetensors", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    new = _in_a_new_process("folder_revision", folder)
    assert new != old
    shutil.rmtree(cache_dir)
    assert _in_a_new_process("folder_revision", folder) == new  # what hashing from scratch gives


def test_revision_memo_ignores_the_metadata_keyed_file_of_older_versions(tmp_path, cache_dir):
    folder = _weights_folder(tmp_path)
    weights = (folder / "model.safetensors").resolve()
    stat = weights.stat()
    cache_dir.mkdir()
    stale = {f"{weights}|{stat.st_size}|{stat.st_mtime_ns}": "0" * 64}
    (cache_dir / "file-hashes.json").write_text(json.dumps(stale), encoding="utf-8")
    assert _in_a_new_process("file_sha256", weights) == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert hashing.file_sha256(weights) == hashlib.sha256(weights.read_bytes()).hexdigest()


def test_model_memo_stamp_is_the_folder_content_not_its_metadata(tmp_path):
    """model-info.json (the memo that answers a model's revision without loading it) is valid while its stamp
    matches. Before, the stamp was size, mtime, inode and ctime: a stale answer wherever those stay put over
    a rewrite (Windows' st_ctime is the creation time; kernels before 6.13 stamp times per clock tick; FAT keeps
    no ctime), and a reload for a byte-identical copy. Now it is the content keys of the folder's files."""
    from workbench.caches.model_memo import model_stamp

    folder = _weights_folder(tmp_path)
    first = model_stamp(folder, [])
    moved = tmp_path / "moved.safetensors"  # the same bytes under a new inode, mtime and ctime
    shutil.copyfile(folder / "model.safetensors", moved)
    os.replace(moved, folder / "model.safetensors")
    os.utime(folder / "config.json", ns=(0, 0))
    assert model_stamp(folder, []) == first
    _same_size_edit(folder / "model.safetensors", bytes(range(10)), bytes(reversed(range(10))))
    assert model_stamp(folder, []) != first


# ----------------------------------------------------------------------------- data checksums, parse caches
def test_checksum_memo_sees_a_same_size_edit_with_mtime_restored(tmp_path):
    path, memo_file = tmp_path / "data.csv", tmp_path / "checksums.json"
    path.write_bytes(b"id,label\n1,bread baking\n")
    first = ChecksumMemo(memo_file)(path)
    _same_size_edit(path, b"bread baking", b"bread bakinG")
    assert ChecksumMemo(memo_file)(path) == hashlib.sha256(path.read_bytes()).hexdigest() != first


def test_parsed_esco_tables_follow_a_same_size_edit_within_one_process(esco_data_dir):
    """The per-process parse cache was keyed by (path, size, mtime): the same process kept the old labels."""
    zip_path = esco_data_dir / CLASSIFICATION
    assert "bake bread" in EscoRelease(zip_path).skills()["preferred_label"].tolist()
    stat = zip_path.stat()
    with zipfile.ZipFile(zip_path) as archive:  # members stored: a same-length edit keeps the zip's size
        members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    members["skills_en.csv"] = members["skills_en.csv"].replace(b"bake bread", b"bake breaD")
    with zipfile.ZipFile(zip_path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    os.utime(zip_path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert zip_path.stat().st_size == stat.st_size
    labels = EscoRelease(zip_path).skills()["preferred_label"].tolist()
    assert "bake breaD" in labels and "bake bread" not in labels
