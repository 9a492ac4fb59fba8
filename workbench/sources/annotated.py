"""Published evaluation sets linked to ESCO: JobBERT titles, HOUSE/TECH and SkillSkape sentences, TechWolf vacancies.

Every loader reads the files as their publishers ship them (via `workbench.ontologies.read_table`,
which keeps every CSV cell a string) and maps the published labels or URIs onto the ESCO release
named by the task's `classification` file:

* ESCO URIs are kept as they are; a URI that the release lacks stays in the relevance pairs, so the
  dataset drops it and counts it (`dropped_pairs_unknown_target`) and a query left without a
  positive is excluded and counted (`excluded_queries_without_positives`).
* Skill labels are matched to preferred labels: exactly first, then after collapsing whitespace
  and case (ESCO v1.1.1 has preferred labels with trailing spaces). A label that matches no skill
  (or, after normalising, several) stays in the relevance pairs under its own text, so it is
  dropped and counted the same way; `notes["labels"]` has the counts per match kind.

File roles named `train`, `val` and `test` in `source.files` are the published splits; each
query's split is the role of the file it comes from (splits.method: source). Query ids are
`<split>:<row>` (row = position in the file, or the sentence's first row for grouped files).

Notes: top-level integers are counts of what the loader dropped (the task adds them to the
dataset statistics, so they reach every result file); `notes["info"]` holds the rest (rows per
file, label match counts, examples of unmatched labels).
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from workbench.errors import WorkBenchError
from workbench.sources import LoaderContext, SourceFrames, loader

SPLIT_ROLES = ("train", "val", "test")
FILES = ("classification", *SPLIT_ROLES)  # what every loader here reads (declared on @loader)


def split_files(ctx: LoaderContext) -> list[tuple[str, Path]]:
    """(split, path) for every file role that names a split, in train/val/test order."""
    found = [(role, ctx.files[role]) for role in SPLIT_ROLES if role in ctx.files]
    if not found:
        raise WorkBenchError(
            f"task {ctx.task_name}: source.files needs at least one of the roles "
            f"{', '.join(SPLIT_ROLES)} (has {sorted(ctx.files)})"
        )
    return found


def read_published(path: Path, columns: Iterable[str], task_name: str) -> pd.DataFrame:
    from workbench.ontologies.tabular import read_table

    frame = read_table(path)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WorkBenchError(
            f"task {task_name}: {path} lacks column(s) {missing}; columns found: {list(frame.columns)}"
        )
    return frame


def esco_release(ctx: LoaderContext):
    from workbench.ontologies.esco import EscoRelease

    return EscoRelease(ctx.file("classification"), language=ctx.param("language", "en"))


def _normal(label: str) -> str:
    return " ".join(label.split()).casefold()


class LabelIndex:
    """Preferred label -> concept URI(s): exact match, else whitespace/case-normalised unique match."""

    def __init__(self, uris: Iterable[str], labels: Iterable[str]):
        self.exact: dict[str, list[str]] = {}
        self.normal: dict[str, list[str]] = {}
        for uri, label in zip(uris, labels, strict=True):
            if not isinstance(label, str) or not label.strip():
                continue
            self.exact.setdefault(label, []).append(uri)
            bucket = self.normal.setdefault(_normal(label), [])
            if uri not in bucket:
                bucket.append(uri)
        self.counts: Counter = Counter()
        self.unmatched: Counter = Counter()

    def resolve(self, label: str) -> list[str]:
        """URIs for a label; [label] itself (an id no target has) when it matches nothing."""
        if label in self.exact:
            self.counts["exact"] += 1
            return self.exact[label]
        candidates = self.normal.get(_normal(label), [])
        if len(candidates) == 1:
            self.counts["normalized"] += 1
            return candidates
        self.counts["ambiguous" if candidates else "unmatched"] += 1
        self.unmatched[label] += 1
        return [label]

    def info(self) -> dict:
        return {
            "labels": {k: int(self.counts.get(k, 0)) for k in ("exact", "normalized", "ambiguous", "unmatched")},
            "unmatched_distinct": len(self.unmatched),
            "unmatched_examples": sorted(self.unmatched)[:20],
        }


def skill_index(ctx: LoaderContext) -> tuple[pd.DataFrame, LabelIndex]:
    skills = esco_release(ctx).skills()
    targets = pd.DataFrame({"id": skills["uri"], "text": skills["preferred_label"]})
    return targets, LabelIndex(skills["uri"], skills["preferred_label"])


def _qrels(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(pairs, columns=["query_id", "target_id"])
    return frame.drop_duplicates(ignore_index=True)


@loader("jobbert_titles", files=FILES, params={"language": str, "title_column": str, "uri_column": str})
def jobbert_titles(ctx: LoaderContext) -> SourceFrames:
    """Vacancy title -> its ESCO occupation (JobBERT, Decorte et al. 2021: titles.csv, titles.test.csv)."""
    title_col, uri_col = ctx.param("title_column", "vacancyTitle"), ctx.param("uri_column", "conceptUri")
    occ = esco_release(ctx).occupations()
    targets = pd.DataFrame({"id": occ["uri"], "text": occ["preferred_label"]})
    known = set(occ["uri"])
    queries, pairs = [], []
    info: dict = {"rows": {}, "unresolved_uris": {}}
    empty = 0
    for split, path in split_files(ctx):
        frame = read_published(path, [title_col, uri_col], ctx.task_name)
        info["rows"][split] = len(frame)
        unresolved = 0
        for row, (title, uri) in enumerate(zip(frame[title_col], frame[uri_col], strict=True)):
            if pd.isna(title) or not str(title).strip():
                empty += 1
                continue
            qid = f"{split}:{row}"
            queries.append((qid, str(title), split))
            uri = str(uri).strip()
            unresolved += uri not in known
            pairs.append((qid, uri))
        info["unresolved_uris"][split] = int(unresolved)
    notes = {"dropped_empty_titles": empty, "unresolved_uris": sum(info["unresolved_uris"].values()), "info": info}
    return SourceFrames(pd.DataFrame(queries, columns=["id", "text", "split"]), targets, _qrels(pairs), notes)


@loader(
    "decorte_skill_extraction",
    files=FILES,
    params={"language": str, "sentence_column": str, "label_column": str, "drop_labels": list[str]},
)
def decorte_skill_extraction(ctx: LoaderContext) -> SourceFrames:
    """Job-ad sentence -> the ESCO skills annotated on its spans (HOUSE / TECH, Decorte et al. 2022).

    One row per (sentence, span, label); rows are grouped by sentence (one query per distinct
    sentence per file). Labels in `drop_labels` (UNDERSPECIFIED, LABEL NOT PRESENT) are not skills
    and are dropped (counted); a sentence left with no skill is excluded by the dataset (counted).
    """
    sentence_col, label_col = ctx.param("sentence_column", "sentence"), ctx.param("label_column", "label")
    drop = list(ctx.param("drop_labels", ["UNDERSPECIFIED", "LABEL NOT PRESENT"]))
    targets, index = skill_index(ctx)
    queries, pairs = [], []
    dropped: Counter = Counter()
    rows: dict[str, int] = {}
    for split, path in split_files(ctx):
        frame = read_published(path, [sentence_col, label_col], ctx.task_name)
        rows[split] = len(frame)
        ids: dict[str, str] = {}
        for row, (sentence, label) in enumerate(zip(frame[sentence_col], frame[label_col], strict=True)):
            if pd.isna(sentence) or not str(sentence).strip():
                dropped["(empty sentence)"] += 1
                continue
            sentence = str(sentence)
            if sentence not in ids:
                ids[sentence] = f"{split}:{row}"
                queries.append((ids[sentence], sentence, split))
            label = "" if pd.isna(label) else str(label)
            if label in drop or not label.strip():
                dropped[label if label.strip() else "(empty label)"] += 1
                continue
            pairs.extend((ids[sentence], uri) for uri in index.resolve(label))
    notes = {
        "dropped_labels": int(sum(dropped.values())),
        "info": {"rows": rows, "dropped_labels": {k: int(v) for k, v in sorted(dropped.items())}, **index.info()},
    }
    return SourceFrames(pd.DataFrame(queries, columns=["id", "text", "split"]), targets, _qrels(pairs), notes)


def parse_label_list(cell: object, where: str) -> list[str]:
    """A Python list literal of strings, parsed with ast.literal_eval (never eval)."""
    if cell is None or (isinstance(cell, float) and pd.isna(cell)) or not str(cell).strip():
        return []
    try:
        value = ast.literal_eval(str(cell))
    except (ValueError, SyntaxError, MemoryError, RecursionError) as err:
        raise WorkBenchError(f"{where}: not a Python list literal ({type(err).__name__}): {str(cell)[:80]!r}") from None
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise WorkBenchError(f"{where}: expected a list of strings, got {str(cell)[:80]!r}")
    return list(value)


@loader(
    "skillskape",
    files=FILES,
    params={"language": str, "sentence_column": str, "skills_column": str, "none_label": str},
)
def skillskape(ctx: LoaderContext) -> SourceFrames:
    """Synthetic job-ad sentence -> its ESCO skills (SkillSkape, Magron et al. 2024).

    The skills column is a Python list literal; `none_label` ('UNK': the sentence names no ESCO
    skill) is dropped and counted, so a sentence with only 'UNK' is excluded by the dataset.
    """
    sentence_col, skills_col = ctx.param("sentence_column", "sentence"), ctx.param("skills_column", "skills")
    none_label = ctx.param("none_label", "UNK")
    targets, index = skill_index(ctx)
    queries, pairs = [], []
    rows, none_count = {}, 0
    for split, path in split_files(ctx):
        frame = read_published(path, [sentence_col, skills_col], ctx.task_name)
        rows[split] = len(frame)
        for row, (sentence, cell) in enumerate(zip(frame[sentence_col], frame[skills_col], strict=True)):
            qid = f"{split}:{row}"
            queries.append((qid, "" if pd.isna(sentence) else str(sentence), split))
            for label in parse_label_list(cell, f"{path} row {row + 1}"):
                if label == none_label:
                    none_count += 1
                    continue
                pairs.extend((qid, uri) for uri in index.resolve(label))
    notes = {
        "dropped_labels": int(none_count),
        "info": {"rows": rows, "dropped_labels": {none_label: int(none_count)}, **index.info()},
    }
    return SourceFrames(pd.DataFrame(queries, columns=["id", "text", "split"]), targets, _qrels(pairs), notes)


@loader("techwolf_job2skill", files=FILES, params={"language": str, "title_column": str, "skills_column": str})
def techwolf_job2skill(ctx: LoaderContext) -> SourceFrames:
    """Vacancy title -> the ESCO skills a tagging model found in its vacancies (TechWolf, parquet)."""
    title_col, skills_col = ctx.param("title_column", "title"), ctx.param("skills_column", "skill_name")
    targets, index = skill_index(ctx)
    queries, pairs, rows = [], [], {}
    for split, path in split_files(ctx):
        frame = read_published(path, [title_col, skills_col], ctx.task_name)
        rows[split] = len(frame)
        keys = frame["__index_level_0__"] if "__index_level_0__" in frame else range(len(frame))
        for key, title, labels in zip(keys, frame[title_col], frame[skills_col], strict=True):
            qid = f"{split}:{key}"
            queries.append((qid, "" if pd.isna(title) else str(title), split))
            for label in [] if labels is None else list(labels):
                pairs.extend((qid, uri) for uri in index.resolve(str(label)))
    notes = {"info": {"rows": rows, **index.info()}}
    return SourceFrames(pd.DataFrame(queries, columns=["id", "text", "split"]), targets, _qrels(pairs), notes)
