"""Results and tasks in other tools' formats.

- `export_results_mteb`: MTEB's results layout, `OUT/results/<model>/<revision>/<task>.json` (a
  TaskResult: task_name, dataset_revision, scores per split, evaluation_time) beside a
  `model_meta.json` (a ModelMeta: name, revision, parameters, embedding size, license, training data).
  `mteb.ResultCache(OUT).load_results(include_remote=False)` reads it. `dataset_revision` is the task's
  spec hash (it determines the dataset with the data checksums, which the result also records).
- `export_results_parquet`: one tidy table, one row per (model, revision, task, split, query, metric).
- `export_task`: one split of a task as a Hugging Face `datasets.DatasetDict` saved to disk in the
  BEIR/MTEB retrieval columns (corpus: _id, title, text; queries: _id, text; qrels: query-id,
  corpus-id, score), or as a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv). Pairs the
  task removes from a query's ranking (e.g. the query itself in a similarity task) go beside the qrels:
  the `excluded` dataset, or qrels/<split>.excluded.tsv (both only when there are any); a tool that ignores them scores differently.

Only official result files are exported; a file that does not read is reported and skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.errors import WorkBenchError
from workbench.io import atomic_write_bytes
from workbench.models.model import NOT_TRAINED, UNDISCLOSED
from workbench.names import check_name, inside
from workbench.results.result_file import ResultFile, read_result, slug

RESULT_FORMATS = ("mteb", "parquet")
TASK_FORMATS = ("hf", "beir")
# ModelMeta.license takes lower-case SPDX ids; anything else is "not specified"
_MTEB_LICENSES = {"apache-2.0", "mit", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "bsd-3-clause", "gpl-3.0"}


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per file left out, with the reason

    def summary(self, what: str) -> str:
        lines = [f"{len(self.written)} {what} written, {len(self.skipped)} result files skipped"]
        return "\n".join(lines + [f"  skipped {s}" for s in self.skipped])


def official_results(results_dir: Path, report: ExportReport) -> list[tuple[Path, ResultFile]]:
    out = []
    for path in sorted(Path(results_dir).rglob("*.json")):
        try:
            result = read_result(path)
        except WorkBenchError as err:
            report.skipped.append(str(err))
            continue
        if not result.official:
            report.skipped.append(f"{path}: unofficial run (official: false)")
            continue
        out.append((path, result))
    return out


def _json_bytes(data) -> bytes:
    return (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def mteb_task_result(result: ResultFile) -> dict:
    languages = sorted({lang for langs in result.task.languages.values() for lang in langs})
    scores = {
        "main_score": result.scores[result.task.main_score],
        "hf_subset": "default",
        "languages": languages,
        **result.scores,
    }
    return {
        "task_name": result.task.name,
        "dataset_revision": result.task.spec_hash,
        "mteb_version": None,
        "scores": {result.split: [scores]},
        "evaluation_time": result.timing.total_seconds,
        "kg_co2_emissions": None,
        "date": None,
    }


def mteb_model_meta(result: ResultFile) -> dict:
    m = result.model
    training = [t for t in m.training_data if t.strip().lower() not in (NOT_TRAINED, UNDISCLOSED)]
    return {
        "name": m.name,
        "revision": m.revision,
        "release_date": None,
        "languages": None,
        "loader": None,
        "n_parameters": m.parameters,
        "memory_usage_mb": None,
        "max_tokens": None,
        "embed_dim": m.embedding_dim,
        "license": m.license.lower() if m.license.lower() in _MTEB_LICENSES else "not specified",
        "open_weights": None,
        "public_training_code": None,
        "public_training_data": None,
        "framework": [],
        "similarity_fn_name": None,
        "use_instructions": None,
        "training_datasets": training or None,
        "modalities": ["text"],
    }


def _mteb_folder(out_dir: Path, result: ResultFile) -> Path:
    """OUT/results/<model>/<revision>/, refused (one line) when a name or revision would leave it ('..')."""
    check_name(result.model.name, "model name")
    check_name(result.model.revision, "model revision")
    root = Path(out_dir) / "results"
    return inside(root, root / slug(result.model.name.replace("/", "__")) / slug(result.model.revision))


def export_results_mteb(results_dir: Path, out_dir: Path) -> ExportReport:
    report = ExportReport()
    for source, result in official_results(results_dir, report):
        try:
            folder = _mteb_folder(out_dir, result)
        except WorkBenchError as err:  # one hostile file is skipped and said; the others are exported
            report.skipped.append(f"{source}: {err}")
            continue
        path = folder / f"{result.task.name}.json"
        atomic_write_bytes(path, _json_bytes(mteb_task_result(result)))
        atomic_write_bytes(folder / "model_meta.json", _json_bytes(mteb_model_meta(result)))
        report.written.append(path)
    return report


def export_results_parquet(results_dir: Path, out_path: Path) -> ExportReport:
    """Columns: model, revision, task, task_version, split, query_index, query_id (null when the file
    keeps no ids), metric, value."""
    import pandas as pd

    report = ExportReport()
    frames = []
    for _, result in official_results(results_dir, report):
        values = result.per_query.decode()
        n = int(result.sizes["queries"])
        ids = result.per_query.query_ids or [None] * n
        for metric in sorted(values):
            frames.append(
                pd.DataFrame(
                    {
                        "model": result.model.name,
                        "revision": result.model.revision,
                        "task": result.task.name,
                        "task_version": result.task.version,
                        "split": result.split,
                        "query_index": np.arange(n),
                        "query_id": pd.array(ids, dtype="string"),
                        "metric": metric,
                        "value": values[metric],
                    }
                )
            )
    if not frames:
        raise WorkBenchError(f"{results_dir}: no official result file to export")
    table = pd.concat(frames, ignore_index=True)
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(out_path, index=False)
    report.written.append(Path(out_path))
    return report


def task_tables(dataset) -> dict[str, list[dict]]:
    """corpus, queries, qrels and excluded rows of a ranking dataset (ids as strings)."""
    qids, tids = [str(q) for q in dataset.query_ids], [str(t) for t in dataset.target_ids]

    def pairs(matrix, with_score: bool) -> list[dict]:
        coo = matrix.tocoo()
        order = np.lexsort((coo.col, coo.row))
        rows = []
        for i in order:
            row = {"query-id": qids[coo.row[i]], "corpus-id": tids[coo.col[i]]}
            if with_score:
                grade = float(coo.data[i])
                row["score"] = int(grade) if grade.is_integer() else grade
            rows.append(row)
        return rows

    return {
        "corpus": [{"_id": t, "title": "", "text": str(x)} for t, x in zip(tids, dataset.target_texts, strict=True)],
        "queries": [{"_id": q, "text": str(x)} for q, x in zip(qids, dataset.query_texts, strict=True)],
        "qrels": pairs(dataset.relevance, True),
        "excluded": pairs(dataset.excluded, False) if dataset.excluded is not None else [],
    }


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _tsv(rows: list[dict], columns: list[str]) -> bytes:
    lines = ["\t".join(columns)] + ["\t".join(str(r[c]) for c in columns) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def export_task(task, split: str, out_dir: Path, fmt: str) -> Path:
    """Write one split of `task` (a workbench.running.task.Task) to `out_dir` in format `fmt` (hf or beir)."""
    if fmt not in TASK_FORMATS:
        raise WorkBenchError(f"--format {fmt!r}: expected one of {', '.join(TASK_FORMATS)}")
    tables = task_tables(task.dataset(split))
    out_dir = Path(out_dir)
    if fmt == "beir":
        atomic_write_bytes(out_dir / "corpus.jsonl", _jsonl(tables["corpus"]))
        atomic_write_bytes(out_dir / "queries.jsonl", _jsonl(tables["queries"]))
        atomic_write_bytes(
            out_dir / "qrels" / f"{split}.tsv", _tsv(tables["qrels"], ["query-id", "corpus-id", "score"])
        )
        if tables["excluded"]:
            atomic_write_bytes(
                out_dir / "qrels" / f"{split}.excluded.tsv", _tsv(tables["excluded"], ["query-id", "corpus-id"])
            )
        return out_dir
    from datasets import Dataset, DatasetDict, Features, Value

    features = {
        "corpus": Features({"_id": Value("string"), "title": Value("string"), "text": Value("string")}),
        "queries": Features({"_id": Value("string"), "text": Value("string")}),
        "qrels": Features({"query-id": Value("string"), "corpus-id": Value("string"), "score": Value("float64")}),
        "excluded": Features({"query-id": Value("string"), "corpus-id": Value("string")}),
    }
    # an empty dataset does not load back from disk (datasets 5): the excluded part is left out when empty
    parts = {
        name: Dataset.from_list(rows, features=features[name])
        for name, rows in tables.items()
        if rows or name != "excluded"
    }
    DatasetDict(parts).save_to_disk(str(out_dir))
    return out_dir


__all__ = [
    "RESULT_FORMATS",
    "TASK_FORMATS",
    "ExportReport",
    "export_results_mteb",
    "export_results_parquet",
    "export_task",
    "mteb_model_meta",
    "mteb_task_result",
    "task_tables",
]
