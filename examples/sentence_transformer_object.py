"""A SentenceTransformer object, as you already hold it in a notebook: passed as it is.

Its name comes from its model card (or give name=...), its revision is a hash of its weights.

    python examples/sentence_transformer_object.py [MODEL] [TASKS] [SPLIT] [OUTPUT]
    (default: sentence-transformers/all-MiniLM-L6-v2 esco-jobnorm test results)
"""

import sys

import pandas as pd
from sentence_transformers import SentenceTransformer

import workbench

DEFAULTS = ["sentence-transformers/all-MiniLM-L6-v2", "esco-jobnorm", "test", "results"]

if __name__ == "__main__":
    model_id, tasks, split, output = (sys.argv[1:] + DEFAULTS[len(sys.argv) - 1 :])[:4]
    model = SentenceTransformer(model_id, device="cpu")
    rows = workbench.evaluate(model, tasks=tasks, split=split, output=output)
    print(pd.DataFrame(rows)[["model", "task", "main_score", "score", "status", "path"]].to_string(index=False))
