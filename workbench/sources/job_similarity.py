"""Job-title similarity (Avature; Zbib et al. 2022, Deniz et al. 2024): one folder per language holding
``queries.tsv`` (id, title), ``corpus_documents.tsv`` (id, title) and ``annotations.tsv`` (TREC qrels,
relevant pairs only). It is a test set: every query is in split ``test``.

Self-match policy (the same in every language): a corpus title identical to the query title (after
Unicode case folding and white-space folding) is removed from that query's ranking, and an annotation
on such a pair is dropped and counted (``dropped_self_match_annotations``). The publisher's English
qrels never mark the identical title relevant, while de, ja and others sometimes do; without one rule
a model ranking the identical title first would be charged in one language and rewarded in another.

This module also generates the task files (``python -m workbench.sources.job_similarity --data-dir D
--out tasks``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Literal

import pandas as pd

from workbench.errors import WorkBenchError
from workbench.sources import LoaderContext, SourceFrames, loader
from workbench.sources._taskfile import published_test_set_yaml
from workbench.sources.trec import TREC_FILES, read_trec

JOB_SIMILARITY_DIR = "job-similarity/avature/dataset"
FILES = {"queries": "queries.tsv", "corpus": "corpus_documents.tsv", "qrels": "annotations.tsv"}
LANGUAGES = {
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "zh": "Chinese",
}
TRANSLATION = {
    "en": "original",
    "de": "human",
    "fr": "human",
    "ja": "human",
    "zh": "human",
    "es": "machine",
    "it": "machine",
    "ko": "machine",
    "nl": "machine",
    "pl": "machine",
    "pt": "machine",
}


SELF_MATCH_POLICY = (
    "Self-match policy, identical in all 11 languages: a corpus title identical to the query title (case and "
    "white space folded) is removed from that query's ranking and an annotation on it is dropped and counted, "
    "so no model is charged or rewarded for ranking the query's own title."
)


def title_key(text: str) -> str:
    """The form in which two titles count as identical: case-folded, white space folded."""
    return " ".join(str(text).casefold().split())


def self_matches(queries: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """(query_id, target_id) for every corpus title identical to its query's title."""
    keys = pd.DataFrame({"target_id": targets["id"].to_numpy(), "key": targets["text"].map(title_key).to_numpy()})
    asked = pd.DataFrame({"query_id": queries["id"].to_numpy(), "key": queries["text"].map(title_key).to_numpy()})
    return asked.merge(keys, on="key")[["query_id", "target_id"]]


@loader("job_title_similarity", files=TREC_FILES, params={"self_match": Literal["exclude"]})
def job_title_similarity(ctx: LoaderContext) -> SourceFrames:
    frames = read_trec(ctx)
    if ctx.param("self_match", "exclude") != "exclude":
        raise WorkBenchError(
            f"task {ctx.task_name}: source.params.self_match must be 'exclude' "
            f"(the one policy applied in every language), got {ctx.param('self_match')!r}"
        )
    same = self_matches(frames.queries, frames.targets)
    pairs = set(zip(same["query_id"], same["target_id"], strict=False))
    on_self = [pair in pairs for pair in zip(frames.qrels["query_id"], frames.qrels["target_id"], strict=False)]
    frames.qrels = frames.qrels[[not hit for hit in on_self]]
    frames.notes["dropped_self_match_annotations"] = int(sum(on_self))
    frames.queries = frames.queries.assign(split="test")
    frames.excluded = same
    return frames


def task_name(language: str) -> str:
    return f"job-title-similarity-{language}"


LICENSE = "Apache-2.0 (Avature job-title similarity dataset, github.com/Avature/jobtitlesimilarity-dataset)"
CITATION = (
    "Zbib, R., Alvarez Lacasa, L., Retyk, F., Poves, R., Aizpuru, J., Fabregat, H., Simkus, V., "
    "Garcia-Casademont, E. (2022). Learning Job Titles Similarity from Noisy Skill Labels. FEAST, "
    "ECML-PKDD 2022 Workshop. Translations: Deniz, D., Retyk, F., Garcia-Sardina, L., Fabregat, H., Gasco, L., "
    "Zbib, R. (2024). Combined Unsupervised and Contrastive Learning for Multilingual Job Recommendations. "
    "RecSys in HR 2024."
)


def task_yaml(language: str) -> str:
    name = LANGUAGES[language]
    how = "the original set" if language == "en" else f"the English set in {TRANSLATION[language]} translation"
    description = (
        f"Job-title similarity in {name} ({how}): for a job title, rank about 2,500 other job titles; the "
        f"titles two annotators judged similar (adjudicated binary relevance) are relevant. {SELF_MATCH_POLICY} "
        f"A test set: every query is in the test split."
    )
    return published_test_set_yaml(
        generator="workbench.sources.job_similarity",
        name=task_name(language),
        description=description,
        group="job_similarity",
        query_type="job_title",
        target_type="job_title",
        languages=(language, [language]),
        loader="job_title_similarity",
        files={role: f"{JOB_SIMILARITY_DIR}/{language}/{file}" for role, file in FILES.items()},
        params="{self_match: exclude}",
        suite="job-title-similarity",
        subset=language,
        license=LICENSE,
        citation=CITATION,
    )


def generate(data_dir: Path, out: Path) -> list[Path]:
    """Write tasks/job-title-similarity-<ll>.yaml for every language folder present."""
    root = Path(data_dir) / JOB_SIMILARITY_DIR
    if not root.is_dir():
        raise WorkBenchError(f"{root}: job-title similarity folder not found")
    written = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name not in LANGUAGES:
            print(f"skipped {folder.name}: not one of the published languages {sorted(LANGUAGES)}", file=sys.stderr)
            continue
        path = out / f"{task_name(folder.name)}.yaml"
        path.write_text(task_yaml(folder.name), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workbench.sources.job_similarity",
        description="Generate one task file per job-title similarity language.",
    )
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    print(f"wrote {len(generate(args.data_dir, args.out))} job-title similarity task files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
