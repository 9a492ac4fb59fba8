"""Python objects in: a SentenceTransformer, an MTEB-style encoder, a plain callable and our own protocol
score a task through `Task.evaluate`, and `workbench.evaluate` writes the files `workbench run` writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import workbench
from workbench.errors import WorkBenchError
from workbench.fronts.cli.main import main
from workbench.models.weights import minilm_folder
from workbench.results.result_file import read_result
from workbench.running.task import Task
from workbench.taskfiles.catalog import get_task_spec

TASK = "esco-job2skill"
pytestmark = pytest.mark.torch


@pytest.fixture
def task(esco_data_dir, cache_dir):
    return Task(get_task_spec(TASK), data_dir=esco_data_dir, cache_dir=cache_dir)


@pytest.fixture(scope="module")
def sentence_transformer():
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(minilm_folder()), device="cpu")


class MtebStyle:
    """What MTEB asks of a model: encode(sentences, **kwargs), told the prompt type."""

    def __init__(self, st):
        self.st, self.seen = st, set()

    def encode(self, sentences, **kwargs):
        self.seen.add(kwargs.get("prompt_type"))
        return self.st.encode(sentences, convert_to_numpy=True)


def test_every_kind_of_object_scores_like_the_registered_model(task, sentence_transformer, minilm):
    reference = task.evaluate(minilm, "full", progress=False)
    st_result = task.evaluate(sentence_transformer, "full", progress=False)
    assert st_result.model.name == "all-MiniLM-L6-v2"  # from the card of the folder it was loaded from
    assert st_result.model.parameters == reference.model.parameters
    mteb = MtebStyle(sentence_transformer)
    mteb_result = task.evaluate(workbench.as_model(mteb, name="mteb-minilm"), "full", progress=False)
    assert mteb.seen == {"query", "passage"}
    plain = task.evaluate(
        workbench.as_model(lambda texts: sentence_transformer.encode(texts), name="plain"), "full", progress=False
    )
    for result in (st_result, mteb_result, plain):
        assert result.model.kind == "embedding" and len(result.model.revision) == 64
        for metric, value in reference.scores.items():
            assert result.scores[metric] == pytest.approx(value, abs=1e-5), metric


def test_revisions_are_content_hashes(sentence_transformer):
    def encoder(texts):
        return sentence_transformer.encode(texts)

    def other(texts):
        return sentence_transformer.encode(texts)[:, ::-1].copy()

    first, again = workbench.as_model(encoder), workbench.as_model(encoder)
    assert first.info.name == "encoder" and first.info.revision == again.info.revision
    assert workbench.as_model(other).info.revision != first.info.revision
    assert workbench.as_model(encoder, revision="v7").info.revision == "v7"
    with pytest.raises(WorkBenchError, match="name="):
        workbench.as_model(lambda texts: sentence_transformer.encode(texts))
    with pytest.raises(WorkBenchError, match=r"encode returned shape \(3,\) for 5 texts; expected \(5, dim\)"):
        workbench.as_model(lambda texts: np.zeros(3), name="flat")
    with pytest.raises(WorkBenchError, match="not a model"):
        workbench.as_model(42)


def test_evaluate_writes_what_run_writes_and_reuses_it(esco_data_dir, cache_dir, tmp_path):
    out = tmp_path / "results"
    rows = workbench.evaluate(
        "bm25", tasks=[TASK], split="full", output=out, data_dir=esco_data_dir, cache_dir=cache_dir
    )
    frame = pd.DataFrame(rows)
    assert list(frame["status"]) == ["written"] and frame.loc[0, "model"] == "bm25"
    path = out / "bm25" / f"{TASK}__v1__full.json"
    assert frame.loc[0, "path"] == str(path)
    assert frame.loc[0, "score"] == read_result(path).main_score
    before = path.read_bytes()
    done = CliRunner().invoke(
        main,
        [
            "run",
            "--model",
            "bm25",
            "--tasks",
            TASK,
            "--split",
            "full",
            "--output",
            str(out),
            "--data-dir",
            str(esco_data_dir),
            "--cache-dir",
            str(cache_dir),
            "--no-progress",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "1 reused" in done.output and path.read_bytes() == before
    again = workbench.evaluate(
        "bm25", tasks=TASK, split="full", output=out, data_dir=esco_data_dir, cache_dir=cache_dir
    )
    assert again[0]["status"] == "reused"
    missing = workbench.evaluate(
        "bm25", tasks=[TASK], split="no-such-split", output=out, data_dir=esco_data_dir, cache_dir=cache_dir
    )
    assert missing[0]["status"] == "skipped" and missing[0]["path"] is None  # as `run` skips it
