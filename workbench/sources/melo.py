"""MELO (Retyk et al. 2024): national occupation titles linked to ESCO occupations, one folder per
(country, query language, corpus language(s)), named ``<country>_q_<ll>_c_<ll>[_<ll>...]``.

Loader `melo` reads a folder's files as published: ``queries.tsv`` (id, text),
``corpus_elements.tsv`` (id, text: one ESCO occupation surface form per element) and
``annotations.tsv`` (TREC qrels: query id, 0, element id, grade). MELO is a test set: every query
is in split ``test``.

This module also generates the task files, one per folder (``python -m workbench.sources.melo
--data-dir D --out tasks``). A folder that lacks one of the three files gets no task file (the
generator says which and why).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from workbench.errors import WorkBenchError
from workbench.sources import LoaderContext, SourceFrames, loader
from workbench.sources._taskfile import published_test_set_yaml
from workbench.sources.trec import TREC_FILES, read_trec

MELO_DIR = "job-normalization/melo"
FILES = {"queries": "queries.tsv", "corpus": "corpus_elements.tsv", "qrels": "annotations.tsv"}
_FOLDER = re.compile(r"^(?P<country>[a-z]{3})_q_(?P<q>[a-z]{2})_c_(?P<c>[a-z]{2}(?:_[a-z]{2})*)$")


@loader("melo", files=TREC_FILES, params={})
def melo(ctx: LoaderContext) -> SourceFrames:
    """MELO ships TREC-style files (queries.tsv, corpus_elements.tsv, annotations.tsv); it is a test set."""
    frames = read_trec(ctx)
    frames.queries = frames.queries.assign(split="test")
    frames.notes["info"] = {
        "queries": len(frames.queries),
        "corpus_elements": len(frames.targets),
        "annotations": len(frames.qrels) + frames.notes["dropped_non_positive_annotations"],
    }
    return frames


def parse_folder(name: str) -> tuple[str, str, list[str]]:
    """'bel_q_fr_c_en' -> ('bel', 'fr', ['en']); corpus languages keep the folder's order."""
    match = _FOLDER.match(name)
    if not match:
        raise WorkBenchError(f"MELO folder {name!r} does not follow <country>_q_<ll>_c_<ll>[_<ll>...]")
    return match["country"], match["q"], match["c"].split("_")


def task_name(folder: str) -> str:
    return "melo-" + folder.replace("_", "-")


COUNTRIES = {
    "aut": "Austria",
    "bel": "Belgium",
    "bgr": "Bulgaria",
    "cze": "Czechia",
    "deu": "Germany",
    "dnk": "Denmark",
    "esp": "Spain",
    "est": "Estonia",
    "fra": "France",
    "hrv": "Croatia",
    "hun": "Hungary",
    "ita": "Italy",
    "ltu": "Lithuania",
    "lva": "Latvia",
    "nld": "Netherlands",
    "nor": "Norway",
    "pol": "Poland",
    "prt": "Portugal",
    "rou": "Romania",
    "svk": "Slovakia",
    "svn": "Slovenia",
    "swe": "Sweden",
    "usa": "United States",
}
LICENSE = "MIT (MELO benchmark, Copyright (c) 2024 Avature); corpus built from ESCO (EC reuse policy, attribution)"
CITATION = (
    "Retyk, F., Gasco, L., Carrino, C. P., Deniz, D., Zbib, R. (2024). MELO: An Evaluation Benchmark for "
    "Multilingual Entity Linking of Occupations. 4th Workshop on Recommender Systems for Human Resources "
    "(RecSys in HR 2024). arXiv:2410.08319. https://github.com/Avature/melo-benchmark"
)


def task_yaml(folder: str) -> str:
    country, q_lang, c_langs = parse_folder(folder)
    where = COUNTRIES.get(country, country.upper())
    corpus = ", ".join(c_langs)
    description = (
        f"MELO {folder}: link national occupation titles from {where} (language: {q_lang}) to ESCO occupations. "
        f"Each query is a title from the national classification; the target space is every surface form "
        f"(preferred and alternative labels) of ESCO occupations and ISCO groups in {corpus}, as published in "
        f"corpus_elements.tsv; the surface forms of the linked concept(s) are relevant (annotations.tsv). "
        f"MELO is a test set: all queries are in the test split. As published, a title listed twice stays two "
        f"queries and identical surface forms of different concepts stay distinct targets (ties)."
    )
    return published_test_set_yaml(
        generator="workbench.sources.melo",
        name=task_name(folder),
        description=description,
        group="job_normalization",
        query_type="job_title",
        target_type="occupation",
        languages=(q_lang, c_langs),
        loader="melo",
        files={role: f"{MELO_DIR}/{folder}/{name}" for role, name in FILES.items()},
        suite="melo",
        subset=folder,
        license=LICENSE,
        citation=CITATION,
    )


def scan(data_dir: Path) -> tuple[list[str], dict[str, str]]:
    """(folders that get a task file, {folder: why not} for the others)."""
    root = Path(data_dir) / MELO_DIR
    if not root.is_dir():
        raise WorkBenchError(f"{root}: MELO folder not found")
    ok, skipped = [], {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            parse_folder(folder.name)
        except WorkBenchError as err:
            skipped[folder.name] = str(err)
            continue
        missing = [name for name in FILES.values() if not (folder / name).is_file()]
        if missing:
            skipped[folder.name] = f"missing {', '.join(missing)}"
        else:
            ok.append(folder.name)
    return ok, skipped


def generate(data_dir: Path, out: Path) -> tuple[list[Path], dict[str, str]]:
    """Write tasks/melo-*.yaml for every complete MELO folder; remove stale generated melo files."""
    folders, skipped = scan(data_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    wanted = {f"{task_name(f)}.yaml" for f in folders}
    for stale in out.glob("melo-*.yaml"):
        if stale.name not in wanted and stale.read_text(encoding="utf-8").startswith("# Generated by"):
            stale.unlink()
    for folder in folders:
        path = out / f"{task_name(folder)}.yaml"
        path.write_text(task_yaml(folder), encoding="utf-8")
        written.append(path)
    return written, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m workbench.sources.melo", description="Generate one task file per MELO folder."
    )
    parser.add_argument(
        "--data-dir", required=True, type=Path, help="the data directory (holding job-normalization/melo)"
    )
    parser.add_argument("--out", required=True, type=Path, help="the task folder to write melo-*.yaml into")
    args = parser.parse_args(argv)
    written, skipped = generate(args.data_dir, args.out)
    print(f"wrote {len(written)} MELO task files to {args.out}")
    for folder, why in skipped.items():
        print(f"skipped {folder}: {why}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
