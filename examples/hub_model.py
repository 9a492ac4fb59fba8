"""A Hugging Face hub id, exactly as `workbench run --model org/name[@revision]` takes it.

Online it is downloaded; offline (HF_HUB_OFFLINE=1) it is read from the local Hugging Face cache. The
resolved commit is recorded as the model's revision.

    python examples/hub_model.py [HUB_ID] [TASKS] [SPLIT] [OUTPUT]
    (default: sentence-transformers/all-MiniLM-L6-v2 esco-jobnorm test results)
"""

import sys

import workbench
from workbench import load_model
from workbench.errors import WorkBenchError

DEFAULTS = ["sentence-transformers/all-MiniLM-L6-v2", "esco-jobnorm", "test", "results"]

if __name__ == "__main__":
    hub_id, tasks, split, output = (sys.argv[1:] + DEFAULTS[len(sys.argv) - 1 :])[:4]
    try:
        model = load_model(hub_id, batch_size=32)  # settings as with `-s batch_size=32`
    except WorkBenchError as err:  # offline and not cached, no such repository: one line, exit status 2
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    print(f"{model.info.name} at commit {model.info.revision}")
    for row in workbench.evaluate(model, tasks=tasks, split=split, output=output):
        print(f"{row['task']}: {row['main_score']} = {row['score']} ({row['status']} {row['path']})")
