"""WorkBench against WorkRB 0.6.0 on the same ESCO tasks and model: MAP, wall time, peak memory.

    python benchmarks/vs_workrb.py [--tasks job2skill,skill2job,skillnorm] [--bm25-skillnorm-queries 4000]

What runs (one child process at a time; each child's peak RSS is its ru_maxrss from wait4; the
parent kills a child whose machine runs short of memory, and prints so):

* WorkRB: a separate venv (default .cache/workrb-venv, created with `pip install workrb==0.6.0
  torch==2.13.0` when missing). WorkRB's ESCO tasks read skills_en.csv, occupations_en.csv and
  occupationSkillRelations_en.csv (ESCO v1.2 file names) from <user cache>/wteb/esco/<version>/Language.EN
  (sic: a str-Enum in a path);
  its download cannot run here, so the parent copies those CSVs out of the shared data directory's
  ESCO v1.1.1 zips into a temporary XDG_CACHE_HOME (v1.1.1 ships the relations as
  occupationSkillRelations.csv in the language-less zip, with the columns WorkRB reads). The child
  (_workrb_child.py) evaluates exactly as WorkRB's RankingTask.evaluate: full prediction matrix,
  then its metrics; it also saves the task's exact query / target / positive lists.
* WorkBench on WorkRB's lists ("like for like"): the same queries, targets and positives through
  workbench.scoring.matrix.score_dataset (embedding cache, blocked scoring, evaluate_scores), cold (fresh
  cache) and warm (same cache); the warm child also times evaluate_scores alone on the same scores.
* WorkBench's own task (`workbench run --split full`, the CLI), cold and warm: its task construction
  differs (printed sizes; see the notes at the end).

Same metrics on both sides: map, rp@10, mrr, ndcg@10, recall@10. Model: all-MiniLM-L6-v2 from the
local folder workbench.models.weights.minilm_folder() on both sides; BM25: WorkRB's rank_bm25
Okapi vs WorkBench's bm25s (different tokenisers: MAP differs by design).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve()
METRICS = ["map", "rp@10", "mrr", "ndcg@10", "recall@10"]
OUR_TASK = {"job2skill": "esco-job2skill", "skill2job": "esco-skill2job", "skillnorm": "esco-skillnorm"}
OUR_MODEL = {"minilm": "all-MiniLM-L6-v2", "bm25": "bm25"}
ESCO_DIR = "esco/v1.1.1"
CLASSIFICATION = "ESCO dataset - v1.1.1 - classification - en - csv.zip"
RELATIONS = "ESCO dataset - v1.1.1 - classification -  - csv.zip"
REFERENCE = (
    "reference measured earlier on this machine (WorkRB, all-MiniLM-L6-v2, ESCO v1.1.1): Job2Skill 38 s, "
    "Skill2Job 34 s, SkillNorm 300 s and 15.7 GB peak RSS; TF-IDF SkillNorm 22.5 GB (not rerun: it would "
    "not fit beside the other users of this 24 GiB machine); BM25 SkillNorm 676 s"
)


# ----------------------------------------------------------------------------------- children (ours)
def child_ours(lists_path: str, model_key: str, cache_dir: str, out_path: str, metrics_only: str) -> None:
    """WorkBench's scoring path on WorkRB's exact lists; with metrics_only=1 also time evaluate_scores alone."""
    started = time.perf_counter()
    import numpy as np
    import pandas as pd

    from workbench.caches.embeddings import CachedModel
    from workbench.caches.model_memo import lazy_model
    from workbench.dataset.ranking import RankingDataset
    from workbench.metrics import evaluate_scores
    from workbench.models.registry import load_model
    from workbench.scoring.matrix import DEFAULT_BLOCK_BYTES, _unit_rows, score_dataset

    lists = json.loads(Path(lists_path).read_text(encoding="utf-8"))
    queries = pd.DataFrame({"id": [f"q{i}" for i in range(len(lists["queries"]))], "text": lists["queries"]})
    targets = pd.DataFrame({"id": [f"t{j}" for j in range(len(lists["targets"]))], "text": lists["targets"]})
    pairs = [(f"q{i}", f"t{j}") for i, pos in enumerate(lists["positives"]) for j in pos]
    qrels = pd.DataFrame(pairs, columns=["query_id", "target_id"])
    # WorkRB already merged duplicate query texts; keep everything as given
    ds = RankingDataset.build(
        queries, targets, qrels, duplicate_queries="keep", duplicate_targets="keep", origin="WorkRB lists"
    )
    # as `workbench run` does: a model whose embeddings are all cached is not loaded (see caches.model_memo)
    model = lazy_model(OUR_MODEL[model_key], load_model, Path(cache_dir))
    if model.info.kind == "embedding":  # as Task.evaluate does: the embedding cache around the model
        model = CachedModel(model, Path(cache_dir) / "embeddings")
    t0 = time.perf_counter()
    scored = score_dataset(model, ds, query_type="x", target_type="y", group=None, metrics=METRICS, progress=False)
    evaluated = time.perf_counter()
    out = {
        "scores": {m: float(v.mean()) for m, v in scored.per_query.items()},
        "queries": ds.n_queries,
        "targets": ds.n_targets,
        "positives": ds.n_positives,
        "dropped": ds.stats,
        "encode_or_index_seconds": scored.encode_seconds,
        "scoring_seconds": scored.scoring_seconds,
        "evaluate_seconds": evaluated - t0,
        "setup_seconds": t0 - started,
    }
    if metrics_only == "1":
        # the same score blocks as score_dataset; only the evaluate_scores calls are timed
        if model.info.kind == "embedding":
            q = model.encode(ds.query_texts.tolist(), role="query", input_type="x", group=None)
            t = model.encode(ds.target_texts.tolist(), role="target", input_type="y", group=None)
            q, t_T = _unit_rows(q), np.ascontiguousarray(_unit_rows(t).T)
            block = lambda a, b: q[a:b] @ t_T  # noqa: E731
        else:
            index = model.index(ds.target_texts.tolist(), target_type="y")
            texts = ds.query_texts.tolist()
            block = lambda a, b: np.asarray(model.score(texts[a:b], index, query_type="x"))  # noqa: E731
        rows = max(1, DEFAULT_BLOCK_BYTES // (4 * ds.n_targets))
        metric_s = 0.0
        for a in range(0, ds.n_queries, rows):
            scores = block(a, min(a + rows, ds.n_queries))
            m0 = time.perf_counter()
            evaluate_scores(scores, ds.relevance[a : a + rows], METRICS)
            metric_s += time.perf_counter() - m0
        out["metrics_only_seconds"] = metric_s
    out["in_process_seconds"] = time.perf_counter() - started
    Path(out_path).write_text(json.dumps(out))


# ------------------------------------------------------------------------------------------ parent
class Measured:
    def __init__(self, wall, rc, maxrss, killed, stdout, stderr):
        self.wall, self.rc, self.maxrss, self.killed, self.stdout, self.stderr = (
            wall,
            rc,
            maxrss,
            killed,
            stdout,
            stderr,
        )


def run_measured(cmd: list[str], env: dict, timeout: float, min_available: int, log_dir: Path, name: str) -> Measured:
    """Run one child; its wall time and peak RSS (ru_maxrss via wait4); killed on timeout or when the
    machine's available memory falls below min_available bytes (other people use this machine)."""
    import psutil

    out_f, err_f = open(log_dir / f"{name}.out", "w"), open(log_dir / f"{name}.err", "w")  # noqa: SIM115 - the child writes them; closed below
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=out_f, stderr=err_f, cwd=REPO)
    killed = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - t0 > timeout:
            killed = f"timeout after {timeout:.0f} s"
        elif psutil.virtual_memory().available < min_available:
            killed = f"machine short of memory ({psutil.virtual_memory().available / 2**30:.1f} GiB available)"
        if killed:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    out_f.close(), err_f.close()
    return Measured(
        wall,
        proc.returncode,
        usage.ru_maxrss * 1024,
        killed,
        (log_dir / f"{name}.out").read_text(),
        (log_dir / f"{name}.err").read_text(),
    )


