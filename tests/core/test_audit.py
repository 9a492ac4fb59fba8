"""Leakage audit: exact and normalised overlap of training pairs with evaluation queries and pairs."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

from workbench.running.audit import EvalSet, audit_training_pairs, cross_task_overlap, read_pairs
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec


def eval_set():
    return EvalSet(
        "demo", "test", ["Chef", "taxi driver"], [("Chef", "prepare meals"), ("taxi driver", "drive vehicles")]
    )


def test_training_overlap_counts_exact_and_normalised_and_both_directions():
    training = [("chef ", "bake bread"), ("drive vehicles", "taxi driver"), ("nurse", "dress wounds")]
    [row] = audit_training_pairs(training, [eval_set()])
    assert row["queries_in_training_exact"] == 1  # "taxi driver" verbatim
    assert row["queries_in_training_normalised"] == 2  # "chef " matches "Chef" after normalising
    assert row["pairs_in_training_exact"] == 1  # (drive vehicles, taxi driver) reversed
    assert row["pairs_in_training_normalised"] == 1


def test_clean_training_set_reports_zero():
    [row] = audit_training_pairs([("baker", "bake bread")], [eval_set()])
    assert all(row[k] == 0 for k in row if k.endswith(("_exact", "_normalised")))


def test_cross_task_table():
    other = EvalSet("other", "test", ["chef", "nurse"], [("CHEF", "Prepare  meals")])
    [row] = cross_task_overlap([eval_set(), other])
    assert row == {"task_a": "demo", "task_b": "other", "split": "test", "shared_query_texts": 1, "shared_pairs": 1}


def test_partition_keeps_esco_training_pairs_out_of_test(esco_data_dir, cache_dir):
    """Relations among train concepts never contain a test occupation of job2skill."""
    task = Task(get_task_spec("esco-job2skill"), data_dir=esco_data_dir, cache_dir=cache_dir)
    train = EvalSet.from_task(task, "train")
    test = EvalSet.from_task(task, "test")
    [row] = audit_training_pairs(train.pairs, [test])
    assert row["queries_in_training_exact"] == 0 and row["pairs_in_training_exact"] == 0


def test_cli_audit_with_pairs_file(esco_data_dir, cache_dir, tmp_path):
    pairs = tmp_path / "pairs.tsv.gz"
    with gzip.open(pairs, "wt", encoding="utf-8") as handle:
        handle.write("software developer\tPython (computer programming)\nbaker\tbake bread\n")
    assert len(read_pairs(pairs)) == 2
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.fronts.cli",
            "audit",
            "--pairs",
            str(pairs),
            "--tasks",
            "esco-job2skill",
            "--splits",
            "train,test",
            "--json",
            "--data-dir",
            str(esco_data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = {row["split"]: row for row in json.loads(done.stdout)["training_overlap"]}
    # both pairs are fixture relations; each occupation lies in exactly one split, so each pair is found once
    assert rows["train"]["pairs_in_training_exact"] + rows["test"]["pairs_in_training_exact"] == 2
