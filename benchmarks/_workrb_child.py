"""Child process for benchmarks/vs_workrb.py, run by the separate WorkRB venv's Python (never imports
workbench). Builds one WorkRB ESCO ranking task on ESCO v1.1.1 (files placed in WorkRB's cache
folder by the parent), evaluates one WorkRB model on it exactly as WorkRB's RankingTask.evaluate
does (compute_prediction_matrix, then compute_metrics_from_prediction_matrix), times the phases,
and writes the results plus the task's exact query / target / positive lists (for a like-for-like
comparison) as JSON.

    python _workrb_child.py TASK MODEL MODEL_PATH METRICS OUT_JSON LISTS_JSON [QUERY_LIMIT]
"""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()
task_name, model_name, model_path, metrics, out_path, lists_path = sys.argv[1:7]
query_limit = int(sys.argv[7]) if len(sys.argv) > 7 and sys.argv[7] != "0" else None
metrics = metrics.split(",")

from workrb.models.bi_encoder import BiEncoderModel  # noqa: E402
from workrb.models.lexical_baselines import BM25Model  # noqa: E402
from workrb.tasks.ranking.job2skill import ESCOJob2SkillRanking  # noqa: E402
from workrb.tasks.ranking.skill2job import ESCOSkill2JobRanking  # noqa: E402
from workrb.tasks.ranking.skillnorm import ESCOSkillNormRanking  # noqa: E402

imported = time.perf_counter()
TASKS = {"job2skill": ESCOJob2SkillRanking, "skill2job": ESCOSkill2JobRanking, "skillnorm": ESCOSkillNormRanking}
# ESCO v1.1.1 is what the shared data directory holds; WorkRB's test split of these three tasks
# (job2skill, skill2job: every concept with a relation; skillnorm: its default class-uniform split)
task = TASKS[task_name](esco_version="1.1.1", languages=["en"], split="test")
dataset = task.datasets["en"]
if query_limit:  # a prefix of the queries (for a run too slow or too big to do whole); whole lists saved too
    with open(lists_path + ".full.json", "w", encoding="utf-8") as fh:
        json.dump(
            {"queries": dataset.query_texts, "targets": dataset.target_space, "positives": dataset.target_indices}, fh
        )
    dataset.query_texts = dataset.query_texts[:query_limit]
    dataset.target_indices = dataset.target_indices[:query_limit]
loaded = time.perf_counter()
model = BiEncoderModel(model_name=model_path) if model_name == "minilm" else BM25Model()
encode_calls = []  # (texts, seconds) of each SentenceTransformer.encode call: queries first, then targets
if model_name == "minilm":
    st_encode = model.model.encode

    def timed_encode(texts, *a, **kw):
        t0 = time.perf_counter()
        try:
            return st_encode(texts, *a, **kw)
        finally:
            encode_calls.append((len(texts), time.perf_counter() - t0))

    model.model.encode = timed_encode
model_loaded = time.perf_counter()
matrix = task.compute_prediction_matrix(model=model, dataset_id="en")
predicted = time.perf_counter()
scores = task.compute_metrics_from_prediction_matrix(prediction_matrix=matrix, dataset_id="en", metrics=metrics)
measured = time.perf_counter()

with open(lists_path, "w", encoding="utf-8") as fh:
    json.dump(
        {"queries": dataset.query_texts, "targets": dataset.target_space, "positives": dataset.target_indices}, fh
    )
with open(out_path, "w", encoding="utf-8") as fh:
    json.dump(
        {
            "scores": scores,
            "queries": len(dataset.query_texts),
            "targets": len(dataset.target_space),
            "positives": sum(len(p) for p in dataset.target_indices),
            "query_limit": query_limit,
            "import_seconds": imported - started,
            "task_load_seconds": loaded - imported,
            "model_load_seconds": model_loaded - loaded,
            "predict_seconds": predicted - model_loaded,
            "metrics_seconds": measured - predicted,
            "in_process_seconds": measured - started,
            "encode_calls": encode_calls,
        },
        fh,
    )
