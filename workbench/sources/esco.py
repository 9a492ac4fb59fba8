"""Ranking tasks built from the ESCO classification (skills, occupations, their relations).

All ESCO tasks share one concept partition (`esco_partition`): a query's split is the split of the
concept it comes from, so a model may train on relations among train concepts without ever seeing
a val or test pair. The target space is always the full ontology side, as in the seed paper.

Languages: ``params.language`` picks the query side's labels (file ``classification``); a cross-lingual
task adds ``target_classification`` and ``params.target_language`` for the target side, joined by concept
URI. A file ``partition`` (the English classification zip) makes the partition the English one, so a
concept is in the same split in every language.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd

from workbench.data.file_hashes import content_key
from workbench.sources import LoaderContext, SourceFrames, loader
from workbench.sources.partition import stratified_partition

# What every ESCO loader reads (declared on @loader, checked by `tasks validate` and every run).
ESCO_FILES = ("classification", "relations", "target_classification", "partition")
ESCO_PARAMS = {"language": str, "target_language": str, "partition_seed": str}
Relation = Literal["essential", "optional"]


def open_release(ctx: LoaderContext):
    """The query side's release (labels in ``params.language``)."""
    from workbench.ontologies.esco import EscoRelease

    return EscoRelease(ctx.file("classification"), ctx.file("relations"), language=ctx.param("language", "en"))


def open_target_release(ctx: LoaderContext):
    """The target side's release: another language's zip for a cross-lingual task, else the query side's."""
    from workbench.ontologies.esco import EscoRelease

    if "target_classification" not in ctx.files:
        return open_release(ctx)
    return EscoRelease(
        ctx.file("target_classification"),
        ctx.file("relations"),
        language=ctx.param("target_language", ctx.param("language", "en")),
    )


@lru_cache(maxsize=4)
def _partition_for(classification: str, content: str, language: str, seed: str) -> dict[str, str]:
    """``content`` (the file's content key) is part of the per-process cache key: an edited zip is read again."""
    from workbench.ontologies.esco import EscoRelease

    release = EscoRelease(Path(classification), language=language)
    occupations = release.occupations()
    skills = release.skills()
    # Occupations are stratified by ISCO major group (first digit), skills by skill type.
    occ = stratified_partition(list(occupations["uri"]), [str(g)[:1] for g in occupations["isco_group"]], seed=seed)
    skl = stratified_partition(list(skills["uri"]), [str(t) for t in skills["skill_type"]], seed=seed)
    return {**occ, **skl}


def esco_partition(ctx: LoaderContext) -> dict[str, str]:
    """The shared concept partition; depends only on the concepts, ISCO groups and skill types of the
    ``partition`` file (the English zip, for language variants) or else of the classification file."""
    seed = ctx.param("partition_seed", "workbench-v1")
    if "partition" in ctx.files:
        path, language = Path(ctx.file("partition")).resolve(), "en"
    else:
        path, language = Path(ctx.file("classification")).resolve(), ctx.param("language", "en")
    return _partition_for(str(path), content_key(path), language, seed)


def _concepts(release, side: str) -> pd.DataFrame:
    """The occupations or skills table of a release; ``side`` is "occupation" or "skill"."""
    return release.occupations() if side == "occupation" else release.skills()


def _occupation_skill_task(ctx: LoaderContext, query_side: str) -> SourceFrames:
    """Occupation↔skill ranking in either direction; `query_side` is "occupation" or "skill"."""
    release = open_release(ctx)
    split = esco_partition(ctx)
    target_side = "skill" if query_side == "occupation" else "occupation"
    q = _concepts(release, query_side)
    t = _concepts(open_target_release(ctx), target_side)
    rel = release.occupation_skill_relations()
    rel = rel[rel["relation_type"].isin(ctx.param("relation_types", ["essential", "optional"]))]
    grades = ctx.param("grades", {"essential": 1.0, "optional": 1.0})
    queries = pd.DataFrame({"id": q["uri"], "text": q["preferred_label"], "split": q["uri"].map(split)})
    targets = pd.DataFrame({"id": t["uri"], "text": t["preferred_label"]})
    qrels = pd.DataFrame(
        {
            "query_id": rel[f"{query_side}_uri"],
            "target_id": rel[f"{target_side}_uri"],
            "grade": rel["relation_type"].map(grades).astype(float),
        }
    )
    return SourceFrames(queries, targets, qrels)


@loader(
    "esco_job2skill",
    files=ESCO_FILES,
    params={**ESCO_PARAMS, "relation_types": list[Relation], "grades": dict[Relation, float]},
)
def job2skill(ctx: LoaderContext) -> SourceFrames:
    """Occupation preferred label → its essential (and optional) skills."""
    return _occupation_skill_task(ctx, "occupation")


@loader(
    "esco_skill2job",
    files=ESCO_FILES,
    params={**ESCO_PARAMS, "relation_types": list[Relation], "grades": dict[Relation, float]},
)
def skill2job(ctx: LoaderContext) -> SourceFrames:
    """Skill preferred label → the occupations that list it."""
    return _occupation_skill_task(ctx, "skill")


