"""A custom embedding model in about 20 lines: hashed character trigrams, no weights, no torch.

python examples/custom_encoder.py [TASKS] [SPLIT] [OUTPUT]     (default: esco-jobnorm test results)
"""

import sys
import zlib

import numpy as np

import workbench
from workbench import ModelInfo


class TrigramHasher:
    """Embeds a text as the counts of its character trigrams, hashed into `dim` buckets."""

    def __init__(self, dim: int = 512):
        self.dim = dim
        self.info = ModelInfo(
            name="trigram-hasher",
            revision="v1",
            kind="embedding",
            embedding_dim=dim,
            license="MIT",
            training_data=["none"],
            settings={"dim": dim},
        )

    def prompt_for(self, *, role, input_type, group=None):
        return None  # no prompts: queries and targets are embedded alike

    def encode(self, texts, *, role, input_type, group=None):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            padded = f"  {text.lower()} "
            for i in range(len(padded) - 2):
                out[row, zlib.crc32(padded[i : i + 3].encode()) % self.dim] += 1.0
        return out


if __name__ == "__main__":
    tasks, split, output = (sys.argv[1:] + ["esco-jobnorm", "test", "results"][len(sys.argv) - 1 :])[:3]
    for row in workbench.evaluate(TrigramHasher(), tasks=tasks, split=split, output=output):
        print(f"{row['task']}: {row['main_score']} = {row['score']} ({row['status']} {row['path']})")
