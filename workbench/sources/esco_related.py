"""ESCO skill-to-skill relatedness (skillSkillRelations), a stand-in for SkillMatch-1K.

`esco_skill_similarity`: the query is a skill that has outgoing relations in ESCO's
skillSkillRelations table (originalSkillUri -> relatedSkillUri, relationType essential|optional);
its relevant targets are the related skills. Relations are used in their published direction
(not symmetrised). The query's split is its skill's split in the shared ESCO concept partition;
the target space is every ESCO skill.

The query skill is itself in the target space (query id == target id); the task file's policy
`exclude_self: true` removes it from the query's own ranking.

Notes: top-level integers are drop counts (the task adds them to the dataset statistics);
`notes["info"]` holds everything else.
"""

from __future__ import annotations

import pandas as pd

from workbench.sources import LoaderContext, SourceFrames, loader
from workbench.sources.esco import ESCO_FILES, ESCO_PARAMS, esco_partition, open_release, open_target_release


@loader("esco_skill_similarity", files=ESCO_FILES, params={**ESCO_PARAMS, "grades": dict[str, float]})
def skill_similarity(ctx: LoaderContext) -> SourceFrames:
    release = open_release(ctx)
    split = esco_partition(ctx)
    skills = release.skills()
    target_skills = open_target_release(ctx).skills()
    rel = release.skill_skill_relations()
    grades = ctx.param("grades", {"essential": 1.0, "optional": 1.0})
    types = list(grades)
    known = rel["relation_type"].isin(types)
    self_loops = rel["original_skill_uri"] == rel["related_skill_uri"]
    kept = rel[known & ~self_loops]
    queries_uri = pd.Index(kept["original_skill_uri"].unique())
    labels = dict(zip(skills["uri"], skills["preferred_label"], strict=True))
    queries = pd.DataFrame(
        {
            "id": queries_uri,
            "text": queries_uri.map(lambda u: labels.get(u)),
            "split": queries_uri.map(lambda u: split.get(u)),
        }
    )
    # A relation whose original skill is not in the classification has no query text: drop it (counted).
    missing_query = queries["text"].isna()
    queries = queries[~missing_query].reset_index(drop=True)
    targets = pd.DataFrame({"id": target_skills["uri"], "text": target_skills["preferred_label"]})
    qrels = pd.DataFrame(
        {
            "query_id": kept["original_skill_uri"],
            "target_id": kept["related_skill_uri"],
            "grade": kept["relation_type"].map(grades).astype(float),
        }
    )
    notes = {
        "dropped_relations_ungraded_type": int((~known).sum()),
        "dropped_self_relations": int((known & self_loops).sum()),
        "dropped_relations_unknown_query_skill": int(
            kept["original_skill_uri"].isin(queries_uri[missing_query.to_numpy()]).sum()
        ),
        "info": {
            "relations": len(rel),
            "query_in_targets": True,
            "ungraded_types": {str(k): int(v) for k, v in rel.loc[~known, "relation_type"].value_counts().items()},
        },
    }
    return SourceFrames(queries, targets, qrels, notes)
