"""Lexical and trivial baselines, as scoring models: bm25 (bm25s), tfidf (scikit-learn),
edit-distance (rapidfuzz) and random.

Each indexes the target space once and returns a dense (n_queries, n_targets) float32 block.
Revision = hash of the settings; the versions of the libraries that compute the scores are recorded
(`ModelInfo.libraries`: environment, never identity).
The heavy-ish libraries (bm25s, scikit-learn, rapidfuzz) are imported when a model is built.
"""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.errors import WorkBenchError
from workbench.models.hashing import package_version, settings_revision
from workbench.models.model import NOT_TRAINED, ModelInfo

DEFAULT_SEED = 0


def _texts(values) -> list[str]:
    return [str(v) for v in values]


# -- BM25 -----------------------------------------------------------------------------------------
@dataclass
class BM25Index:
    tokenizer: Any
    retriever: Any
    n_targets: int


class BM25Model:
    """Okapi BM25 with bm25s: its Tokenizer (lowercased, regex word split), no stopwords by default.

    Targets are tokenised with a fresh vocabulary per index; query words not in it are dropped
    (they match nothing). A query with no known word gets an all-zero row.
    """

    def __init__(
        self,
        *,
        k1: float = 1.5,
        b: float = 0.75,
        method: str = "lucene",
        stopwords: str | list[str] | None = None,
        lower: bool = True,
        name: str = "bm25",
    ) -> None:
        import bm25s
        from bm25s.tokenization import Tokenizer

        self._bm25s = bm25s
        self._tokenizer_cls = Tokenizer
        self.params = {"k1": float(k1), "b": float(b), "method": method}
        self.stopwords = stopwords
        self.lower = bool(lower)
        splitter = inspect.signature(Tokenizer.__init__).parameters["splitter"].default
        settings = {
            **self.params,
            "stopwords": stopwords if stopwords is None or isinstance(stopwords, str) else sorted(stopwords),
            "lower": self.lower,
            "tokenizer": f"bm25s.tokenization.Tokenizer (splitter {splitter!r})",
            "idf_fit_on": "the target space of each task",
        }
        self.info = ModelInfo(
            name=name,
            revision=settings_revision("bm25", settings),
            libraries={"bm25s": package_version("bm25s")},
            kind="scoring",
            training_data=[NOT_TRAINED],
            settings=settings,
            description="Okapi BM25 (bm25s) over the target texts",
        )

    def _new_tokenizer(self):
        return self._tokenizer_cls(lower=self.lower, stopwords=self.stopwords if self.stopwords else None)

    def index(self, targets: list[str], *, target_type: str, group: str | None = None) -> BM25Index:
        targets = _texts(targets)
        tokenizer = self._new_tokenizer()
        tokenized = tokenizer.tokenize(targets, update_vocab=True, return_as="tuple", show_progress=False)
        retriever = self._bm25s.BM25(**self.params)
        if targets:
            retriever.index(tokenized, show_progress=False)
        return BM25Index(tokenizer=tokenizer, retriever=retriever, n_targets=len(targets))

    def score(self, queries: list[str], index: BM25Index, *, query_type: str, group: str | None = None) -> np.ndarray:
        queries = _texts(queries)
        out = np.zeros((len(queries), index.n_targets), dtype=np.float32)
        if not queries or not index.n_targets:
            return out
        ids = index.tokenizer.tokenize(
            queries, update_vocab=False, return_as="ids", show_progress=False, allow_empty=False
        )
        for row, token_ids in enumerate(ids):
            if token_ids:
                out[row] = index.retriever.get_scores(list(token_ids))
        return out


# -- TF-IDF ---------------------------------------------------------------------------------------
@dataclass
class TfidfIndex:
    word: Any
    char: Any
    matrix: Any  # sparse (n_targets, n_features), rows of norm 1 (or 0)
    n_targets: int


