"""Overhead of a whole `workbench run` over a suite against the physical limit: encoding every
unique text of the suite once with the model.

    python benchmarks/suite_overhead.py --model all-MiniLM-L6-v2 --suite workbench-core [--split test]
                                        [--limit-tasks esco-job2skill,esco-skill2job]
    python benchmarks/suite_overhead.py --throughput all-MiniLM-L6-v2,all-mpnet-base-v2,multilingual-e5-small

Three child processes, one after the other (the machine may be shared: the load average is printed):

1. pure encode: load the model, gather the texts every task of the suite would encode (data loading
   not timed), then time one `model.encode` call over the unique (prompt, text) pairs: each text
   encoded exactly once, in one call (the model sorts by length and batches as it likes);
2. cold run: `workbench run` (the real CLI, in a fresh interpreter) with a fresh, empty cache folder
   (embeddings, data checksums and parsed tables all cold) and a fresh output folder;
3. warm run: the same command again with a fresh output folder but the same cache.

Runs 2 and 3 wrap the model's `encode` with a timer (nothing else changes), so the share of the
run spent outside the model's encode is measured, not inferred. Everything is wall time of the
child process from its start (imports and model loading included) unless said otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
TIMER_FILE_ENV = "WORKBENCH_BENCH_ENCODE_TIMER"


# --------------------------------------------------------------------------- timed encode (children)
def _install_encode_timer() -> dict:
    """Wrap encode of every model the registry builds: seconds and texts inside the model's encode."""
    import workbench.models.registry as registry

    totals = {"encode_seconds": 0.0, "encode_calls": 0, "texts": 0}
    original_load = registry.load_model

    def load_model(spec, **settings):
        model = original_load(spec, **settings)
        if getattr(getattr(model, "info", None), "kind", None) == "embedding":
            inner = model.encode

            def encode(texts, **kw):
                t0 = time.perf_counter()
                try:
                    return inner(texts, **kw)
                finally:
                    totals["encode_seconds"] += time.perf_counter() - t0
                    totals["encode_calls"] += 1
                    totals["texts"] += len(texts)

            model.encode = encode
        return model

    registry.load_model = load_model
    return totals


