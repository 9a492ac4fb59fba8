"""UWE scoring on the CPU: the in-place inference kernel against the autograd form, on real tokens.

Both sides score the same query sample of a task against its whole target space (the index's own
length-sorted float16 chunks, the same query splitting), back to back in one process, and the script
prints the time ratio and the largest score difference. The autograd form is `late_interaction_scores`,
which training uses and which `chunked_scores` called before the kernel existed.

    python benchmarks/uwe_scoring_kernel.py --model-dir runs/uwe-cpu-small/model \\
        [--task esco-skillnorm] [--queries 256] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import torch


def autograd_form(q, q_mask, index, *, tau_a: float, attention: str, max_elements: int) -> torch.Tensor:
    """`chunked_scores` as it was: every block through `late_interaction_scores`."""
    from workbench.uwe_reference.late_interaction import late_interaction_scores

    out = torch.empty(q.shape[0], index.n_targets, dtype=torch.float32)
    with torch.no_grad():
        for t, t_mask, positions in index.chunks:
            t = t.to(dtype=q.dtype)
            step = max(1, max_elements // max(1, q.shape[1] * t.shape[0] * t.shape[1]))
            for start in range(0, q.shape[0], step):
                block = late_interaction_scores(
                    q[start : start + step], q_mask[start : start + step], t, t_mask, tau_a=tau_a, attention=attention
                )
                out[start : start + step, positions] = block.float()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", required=True, help="a saved UWE folder")
    parser.add_argument("--task", default="esco-skillnorm")
    parser.add_argument("--split", default="test")
    parser.add_argument("--queries", type=int, default=256, help="query sample (a stride over the split)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--attention",
        choices=["dot", "cosine"],
        default=None,
        help="override the model's attention (both kernels get the same)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    from workbench.running.task import load_task
    from workbench.uwe_reference.late_interaction import chunked_scores
    from workbench.uwe_reference.model import load_uwe

    model = load_uwe(args.model_dir)
    attention = args.attention or model.config.attention
    dataset = load_task(args.task).dataset(args.split)
    stride = max(1, len(dataset.query_texts) // args.queries)
    queries = [str(x) for x in dataset.query_texts[::stride][: args.queries]]
    index = model.index([str(x) for x in dataset.target_texts])
    batch = model.encoder.encode_packed(queries, batch_size=64)
    q = batch.padded(torch.argsort(batch.lengths, stable=True), dtype=torch.float32)
    kw = dict(tau_a=model.config.tau_a, attention=attention, max_elements=model.max_elements)
    print(
        f"{args.task} {args.split}: {len(queries)} queries (padded to {q.tokens.shape[1]} tokens) x "
        f"{index.n_targets} targets ({index.packed.tokens.shape[0]} target tokens), attention={attention}, "
        f"tau_a={kw['tau_a']}, {args.threads} thread(s)"
    )

    timings = {}
    for name, fn in (
        ("autograd form", lambda: autograd_form(q.tokens, q.mask, index, **kw)),
        ("kernel", lambda: chunked_scores(q.tokens, q.mask, index.chunks, index.n_targets, **kw)),
    ) * 2:
        start = time.perf_counter()
        scores = fn()
        timings.setdefault(name, []).append(time.perf_counter() - start)
        timings[name + " scores"] = scores
    old, new = min(timings["autograd form"]), min(timings["kernel"])
    diff = (timings["autograd form scores"] - timings["kernel scores"]).abs().max().item()
    print(
        f"autograd form {old:.2f} s, kernel {new:.2f} s (best of 2 each, interleaved): {old / new:.2f}x faster; "
        f"{1000 * new / len(queries):.1f} ms/query; max |score difference| {diff:.2e}"
    )


if __name__ == "__main__":
    main()