class TfidfModel:
    """TF-IDF cosine: word 1-2-grams and char_wb 2-4-grams, each L2-normalised, hstacked and scaled by
    1/sqrt(2), so the score is the mean of the word cosine and the character cosine (in [0, 1]).
    The vectorisers (vocabulary and IDF) are fitted on the target space of each task.
    """

    def __init__(
        self,
        *,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 4),
        sublinear_tf: bool = False,
        name: str = "tfidf",
    ) -> None:
        import sklearn

        self.word_ngram_range = tuple(int(x) for x in word_ngram_range)
        self.char_ngram_range = tuple(int(x) for x in char_ngram_range)
        self.sublinear_tf = bool(sublinear_tf)
        settings = {
            "word": {"analyzer": "word", "ngram_range": list(self.word_ngram_range), "lowercase": True},
            "char": {"analyzer": "char_wb", "ngram_range": list(self.char_ngram_range), "lowercase": True},
            "norm": "l2 per part; parts hstacked with weight 1/sqrt(2) each (score = mean of the two cosines)",
            "sublinear_tf": self.sublinear_tf,
            "fit_on": "the target space of each task",
        }
        self.info = ModelInfo(
            name=name,
            revision=settings_revision("tfidf", settings),
            libraries={"scikit-learn": sklearn.__version__},
            kind="scoring",
            training_data=[NOT_TRAINED],
            settings=settings,
            description="TF-IDF cosine over word 1-2-grams and char_wb 2-4-grams (scikit-learn)",
        )

    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        common = dict(lowercase=True, norm="l2", sublinear_tf=self.sublinear_tf, dtype=np.float32)
        return (
            TfidfVectorizer(analyzer="word", ngram_range=self.word_ngram_range, **common),
            TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngram_range, **common),
        )

    def _transform(self, word, char, texts: list[str]):
        from scipy import sparse

        return sparse.hstack([word.transform(texts), char.transform(texts)], format="csr") * np.float32(np.sqrt(0.5))

    def index(self, targets: list[str], *, target_type: str, group: str | None = None) -> TfidfIndex:
        from scipy import sparse

        targets = _texts(targets)
        word, char = self._vectorizers()
        if not targets:
            return TfidfIndex(word=None, char=None, matrix=sparse.csr_matrix((0, 0), dtype=np.float32), n_targets=0)
        try:
            word.fit(targets)
        except ValueError:  # no word token anywhere in the target space (e.g. only punctuation)
            word = None
        char.fit(targets)
        # without word tokens only the character part scores: the character cosine
        matrix = char.transform(targets) if word is None else self._transform(word, char, targets)
        return TfidfIndex(word=word, char=char, matrix=matrix.T.tocsr(), n_targets=len(targets))

    def score(self, queries: list[str], index: TfidfIndex, *, query_type: str, group: str | None = None) -> np.ndarray:
        queries = _texts(queries)
        if not queries or not index.n_targets:
            return np.zeros((len(queries), index.n_targets), dtype=np.float32)
        q = index.char.transform(queries) if index.word is None else self._transform(index.word, index.char, queries)
        return np.asarray((q @ index.matrix).todense(), dtype=np.float32)


# -- edit distance --------------------------------------------------------------------------------
# Text normalisation before the comparison: setting value -> what the model's settings record.
# "default" records what it always did (results of the default setting keep their identity).
EDIT_DISTANCE_PROCESSORS = {
    "default": "rapidfuzz.utils.default_process",
    # MELO's edit-distance baseline: fuzz.ratio(q.lower(), c.lower()), nothing else (melo-benchmark @ 014982fe,
    # src/melo_benchmark/evaluation/lexical_baseline/edit_distance_baseline.py)
    "lower": "str.lower only (MELO's edit-distance baseline)",
    "none": None,
}