def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import importlib.metadata as m; print(m.version('workrb'))"]
    if python.exists() and subprocess.run(probe, capture_output=True, text=True).stdout.strip() == "0.6.0":
        return python
    print(f"creating {venv} and installing workrb==0.6.0 torch==2.13.0 (CPU wheel) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "workrb==0.6.0", "torch==2.13.0"], check=True)
    return python


def fill_workrb_esco_cache(data_dir: Path, xdg_cache: Path) -> Path:
    """WorkRB reads <XDG_CACHE_HOME>/wteb/esco/<version>/<language>/{skills,occupations,occupationSkillRelations}_en.csv.

    <language> is `base_path / version / self.language` with a str-Enum member, which Python 3.11's
    pathlib renders as "Language.EN" (not "en"): the files go there, and "en" links to it."""
    target = xdg_cache / "wteb" / "esco" / "1.1.1" / "Language.EN"
    target.mkdir(parents=True, exist_ok=True)
    if not (target.parent / "en").exists():
        (target.parent / "en").symlink_to(target.name)
    esco = data_dir / ESCO_DIR
    copies = [
        (esco / CLASSIFICATION, "skills_en.csv", "skills_en.csv"),
        (esco / CLASSIFICATION, "occupations_en.csv", "occupations_en.csv"),
        (esco / RELATIONS, "occupationSkillRelations.csv", "occupationSkillRelations_en.csv"),
    ]
    for archive, member, name in copies:
        with zipfile.ZipFile(archive) as zf, zf.open(member) as src, open(target / name, "wb") as dst:
            shutil.copyfileobj(src, dst)
    header = (target / "occupationSkillRelations_en.csv").open(encoding="utf-8").readline()
    missing = [c for c in ("occupationUri", "relationType", "skillUri") if c not in header]
    if missing:
        raise SystemExit(f"v1.1.1 relations lack the columns WorkRB reads: {missing}")
    return target


def fmt_scores(scores: dict) -> str:
    return " ".join(f"{m}={scores[m]:.4f}" for m in METRICS if m in scores)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-ours":
        return child_ours(*sys.argv[2:7])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default="job2skill,skill2job,skillnorm")
    ap.add_argument(
        "--skillnorm-queries",
        type=int,
        default=20000,
        help="MiniLM SkillNorm on this prefix of WorkRB's test queries, both sides (0 = all; WorkRB then "
        "peaks near 16 GB); WorkRB's whole-split time is extrapolated",
    )
    ap.add_argument(
        "--bm25-skillnorm-queries",
        type=int,
        default=4000,
        help="WorkRB BM25 SkillNorm runs on this many queries (extrapolated; 0 = skip BM25)",
    )
    ap.add_argument(
        "--native",
        default="job2skill,skill2job",
        help="tasks whose WorkBench task file (full split) also runs through `workbench run`, cold and warm",
    )
    ap.add_argument("--venv", default=str(REPO / ".cache" / "workrb-venv"))
    ap.add_argument("--data-dir", default=os.environ.get("WORKBENCH_DATA_DIR", str(REPO.parent / "shared" / "data")))
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per child")
    ap.add_argument("--min-available-gib", type=float, default=1.5, help="kill a child when the machine has less free")
    args = ap.parse_args()

    from workbench.models.weights import minilm_folder

    python_wrb = ensure_venv(Path(args.venv))
    work = Path(tempfile.mkdtemp(prefix="wb-vs-workrb-"))
    logs = work / "logs"
    logs.mkdir()
    fill_workrb_esco_cache(Path(args.data_dir), work / "xdg")
    base_env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "WORKBENCH_DATA_DIR": args.data_dir,
    }
    wrb_env = {**base_env, "XDG_CACHE_HOME": str(work / "xdg")}
    min_avail = int(args.min_available_gib * 2**30)
    print(
        f"machine: {os.cpu_count()} CPUs, 24 GiB, shared with other users; load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} at start; WorkRB venv {args.venv}; work folder {work}"
    )

    runs = [("minilm", t, args.skillnorm_queries if t == "skillnorm" else 0) for t in args.tasks.split(",") if t]
    if args.bm25_skillnorm_queries and "skillnorm" in args.tasks:
        runs.append(("bm25", "skillnorm", args.bm25_skillnorm_queries))
    summary = []
    for model_key, task, limit in runs:
        tag = f"{model_key}-{task}"
        print(
            f"\n=== {OUR_MODEL[model_key]} on {task} "
            f"{f'(WorkRB: first {limit} queries of its test split)' if limit else ''} ===",
            flush=True,
        )
        lists, wrb_out = work / f"{tag}-lists.json", work / f"{tag}-workrb.json"
        wrb = run_measured(
            [
                str(python_wrb),
                str(HERE.parent / "_workrb_child.py"),
                task,
                model_key,
                str(minilm_folder()),
                ",".join(METRICS),
                str(wrb_out),
                str(lists),
                str(limit),
            ],
            wrb_env,
            args.timeout,
            min_avail,
            logs,
            f"{tag}-workrb",
        )
        if wrb.rc != 0 or not wrb_out.exists():
            print(
                f"WorkRB child failed (rc {wrb.rc}{', ' + wrb.killed if wrb.killed else ''}); peak RSS "
                f"{wrb.maxrss / 2**30:.2f} GiB; stderr tail:\n{wrb.stderr[-1500:]}"
            )
            continue
        w = json.loads(wrb_out.read_text())
        print(
            f"WorkRB    : {w['queries']:,} queries x {w['targets']:,} targets, {w['positives']:,} positives; "
            f"{fmt_scores(w['scores'])}"
        )
        print(
            f"            child {wrb.wall:.1f} s wall (imports {w['import_seconds']:.1f}, task load {w['task_load_seconds']:.1f}, "
            f"model load {w['model_load_seconds']:.1f}, prediction matrix {w['predict_seconds']:.1f}, metrics "
            f"{w['metrics_seconds']:.1f}); peak RSS {wrb.maxrss / 2**30:.2f} GiB",
            flush=True,
        )

        cache = work / f"{tag}-cache"
        ours = {}
        for phase in ("cold", "warm"):
            out = work / f"{tag}-ours-{phase}.json"
            m = run_measured(
                [
                    sys.executable,
                    str(HERE),
                    "--child-ours",
                    str(lists),
                    model_key,
                    str(cache),
                    str(out),
                    "1" if phase == "warm" else "0",
                ],
                base_env,
                args.timeout,
                min_avail,
                logs,
                f"{tag}-ours-{phase}",
            )
            if m.rc != 0:
                raise SystemExit(f"our child failed ({m.killed or m.rc}):\n{m.stderr[-3000:]}")
            ours[phase] = (m, json.loads(out.read_text()))
        (mc, oc), (mw, ow) = ours["cold"], ours["warm"]
        print(
            f"WorkBench on WorkRB's lists: {oc['queries']:,} x {oc['targets']:,}, {oc['positives']:,} positives; "
            f"{fmt_scores(oc['scores'])}"
        )
        print(
            f"            cold child {mc.wall:.1f} s wall (encode/index {oc['encode_or_index_seconds']:.1f}, scoring+metrics "
            f"{oc['scoring_seconds']:.1f}), peak RSS {mc.maxrss / 2**30:.2f} GiB; warm child {mw.wall:.1f} s wall "
            f"(encode/index {ow['encode_or_index_seconds']:.1f}, scoring+metrics {ow['scoring_seconds']:.1f}), "
            f"peak RSS {mw.maxrss / 2**30:.2f} GiB; evaluate_scores alone {ow['metrics_only_seconds']:.2f} s"
        )
        d_map = oc["scores"]["map"] - w["scores"]["map"]
        row = {
            "run": f"{OUR_MODEL[model_key]} {task}",
            "limit": limit,
            "workrb_wall": wrb.wall,
            "cold_wall": mc.wall,
            "warm_wall": mw.wall,
            "workrb_rss": wrb.maxrss,
            "cold_rss": mc.maxrss,
            "warm_rss": mw.maxrss,
            "workrb_metrics": w["metrics_seconds"],
            "our_metrics": ow["metrics_only_seconds"],
            "workrb_map": w["scores"]["map"],
            "like_map": oc["scores"]["map"],
            "workrb_fixed": w["import_seconds"] + w["model_load_seconds"],
        }
        print(
            f"  like-for-like MAP: WorkRB {w['scores']['map']:.4f} vs WorkBench {oc['scores']['map']:.4f} "
            f"(diff {d_map:+.4f})"
        )
        print(
            f"  ratios: cold {wrb.wall / mc.wall:.1f}x faster, warm {wrb.wall / mw.wall:.1f}x faster (whole child "
            f"processes); peak memory {mc.maxrss / wrb.maxrss:.3f}x of WorkRB's ({wrb.maxrss / mc.maxrss:.1f}x less); "
            f"metric computation {w['metrics_seconds'] / ow['metrics_only_seconds']:.0f}x faster",
            flush=True,
        )

        if task in args.native.split(",") and not limit:
            cli = [
                sys.executable,
                "-m",
                "workbench.fronts.cli",
                "run",
                "--model",
                OUR_MODEL[model_key],
                "--tasks",
                OUR_TASK[task],
                "--split",
                "full",
                "--no-progress",
            ]
            native_env = {**base_env, "WORKBENCH_CACHE_DIR": str(work / f"{tag}-native-cache")}
            native = {}
            for phase in ("cold", "warm"):
                outdir = work / f"{tag}-native-{phase}"
                m = run_measured(
                    cli + ["--output", str(outdir)], native_env, args.timeout, min_avail, logs, f"{tag}-native-{phase}"
                )
                if m.rc != 0:
                    raise SystemExit(f"workbench run failed ({m.killed or m.rc}):\n{m.stderr[-3000:]}")
                result = json.loads(next(outdir.rglob("*.json")).read_text())
                native[phase] = (m, result)
            (nc, rc_), (nw, _) = native["cold"], native["warm"]
            print(
                f"WorkBench task {OUR_TASK[task]} [full]: {rc_['sizes']['queries']:,} x {rc_['sizes']['targets']:,}, "
                f"{rc_['sizes']['positives']:,} positives; {fmt_scores(rc_['scores'])}"
            )
            print(
                f"            `workbench run` cold {nc.wall:.1f} s (peak RSS {nc.maxrss / 2**30:.2f} GiB), warm "
                f"{nw.wall:.1f} s (peak RSS {nw.maxrss / 2**30:.2f} GiB): {wrb.wall / nc.wall:.1f}x / "
                f"{wrb.wall / nw.wall:.1f}x faster than WorkRB on its own task",
                flush=True,
            )
            row.update(native_map=rc_["scores"]["map"], native_cold=nc.wall, native_warm=nw.wall, native_rss=nc.maxrss)
        if limit and model_key == "minilm":
            # WorkRB ran a prefix: its query encoding and metrics scale with the queries, the rest is fixed
            n_full = len(json.loads(Path(str(lists) + ".full.json").read_text())["queries"])
            q_encode = w["encode_calls"][0][1]
            extrapolated = wrb.wall + (q_encode + w["metrics_seconds"]) * (n_full / w["queries"] - 1)
            ours_extra = mc.wall + (
                oc["encode_or_index_seconds"]
                * w["encode_calls"][0][0]
                / (w["encode_calls"][0][0] + w["encode_calls"][1][0])
                + oc["scoring_seconds"]
            ) * (n_full / w["queries"] - 1)
            print(
                f"  whole WorkRB test split ({n_full:,} queries), extrapolated the same way on both sides: WorkRB "
                f"{extrapolated:.0f} s (reference: 300 s measured, 15.7 GB), WorkBench cold {ours_extra:.0f} s -> "
                f"{extrapolated / ours_extra:.1f}x",
                flush=True,
            )
            row.update(
                full_queries_minilm=n_full, workrb_extrapolated_minilm=extrapolated, ours_extrapolated_minilm=ours_extra
            )
        elif limit:
            # WorkRB ran a prefix of the queries: fixed costs once, per-query costs scaled to the whole split
            full_lists = Path(str(lists) + ".full.json")
            n_full = len(json.loads(full_lists.read_text())["queries"]) if full_lists.exists() else None
            if n_full:
                per_query = (w["predict_seconds"] + w["metrics_seconds"]) / w["queries"]
                extrapolated = wrb.wall + per_query * (n_full - w["queries"])
                out = work / f"{tag}-ours-full.json"
                m = run_measured(
                    [
                        sys.executable,
                        str(HERE),
                        "--child-ours",
                        str(full_lists),
                        model_key,
                        str(work / f"{tag}-cache-full"),
                        str(out),
                        "0",
                    ],
                    base_env,
                    args.timeout,
                    min_avail,
                    logs,
                    f"{tag}-ours-full",
                )
                if m.rc != 0:
                    raise SystemExit(f"our child failed ({m.killed or m.rc}):\n{m.stderr[-3000:]}")
                of = json.loads(out.read_text())
                print(
                    f"  whole WorkRB test split ({n_full:,} queries): WorkRB extrapolated {extrapolated:.0f} s "
                    f"(reference: 676 s measured); WorkBench measured {m.wall:.1f} s wall (index {of['encode_or_index_seconds']:.1f}, "
                    f"scoring+metrics {of['scoring_seconds']:.1f}), peak RSS {m.maxrss / 2**30:.2f} GiB, "
                    f"{fmt_scores(of['scores'])} -> {extrapolated / m.wall:.0f}x faster than extrapolated, "
                    f"{676 / m.wall:.0f}x faster than the reference",
                    flush=True,
                )
                row.update(
                    full_queries=n_full, workrb_extrapolated=extrapolated, ours_full=m.wall, ours_full_rss=m.maxrss
                )
        summary.append(row)

    together = run_tasks_together(summary, args, base_env, min_avail, logs, work)

    print(f"\nload average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("\nsummary (whole child processes; peak = ru_maxrss of each child)")
    print(
        f"{'run':<32} {'WorkRB s':>9} {'cold s':>8} {'warm s':>8} {'cold x':>7} {'warm x':>7} "
        f"{'WorkRB GiB':>10} {'ours GiB':>9} {'metrics x':>9}"
    )
    for r in summary:
        print(
            f"{r['run'] + (' ({} q)'.format(r['limit']) if r['limit'] else ''):<32} {r['workrb_wall']:9.1f} {r['cold_wall']:8.1f} "
            f"{r['warm_wall']:8.1f} {r['workrb_wall'] / r['cold_wall']:7.1f} {r['workrb_wall'] / r['warm_wall']:7.1f} "
            f"{r['workrb_rss'] / 2**30:10.2f} {max(r['cold_rss'], r['warm_rss']) / 2**30:9.2f} "
            f"{r['workrb_metrics'] / r['our_metrics']:9.0f}"
        )
    for r in summary:
        if "full_queries" in r:
            print(
                f"{r['run']} whole test split ({r['full_queries']:,} queries): WorkRB extrapolated "
                f"{r['workrb_extrapolated']:.0f} s (reference 676 s) vs WorkBench {r['ours_full']:.1f} s = "
                f"{r['workrb_extrapolated'] / r['ours_full']:.0f}x ({676 / r['ours_full']:.0f}x vs the reference); "
                f"WorkBench peak RSS {r['ours_full_rss'] / 2**30:.2f} GiB"
            )
        if "full_queries_minilm" in r:
            print(
                f"{r['run']} whole test split ({r['full_queries_minilm']:,} queries), extrapolated from the prefix: WorkRB "
                f"{r['workrb_extrapolated_minilm']:.0f} s (reference 300 s) vs WorkBench cold {r['ours_extrapolated_minilm']:.0f} s "
                f"= {r['workrb_extrapolated_minilm'] / r['ours_extrapolated_minilm']:.1f}x"
            )
        if "native_cold" in r:
            print(
                f"{r['run']}: WorkBench's own task (full split) MAP {r['native_map']:.4f} vs WorkRB {r['workrb_map']:.4f} "
                f"(like-for-like on WorkRB's lists: {r['like_map']:.4f}); `workbench run` cold {r['native_cold']:.1f} s, "
                f"warm {r['native_warm']:.1f} s, peak RSS {r['native_rss'] / 2**30:.2f} GiB"
            )
    if together:
        print(together)
    print(REFERENCE)
    shutil.rmtree(work, ignore_errors=True)


def run_tasks_together(summary: list[dict], args, base_env: dict, min_avail: int, logs: Path, work: Path) -> str | None:
    """The MiniLM tasks as one `workbench run` (the way a leaderboard run goes: one process, one embedding
    cache, so a skill that is job2skill's target, skill2job's query and skillnorm's target is encoded once)
    against the sum of WorkRB's per-task runs (each encodes its own texts); skillnorm's WorkRB time is the
    whole-split extrapolation when it ran on a prefix. Ours runs WorkBench's task files (full split)."""
    rows = {r["run"].split()[-1]: r for r in summary if r["run"].startswith(OUR_MODEL["minilm"])}
    tasks = [t for t in args.tasks.split(",") if t in rows]
    if len(tasks) < 2:
        return None
    # WorkRB can also take several tasks in one call: its imports and model load would be paid once
    fixed = sorted(rows[t]["workrb_fixed"] for t in tasks)
    workrb = sum(rows[t].get("workrb_extrapolated_minilm", rows[t]["workrb_wall"]) for t in tasks) - sum(fixed[:-1])
    cli = [
        sys.executable,
        "-m",
        "workbench.fronts.cli",
        "run",
        "--model",
        OUR_MODEL["minilm"],
        "--tasks",
        ",".join(OUR_TASK[t] for t in tasks),
        "--split",
        "full",
        "--no-progress",
    ]
    env = {**base_env, "WORKBENCH_CACHE_DIR": str(work / "together-cache")}
    print(f"\n=== {OUR_MODEL['minilm']} on {', '.join(tasks)} in one `workbench run` (full split) ===", flush=True)
    walls = {}
    for phase in ("cold", "warm"):
        m = run_measured(
            cli + ["--output", str(work / f"together-{phase}")], env, args.timeout, min_avail, logs, f"together-{phase}"
        )
        if m.rc != 0:
            raise SystemExit(f"workbench run failed ({m.killed or m.rc}):\n{m.stderr[-3000:]}")
        walls[phase] = m
    cold, warm = walls["cold"], walls["warm"]
    line = (
        f"{' + '.join(tasks)} together: WorkRB {workrb:.0f} s (sum of its per-task runs less {sum(fixed[:-1]):.1f} s "
        f"of repeated imports and model loads"
        f"{', skillnorm extrapolated to its whole test split' if 'workrb_extrapolated_minilm' in rows.get('skillnorm', {}) else ''}) "
        f"vs one `workbench run` cold {cold.wall:.1f} s (peak RSS {cold.maxrss / 2**30:.2f} GiB) = "
        f"{workrb / cold.wall:.2f}x faster (goal >= 2x), warm {warm.wall:.1f} s = {workrb / warm.wall:.0f}x (goal >= 20x)"
    )
    print(line, flush=True)
    return line


if __name__ == "__main__":
    main()
