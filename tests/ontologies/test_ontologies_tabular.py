"""read_table: csv / tsv / parquet / json(l) fixtures read through Hugging Face datasets."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from workbench.ontologies import infer_format, read_table

pytest.importorskip("datasets")


def test_csv_keeps_every_cell_as_written(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text('id,label,score\n007,NA,0.5\n2,None,\n3,null,"multi\nline"\n4,"",n/a\n', encoding="utf-8")
    frame = read_table(path)
    assert frame.to_dict("list") == {
        "id": ["007", "2", "3", "4"],
        "label": ["NA", "None", "null", ""],
        "score": ["0.5", "", "multi\nline", "n/a"],
    }
    assert all(str(frame[c].dtype) == "string" for c in frame.columns)


def test_tsv_and_format_override(tmp_path):
    (tmp_path / "queries.tsv").write_text("qid\tquery\nq1\tNA\nq2\tnan\n", encoding="utf-8")
    (tmp_path / "queries.txt").write_text("qid\tquery\nq1\tNA\nq2\tnan\n", encoding="utf-8")
    expected = {"qid": ["q1", "q2"], "query": ["NA", "nan"]}
    assert read_table(tmp_path / "queries.tsv").to_dict("list") == expected
    assert read_table(tmp_path / "queries.txt", format="tsv").to_dict("list") == expected


def test_many_rows_with_mixed_columns_do_not_split_types(tmp_path):
    rows = ["id,label"] + [f"{i},{i}" for i in range(25_000)] + ["x,NA"]  # beyond datasets' 10k CSV chunk
    (tmp_path / "big.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    frame = read_table(tmp_path / "big.csv")
    assert len(frame) == 25_001 and frame["id"].iloc[-1] == "x" and frame["label"].iloc[-1] == "NA"


def test_parquet_keeps_types_and_strings(tmp_path):
    source = pd.DataFrame(
        {
            "title": ["NA", "None", "data scientist"],
            "rank": [1, 2, 3],
            "score": [0.5, 0.25, 1.0],
            "skills": [["NA"], [], ["python", "sql"]],
        }
    )
    source.to_parquet(tmp_path / "set.parquet", index=False)
    frame = read_table(tmp_path / "set.parquet")
    assert frame["title"].tolist() == ["NA", "None", "data scientist"]
    assert frame["rank"].tolist() == [1, 2, 3] and frame["score"].tolist() == [0.5, 0.25, 1.0]
    assert frame["skills"].tolist() == [["NA"], [], ["python", "sql"]]


def test_json_lines_and_json_array(tmp_path):
    records = [{"query": "NA", "positives": ["None", "x"], "k": 1}, {"query": "null", "positives": [], "k": None}]
    (tmp_path / "set.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    (tmp_path / "set.json").write_text(json.dumps(records), encoding="utf-8")
    for name in ("set.jsonl", "set.json"):
        frame = read_table(tmp_path / name)
        assert frame["query"].tolist() == ["NA", "null"]
        assert frame["positives"].tolist() == [["None", "x"], []]
        assert frame["k"].iloc[0] == 1 and pd.isna(frame["k"].iloc[1]) and str(frame["k"].dtype) == "Int64"


def test_cache_lives_under_workbench_cache_dir(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))
    (tmp_path / "a.csv").write_text("a\n1\n", encoding="utf-8")
    read_table(tmp_path / "a.csv")
    assert any((cache / "hf-datasets").iterdir())


def test_errors(tmp_path):
    assert infer_format("x/annotations.TSV") == "tsv" and infer_format("set.jsonl.gz") == "jsonl"
    with pytest.raises(ValueError, match="format="):
        infer_format("notes.txt")
    with pytest.raises(FileNotFoundError, match=r"missing\.csv"):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(FileNotFoundError):
        read_table("data/relative-missing.tsv")  # a path, not a hub name
    (tmp_path / "a.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="hub datasets only"):
        read_table(tmp_path / "a.csv", revision="main")
    with pytest.raises(ValueError, match="unknown format"):
        read_table(tmp_path / "a.csv", format="xlsx")


def test_no_torch_import(tmp_path):
    (tmp_path / "a.csv").write_text("a\nNA\n", encoding="utf-8")
    code = textwrap.dedent(f"""
        import sys
        import workbench.ontologies as o
        assert o.read_table({str(tmp_path / "a.csv")!r})["a"].tolist() == ["NA"]
        assert "torch" not in sys.modules, "torch was imported"
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
