"""Where every file of the data directory comes from: the manifest behind `workbench data fetch`.

One entry per file of the official data directory (the list in ``shared/data/SHA256SUMS``): its path
relative to the data directory, its sha256, its size (a download stops there), and where its publisher
serves it. Three kinds of entry:

* **direct**: ``url`` is a pinned download (a GitHub raw URL at a fixed commit, never a branch name), so
  the bytes cannot drift; the sha256 is checked anyway.
* **archive member**: ``archive`` names a zip the publisher ships (O*NET 29.2's Excel release) and the
  member inside it. The archive is downloaded once, each listed member is extracted, checked against its
  own sha256 (the archive's checksum is not published, so ``archive.sha256`` stays empty), and the zip is
  deleted afterwards. Member names with an absolute path or ``..`` are refused.
* **manual**: the publisher only hands the file out through an interactive form. ``fetch`` lists these with ``instructions`` instead of
  failing; a mirror given with ``--base-url`` can still serve them.

Provenance of the pinned URLs. They were spot-checked offline against a stored copy of the public
repositories' history (text length and tail of the Decorte, JobBERT and SkillSkape files, the reverse
crosswalk, a MELO stats file and two re-sorted MELO concept maps match ``shared/data``); the TechWolf
parquet, the O*NET zip and most MELO files could not be compared byte for byte. The sha256 check at
download time is the final word: a pin that serves other bytes fails loudly, it never lands in the data
directory.

* Decorte et al. HOUSE/TECH: github.com/jensjorisdecorte/Skill-Extraction-benchmark. The repository
  moved its files into ``data/`` at some point; each file is pinned to a commit holding exactly the
  version in the data directory (``skills_en_label.txt``: the 13,896-label ``data/`` version, not the
  older root one).
* JobBERT titles: github.com/jensjorisdecorte/JobBERT-evaluation-dataset.
* SkillSkape: github.com/magantoine/JobSkape, ``jobskape/SkillSkape/``.
* MELO: github.com/Avature/melo-benchmark. The processed datasets lived in git under
  ``data/processed/melo/`` before the project moved them to Zenodo (record 13830968); the data directory
  mirrors the git layout (e.g. ``usa_q_en_c_de_en_es_fr_it_nl_pl_pt`` without a corpus file), so the
  files are pinned to the git commits: data files to 59a5753, the re-sorted ``concept_mapping.tsv``
  files to 014982f.
* ESCO zips: the publisher's download folder ``https://ec.europa.eu/esco/download/`` + the URL-quoted portal
  file name (``esco_zip_name``), the pattern WorkRB downloads from (its ``workrb/data/esco.py``). The live URL
  was not reachable from the machines this was written on; the pinned sha256 of the v1.1.1 zips decides.
  Other versions and languages: ``publisher_entry`` (same URL pattern; the checksum is recorded at first
  download in ``DATA_DIR/SHA256SUMS.local``, see docs/data.md).
* Avature job-title similarity: github.com/Avature/jobtitlesimilarity-dataset at 2b9495d (byte-identical).
* ESCO–O*NET crosswalk: the ESCO Secretariat's CSVs as redistributed in the MELO repository
  (``data/raw/crosswalks_original/onet_vs_esco/``); the ESCO portal itself serves no stable file URL.
* TechWolf vacancy job-to-skill validation split: published on the Hugging Face hub as
  ``TechWolf/vacancy-job-to-skill``; the file ``job_skill_val.parquet`` is pinned from TechWolf's own
  benchmark repository (github.com/techwolf-ai/workrb) at the commit that ships it.
* O*NET 29.2: https://www.onetcenter.org/dl_files/database/db_29_2_excel.zip; members are assumed to
  sit under the zip's ``db_29_2_excel/`` folder (the layout of the O*NET Excel releases). If the
  publisher changes that, extraction reports the member as missing and names what the zip holds.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from workbench.errors import WorkBenchError


@dataclass(frozen=True)
class Archive:
    """A member of a publisher's zip: ``url`` of the zip, ``member`` name inside it."""

    url: str
    member: str
    sha256: str | None = None  # of the whole archive, when the publisher's bytes are known


