"""A scoring model: `index` the target space once, then `score` blocks of queries against it.

Word-overlap (Jaccard) between a query and every target; roles, input types and the task group are
passed to both methods, so a model can treat, say, job titles and skills differently.

    python examples/index_score_model.py [TASKS] [SPLIT] [OUTPUT]    (default: esco-jobnorm test results)
"""

import re
import sys

import numpy as np
from scipy import sparse

import workbench
from workbench import ModelInfo


def words(text):
    return set(re.findall(r"\w+", text.lower()))


class WordOverlap:
    def __init__(self):
        self.info = ModelInfo(name="word-overlap", revision="v1", kind="scoring", license="MIT", training_data=["none"])

    def index(self, targets, *, target_type, group=None):
        vocabulary, rows, cols = {}, [], []
        for row, text in enumerate(targets):
            for word in words(text):
                rows.append(row)
                cols.append(vocabulary.setdefault(word, len(vocabulary)))
        matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(targets), len(vocabulary)))
        return vocabulary, matrix, np.asarray(matrix.sum(axis=1)).ravel()

    def score(self, queries, index, *, query_type, group=None):
        vocabulary, matrix, target_sizes = index
        scores = np.zeros((len(queries), matrix.shape[0]))
        for row, text in enumerate(queries):
            known = [vocabulary[w] for w in words(text) if w in vocabulary]
            shared = np.asarray(matrix[:, known].sum(axis=1)).ravel() if known else 0.0
            scores[row] = shared / np.maximum(len(words(text)) + target_sizes - shared, 1.0)
        return scores


if __name__ == "__main__":
    tasks, split, output = (sys.argv[1:] + ["esco-jobnorm", "test", "results"][len(sys.argv) - 1 :])[:3]
    for row in workbench.evaluate(WordOverlap(), tasks=tasks, split=split, output=output):
        print(f"{row['task']}: {row['main_score']} = {row['score']} ({row['status']} {row['path']})")
