"""Board sections and model identity: `variant_of` moves a model out of the main ranking, undeclared
training data makes zero-shot "unknown", and one revision under two names is one row."""

from __future__ import annotations

import csv
import io
import json
import subprocess

from lb_fixtures import DATA_DIR, make_result, write
from workbench.leaderboard import build_leaderboard


def _board(tmp_path, specs, models):
    root = tmp_path / "results"
    for i, (name, quality, extra) in enumerate(models):
        for j, spec in enumerate(specs):
            write(root, make_result(spec, name, quality=quality, seed=10 * i + j, **extra))
    out = tmp_path / "site"
    report = build_leaderboard(root, out, tasks=specs, n_bootstrap=50, data_dir=DATA_DIR)
    return report, json.loads((out / "leaderboard.json").read_text()), out


def test_variants_get_their_own_section_by_model_card_field(tmp_path, specs):
    _report, data, out = _board(
        tmp_path,
        specs,
        [
            ("ref-model", 0.6, {}),
            ("baseline", 0.5, {}),
            # named like the reference model but without the field: a submitted model of its own
            ("ref-model-v2", 0.55, {}),
            ("ablation-without-ref-in-name", 0.9, {"variant_of": "ref-model"}),
        ],
    )
    sections = {m["name"]: (m["section"], m["rank"]) for m in data["models"]}
    assert sections == {
        "ref-model": ("main", 1),
        "ref-model-v2": ("main", 2),
        "baseline": ("main", 3),
        "ablation-without-ref-in-name": ("variants", None),
    }
    # the variant scores best everywhere, but the best of each task is taken among submitted models
    assert {t["best_model"] for t in data["tasks"]} == {"ref-model"}
    md = (out / "leaderboard.md").read_text()
    ranking, variants = md.split("## Ranking", 1)[1].split("## Variants of submitted models", 1)
    assert (
        "ablation-without-ref-in-name" not in ranking and "| — | ablation-without-ref-in-name | ref-model |" in variants
    )
    # above the best submitted model: the two-sided test never marks it "significantly below"
    variant_row = next(line for line in variants.splitlines() if "ablation-without-ref-in-name" in line)
    assert "†" not in variant_row
    assert not next(m for m in data["models"] if m["name"] == "ablation-without-ref-in-name")["macro_significant"]
    html = (out / "index.html").read_text()
    assert html.count('data-model="ablation-without-ref-in-name"') >= 1
    assert 'data-model="ablation-without-ref-in-name"' not in html.split('id="ranking"', 1)[1].split("</table>", 1)[0]


def test_zero_shot_unknown_when_training_data_undeclared(tmp_path, specs):
    _report, data, out = _board(
        tmp_path,
        specs,
        [
            ("declared", 0.6, {"training_data": ["msmarco"]}),
            ("untrained", 0.5, {"training_data": ["none"]}),
            ("silent", 0.55, {"training_data": []}),
            ("secret", 0.52, {"training_data": ["Undisclosed"]}),
            ("leaky", 0.58, {"training_data": ["esco_titles"]}),
        ],
    )
    status = {m["name"]: m["zero_shot"] for m in data["models"]}
    assert status == {"declared": "yes", "untrained": "yes", "silent": "unknown", "secret": "unknown", "leaky": "no"}
    rows = {r["model"]: r for r in csv.DictReader(io.StringIO((out / "leaderboard.csv").read_text()))}
    assert rows["silent"]["zero_shot"] == "unknown" and rows["silent"]["job-norm:zero_shot"] == "unknown"
    assert rows["leaky"]["job-norm:zero_shot"] == "no" and rows["leaky"]["job2skill:zero_shot"] == "yes"
    assert "| silent | " in (out / "leaderboard.md").read_text()


def _commit(root, message):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    if not (root / ".git").exists():
        subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", message], cwd=root, check=True)


def test_one_row_per_revision_renamed_copy_refused(tmp_path, specs):
    """The copy is the file the repository received later (git history); its own date says the opposite."""
    root = tmp_path / "results"
    for j, spec in enumerate(specs):
        write(root, make_result(spec, "all-MiniLM-L6-v2", revision="fe25", seed=j, created_at="2025-06-01T00:00:00Z"))
        # same weights scored with another setting: a distinct model
        write(root, make_result(spec, "minilm-longer", revision="fe25", seed=j + 5, settings={"max_seq_length": 512}))
    _commit(root, "the board")
    for j, spec in enumerate(specs):
        # the same weights from a pip folder named `model`, received later but dated earlier
        write(root, make_result(spec, "model", revision="fe25", seed=j, created_at="2025-01-01T00:00:00Z"))
    _commit(root, "a later pull request")
    report = build_leaderboard(root, tmp_path / "site", tasks=specs, n_bootstrap=50, data_dir=DATA_DIR)
    data = json.loads((tmp_path / "site" / "leaderboard.json").read_text())
    assert sorted(m["name"] for m in data["models"]) == ["all-MiniLM-L6-v2", "minilm-longer"]
    renamed = [r for r in report.refused if r.kind == "renamed-duplicate"]
    assert sorted(r.path for r in renamed) == sorted(f"model/{s.name}__v1__test.json" for s in specs)
    assert all("'all-MiniLM-L6-v2' under another name" in r.reason for r in renamed)
    assert all("the repository received it first" in r.reason for r in renamed)
