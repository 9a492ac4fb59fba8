"""Roles, input types, groups and prompts: one encoder whose prompt depends on all three.

A task says what its queries and targets are (`query_type`, `target_type`: job_title, skill_name,
sentence, ...) and which group it belongs to (job_normalization, job2skill, ...). WorkBench asks the
model `prompt_for(role=, input_type=, group=)` and records the answer in the result file; the prompt is
part of the embedding cache key, so changing it never reuses stale vectors.

    python examples/roles_and_prompts.py [MODEL_FOLDER_OR_HUB_ID] [TASKS] [SPLIT] [OUTPUT]
"""

import sys

import workbench
from workbench import load_model

DEFAULTS = ["sentence-transformers/all-MiniLM-L6-v2", "esco-jobnorm", "test", "results"]

# most specific key first: "GROUP:role", then "role" (see docs/models.md)
PROMPTS = {
    "query": "Represent this job title for finding its standard occupation: ",
    "target": "",
    "job2skill:query": "Represent this occupation for finding the skills it needs: ",
}

if __name__ == "__main__":
    model_id, tasks, split, output = (sys.argv[1:] + DEFAULTS[len(sys.argv) - 1 :])[:4]
    model = load_model(model_id, prompts=PROMPTS, name="minilm-with-prompts")
    for group in (None, "job2skill"):
        print(group, "->", repr(model.prompt_for(role="query", input_type="job_title", group=group)))
    for row in workbench.evaluate(model, tasks=tasks, split=split, output=output):
        print(f"{row['task']}: {row['main_score']} = {row['score']} ({row['status']} {row['path']})")
