"""UWE training on several processes: `torchrun --nproc_per_node N -m workbench.fronts.cli uwe train ...`.

Data parallel over the *global* batch, the way large-batch contrastive training does it:

- every rank draws the same global batch (batches are a pure function of (seed, graph, step));
- rank r encodes only its contiguous slice of the batch's texts (left items and skills alike);
- the token embeddings of all slices are gathered, so every rank scores the global batch against itself
  (each text's in-batch negatives are the whole global batch) and computes the same loss L;
- the gathered copies of other ranks' slices carry no gradient: rank r's backward reaches only its own
  slice, so the sum over ranks of the parameter gradients is exactly dL/dθ of one process on the global
  batch; `sum_gradients` all-reduces them (SUM) after each backward, before clipping and the optimizer
  step, so every rank takes the same step. (DistributedDataParallel's wrapper averages gradients and
  expects one forward per backward; the encoder runs twice per graph and the loss is already global, so
  the gradient all-reduce is done here, explicitly.)

With one process (no torchrun, WORLD_SIZE unset or 1) every function is the identity or a no-op.
Backends: nccl on CUDA, gloo on CPU (the tests run 2 CPU processes with gloo).
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F

from workbench.errors import WorkBenchError

from .encoder import TokenBatch


def _dist():
    import torch.distributed as dist

    return dist


def init_from_env(device: str | None) -> tuple[int, int]:
    """Join the process group torchrun describes (WORLD_SIZE > 1); returns (rank, world size)."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return 0, 1
    dist = _dist()
    if not dist.is_initialized():
        use_cuda = torch.cuda.is_available() and (device is None or str(device).startswith("cuda"))
        dist.init_process_group("nccl" if use_cuda else "gloo")
    return dist.get_rank(), dist.get_world_size()


def world() -> tuple[int, int]:
    dist = _dist()
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main() -> bool:
    return world()[0] == 0


def rank_device(device: str | None) -> str | None:
    """Each rank on its own GPU: 'cuda' becomes cuda:LOCAL_RANK under torchrun."""
    if device in (None, "cuda") and world()[1] > 1 and torch.cuda.is_available():
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    return device


def barrier() -> None:
    if world()[1] > 1:
        _dist().barrier()


def _slices(n: int, size: int) -> list[tuple[int, int]]:
    return [(n * r // size, n * (r + 1) // size) for r in range(size)]


def encode_global(encoder, texts: list[str]) -> TokenBatch:
    """The global batch's token embeddings, in the batch's order; only this rank's slice has a gradient."""
    rank, size = world()
    if size == 1:
        return encoder(texts)
    if len(texts) < size:
        raise WorkBenchError(
            f"a batch of {len(texts)} texts cannot be split over {size} processes: "
            "use a larger batch_size or fewer processes"
        )
    dist = _dist()
    bounds = _slices(len(texts), size)
    start, stop = bounds[rank]
    local = encoder(texts[start:stop])
    # pad every slice to one shape (all_gather needs it): rows to the largest slice, tokens to the longest text
    length = torch.tensor([local.tokens.shape[1]], device=local.tokens.device)
    dist.all_reduce(length, op=dist.ReduceOp.MAX)
    rows = max(b - a for a, b in bounds)
    pad_len, pad_rows = int(length) - local.tokens.shape[1], rows - local.tokens.shape[0]
    tokens = F.pad(local.tokens, (0, 0, 0, pad_len, 0, pad_rows))
    mask = F.pad(local.mask.to(torch.uint8), (0, pad_len, 0, pad_rows))  # padding is masked out
    all_tokens = [torch.empty_like(tokens) for _ in range(size)]
    all_masks = [torch.empty_like(mask) for _ in range(size)]
    dist.all_gather(all_tokens, tokens.detach().contiguous())
    dist.all_gather(all_masks, mask.contiguous())
    all_tokens[rank] = tokens  # this rank's own slice, with its graph
    counts = [b - a for a, b in bounds]
    return TokenBatch(
        torch.cat([t[:c] for t, c in zip(all_tokens, counts, strict=True)]),
        torch.cat([m[:c] for m, c in zip(all_masks, counts, strict=True)]).bool(),
    )


def sum_gradients(parameters) -> None:
    """Sum each gradient over the ranks (see the module docstring: the sum is the global batch's gradient)."""
    if world()[1] == 1:
        return
    dist = _dist()
    for param in parameters:
        if param.grad is not None:
            dist.all_reduce(param.grad, op=dist.ReduceOp.SUM)


def gather_rng_states() -> list[torch.Tensor]:
    """Every rank's CPU RNG state, in rank order (dropout differs per rank; a resume restores each)."""
    state = torch.get_rng_state()
    if world()[1] == 1:
        return [state]
    gathered: list = [None] * world()[1]
    _dist().all_gather_object(gathered, state)
    return gathered