@dataclass(frozen=True)
class ManifestEntry:
    path: str  # relative to the data directory, '/'-separated
    sha256: str
    url: str | None = None  # direct download (None for archive members and manual entries)
    page: str = ""  # the publisher's page, for people
    archive: Archive | None = None
    manual: bool = False
    instructions: str = ""
    # bytes of the file (of the member, for an archive member); None: not known (a file pinned at first
    # download, a mirror's own file). A download stops at this size: nothing longer can match the sha256.
    size: int | None = None

    def matches(self, patterns: str | list[str] | tuple[str, ...] | None) -> bool:
        """True when ``patterns`` is empty or one of them is a glob matching the path or a folder prefix of it."""
        if not patterns:
            return True
        if isinstance(patterns, str):
            patterns = [patterns]
        for pattern in patterns:
            pattern = pattern.strip()
            if pattern.startswith("./"):
                pattern = pattern[2:]
            prefix = pattern.rstrip("/")
            if fnmatch.fnmatchcase(self.path, pattern) or self.path == prefix or self.path.startswith(prefix + "/"):
                return True
        return False


_GH = "https://raw.githubusercontent.com"
_DECORTE = "jensjorisdecorte/Skill-Extraction-benchmark"
_DECORTE_DATA = "19305c85e35a74fb2a5128d8ee3798b06470b596"  # files under data/
_DECORTE_ROOT = "7fccacd13ddb49fa3e8214a1e7e883d5f445980f"  # files at the repository root
_JOBBERT = ("jensjorisdecorte/JobBERT-evaluation-dataset", "0ec29b2288fdcda65c7e223c9194899ca813d0fe")
_JOBSKAPE = "magantoine/JobSkape"
_JOBSKAPE_DATA = "801a03b8d790d81d2a6e0d6ab171ada2f1a24ee6"
_JOBSKAPE_LICENSE = "c91254401df2f9d21f1f2b8590cae2f173a1ae0e"
_MELO = "Avature/melo-benchmark"
_MELO_DATA = "59a5753ac136dd829fe53bbe29c90f8431d8f4b3"
_MELO_CONCEPTS = "014982fef0abf5149b16e75b1043bd286ae4c98f"
_MELO_LICENSE = "e27f9714934ecdcb712a8837866e32fed16e67c1"
_AVATURE_JTS = "Avature/jobtitlesimilarity-dataset"
_AVATURE_JTS_COMMIT = "2b9495dab922de9abe81a33d334e0d3a1d5fffaa"
_WORKRB = ("techwolf-ai/workrb", "751be36e379b08c55cab53450e63277e344931e7")
_ONET_ZIP = "https://www.onetcenter.org/dl_files/database/db_29_2_excel.zip"
_ONET_PAGE = "https://www.onetcenter.org/database.html"
_ESCO_PAGE = "https://esco.ec.europa.eu/en/use-esco/download"
# The publisher's download folder: every classification zip sits there under its portal file name.
ESCO_DOWNLOAD = "https://ec.europa.eu/esco/download/"


def esco_zip_name(version: str, language: str) -> str:
    """The portal's file name; the language-independent relations zip has an empty language (two spaces)."""
    return f"ESCO dataset - v{version} - classification - {language} - csv.zip"


def esco_url(name: str) -> str:
    from urllib.parse import quote

    return ESCO_DOWNLOAD + quote(name)


# esco/v{version}/ + the portal's file name, the same version twice; the language is empty for the relations zip
_ESCO_PATH = re.compile(
    r"esco/v(?P<version>[0-9][0-9A-Za-z.]*)/ESCO dataset - v(?P=version) - classification - "
    r"(?P<language>[a-z]{2,3}(?:-[A-Za-z]{2,4})?)? - csv\.zip"
)


def publisher_entry(path: str, sha256: str = "") -> ManifestEntry | None:
    """An entry for a path the manifest does not list but whose publisher URL follows a known pattern.

    Only the ESCO classification zips (any version, any language, the relations zip with its empty
    language). ``sha256`` is "" when nothing is pinned: the fetch then records the checksum of the first
    download (``SHA256SUMS.local``) and passes the recorded one here afterwards. None for any other path.
    """
    match = _ESCO_PATH.fullmatch(path)
    if match is None:
        return None
    return ManifestEntry(path=path, sha256=sha256, url=esco_url(path.rsplit("/", 1)[1]), page=_ESCO_PAGE)


def _raw(repo: str, commit: str, path: str) -> str:
    from urllib.parse import quote

    return f"{_GH}/{repo}/{commit}/{quote(path)}"


