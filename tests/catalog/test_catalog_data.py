"""Every catalog task built on the real releases (WORKBENCH_DATA_DIR; skipped when unset).

Exact sizes are asserted where the data README (or the publisher's own statistics file) states
them; elsewhere the sizes must be non-trivial.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.running.task import Task
from workbench.sources import LoaderContext, get_loader
from workbench.sources.melo import MELO_DIR, scan, task_name
from workbench.taskfiles.catalog import list_tasks, task_files_dir

pytestmark = pytest.mark.data
TASKS = [spec.name for spec in list_tasks()]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("catalog-cache")


@pytest.fixture(autouse=True)
def _private_cache(cache, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))


_BUILT: dict[tuple[str, Path], Task] = {}


def build(name: str, data_dir: Path, cache: Path) -> Task:
    """One Task per name for the module: its full dataset is built once and shared by the tests."""
    key = (name, data_dir)
    if key not in _BUILT:
        spec = {s.name: s for s in list_tasks()}[name]
        _BUILT[key] = Task(spec, data_dir=data_dir, cache_dir=cache)
    return _BUILT[key]


def loader_notes(task: Task) -> dict:
    spec = task.spec
    return get_loader(spec.source.loader)(
        LoaderContext(task.data_dir, task.files, dict(spec.source.params), spec.name)
    ).notes


@pytest.mark.parametrize("name", TASKS)
def test_task_builds_with_non_trivial_sizes(name, real_data_dir, cache):
    task = build(name, real_data_dir, cache)
    split = "test" if "test" in task.spec.splits.available else "val"
    ds = task.dataset(split)
    assert ds.n_queries >= 50, (name, ds.sizes())
    assert ds.n_targets >= 1000, (name, ds.sizes())
    assert ds.n_positives >= ds.n_queries
    assert (ds.relevance.getnnz(axis=1) > 0).all()
    assert set(ds.query_splits) == {split}
    # splits are disjoint and together give `full`
    named = [s for s in task.spec.splits.available if s != "full"]
    assert sum(task.dataset(s).n_queries for s in named) == task.dataset("full").n_queries


def test_readme_sizes_esco_jobnorm(real_data_dir, cache):
    full = build("esco-jobnorm", real_data_dir, cache).dataset("full")
    # one query per distinct alternative label: the labels less those equal to the preferred label (dropped,
    # counted) and less the repeats of a text (merged, counted; its positives are all occupations carrying it)
    labels = full.stats["dropped_labels_equal_to_preferred"] + full.stats["merged_identical_labels"]
    assert full.n_queries + labels == 32_804
    assert len(set(full.query_texts)) == full.n_queries < full.n_positives
    assert full.n_targets == 3_007


def test_readme_sizes_jobbert(real_data_dir, cache):
    task = build("jobbert-jobnorm", real_data_dir, cache)
    notes = loader_notes(task)
    assert notes["info"]["rows"] == {"val": 15_463, "test": 15_463}
    assert notes["info"]["unresolved_uris"] == {"val": 1, "test": 1}  # "99.99 % resolve in v1.1.1"
    assert task.dataset("val").n_queries == 15_462 and task.dataset("test").n_queries == 15_462


@pytest.mark.parametrize(
    "name",
    [
        "house-skill-extraction",
        "tech-skill-extraction",
        "skillskape-skill-extraction",
        "techwolf-vacancy-job2skill",
        "esco-skill-similarity",
    ],
)
def test_skill_target_space_is_the_13896_esco_skills(name, real_data_dir, cache):
    task = build(name, real_data_dir, cache)
    assert task.full_dataset.n_targets == 13_896
    labels = (real_data_dir / "skill-extraction/decorte/skills_en_label.txt").read_text(encoding="utf-8").splitlines()
    assert len(labels) == 13_896


@pytest.mark.parametrize("name", ["house-skill-extraction", "tech-skill-extraction", "skillskape-skill-extraction"])
def test_annotated_skill_labels_all_resolve(name, real_data_dir, cache):
    notes = loader_notes(build(name, real_data_dir, cache))
    assert notes["info"]["labels"]["unmatched"] == 0 and notes["info"]["labels"]["ambiguous"] == 0
    assert notes["dropped_labels"] > 0


def test_readme_sizes_techwolf(real_data_dir, cache):
    task = build("techwolf-vacancy-job2skill", real_data_dir, cache)
    notes = loader_notes(task)
    assert notes["info"]["rows"] == {"val": 5_644}
    ds = task.dataset("val")
    assert ds.n_queries + task.full_dataset.stats.get("excluded_queries_without_positives", 0) == 5_644
    # labels newer than ESCO v1.1.1 are dropped and counted, and stay a small share
    labels = notes["info"]["labels"]
    assert 0 < labels["unmatched"] < 0.05 * sum(labels.values())


def _logged(folder: Path, key: str) -> int:
    text = (folder / "logged_stats.txt").read_text(encoding="utf-8")
    return int(re.search(rf"{key}:\s+(\d+)", text).group(1))


# The publisher's Swedish folders log one accepted query more than their queries.tsv holds (2,883 logged,
# 2,882 lines, no blank or duplicate id, every shipped query annotated): the files are the ground truth.
_QUERIES_MISSING_FROM_PUBLISHED_FILES = {"swe_q_sv_c_en": 1, "swe_q_sv_c_sv": 1}


def test_melo_sizes_match_the_publishers_statistics(real_data_dir, cache):
    folders, _ = scan(real_data_dir)
    for folder in folders:
        path = real_data_dir / MELO_DIR / folder
        ds = build(task_name(folder), real_data_dir, cache).dataset("test")
        excluded = ds.stats.get("excluded_queries_without_positives", 0)
        missing = _QUERIES_MISSING_FROM_PUBLISHED_FILES.get(folder, 0)
        assert ds.n_queries + excluded + missing == _logged(path, "Accepted"), folder
        assert ds.n_targets == _logged(path, "Corpus elements"), folder


def test_every_complete_melo_folder_has_a_task_file(real_data_dir):
    folders, skipped = scan(real_data_dir)
    shipped = sorted(p.stem for p in task_files_dir().glob("melo-*.yaml"))
    assert shipped == sorted(task_name(f) for f in folders)
    for folder, why in skipped.items():  # e.g. a folder published without corpus_elements.tsv
        assert why.startswith("missing") or "does not follow" in why, (folder, why)