class EditDistanceModel:
    """Normalised Indel similarity (rapidfuzz ``fuzz.ratio`` / 100), all pairs via ``process.cdist``, after
    ``processor``: "default" rapidfuzz's default processing (lowercase, non-alphanumerics to spaces,
    trimmed), "lower" lowercase only (as MELO's published baseline), "none" the raw strings."""

    def __init__(
        self, *, scorer: str = "ratio", workers: int = 1, processor: str = "default", name: str = "edit-distance"
    ) -> None:
        import rapidfuzz
        from rapidfuzz import fuzz, utils

        scorers = {
            "ratio": fuzz.ratio,
            "token_sort_ratio": fuzz.token_sort_ratio,
            "token_set_ratio": fuzz.token_set_ratio,
        }
        if scorer not in scorers:
            raise WorkBenchError(f"edit-distance scorer must be one of {sorted(scorers)}, got {scorer!r}")
        workers = int(workers)
        if workers < 1:
            raise WorkBenchError(
                f"edit-distance workers must be >= 1 (no -1: it would oversubscribe the CPUs), got {workers}"
            )
        self.workers = workers
        self._scorer = scorers[scorer]
        if processor not in EDIT_DISTANCE_PROCESSORS:
            raise WorkBenchError(
                f"edit-distance processor must be one of {sorted(EDIT_DISTANCE_PROCESSORS)}, got {processor!r}"
            )
        self._processor = {"default": utils.default_process, "lower": str.lower, "none": None}[processor]
        settings = {"scorer": f"rapidfuzz.fuzz.{scorer} / 100", "processor": EDIT_DISTANCE_PROCESSORS[processor]}
        self.info = ModelInfo(
            name=name,
            revision=settings_revision("edit-distance", settings),
            libraries={"rapidfuzz": rapidfuzz.__version__},
            kind="scoring",
            training_data=[NOT_TRAINED],
            settings=settings,
            runtime={"workers": workers},  # threads of process.cdist: the scores do not depend on them
            description="normalised Indel (edit-distance) similarity of the raw strings (rapidfuzz)",
        )

    def index(self, targets: list[str], *, target_type: str, group: str | None = None) -> list[str]:
        targets = _texts(targets)
        return [self._processor(t) for t in targets] if self._processor else targets

    def score(self, queries: list[str], index: list[str], *, query_type: str, group: str | None = None) -> np.ndarray:
        from rapidfuzz import process

        queries = _texts(queries)
        if not queries or not index:
            return np.zeros((len(queries), len(index)), dtype=np.float32)
        if self._processor:
            queries = [self._processor(q) for q in queries]
        scores = process.cdist(queries, index, scorer=self._scorer, dtype=np.float32, workers=self.workers)
        return np.asarray(scores, dtype=np.float32) / np.float32(100.0)


# -- random ---------------------------------------------------------------------------------------
class RandomModel:
    """Uniform random scores, a floor for every metric. Deterministic per (seed, query text, target
    position): each query seeds its own generator from sha256(seed, query), so blocks, order and
    repeats do not matter."""

    def __init__(self, *, seed: int = DEFAULT_SEED, name: str = "random") -> None:
        self.seed = int(seed)
        settings = {"seed": self.seed, "generator": "numpy PCG64 seeded by sha256(seed, query text)"}
        self.info = ModelInfo(
            name=name,
            revision=settings_revision("random", settings),
            libraries={"numpy": np.__version__},
            kind="scoring",
            training_data=[NOT_TRAINED],
            settings=settings,
            description="uniform random scores (a floor)",
        )

    def index(self, targets: list[str], *, target_type: str, group: str | None = None) -> int:
        return len(targets)

    def _row(self, query: str, n_targets: int) -> np.ndarray:
        digest = hashlib.sha256(f"{self.seed}\x00{query}".encode()).digest()
        rng = np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "little")))
        return rng.random(n_targets, dtype=np.float32)

    def score(self, queries: list[str], index: int, *, query_type: str, group: str | None = None) -> np.ndarray:
        n_targets = int(index)
        out = np.empty((len(queries), n_targets), dtype=np.float32)
        for row, query in enumerate(_texts(queries)):
            out[row] = self._row(query, n_targets)
        return out
