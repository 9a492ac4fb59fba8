"""Ranking tasks built from the O*NET database (and the ESCO–O*NET crosswalk).

Each `source.files` role names one O*NET table file (`.xlsx` from the Excel release or `.txt`
from the text release); it is read with `workbench.ontologies.OnetRelease`, so both releases give
equal frames. O*NET publishes no splits: the task files split queries by a hash of the query id.
Query ids are chosen so that identical query texts share one id (and so one split): a text never
appears in both val and test.

* `onet_job2tech`: occupation title -> its Technology Skills examples ("Example", e.g. "Adobe Acrobat").
* `onet_tech2job`: technology example -> the occupations that list it.
* `onet_task2dwa`: task statement -> its detailed work activities (Tasks to DWAs; targets: DWA Reference).
* `onet_jobnorm`: alternate / reported job title -> its occupation(s).
* `onet_job_similarity`: occupation -> related occupations, graded by relatedness tier.
* `onet_esco_crosswalk`: O*NET occupation -> ESCO occupations, graded by match type.

Notes: top-level integers are counts of what the loader dropped (the task adds them to the
dataset statistics); `notes["info"]` holds the rest.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from workbench.errors import WorkBenchError
from workbench.sources import LoaderContext, SourceFrames, loader

TIER_GRADES = {"Primary-Short": 3.0, "Primary-Long": 2.0, "Supplemental": 1.0}
MATCH_GRADES = {"exactMatch": 2.0, "closeMatch": 2.0, "broadMatch": 1.0, "narrowMatch": 1.0}


def onet_table(ctx: LoaderContext, role: str, table: str) -> pd.DataFrame:
    """The O*NET table `table` from the file named by `role` (its folder is the release)."""
    from workbench.ontologies.onet import OnetRelease

    path = Path(ctx.file(role))
    release = OnetRelease(path.parent, prefer="excel" if path.suffix.lower() == ".xlsx" else "text")
    if release.path(table).resolve() != path.resolve():
        raise WorkBenchError(
            f"task {ctx.task_name}: source.files.{role} {path.name!r} is not the O*NET table "
            f"{table!r} (expected {table}.txt or {table}.xlsx)"
        )
    return release.table(table)


def occupations(ctx: LoaderContext) -> pd.DataFrame:
    occ = onet_table(ctx, "occupations", "Occupation Data")
    return pd.DataFrame({"id": occ["onetsoc_code"].astype(str), "text": occ["title"].astype(str)})


def _frame(rows, columns) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


@loader("onet_job2tech", files=("technology_skills", "occupations"), params={}, assigns_splits=False)
def job2tech(ctx: LoaderContext) -> SourceFrames:
    """Occupation title -> technology examples. Target id and text: the example itself (unique in O*NET)."""
    tech = onet_table(ctx, "technology_skills", "Technology Skills").dropna(subset=["example"])
    queries = occupations(ctx)
    examples = pd.Index(tech["example"].astype(str).unique())
    targets = pd.DataFrame({"id": examples, "text": examples})
    qrels = pd.DataFrame({"query_id": tech["onetsoc_code"].astype(str), "target_id": tech["example"].astype(str)})
    return SourceFrames(
        queries,
        targets,
        qrels.drop_duplicates(ignore_index=True),
        {"info": {"technology_rows": len(tech), "distinct_examples": len(examples)}},
    )


@loader("onet_tech2job", files=("technology_skills", "occupations"), params={}, assigns_splits=False)
def tech2job(ctx: LoaderContext) -> SourceFrames:
    """Technology example -> the occupations that list it."""
    tech = onet_table(ctx, "technology_skills", "Technology Skills").dropna(subset=["example"])
    examples = pd.Index(tech["example"].astype(str).unique())
    queries = pd.DataFrame({"id": examples, "text": examples})
    qrels = pd.DataFrame({"query_id": tech["example"].astype(str), "target_id": tech["onetsoc_code"].astype(str)})
    return SourceFrames(
        queries,
        occupations(ctx),
        qrels.drop_duplicates(ignore_index=True),
        {"info": {"technology_rows": len(tech), "distinct_examples": len(examples)}},
    )


@loader("onet_task2dwa", files=("task_statements", "tasks_to_dwas", "dwa_reference"), params={}, assigns_splits=False)
def task2dwa(ctx: LoaderContext) -> SourceFrames:
    """Task statement -> its DWAs. Identical task texts (same task in several occupations) are one
    query `task:<smallest Task ID>` whose positives are the union of their DWAs."""
    tasks = onet_table(ctx, "task_statements", "Task Statements").dropna(subset=["task"])
    links = onet_table(ctx, "tasks_to_dwas", "Tasks to DWAs")
    dwa = onet_table(ctx, "dwa_reference", "DWA Reference")
    tasks = tasks.assign(task_id=tasks["task_id"].astype(str), task=tasks["task"].astype(str))
    order = pd.to_numeric(tasks["task_id"], errors="coerce")
    first = tasks.assign(_order=order).sort_values(["_order", "task_id"]).groupby("task", sort=False)["task_id"].first()
    query_of_task = dict(zip(tasks["task_id"], tasks["task"].map(lambda t: f"task:{first[t]}"), strict=True))
    queries = pd.DataFrame({"id": [f"task:{i}" for i in first.to_numpy()], "text": first.index.to_numpy()})
    targets = pd.DataFrame({"id": dwa["dwa_id"].astype(str), "text": dwa["dwa_title"].astype(str)})
    link_task = links["task_id"].astype(str)
    qrels = pd.DataFrame({"query_id": link_task.map(query_of_task), "target_id": links["dwa_id"].astype(str)})
    unknown_task = qrels["query_id"].isna()
    qrels = qrels.assign(query_id=qrels["query_id"].fillna("unknown-task:" + link_task))
    notes = {
        "links_to_unknown_tasks": int(unknown_task.sum()),
        "info": {"task_statements": len(tasks), "distinct_task_texts": len(queries), "task_links": len(links)},
    }
    return SourceFrames(queries, targets, qrels.drop_duplicates(ignore_index=True), notes)


@loader("onet_jobnorm", files=("alternate_titles", "reported_titles", "occupations"), params={}, assigns_splits=False)
def jobnorm(ctx: LoaderContext) -> SourceFrames:
    """Alternate title (and reported job title, when the role is given) -> occupation(s).

    One query per distinct title text (`title:<text>`); a title listed for several occupations has
    them all as positives.
    """
    frames = [
        onet_table(ctx, "alternate_titles", "Alternate Titles")[["onetsoc_code", "alternate_title"]]
        .rename(columns={"alternate_title": "title"})
        .assign(source="alternate")
    ]
    if "reported_titles" in ctx.files:
        reported = onet_table(ctx, "reported_titles", "Sample of Reported Titles")
        frames.append(
            reported[["onetsoc_code", "reported_job_title"]]
            .rename(columns={"reported_job_title": "title"})
            .assign(source="reported")
        )
    titles = pd.concat(frames, ignore_index=True).dropna(subset=["title"])
    titles = titles.assign(title=titles["title"].astype(str), onetsoc_code=titles["onetsoc_code"].astype(str))
    distinct = pd.Index(titles["title"].unique())
    queries = pd.DataFrame({"id": "title:" + distinct, "text": distinct})
    qrels = pd.DataFrame({"query_id": "title:" + titles["title"], "target_id": titles["onetsoc_code"]})
    pairs = titles.drop_duplicates(["onetsoc_code", "title"])
    notes = {
        "info": {
            "rows": {k: int(v) for k, v in titles["source"].value_counts().sort_index().items()},
            "distinct_pairs": len(pairs),
            "distinct_titles": len(distinct),
            "reported_pairs_not_in_alternate": int((pairs["source"] == "reported").sum()),
        }
    }
    return SourceFrames(queries, occupations(ctx), qrels.drop_duplicates(ignore_index=True), notes)


@loader(
    "onet_job_similarity",
    files=("related_occupations", "occupations"),
    params={"grades": dict[str, float]},
    assigns_splits=False,
)
def job_similarity(ctx: LoaderContext) -> SourceFrames:
    """Occupation -> related occupations (Related Occupations), graded by tier (`grades` param).

    The query occupation is itself in the target space; the task policy `exclude_self` removes it from its own ranking.
    """
    rel = onet_table(ctx, "related_occupations", "Related Occupations")
    grades = {str(k): float(v) for k, v in ctx.param("grades", TIER_GRADES).items()}
    tiers = rel["relatedness_tier"].astype(str)
    known = tiers.isin(list(grades))
    kept = rel[known]
    qrels = pd.DataFrame(
        {
            "query_id": kept["onetsoc_code"].astype(str),
            "target_id": kept["related_onetsoc_code"].astype(str),
            "grade": tiers[known].map(grades).astype(float),
        }
    )
    occ = occupations(ctx)
    notes = {
        "dropped_relations_ungraded_tier": int((~known).sum()),
        "info": {
            "relations": len(rel),
            "relations_per_tier": {k: int(v) for k, v in tiers.value_counts().sort_index().items()},
            "ungraded_tiers": {k: int(v) for k, v in tiers[~known].value_counts().items()},
            "query_in_targets": True,
        },
    }
    return SourceFrames(occ.copy(), occ, qrels, notes)


@loader(
    "onet_esco_crosswalk",
    files=("crosswalk", "classification"),
    params={"grades": dict[str, float], "language": str},
    assigns_splits=False,
)
def esco_crosswalk(ctx: LoaderContext) -> SourceFrames:
    """O*NET occupation -> ESCO occupations from the ESCO–O*NET crosswalk, graded by match type.

    Rows whose target is an ISCO group (`exactISCO`) or whose match type has no grade are dropped
    (counted); ESCO URIs missing from the release are left for the dataset to drop and count.
    """
    from workbench.ontologies.crosswalk import read_crosswalk
    from workbench.ontologies.esco import EscoRelease

    cw = read_crosswalk(ctx.file("crosswalk"))
    if cw["match_type"].isna().all():
        raise WorkBenchError(
            f"task {ctx.task_name}: {ctx.file('crosswalk')} has no match types "
            "(use crosswalk_esco_onet.csv, not the reverse file)"
        )
    grades = {str(k): float(v) for k, v in ctx.param("grades", MATCH_GRADES).items()}
    match = cw["match_type"].astype(str)
    is_occ = cw["esco_concept_type"] == "occupation"
    graded = match.isin(list(grades))
    kept = cw[is_occ.fillna(False).to_numpy() & graded.to_numpy()]
    occ = EscoRelease(ctx.file("classification"), language=ctx.param("language", "en")).occupations()
    targets = pd.DataFrame({"id": occ["uri"], "text": occ["preferred_label"]})
    first = cw.drop_duplicates("onet_soc_code")
    queries = pd.DataFrame({"id": first["onet_soc_code"].astype(str), "text": first["onet_title"].astype(str)})
    qrels = pd.DataFrame(
        {
            "query_id": kept["onet_soc_code"].astype(str),
            "target_id": kept["esco_uri"].astype(str),
            "grade": kept["match_type"].astype(str).map(grades).astype(float),
        }
    )
    dropped = Counter(match[~(is_occ.fillna(False) & graded)])
    notes = {
        "dropped_rows_isco_or_ungraded": int(sum(dropped.values())),
        "info": {
            "rows": len(cw),
            "match_types": {k: int(v) for k, v in match.value_counts().sort_index().items()},
            "dropped_rows": {k: int(v) for k, v in sorted(dropped.items())},
            "esco_uris_not_in_release": int((~kept["esco_uri"].isin(occ["uri"])).sum()),
        },
    }
    return SourceFrames(queries, targets, qrels, notes)