def child_cli(argv: list[str]) -> None:
    """`workbench ARGV` in this interpreter, with the encode timer; totals go to $TIMER_FILE_ENV."""
    started = time.perf_counter()
    totals = _install_encode_timer()
    from workbench.fronts.cli.main import main as cli_main

    code = 0
    try:
        cli_main.main(args=argv, prog_name="workbench", standalone_mode=False)
    except SystemExit as exit_:
        code = exit_.code or 0
    finally:
        totals["in_process_seconds"] = time.perf_counter() - started
        totals["cpu_seconds"] = time.process_time()
        totals["maxrss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        Path(os.environ[TIMER_FILE_ENV]).write_text(json.dumps(totals))
    sys.exit(code)


def suite_texts(model, specs, split: str, data_dir: str | None):
    """Unique texts per prompt of the suite ({prompt: (role, input_type, group) that gives it, texts}),
    and how many (namespace, text) pairs a run encodes (the embedding cache keys by model, role,
    input type and prompt)."""
    from workbench.running.task import Task

    physical: dict[str, tuple[tuple, dict[str, None]]] = {}
    per_namespace: set = set()  # what a run with one cache per role and input type would encode
    for spec in specs:
        if spec.splits.available and split not in spec.splits.available:
            continue
        ds = Task(spec, data_dir=data_dir).dataset(split)
        for role, input_type, texts in (
            ("query", spec.query_type, ds.query_texts),
            ("target", spec.target_type, ds.target_texts),
        ):
            prompt = model.prompt_for(role=role, input_type=input_type, group=spec.group) or ""
            _, seen = physical.setdefault(prompt, ((role, input_type, spec.group), {}))
            for text in texts.tolist():
                seen.setdefault(text, None)
                per_namespace.add((role, input_type, prompt, text))
    return physical, len(per_namespace)


def child_pure(model_name: str, tasks: str, split: str, out: str, sample: str = "0") -> None:
    started = time.perf_counter()
    from workbench.models.registry import load_model
    from workbench.taskfiles.catalog import resolve_task_list

    model = load_model(model_name)
    loaded = time.perf_counter()
    by_prompt, run_count = suite_texts(model, resolve_task_list(tasks), split, None)
    if int(sample):  # throughput: an even stride through the suite's texts (short labels and long sentences)
        total = sum(len(t) for _, t in by_prompt.values())
        stride = max(1, total // int(sample))
        by_prompt = {p: (how, dict.fromkeys(list(texts)[::stride])) for p, (how, texts) in by_prompt.items()}
    gathered = time.perf_counter()
    # one encode call per prompt, through the model's own encode (role, input type and group chosen
    # so that the model applies that prompt): every unique text exactly once
    c0, w0 = time.process_time(), time.perf_counter()
    for (role, input_type, group), texts in by_prompt.values():
        model.encode(list(texts), role=role, input_type=input_type, group=group)
    encode_wall, encode_cpu = time.perf_counter() - w0, time.process_time() - c0
    Path(out).write_text(
        json.dumps(
            {
                "unique_texts": sum(len(t) for _, t in by_prompt.values()),
                "run_encodes": run_count,
                "prompts": len(by_prompt),
                "model_load_seconds": loaded - started,
                "gather_seconds": gathered - loaded,
                "encode_seconds": encode_wall,
                "encode_cpu_seconds": encode_cpu,
                "maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            }
        )
    )


# ------------------------------------------------------------------------------------------ parent
CHILD_CPU: list[float] = []  # CPU seconds (user + system) of each child, in order


def run_child(args: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(HERE), *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CHILD_CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"child {args[:3]} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return wall, done


def load_text() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def throughput(models: list[str], tasks: str, split: str, sample: int) -> None:
    """texts/s of each model's encode on the same sample of the suite's texts (model loading not counted)."""
    print(f"machine: {os.cpu_count()} CPUs shared with other users; load average {load_text()} at start")
    from workbench.models.registry import registered_models

    scoring = {row["name"] for row in registered_models() if row["kind"] == "scoring"}
    print(f"{'model':<26} {'texts':>6} {'wall s':>7} {'CPU s':>7} {'texts/s':>8}  model load s")
    with tempfile.TemporaryDirectory(prefix="wb-throughput-") as work:
        for name in models:
            if name in scoring:
                print(f"{name:<26} a scoring model: no encode step")
                continue
            out = Path(work) / f"{len(CHILD_CPU)}.json"
            env = {**os.environ, "WORKBENCH_CACHE_DIR": str(Path(work) / "cache"), "HF_HUB_OFFLINE": "1"}
            run_child(["--child-pure", name, tasks, split, str(out), str(sample)], env)
            r = json.loads(out.read_text())
            print(
                f"{name:<26} {r['unique_texts']:>6,} {r['encode_seconds']:>7.1f} {r['encode_cpu_seconds']:>7.1f} "
                f"{r['unique_texts'] / r['encode_seconds']:>8,.0f}  {r['model_load_seconds']:.1f}",
                flush=True,
            )
    print(f"load average {load_text()} at the end")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-cli":
        return child_cli(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] == "--child-pure":
        return child_pure(*sys.argv[2:7])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="the model of the overhead measurement")
    ap.add_argument("--suite", default="workbench-core")
    ap.add_argument("--limit-tasks", default=None, help="comma-separated task names: only these (of the suite)")
    ap.add_argument("--split", default="test")
    ap.add_argument("--keep", action="store_true", help="keep the temporary cache and output folders")
    ap.add_argument(
        "--throughput",
        metavar="MODELS",
        default=None,
        help="instead: encode throughput (texts/s) of each of these comma-separated models on a sample of "
        "the suite's texts, one fresh process each",
    )
    ap.add_argument("--sample", type=int, default=2000, help="texts per model for --throughput")
    args = ap.parse_args()

    from workbench.taskfiles.catalog import resolve_task_list

    specs = resolve_task_list(args.suite)
    if args.limit_tasks:
        wanted = [t.strip() for t in args.limit_tasks.split(",") if t.strip()]
        missing = sorted(set(wanted) - {s.name for s in specs})
        if missing:
            raise SystemExit(f"--limit-tasks: not in suite {args.suite}: {missing}")
        specs = [s for s in specs if s.name in wanted]
    tasks = ",".join(s.name for s in specs)
    if not args.throughput and not args.model:
        ap.error("--model (or --throughput MODELS) is required")
    if args.throughput:
        return throughput([m.strip() for m in args.throughput.split(",") if m.strip()], tasks, args.split, args.sample)
    work = Path(tempfile.mkdtemp(prefix="wb-suite-overhead-"))
    cache, timer = work / "cache", work / "timer.json"
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(cache), TIMER_FILE_ENV: str(timer), "HF_HUB_OFFLINE": "1"}
    print(f"machine: {os.cpu_count()} CPUs shared with other users; load average {load_text()} at start")
    print(f"model {args.model}; {len(specs)} tasks ({tasks}); split {args.split}; cache {cache} (fresh)")
    try:
        pure_file = work / "pure.json"
        _pure_wall, _ = run_child(
            ["--child-pure", args.model, tasks, args.split, str(pure_file)],
            {**env, "WORKBENCH_CACHE_DIR": str(work / "pure-cache")},
        )
        pure = json.loads(pure_file.read_text())
        print(f"load average {load_text()} after the pure encode")
        cli = ["run", "--model", args.model, "--tasks", tasks, "--split", args.split, "--no-progress"]
        cold_wall, cold_done = run_child(["--child-cli", *cli, "--output", str(work / "out-cold")], env)
        cold = json.loads(timer.read_text())
        print(f"load average {load_text()} after the cold run")
        warm_wall, warm_done = run_child(["--child-cli", *cli, "--output", str(work / "out-warm")], env)
        warm = json.loads(timer.read_text())
        print(f"load average {load_text()} after the warm run")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    limit = pure["encode_seconds"]
    print()
    print(
        f"unique texts of the suite     : {pure['unique_texts']:,} ((prompt, text) pairs; {pure['prompts']} prompt(s)); "
        f"a cache kept per role and input type would encode {pure['run_encodes']:,} "
        f"({pure['run_encodes'] / pure['unique_texts']:.3f}x)"
    )
    print(
        f"pure encode (physical limit)  : {limit:.1f} s wall ({pure['encode_cpu_seconds']:.1f} s CPU) = "
        f"{pure['unique_texts'] / limit:,.0f} texts/s   [model load {pure['model_load_seconds']:.1f} s, "
        f"gathering the texts {pure['gather_seconds']:.1f} s: not counted]"
    )
    print(
        f"cold run (whole CLI process)  : {cold_wall:.1f} s wall; inside the model's encode {cold['encode_seconds']:.1f} s "
        f"({cold['texts']:,} texts in {cold['encode_calls']} calls = {cold['texts'] / max(cold['encode_seconds'], 1e-9):,.0f} texts/s); "
        f"peak RSS {cold['maxrss_bytes'] / 2**30:.2f} GiB"
    )
    print(f"cold overhead vs pure encode  : {(cold_wall - limit) / limit * 100:+.1f} %  (goal <= 5 %)")
    _pure_cpu, cold_cpu, warm_cpu = CHILD_CPU
    print(
        f"  in CPU seconds (steadier on a shared machine): pure encode {pure['encode_cpu_seconds']:.1f} s, whole cold "
        f"run {cold_cpu:.1f} s -> {(cold_cpu - pure['encode_cpu_seconds']) / pure['encode_cpu_seconds'] * 100:+.1f} %; "
        f"warm run {warm_cpu:.1f} s CPU"
    )
    print(
        f"cold run vs its own encode    : {(cold_wall / cold['encode_seconds'] - 1) * 100:+.1f} %  (the same comparison "
        f"with the encode measured inside the run, under the same load: {cold['texts']:,} texts encoded = "
        f"{cold['texts'] / pure['unique_texts']:.3f}x the unique texts)"
    )
    if cold_wall < limit:
        print(
            "  note: the cold run beat the pure encode: the load changed between the two children; on a shared "
            "machine the line above is the reliable one"
        )
    outside = cold_wall - cold["encode_seconds"]
    print(
        f"cold run outside model encode : {outside:.1f} s = {outside / cold_wall * 100:.1f} % of the cold run (goal < 5 %)"
    )
    print(
        f"warm run (whole CLI process)  : {warm_wall:.1f} s wall; inside the model's encode {warm['encode_seconds']:.2f} s "
        f"({warm['texts']:,} texts)"
    )
    print(f"warm speed-up vs cold         : {cold_wall / warm_wall:.1f}x  (goal >= 20x)")
    for name, done in (("cold", cold_done), ("warm", warm_done)):
        tail = [line for line in done.stdout.splitlines() if "written" in line]
        print(f"{name} run summary             : {tail[-1] if tail else done.stdout.strip()[-200:]}")


if __name__ == "__main__":
    main()