# A label shared by concepts of several splits is one query, in the most held-out of their splits: a
# train query then never has a val or test concept among its positives (nor a val query a test one), and
# a string is never both a training query and a test query.
_HELD_OUT_ORDER = ("train", "val", "test")


def _label_queries(
    concepts: pd.DataFrame, split: dict[str, str], column: str, drop_preferred: bool, target_labels: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One query per distinct label text; its positives are every concept carrying that text, as one of its
    ``column`` labels or as its preferred label, whatever split the concept is in (relevance over the whole
    ontology, then the split by query). Before task version 2, labels were merged only within a split, so a
    test query missed the train concept that carries the same text, and `full` held such a string once per split.

    ESCO repeats the preferred label among the alternative labels of most concepts (12,191 of 13,896
    skills in v1.1.1); such a label is answered by exact string match, so it makes no query (counted), but
    its concept stays a positive of the same text coming from another concept. The comparison is with
    ``target_labels`` (uri -> the target side's preferred label): for a cross-lingual task, exact match
    against the target text is what would answer the query.
    """
    exploded = concepts[["uri", column]].explode(column).dropna(subset=[column])
    exploded = exploded[exploded[column].str.len() > 0].rename(columns={column: "text"})
    exploded["id"] = exploded["uri"] + "#alt:" + exploded.groupby("uri").cumcount().astype(str)
    exploded["order"] = range(len(exploded))
    notes = {}
    rows = exploded
    if drop_preferred:
        same = exploded["text"].str.casefold() == exploded["uri"].map(target_labels).fillna("").str.casefold()
        notes["dropped_labels_equal_to_preferred"] = int(same.sum())
        rows = exploded[~same]
    carriers = pd.concat(
        [exploded[["text", "uri"]], concepts[["preferred_label", "uri"]].rename(columns={"preferred_label": "text"})]
    ).drop_duplicates()
    pairs = rows[["text"]].drop_duplicates().merge(carriers, on="text")  # (text, every concept carrying it)
    text_split = _most_held_out(pairs, split)
    notes["merged_identical_labels"] = int(len(rows) - len(text_split))
    notes["label_positives_in_another_split"] = int((pairs["uri"].map(split) != pairs["text"].map(text_split)).sum())
    # a text's query id: its first label (file order) of a concept in the query's split, so a query keeps the
    # id it had when labels were merged within a split
    own = rows["uri"].map(split) == rows["text"].map(text_split)
    first = pd.concat([rows[own], rows]).drop_duplicates("text").sort_values("order", kind="stable")
    queries = pd.DataFrame(
        {
            "id": first["id"].to_numpy(),
            "text": first["text"].to_numpy(),
            "split": first["text"].map(text_split).to_numpy(),
        }
    )
    ids = pairs["text"].map(pd.Series(first["id"].to_numpy(), index=first["text"].to_numpy()))
    qrels = pd.DataFrame({"query_id": ids.to_numpy(), "target_id": pairs["uri"].to_numpy()})
    return queries, qrels, notes


def _most_held_out(pairs: pd.DataFrame, split: dict[str, str]) -> pd.Series:
    """text -> the most held-out split (``_HELD_OUT_ORDER``) of the concepts carrying it (``pairs``: text, uri)."""
    rank = pairs["uri"].map(split).map({name: i for i, name in enumerate(_HELD_OUT_ORDER)})
    return rank.groupby(pairs["text"]).max().map(dict(enumerate(_HELD_OUT_ORDER)))


def _normalisation(ctx: LoaderContext, side: str) -> SourceFrames:
    concepts = _concepts(open_release(ctx), side)
    target_concepts = _concepts(open_target_release(ctx), side)
    target_labels = pd.Series(target_concepts["preferred_label"].to_numpy(), index=target_concepts["uri"])
    queries, qrels, notes = _label_queries(
        concepts,
        esco_partition(ctx),
        ctx.param("label_column", "alt_labels"),
        ctx.param("drop_labels_equal_to_preferred", True),
        target_labels,
    )
    targets = pd.DataFrame({"id": target_concepts["uri"], "text": target_concepts["preferred_label"]})
    return SourceFrames(queries, targets, qrels, notes)


@loader(
    "esco_skillnorm",
    files=ESCO_FILES,
    params={**ESCO_PARAMS, "label_column": str, "drop_labels_equal_to_preferred": bool},
)
def skillnorm(ctx: LoaderContext) -> SourceFrames:
    """Skill alternative label → the skill (target text: preferred label)."""
    return _normalisation(ctx, "skill")


@loader(
    "esco_jobnorm",
    files=ESCO_FILES,
    params={**ESCO_PARAMS, "label_column": str, "drop_labels_equal_to_preferred": bool},
)
def jobnorm(ctx: LoaderContext) -> SourceFrames:
    """Occupation alternative label → the occupation (target text: preferred label)."""
    return _normalisation(ctx, "occupation")
