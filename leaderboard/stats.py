"""Bootstrap confidence intervals and paired randomisation tests on per-query values.

Every random draw comes from a numpy Generator seeded with (seed, a hash of what is being
resampled), so a number does not change when models are added or the loop order changes, and
building twice gives identical output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

ALPHA = 0.05
_CHUNK_CELLS = 2_000_000  # resample in blocks of at most this many drawn values (bounded memory)


def rng_for(seed: int, *labels: str) -> np.random.Generator:
    """A generator that depends only on the seed and the labels (e.g. model, task, purpose)."""
    tag = hashlib.sha256("\0".join(labels).encode("utf-8")).digest()
    return np.random.default_rng([int(seed), *np.frombuffer(tag[:16], dtype="<u4").tolist()])


def _resampled_means(values: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    out = np.empty(n_boot)
    step = max(1, _CHUNK_CELLS // max(n, 1))
    for start in range(0, n_boot, step):
        stop = min(n_boot, start + step)
        idx = rng.integers(0, n, size=(stop - start, n), dtype=np.int32 if n < 2**31 else np.int64)
        out[start:stop] = values[idx].mean(axis=1)
    return out


def resampled_means(per_metric: dict[str, np.ndarray], rng: np.random.Generator, n_boot: int) -> dict[str, np.ndarray]:
    """Bootstrap replicates of the mean of several aligned per-query arrays (one metric each), drawing one
    set of resampled query indices for all of them."""
    arrays = {name: np.asarray(v, dtype=np.float64) for name, v in per_metric.items()}
    n = len(next(iter(arrays.values())))
    out = {name: np.empty(n_boot) for name in arrays}
    step = max(1, _CHUNK_CELLS // max(n, 1))
    for start in range(0, n_boot, step):
        stop = min(n_boot, start + step)
        idx = rng.integers(0, n, size=(stop - start, n), dtype=np.int32 if n < 2**31 else np.int64)
        for name, values in arrays.items():
            out[name][start:stop] = values[idx].mean(axis=1)
    return out


def interval(samples: np.ndarray, alpha: float = ALPHA) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates."""
    return _interval(np.asarray(samples), alpha)


def _interval(samples: np.ndarray, alpha: float) -> tuple[float, float]:
    lo, hi = np.quantile(samples, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def bootstrap_ci(
    values: np.ndarray, rng: np.random.Generator, n_boot: int = 1000, alpha: float = ALPHA
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean, resampling queries with replacement."""
    return _interval(_resampled_means(values, rng, n_boot), alpha)


def macro_bootstrap_ci(
    per_task: Sequence[np.ndarray], rng: np.random.Generator, n_boot: int = 1000, alpha: float = ALPHA
) -> tuple[float, float]:
    """Interval of the macro mean: queries are resampled within each task independently and the
    macro score of one replicate is the mean over tasks of the resampled task means."""
    replicates = np.mean([_resampled_means(v, rng, n_boot) for v in per_task], axis=0)
    return _interval(replicates, alpha)


def paired_randomisation(
    per_task_a: Sequence[np.ndarray], per_task_b: Sequence[np.ndarray], rng: np.random.Generator, n_perm: int = 1000
) -> float:
    """Two-sided paired randomisation (sign-flip) test of mean(a) - mean(b).

    Arrays are paired by position (the same queries in the same order). With several tasks the
    statistic is the macro difference (mean over tasks of the per-task mean difference) and the
    signs are flipped within each task independently. p = (1 + #{|stat*| >= |stat|}) / (1 + n_perm).
    """
    diffs = [
        np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
        for a, b in zip(per_task_a, per_task_b, strict=True)
    ]
    observed = float(np.mean([d.mean() for d in diffs]))
    total = np.zeros(n_perm)
    for d in diffs:
        n = len(d)
        step = max(1, _CHUNK_CELLS // max(n, 1))
        for start in range(0, n_perm, step):
            stop = min(n_perm, start + step)
            # One random bit per query (packed draws); a flipped mean is (sum(d) - 2 * sum of flipped d) / n.
            bits = np.unpackbits(
                rng.integers(0, 256, size=(stop - start, (n + 7) // 8), dtype=np.uint8), axis=1, count=n
            )
            total[start:stop] += (d.sum() - 2.0 * (bits @ d)) / n
    flipped = total / len(diffs)
    extreme = int(np.sum(np.abs(flipped) >= abs(observed) - 1e-12))
    return (1 + extreme) / (1 + n_perm)