def _source(path: str) -> dict:
    """Where the publisher serves one data-directory path (keyword arguments of ManifestEntry)."""
    folder, _, name = path.rpartition("/")
    if folder.startswith("esco/v"):
        return dict(url=esco_url(name), page=_ESCO_PAGE)
    if folder == "onet/29.2":
        return dict(page=_ONET_PAGE, archive=Archive(_ONET_ZIP, f"db_29_2_excel/{name}"))
    if folder == "crosswalks/esco-onet":
        return dict(
            url=_raw(_MELO, _MELO_DATA, f"data/raw/crosswalks_original/onet_vs_esco/{name}"),
            page=f"https://github.com/{_MELO}/tree/{_MELO_DATA}/data/raw/crosswalks_original/onet_vs_esco",
        )
    if folder == "skill-extraction/decorte":
        in_data = name in ("house_test_annotations.csv", "skills_en_label.txt")
        commit = _DECORTE_DATA if in_data else _DECORTE_ROOT
        return dict(
            url=_raw(_DECORTE, commit, f"data/{name}" if in_data else name), page=f"https://github.com/{_DECORTE}"
        )
    if folder == "skill-extraction/skillskape":
        if name == "LICENSE":
            return dict(url=_raw(_JOBSKAPE, _JOBSKAPE_LICENSE, "LICENSE"), page=f"https://github.com/{_JOBSKAPE}")
        return dict(
            url=_raw(_JOBSKAPE, _JOBSKAPE_DATA, f"jobskape/SkillSkape/{name}"), page=f"https://github.com/{_JOBSKAPE}"
        )
    if folder == "job-normalization/jobbert":
        return dict(url=_raw(*_JOBBERT, name), page=f"https://github.com/{_JOBBERT[0]}")
    if folder == "job-normalization/melo" and name == "LICENSE":
        return dict(url=_raw(_MELO, _MELO_LICENSE, "LICENSE"), page=f"https://github.com/{_MELO}")
    if folder.startswith("job-normalization/melo/"):
        dataset = folder.rsplit("/", 1)[1]
        commit = _MELO_CONCEPTS if name == "concept_mapping.tsv" else _MELO_DATA
        return dict(
            url=_raw(_MELO, commit, f"data/processed/melo/{dataset}/{name}"), page=f"https://github.com/{_MELO}"
        )
    if folder.startswith("job-similarity/avature"):
        inner = path.removeprefix("job-similarity/avature/")
        return dict(url=_raw(_AVATURE_JTS, _AVATURE_JTS_COMMIT, inner), page=f"https://github.com/{_AVATURE_JTS}")
    if path == "job2skill/techwolf-vacancy/job_skill_val.parquet":
        return dict(
            url=_raw(*_WORKRB, "src/workbench/data/datasets/techwolf_vacancies/job_skill_val.parquet"),
            page="https://huggingface.co/datasets/TechWolf/vacancy-job-to-skill",
        )
    return dict(manual=True, page="", instructions=f"no publisher URL recorded; obtain {path} from its publisher")


MANIFEST_FILE = "data_manifest.sha256"  # package data beside this module: `sha256  size  path` per file
_MANIFEST_LINE = re.compile(r"(?P<sha256>[0-9a-f]{64})  (?P<size>[0-9]+)  (?P<path>\S.*)")


def load_manifest(text: str | None = None, where: str = f"workbench/{MANIFEST_FILE}") -> tuple[ManifestEntry, ...]:
    """The entries of the manifest (`text`, default: the package's file; `#` lines are comments), each with
    its publisher's source."""
    if text is None:
        from importlib.resources import files

        text = files(__package__).joinpath(MANIFEST_FILE).read_text("utf-8")
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _MANIFEST_LINE.fullmatch(line)  # a path may hold two spaces (the ESCO relations zip)
        if match is None:
            raise WorkBenchError(f"{where} line {number}: not 'sha256  size  path': {line[:80]!r}")
        path = match["path"]
        entries.append(ManifestEntry(path=path, sha256=match["sha256"], size=int(match["size"]), **_source(path)))
    return tuple(entries)


def sums_text(entries=None) -> str:
    """The manifest as a sha256sum-style list (the format `workbench data verify` reads)."""
    return "".join(f"{e.sha256}  ./{e.path}\n" for e in (MANIFEST if entries is None else entries))


MANIFEST: tuple[ManifestEntry, ...] = load_manifest()
