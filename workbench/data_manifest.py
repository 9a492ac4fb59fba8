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


def _build(sums: str) -> tuple[ManifestEntry, ...]:
    entries = []
    for line in sums.strip().splitlines():
        digest, size, path = line.split("  ", 2)  # a path may hold two spaces (the ESCO relations zip)
        entries.append(ManifestEntry(path=path, sha256=digest, size=int(size), **_source(path)))
    return tuple(entries)


def sums_text(entries=None) -> str:
    """The manifest as a sha256sum-style list (the format `workbench data verify` reads)."""
    return "".join(f"{e.sha256}  ./{e.path}\n" for e in (MANIFEST if entries is None else entries))


# sha256, size in bytes and path of every file: the sha256 and path copied from shared/data/SHA256SUMS (the
# publishers' bytes), the size that of the file there (tests/core/test_fetch.py checks both against it).
_SUMS = """
82179a0a3340da97b63df90134d8d941ec3c2c478334d855b69e4dd57a91b620  2986823  crosswalks/esco-onet/crosswalk_esco_onet.csv
64996f57c279478f778d6b9510c567a62820e1213e2a61eee73aa2cfb60c42f7  687221  crosswalks/esco-onet/crosswalk_esco_onet_reverse.csv
1612e3e01fbcbb4f37f69e0fe58d441db233142f1e9488280f041b2726977996  4074453  esco/v1.1.1/ESCO dataset - v1.1.1 - classification -  - csv.zip
d86de115d120e9266fa7d86f104466fd72a63f8233110028b10e430372bc58a7  3798075  esco/v1.1.1/ESCO dataset - v1.1.1 - classification - en - csv.zip
8b9e62f4d61c997533f9cfb8010c8808a3b54afea6cfbced23a83703d042e556  1668063  job-normalization/jobbert/titles.csv
05fe0204860547417d6c1f787577c694ba5fcd107735d266797f10eaefc5cd6b  1665245  job-normalization/jobbert/titles.test.csv
896847e2cd11381a2fca6e14d4a42bae2461779a074eee296f51e81760481dc3  1064  job-normalization/melo/LICENSE
9180ff9e5b735adb76d6216f8d3b0d94776f01b8d701e6b0e4b0cb550916511b  224748  job-normalization/melo/aut_q_de_c_de/annotations.tsv
b1fa0551cc402cd068bc30ba2bc327b6f749f91e76ab27ae3da6e83473fefd9d  1757231  job-normalization/melo/aut_q_de_c_de/concept_mapping.tsv
cd6c7a4c5e1d4c569bf63a35e9246e81904574de1c64ce9552e125a8e7e1de46  868991  job-normalization/melo/aut_q_de_c_de/corpus_elements.tsv
cc23638ab5ff6c68c24509f019882c20a22b744c008f8fd19fd737a906f2c839  434  job-normalization/melo/aut_q_de_c_de/logged_stats.txt
113ccefa0063dda626cfe848962000d811ce9b3322fd5b8bb5051546b3546404  35732  job-normalization/melo/aut_q_de_c_de/queries.tsv
db79e476718dc2d525e74efced26b030790a86bcf884191f4472047ae0e7f646  345897  job-normalization/melo/aut_q_de_c_en/annotations.tsv
d6389b32d09ccc220fbcc6f28d737d0e76f41b9b7090d59c405b87265d5f3815  3019661  job-normalization/melo/aut_q_de_c_en/concept_mapping.tsv
afe1a64350ff5538e63043bdda08b8bc8d6bebc23f41946f83ec322df9c00ead  1434616  job-normalization/melo/aut_q_de_c_en/corpus_elements.tsv
9114e5a293a08f56dd20f77b665d830bf0a78564716d7c1836befe1b64c240cf  435  job-normalization/melo/aut_q_de_c_en/logged_stats.txt
113ccefa0063dda626cfe848962000d811ce9b3322fd5b8bb5051546b3546404  35732  job-normalization/melo/aut_q_de_c_en/queries.tsv
88e5c08d44cea1138f38ffa12b699601b4cb7a1c312a0a4c833c8b5edaaea1cf  102303  job-normalization/melo/bel_q_fr_c_en/annotations.tsv
9d55aee98d355ed6b1e990ad3adad703f314fb2ca0a7253e91e82a0f379983d0  3001391  job-normalization/melo/bel_q_fr_c_en/concept_mapping.tsv
36a582207179d50d137f708a5eac4601ec29956ce1e48d0a6d1c86b21de11498  1425562  job-normalization/melo/bel_q_fr_c_en/corpus_elements.tsv
ef7f1f89be0c9368916e6bbd7479c54cb9feee2f5a3ddd36aa069d25ff396f47  431  job-normalization/melo/bel_q_fr_c_en/logged_stats.txt
da629c81c4d8a0fd61b532cc5367e5550a94b9a4a2b09158af748eaec8f1a5ad  14763  job-normalization/melo/bel_q_fr_c_en/queries.tsv
fa3281c809ccdd4783a8d65491da794894cf5c539e308ff6239f198cd37b3c7e  50976  job-normalization/melo/bel_q_fr_c_fr/annotations.tsv
7b644b061b975bfcb99685d25cdf595d0cd0a4d334392a0841489e59de6882ed  1347281  job-normalization/melo/bel_q_fr_c_fr/concept_mapping.tsv
458110ae81e31ad077ae84cbcc04722d6612e19722bdcadf29b0b33e97aa7364  834049  job-normalization/melo/bel_q_fr_c_fr/corpus_elements.tsv
be9bc4e6bc267893254ba0389ebcd103bd905e4e9bde3616311bcfac9cda665d  430  job-normalization/melo/bel_q_fr_c_fr/logged_stats.txt
da629c81c4d8a0fd61b532cc5367e5550a94b9a4a2b09158af748eaec8f1a5ad  14763  job-normalization/melo/bel_q_fr_c_fr/queries.tsv
88e5c08d44cea1138f38ffa12b699601b4cb7a1c312a0a4c833c8b5edaaea1cf  102303  job-normalization/melo/bel_q_nl_c_en/annotations.tsv
9d55aee98d355ed6b1e990ad3adad703f314fb2ca0a7253e91e82a0f379983d0  3001391  job-normalization/melo/bel_q_nl_c_en/concept_mapping.tsv
36a582207179d50d137f708a5eac4601ec29956ce1e48d0a6d1c86b21de11498  1425562  job-normalization/melo/bel_q_nl_c_en/corpus_elements.tsv
ef7f1f89be0c9368916e6bbd7479c54cb9feee2f5a3ddd36aa069d25ff396f47  431  job-normalization/melo/bel_q_nl_c_en/logged_stats.txt
5f2165688e8628e7436a6346447b0361c884d86230a4458af56874dbfc53f88e  10502  job-normalization/melo/bel_q_nl_c_en/queries.tsv
d0f05751fea7efdd9269f0cc844ed0a4fac5f62e801c445bb71e12ff6e3ce409  85887  job-normalization/melo/bel_q_nl_c_nl/annotations.tsv
b0891ca5dfe839f9e751096510ac9edbeb259e4297f62646153bd15cba60ecf1  2143061  job-normalization/melo/bel_q_nl_c_nl/concept_mapping.tsv
3719b20cd1dcc66b02442732d7e3e4ba5b0ad27f5c1efd985e16d3b9661e3c5d  1017864  job-normalization/melo/bel_q_nl_c_nl/corpus_elements.tsv
a2c2d8eb5c9a0b90a738a93ddba28fe74960f36636aaa8229ccd6f6b89ca4fba  430  job-normalization/melo/bel_q_nl_c_nl/logged_stats.txt
5f2165688e8628e7436a6346447b0361c884d86230a4458af56874dbfc53f88e  10502  job-normalization/melo/bel_q_nl_c_nl/queries.tsv
dbb170dd0ebb314167569fee23b996ea485b4a89be81e41ecbacb97db2883237  867510  job-normalization/melo/bgr_q_bg_c_bg/annotations.tsv
9c1471036eb08fbcdb7c66f3dcfbdea9fc49d7a2ac7f4cc2aed0ebf115250e7e  1874051  job-normalization/melo/bgr_q_bg_c_bg/concept_mapping.tsv
b2807a2770db286487cde2d6789983c627b37dee89c07451583f2df37b1cd971  1676196  job-normalization/melo/bgr_q_bg_c_bg/corpus_elements.tsv
7fd54252258c1746dc426c36a33ddec1d97d83492c12b11206e5f7dd4793a6f9  433  job-normalization/melo/bgr_q_bg_c_bg/logged_stats.txt
d0c6917e42963ee1db99ea628cd357ef4366d71709d4225f6828dd23b3197486  300124  job-normalization/melo/bgr_q_bg_c_bg/queries.tsv
6ca2963025e9372b6152df9a9581f3aa6c41be86dd7fbad00bca5c77b7403691  698733  job-normalization/melo/bgr_q_bg_c_en/annotations.tsv
9d55aee98d355ed6b1e990ad3adad703f314fb2ca0a7253e91e82a0f379983d0  3001391  job-normalization/melo/bgr_q_bg_c_en/concept_mapping.tsv
36a582207179d50d137f708a5eac4601ec29956ce1e48d0a6d1c86b21de11498  1425562  job-normalization/melo/bgr_q_bg_c_en/corpus_elements.tsv
e32e9dd7e9a4cfd8cb5b9ef69471954b6684eb7784d10658d382fbff4e2ffaa7  433  job-normalization/melo/bgr_q_bg_c_en/logged_stats.txt
d0c6917e42963ee1db99ea628cd357ef4366d71709d4225f6828dd23b3197486  300124  job-normalization/melo/bgr_q_bg_c_en/queries.tsv
55b893520209c75dcca4d5525152dfcee71e9ba15bc68443479e939a13e8aa1b  96255  job-normalization/melo/cze_q_cs_c_cs/annotations.tsv
ae35615289448f38f93174d9809491feb4df3f06b8048491a3ac3b26edc65bd8  1176821  job-normalization/melo/cze_q_cs_c_cs/concept_mapping.tsv
5d51944ed95aa5ee6679aea56c4597cd789e4c06f403a9822d5b21b58cc326f2  705444  job-normalization/melo/cze_q_cs_c_cs/corpus_elements.tsv
ed4f276250149f2632a97982869097701fc45ade1ef75d26ed4b636f9786a940  430  job-normalization/melo/cze_q_cs_c_cs/logged_stats.txt
f268f139fd573475b0201895be863b8f4d55759d208c030f2edf48043548ae9a  53746  job-normalization/melo/cze_q_cs_c_cs/queries.tsv
7aba7d6dfa92c064fdf425ec4ef305f71a29a5e94d3edb1fac73094c5a97caa3  245673  job-normalization/melo/cze_q_cs_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/cze_q_cs_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/cze_q_cs_c_en/corpus_elements.tsv
81bcd6b3982c50b7dc55b67bc10b6d86cfa6aaba6d4952ff2fbc0a9f5bf411d3  430  job-normalization/melo/cze_q_cs_c_en/logged_stats.txt
f268f139fd573475b0201895be863b8f4d55759d208c030f2edf48043548ae9a  53746  job-normalization/melo/cze_q_cs_c_en/queries.tsv
b1d12fd2327085953fca10b003ebffb3e140e5a0d1dd3fbd28028204014db98b  342090  job-normalization/melo/deu_q_de_c_de/annotations.tsv
77c7e52fbd3fe4073cd00a3ac4ea9126395109af5aa7294dd2b90e90a6f17768  1699001  job-normalization/melo/deu_q_de_c_de/concept_mapping.tsv
f7685858da8471b65914c43f914ffdfc2df0fed92b3ee8402afa7aafaa56a702  834846  job-normalization/melo/deu_q_de_c_de/corpus_elements.tsv
19ca1ce027e8f3ca7d4fb38e5ce2a869b50e1e0b6f7c50f4f9770bc6ae77850e  432  job-normalization/melo/deu_q_de_c_de/logged_stats.txt
03098f52a57ee7f967342c0495b9dfeff7c69f4bb53602df23b219b750a71769  104042  job-normalization/melo/deu_q_de_c_de/queries.tsv
d7d41d967f83170a6cfdd16041bc1e6888838b1bb3d5bcf6443f2a2b6cbaa04a  534357  job-normalization/melo/deu_q_de_c_en/annotations.tsv
9d55aee98d355ed6b1e990ad3adad703f314fb2ca0a7253e91e82a0f379983d0  3001391  job-normalization/melo/deu_q_de_c_en/concept_mapping.tsv
36a582207179d50d137f708a5eac4601ec29956ce1e48d0a6d1c86b21de11498  1425562  job-normalization/melo/deu_q_de_c_en/corpus_elements.tsv
30493875fa593f1ec3bb3bb021f0c59c3dcfa11b27b7cae8af29e5d697796595  433  job-normalization/melo/deu_q_de_c_en/logged_stats.txt
03098f52a57ee7f967342c0495b9dfeff7c69f4bb53602df23b219b750a71769  104042  job-normalization/melo/deu_q_de_c_en/queries.tsv
9d9111856cf293269b13ce0e25f2500f9f70bff521db1c30ca7cb9afb1124155  63531  job-normalization/melo/dnk_q_da_c_da/annotations.tsv
4adc135da3231d909d57249a82c7277338e6f2fe30fbc1e7cc44fd23431e070e  913751  job-normalization/melo/dnk_q_da_c_da/concept_mapping.tsv
0d03f11b95d638c8fb40751a2f77a716dc22461163e12ded482b3587a0c068ba  416457  job-normalization/melo/dnk_q_da_c_da/corpus_elements.tsv
3d015c382acfaf49a62cf615dfa0a6596ce180d371cf86724e06aa53beb8eecd  431  job-normalization/melo/dnk_q_da_c_da/logged_stats.txt
1c8135c6146abbf385ea6ad47b24f428131c09e7a1f5a10338319fa0ca25374a  18269  job-normalization/melo/dnk_q_da_c_da/queries.tsv
6a88351f5d03ecd0b06b682defc5eff749b867950c5bbd0dd5b1b9bdafa2f8f4  200448  job-normalization/melo/dnk_q_da_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/dnk_q_da_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/dnk_q_da_c_en/corpus_elements.tsv
3888f98315e5802fcb6e60fbe1b94695b0fd9078115b68b9c571f712a60d86b0  431  job-normalization/melo/dnk_q_da_c_en/logged_stats.txt
1c8135c6146abbf385ea6ad47b24f428131c09e7a1f5a10338319fa0ca25374a  18269  job-normalization/melo/dnk_q_da_c_en/queries.tsv
96dc5292b5b3e880a2d530dd275311d227fc00d32fe6e1e5b21bc1e7710ab384  517293  job-normalization/melo/esp_q_es_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/esp_q_es_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/esp_q_es_c_en/corpus_elements.tsv
cb2624923cca23dc02596b9ad91fc3c6fad5ecd96ac68f4c5c836aa1ea16803d  433  job-normalization/melo/esp_q_es_c_en/logged_stats.txt
09afeeb1c63ed5e5771ccf62891daae8ba466a76fced4d44e9b0b42ea686d018  82432  job-normalization/melo/esp_q_es_c_en/queries.tsv
fcc33c0428f3031cb4fc0ab166cdc17b0dd62a0825750b2bea85cfe45622da88  230175  job-normalization/melo/esp_q_es_c_es/annotations.tsv
a921a7711e5831f5062b44153b46cd3f3f42b55326e338b1f2a1e81b53cc4588  1462031  job-normalization/melo/esp_q_es_c_es/concept_mapping.tsv
14cf601ce1972a51ceecf7c36b704df79e22d5db660174dd8243cedc49b70f63  912699  job-normalization/melo/esp_q_es_c_es/corpus_elements.tsv
74371dcb92aabbce9a5cccd709cdb19385ea2a6130a9fb00ed60ca3173bd7032  432  job-normalization/melo/esp_q_es_c_es/logged_stats.txt
09afeeb1c63ed5e5771ccf62891daae8ba466a76fced4d44e9b0b42ea686d018  82432  job-normalization/melo/esp_q_es_c_es/queries.tsv
7941c10ba266fccecfc417bb6dca560cfda45e5a8c620fe5eefc08bcf12d6796  295380  job-normalization/melo/est_q_et_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/est_q_et_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/est_q_et_c_en/corpus_elements.tsv
96db97783efc1ec3cad68490df347512fdb0595d7e60cfa0b7034456492254ac  431  job-normalization/melo/est_q_et_c_en/logged_stats.txt
c14c6898e95d9ad183c0a26bc353e918cf3cad7a74345ba4c621990d83c80e8e  34795  job-normalization/melo/est_q_et_c_en/queries.tsv
22cd1a3de08229456dfe9fd01a558911b9dbf46f468e4fac6f6bb79e0d552127  39771  job-normalization/melo/est_q_et_c_et/annotations.tsv
bb7f0e870b2c312465d955844999a9b224abb78aa34b8f1ccf1de6e6227baf70  422891  job-normalization/melo/est_q_et_c_et/concept_mapping.tsv
8c95d5449a7b4b68364e7ff7695e14c8c76e1924549bc42c0c80e5d39e8695de  201807  job-normalization/melo/est_q_et_c_et/corpus_elements.tsv
bc2f55db71b28b96c2e12d3376e55831893aa404b8388dca8591396df2bb21d3  430  job-normalization/melo/est_q_et_c_et/logged_stats.txt
c14c6898e95d9ad183c0a26bc353e918cf3cad7a74345ba4c621990d83c80e8e  34795  job-normalization/melo/est_q_et_c_et/queries.tsv
aa6f599911776b7ff3fb53de84a229b073d7c30084569bc905f6019b4089fbc3  439263  job-normalization/melo/fra_q_fr_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/fra_q_fr_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/fra_q_fr_c_en/corpus_elements.tsv
b1ea00e66b37efb3f399a6b734c1ab60992a11b59395a8c7f4625358ff0bf371  431  job-normalization/melo/fra_q_fr_c_en/logged_stats.txt
5d5484baff4a23d7e42b84abfe68225b6ba2570e07686e71e78e011ea94f8633  68408  job-normalization/melo/fra_q_fr_c_en/queries.tsv
592727e454f0ea8787755687dc0af3d57f7119c609e62e25a1e8935ed8c86a82  222804  job-normalization/melo/fra_q_fr_c_fr/annotations.tsv
5223da51ccf3ee6c17cee24746ec6c347bd754e9bf4688534aecc4fa9c982b84  1346381  job-normalization/melo/fra_q_fr_c_fr/concept_mapping.tsv
3d62ebce34031ef7227e208940fdc074dda7f4179a261ed96e104d6dd8012108  834646  job-normalization/melo/fra_q_fr_c_fr/corpus_elements.tsv
788c0edf5deafd580a91f910f37b3575661e61f26008ba4246dd1e55c4295e84  430  job-normalization/melo/fra_q_fr_c_fr/logged_stats.txt
5d5484baff4a23d7e42b84abfe68225b6ba2570e07686e71e78e011ea94f8633  68408  job-normalization/melo/fra_q_fr_c_fr/queries.tsv
e5cb7f4db498d29b70e7f0d4a652f7800c4975cb07e8ebc70b777a1ec228b5f5  766476  job-normalization/melo/hrv_q_hr_c_en/annotations.tsv
9d55aee98d355ed6b1e990ad3adad703f314fb2ca0a7253e91e82a0f379983d0  3001391  job-normalization/melo/hrv_q_hr_c_en/concept_mapping.tsv
36a582207179d50d137f708a5eac4601ec29956ce1e48d0a6d1c86b21de11498  1425562  job-normalization/melo/hrv_q_hr_c_en/corpus_elements.tsv
377df28ea54cee14b16021f560d8bf84f69738b31e0b2e82c2ef94bb1344f2a7  433  job-normalization/melo/hrv_q_hr_c_en/logged_stats.txt
e9ce50cafba070a271f7feda8ff2952dd983d9ac7dac0c93d3d66b036fc83ae0  132258  job-normalization/melo/hrv_q_hr_c_en/queries.tsv
70646a062993029d9896c50011985a139e6bc359cd1b84f5fe37db3a2fad4a33  423090  job-normalization/melo/hrv_q_hr_c_hr/annotations.tsv
68c564ba7304540942328fc6871d180be5f408b94cac4c82336cc7ff44950a60  1541771  job-normalization/melo/hrv_q_hr_c_hr/concept_mapping.tsv
2accc720e3291a1487e8be111a4e1918037c23e1f1198ef4921d0f6faaa098f0  874066  job-normalization/melo/hrv_q_hr_c_hr/corpus_elements.tsv
1eaf0a3bdd1fcfaff4e54d043542fdf3caad620fc1cf94dd3e2ea96c313dba6c  432  job-normalization/melo/hrv_q_hr_c_hr/logged_stats.txt
e9ce50cafba070a271f7feda8ff2952dd983d9ac7dac0c93d3d66b036fc83ae0  132258  job-normalization/melo/hrv_q_hr_c_hr/queries.tsv
6472e4da2269b3a039a6eb5493a8dd876b2dbf0019d791ebf3ef73c2021424da  67824  job-normalization/melo/hun_q_hu_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/hun_q_hu_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/hun_q_hu_c_en/corpus_elements.tsv
7133bc4af823ef2b9f3eec7a3272a01280505625d08ccf986840202b6ad120ec  430  job-normalization/melo/hun_q_hu_c_en/logged_stats.txt
d454af88984f548c150a40fefe70084d92b76c36a3090b39dbdb26765d2af897  15762  job-normalization/melo/hun_q_hu_c_en/queries.tsv
dfbe165a1a919acaf05dfd57826300128a50651bdd5396b26e39bc227fcea7bc  43146  job-normalization/melo/hun_q_hu_c_hu/annotations.tsv
90dc41cb756ce3f553ef162ed54de7ce0a210725d4051b83c3a545b90d86f6ac  1499921  job-normalization/melo/hun_q_hu_c_hu/concept_mapping.tsv
180816c6053ed31780c6d6c399a97b3419b31d7bb7d5ebf57d28601b9d4198ad  723965  job-normalization/melo/hun_q_hu_c_hu/corpus_elements.tsv
5bc98066540ccab9f260126dbe55689cfb53d4ac267e4528ed591d4bb66df9dc  430  job-normalization/melo/hun_q_hu_c_hu/logged_stats.txt
d454af88984f548c150a40fefe70084d92b76c36a3090b39dbdb26765d2af897  15762  job-normalization/melo/hun_q_hu_c_hu/queries.tsv
98b863f4110f403477ae29df06a3a47c9429dac52fb1caa36990cd7d83220c31  115560  job-normalization/melo/ita_q_it_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/ita_q_it_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/ita_q_it_c_en/corpus_elements.tsv
4c0356985993df0b242c6e0fc0b56d3d4c15b4da7f186e3ad557aaba06947631  430  job-normalization/melo/ita_q_it_c_en/logged_stats.txt
72ff7e645f4aa6e049694e1f67d120391e006b95514625f658c968c711861c2b  19043  job-normalization/melo/ita_q_it_c_en/queries.tsv
5fa19b8846c1ff1f21ae1ee208260eaf0fea42dde77f4f002dffe225d3e03a94  69471  job-normalization/melo/ita_q_it_c_it/annotations.tsv
ac1df577a60108056b1e5ba88abdd9e79361361be41e679ca96bb542ee174f2f  1434761  job-normalization/melo/ita_q_it_c_it/concept_mapping.tsv
c7214d5362a1a05706e0b5273ac60def83af99af6fd56c8eff8c268c2594f0af  798311  job-normalization/melo/ita_q_it_c_it/corpus_elements.tsv
621825a586ce0bc6897a89ff4921e24bf2f90d02a3bb310da08909011a994e43  429  job-normalization/melo/ita_q_it_c_it/logged_stats.txt
72ff7e645f4aa6e049694e1f67d120391e006b95514625f658c968c711861c2b  19043  job-normalization/melo/ita_q_it_c_it/queries.tsv
bdfe9be5849bd480c07a1ec3bebbcfab6b45707b4846604f9f921898201b8881  496125  job-normalization/melo/ltu_q_lt_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/ltu_q_lt_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/ltu_q_lt_c_en/corpus_elements.tsv
62fbf074b69b82e9f471b0f9c01179a1cac0bcac2729c3dc3136a72a565e1f1b  432  job-normalization/melo/ltu_q_lt_c_en/logged_stats.txt
65a8debcd1ea21e2fe47b18065df46de6cfdfdd4a5f2f54f5e5d4cb4e5910b44  158556  job-normalization/melo/ltu_q_lt_c_en/queries.tsv
b6055d9a7d793b056a117b778c40d291194d8428344194071446741f7b6878c5  284013  job-normalization/melo/ltu_q_lt_c_lt/annotations.tsv
0b3cda8e3e804816cc01509a4d43fede51a736fe9488f262191610294332e5b1  1581011  job-normalization/melo/ltu_q_lt_c_lt/concept_mapping.tsv
89ce5cf3aae0998c9e2ebf8a790c92ee88d1ca188e4a07dff64f7ccd9bbba77b  857135  job-normalization/melo/ltu_q_lt_c_lt/corpus_elements.tsv
710eade1f520fcdc64cfa3f6a72d32a54022a5847e21877a6f405d218a12f2d7  432  job-normalization/melo/ltu_q_lt_c_lt/logged_stats.txt
65a8debcd1ea21e2fe47b18065df46de6cfdfdd4a5f2f54f5e5d4cb4e5910b44  158556  job-normalization/melo/ltu_q_lt_c_lt/queries.tsv
3195541acd1f0f1e901b54708da2f7ebded06835c9647885e2a7d8378521c218  738612  job-normalization/melo/lva_q_lv_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/lva_q_lv_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/lva_q_lv_c_en/corpus_elements.tsv
c4ffb8d8cfccbc73ff1d09a0142904fb65e86aa819b139826c6375cd9139c544  430  job-normalization/melo/lva_q_lv_c_en/logged_stats.txt
64ccd93fb423a66715d473dd3a96bd48ddff4ccf9a8099e460eab05f1a638385  129358  job-normalization/melo/lva_q_lv_c_en/queries.tsv
abe4a71ee95bc719fca6c7e4a9c505ca48a6f02608398bd9d3e17ae3d44156d9  373167  job-normalization/melo/lva_q_lv_c_lv/annotations.tsv
03c6f376831fedd294146ac907b4c1814ccc2fd8d035bc5bd5bb5ca0446bb00f  852731  job-normalization/melo/lva_q_lv_c_lv/concept_mapping.tsv
796e0f697679ef1123fe36d8500fc42f7ad8b8ea57e9da2757cbd42e552dc66a  449769  job-normalization/melo/lva_q_lv_c_lv/corpus_elements.tsv
e01f07594e80b8f6074df46ba05db7811ba446dfe46d6d7affff55b1122ea0be  429  job-normalization/melo/lva_q_lv_c_lv/logged_stats.txt
64ccd93fb423a66715d473dd3a96bd48ddff4ccf9a8099e460eab05f1a638385  129358  job-normalization/melo/lva_q_lv_c_lv/queries.tsv
7ec1f11a95147d380fc730c0920873d52b93943a409260f546c3fcef18ed05c5  888975  job-normalization/melo/nld_q_nl_c_en/annotations.tsv
9d55aee98d355ed6b1e990ad3adad703f314fb2ca0a7253e91e82a0f379983d0  3001391  job-normalization/melo/nld_q_nl_c_en/concept_mapping.tsv
36a582207179d50d137f708a5eac4601ec29956ce1e48d0a6d1c86b21de11498  1425562  job-normalization/melo/nld_q_nl_c_en/corpus_elements.tsv
02b284e4e9bc87683f6b0a56e6df0de3ed8a8a9565322a5b53e08e1f9caedf3b  431  job-normalization/melo/nld_q_nl_c_en/logged_stats.txt
99cfb29f089c135f13af8d890c976543647094171cb54299bea522d6305d86de  95277  job-normalization/melo/nld_q_nl_c_en/queries.tsv
5647ebf969ed7803324b90737cc1ebb82c1307548a26839885846847a527f387  1507626  job-normalization/melo/nld_q_nl_c_nl/annotations.tsv
b0891ca5dfe839f9e751096510ac9edbeb259e4297f62646153bd15cba60ecf1  2143061  job-normalization/melo/nld_q_nl_c_nl/concept_mapping.tsv
3719b20cd1dcc66b02442732d7e3e4ba5b0ad27f5c1efd985e16d3b9661e3c5d  1017864  job-normalization/melo/nld_q_nl_c_nl/corpus_elements.tsv
7403c6b42a16be286112b8826d7fb6de0c010f15196adf85d46b4662e13e84b0  430  job-normalization/melo/nld_q_nl_c_nl/logged_stats.txt
99cfb29f089c135f13af8d890c976543647094171cb54299bea522d6305d86de  95277  job-normalization/melo/nld_q_nl_c_nl/queries.tsv
12052839904b09b7ca13f18645bf2c18c20f29661dfde2e59fca8873d6fb6a64  30807  job-normalization/melo/nor_q_no_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/nor_q_no_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/nor_q_no_c_en/corpus_elements.tsv
fc2d1e2c41848b210b194a70dc265296f3c4962eb8a23aed4a0d93ca88532967  429  job-normalization/melo/nor_q_no_c_en/logged_stats.txt
cf395a6c7409c0a5a9a6e3a725edd53fab3146a77cfa2ed32b6051ab00377de5  2723  job-normalization/melo/nor_q_no_c_en/queries.tsv
5b159ab14fa86f0b8af2e3badcacedbf4cf319738ac70ca1c208c3b61865224e  7560  job-normalization/melo/nor_q_no_c_no/annotations.tsv
68949da82ee651bfeee65b55b7f8fd53caf09a1808e23a0a61cd444465b4f3b5  680741  job-normalization/melo/nor_q_no_c_no/concept_mapping.tsv
2f1ed97374f11683f9cfc7715e783d8ab08d1cb1dd40b6e9b8050d3d99765b02  308788  job-normalization/melo/nor_q_no_c_no/corpus_elements.tsv
ae2753c94c0cbcf86834b91f3e8007e1b57e8d63e5fce60e6650de5598c2f533  427  job-normalization/melo/nor_q_no_c_no/logged_stats.txt
cf395a6c7409c0a5a9a6e3a725edd53fab3146a77cfa2ed32b6051ab00377de5  2723  job-normalization/melo/nor_q_no_c_no/queries.tsv
98c00778c0040f692f8f057eff65c1ec749f550fcdc8b44faab8339a8938a858  619083  job-normalization/melo/pol_q_pl_c_en/annotations.tsv
9d55aee98d355ed6b1e990ad3adad703f314fb2ca0a7253e91e82a0f379983d0  3001391  job-normalization/melo/pol_q_pl_c_en/concept_mapping.tsv
36a582207179d50d137f708a5eac4601ec29956ce1e48d0a6d1c86b21de11498  1425562  job-normalization/melo/pol_q_pl_c_en/corpus_elements.tsv
8cfde9e5f215333d9a60d09f3218fc384c6a456a7b491f87228a759b4bb75d45  430  job-normalization/melo/pol_q_pl_c_en/logged_stats.txt
c9f4ec9af0cf050c2119d161f2d4d57e7d07bb2b9a50752a362b46fbb477449f  79849  job-normalization/melo/pol_q_pl_c_en/queries.tsv
73686b8c7e064990a55fa2c880906bc9b06d1aa7eb2166859c57f5558d90805e  180927  job-normalization/melo/pol_q_pl_c_pl/annotations.tsv
ba010d963ad05f4afb72045c479f15c5492857c4395be89ed5dcdfbf0ded815b  775871  job-normalization/melo/pol_q_pl_c_pl/concept_mapping.tsv
1fd84fe61f142a139e16946d31bbbbb93bf54804a5d6887f9d88301707347079  420750  job-normalization/melo/pol_q_pl_c_pl/corpus_elements.tsv
0710006dcf08a09b2dbea86bf659c33a4ade0d41bf32340b9ffccff42ea93a90  428  job-normalization/melo/pol_q_pl_c_pl/logged_stats.txt
c9f4ec9af0cf050c2119d161f2d4d57e7d07bb2b9a50752a362b46fbb477449f  79849  job-normalization/melo/pol_q_pl_c_pl/queries.tsv
64234743ff70474e9460c1e472ab03b18f4f13ab1bdfc035ed2ac050be6ad267  122310  job-normalization/melo/prt_q_pt_c_en/annotations.tsv
9d55aee98d355ed6b1e990ad3adad703f314fb2ca0a7253e91e82a0f379983d0  3001391  job-normalization/melo/prt_q_pt_c_en/concept_mapping.tsv
36a582207179d50d137f708a5eac4601ec29956ce1e48d0a6d1c86b21de11498  1425562  job-normalization/melo/prt_q_pt_c_en/corpus_elements.tsv
52eebdaa497d6429646a6169d9fa6fcb27f9534b65342d4dda537de6def9be1c  429  job-normalization/melo/prt_q_pt_c_en/logged_stats.txt
603d0993f919f4bc3853a6d6c24f2c4f2302a7caa358cef80b2349030d54b8e7  15396  job-normalization/melo/prt_q_pt_c_en/queries.tsv
cd2b07e23db2889cf6e286d451922964ab0cc9bbb340948261d214572e341c07  51057  job-normalization/melo/prt_q_pt_c_pt/annotations.tsv
e33aea07a782e4ad89903ca8edac32dc889d765ddeaee79e75c2d1231ee546d4  1027241  job-normalization/melo/prt_q_pt_c_pt/concept_mapping.tsv
df69cbaf4ae40efdf45a9fd53c59fa1d62a599183e61e5da30d4ccec37758b5f  631235  job-normalization/melo/prt_q_pt_c_pt/corpus_elements.tsv
3968ccf40f66baf04e22dea8949b003de070312fa579209689294a470a657ebe  428  job-normalization/melo/prt_q_pt_c_pt/logged_stats.txt
603d0993f919f4bc3853a6d6c24f2c4f2302a7caa358cef80b2349030d54b8e7  15396  job-normalization/melo/prt_q_pt_c_pt/queries.tsv
67dfc32357556af5420077d866d6d6c0315e8976f5b7393533446ba5c93a06a4  760995  job-normalization/melo/rou_q_ro_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/rou_q_ro_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/rou_q_ro_c_en/corpus_elements.tsv
0033d1330a00e71f7d7e04f15a52c17cedb2ab67b0ee4432e7efb5dafc09139c  431  job-normalization/melo/rou_q_ro_c_en/logged_stats.txt
62d4039e472b6ede8b5e0b45bc8e00081e9717496acfe3266aa3f152624e172b  131483  job-normalization/melo/rou_q_ro_c_en/queries.tsv
618bcd1ae3a36d70347ae2b8a90784551791210a44b192ef448b517a60f0bb23  374679  job-normalization/melo/rou_q_ro_c_ro/annotations.tsv
608662c6788180528903548f3b2031ea0d871ce9f1ffdcf1285ce89756198c74  1311731  job-normalization/melo/rou_q_ro_c_ro/concept_mapping.tsv
8f728753aaad951c705ea3c5674f776f8389a2ed56f6437f50338d7e694bc7f3  746943  job-normalization/melo/rou_q_ro_c_ro/corpus_elements.tsv
b00cd4a710940e2f39c656ad157e948d82bdeec61e0453ddfd6eb90423db70c7  431  job-normalization/melo/rou_q_ro_c_ro/logged_stats.txt
62d4039e472b6ede8b5e0b45bc8e00081e9717496acfe3266aa3f152624e172b  131483  job-normalization/melo/rou_q_ro_c_ro/queries.tsv
46a5be65e58039140f4e0c52947f1f266ade7d6b801e1d8f773b8463f39dfd52  554823  job-normalization/melo/svk_q_sk_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/svk_q_sk_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/svk_q_sk_c_en/corpus_elements.tsv
2dc16db3dbbe7117ad7db79c53ef00d738a2edc89743f1b4078885709fc25a14  432  job-normalization/melo/svk_q_sk_c_en/logged_stats.txt
02af8d1f973e6fe3372bb5dfe1067310912fa18eeb6de7b2dd77c78411cc68a9  103040  job-normalization/melo/svk_q_sk_c_en/queries.tsv
77fbad3e832111c1fd738e9e9f17107be4161d7d1e687e056848bd4943e32ead  196857  job-normalization/melo/svk_q_sk_c_sk/annotations.tsv
147773c6459ae612087992671705e89aa8c9f4207a6e800a7578ae6a9bdd8498  1137671  job-normalization/melo/svk_q_sk_c_sk/concept_mapping.tsv
dd78bedcc42fd63239d8266da943c3d4693a107ff316f6a725c7878e7976541b  655033  job-normalization/melo/svk_q_sk_c_sk/corpus_elements.tsv
817f27377d425e0808e128734838815c559b1c3b7d3ba34d58e0227701553b96  432  job-normalization/melo/svk_q_sk_c_sk/logged_stats.txt
02af8d1f973e6fe3372bb5dfe1067310912fa18eeb6de7b2dd77c78411cc68a9  103040  job-normalization/melo/svk_q_sk_c_sk/queries.tsv
4b4cda82faad1ba241953182d6218dbdbdc6aa98b75d38ae67ec8afdf7458cd6  1103679  job-normalization/melo/svn_q_sl_c_en/annotations.tsv
549b477da1f4d543f0ee5b26b0dc0390abcad0490ed9a8e90f1abcbf7bd94a2a  2999051  job-normalization/melo/svn_q_sl_c_en/concept_mapping.tsv
252513a76a8460e170d3f408e94d1e9e6369adece6feae3496dd8faa18c6518d  1424501  job-normalization/melo/svn_q_sl_c_en/corpus_elements.tsv
8ddc958445e9f0f690cbd8042bf7bb4175d9b541b71f14648fed3fb13cd426a7  433  job-normalization/melo/svn_q_sl_c_en/logged_stats.txt
abe118c059c594cde5eb71f1cbaaa87b824da9487f382497d8dd099bb893d845  119047  job-normalization/melo/svn_q_sl_c_en/queries.tsv
fff3c026ac1768d2d40465542e90f90a78d50d91fb6e791d3765c9c7ef58c037  598590  job-normalization/melo/svn_q_sl_c_sl/annotations.tsv
cf5a33b42880d71069bc4cade651e1b03ea6a3c92c276166cecf815c06c78e14  1370681  job-normalization/melo/svn_q_sl_c_sl/concept_mapping.tsv
603b612b162161976a3a35d9d4147b0786f58305e6f82a4f8280335c3895eb71  731733  job-normalization/melo/svn_q_sl_c_sl/corpus_elements.tsv
0db43c5343436892c104decfa1d932c438a8eac22ec61c587f9036cb2b957a18  432  job-normalization/melo/svn_q_sl_c_sl/logged_stats.txt
abe118c059c594cde5eb71f1cbaaa87b824da9487f382497d8dd099bb893d845  119047  job-normalization/melo/svn_q_sl_c_sl/queries.tsv
19c8c8cbdc60b33c3aa0644128e18bc8023882e28e680b68fc6039d656ad9a3f  544941  job-normalization/melo/swe_q_sv_c_en/annotations.tsv
167947fe4e2b8be0bd7240f05b899417e06082bd009d4fb984e76b6390612a0c  3018671  job-normalization/melo/swe_q_sv_c_en/concept_mapping.tsv
263cc401b49318861c9ab5c9f190a8c5eeff2b58f9ee94a44d580703b9296ef2  1434156  job-normalization/melo/swe_q_sv_c_en/corpus_elements.tsv
6ce675a17c4351122c3320192cb142390e8ac05d5fe41e4af27ea0294ca5186b  432  job-normalization/melo/swe_q_sv_c_en/logged_stats.txt
86b2861d602daaaf30de3d85f6631d945c9a83d0a177595ebcf1530a6ed0c365  82649  job-normalization/melo/swe_q_sv_c_en/queries.tsv
732e04d72fec65192a048b2ea502d3546fa14d11457d44a5526ad33de1c91c4a  135729  job-normalization/melo/swe_q_sv_c_sv/annotations.tsv
fe13a573af78715da90575e0d112689735948933c9599604901cb4f27847faee  652391  job-normalization/melo/swe_q_sv_c_sv/concept_mapping.tsv
f74c163b1be5c9331a3a8ce321977a2ddffb06e7c4e2eb990005cbd32046ef3e  289216  job-normalization/melo/swe_q_sv_c_sv/corpus_elements.tsv
484137b3f2d75e019a8072fba46633616574547046210edc3324d4fbdb5410a1  431  job-normalization/melo/swe_q_sv_c_sv/logged_stats.txt
86b2861d602daaaf30de3d85f6631d945c9a83d0a177595ebcf1530a6ed0c365  82649  job-normalization/melo/swe_q_sv_c_sv/queries.tsv
91d140d2a94f872877e65f1a29e3ad5dd64da4b274d96d46c3f89133644d771d  1290708  job-normalization/melo/usa_q_en_c_de_en_es_fr_it_nl_pl_pt/annotations.tsv
7e1057f668a1b8dc7276f53f7fa6b2c3f45f8e6b63dda4e69d79d5ddf3b71ffc  430  job-normalization/melo/usa_q_en_c_de_en_es_fr_it_nl_pl_pt/logged_stats.txt
cc51657de449c2048eeb7957d433c3b690695ad116f06e53a830a81014fccf6e  25088  job-normalization/melo/usa_q_en_c_de_en_es_fr_it_nl_pl_pt/queries.tsv
9f4e42f659c0f8aa1b677097d7da187f09a3e9562ca2408099e4ac97bddcd1ca  212004  job-normalization/melo/usa_q_en_c_en/annotations.tsv
d6389b32d09ccc220fbcc6f28d737d0e76f41b9b7090d59c405b87265d5f3815  3019661  job-normalization/melo/usa_q_en_c_en/concept_mapping.tsv
afe1a64350ff5538e63043bdda08b8bc8d6bebc23f41946f83ec322df9c00ead  1434616  job-normalization/melo/usa_q_en_c_en/corpus_elements.tsv
8fefb062cebcb0af4d3a7cee41b16ac3ea97b451480f3b6afd29ef509f13a2c6  429  job-normalization/melo/usa_q_en_c_en/logged_stats.txt
cc51657de449c2048eeb7957d433c3b690695ad116f06e53a830a81014fccf6e  25088  job-normalization/melo/usa_q_en_c_en/queries.tsv
c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4  11357  job-similarity/avature/LICENSE
87d40413b47fda8854b68ef9fca4ada690d7116829678dd7cc32902e9418b78b  4566  job-similarity/avature/README.md
4244d625456c7968cf28aa24fb8dc2b9bf72704dbf6d63b181e82097e97f78b7  107734  job-similarity/avature/dataset/de/annotations.tsv
4c9c7b92549a94b26041ef4b412ded5e9a26333c53c8815f77cfb3fa7bf4a89d  121494  job-similarity/avature/dataset/de/corpus_documents.tsv
bcfcadb5a3a8ef891115856b7574f4bb9b72f1e7a3c0a17cae1d1b8370eb8a97  3574  job-similarity/avature/dataset/de/queries.tsv
8e6d60dfc6d8b90329092900ebfd6f27d941bf566fef57492a916617231a7d6a  100382  job-similarity/avature/dataset/en/annotations.tsv
400cff357bfba7d0e749bd94b21677844cf143b8374eef0ddd9658e65dc75a11  110996  job-similarity/avature/dataset/en/corpus_documents.tsv
779dd6c659a362ad9d58d6851ba47ad941a82b4e0416fa758378117a28fc4fa8  3308  job-similarity/avature/dataset/en/queries.tsv
57568dc438d4b01b8340c51c76d42f3aecc02b7cd30dde3d08e280d22e060867  119282  job-similarity/avature/dataset/es/annotations.tsv
0b8f33c96c387efc428f8fb8d6cdaca84b0189c4b08b6e2aa31db0051a8de784  134146  job-similarity/avature/dataset/es/corpus_documents.tsv
3537a410d800ca19ffa431c45b6229f339b917f9c43d97b1bab330114c1bc3ef  3968  job-similarity/avature/dataset/es/queries.tsv
ea867b47d305dc044956599b0bd130880c005ea0eb441080778e7f6b375e5eab  122775  job-similarity/avature/dataset/fr/annotations.tsv
255b7461a04ab5d2eaa840140aaf7e4db4ea34a595e887e58210f0ba1118cbf0  139380  job-similarity/avature/dataset/fr/corpus_documents.tsv
8c930877323d7946442b3f33376e6d6aa143bd020ac53e11fd0f0572f558aab0  4228  job-similarity/avature/dataset/fr/queries.tsv
a9c172052234baf830a930d2413a88e223692035bda962d915dba98259d02db1  115985  job-similarity/avature/dataset/it/annotations.tsv
0c58e0aca8ca8a1e9606f7fcbe54d5254f2e4714ff0be885e3269fe1bdfdbfd1  133072  job-similarity/avature/dataset/it/corpus_documents.tsv
6673f582b7ea5d359d4818d0946b25f3fbe64c4fbacbcc6efe1ff77f8b2987bc  3788  job-similarity/avature/dataset/it/queries.tsv
70255c95418befd633b53016816e48d7e6c14eaf65d9a5d3311d0052e338d3fe  142036  job-similarity/avature/dataset/ja/annotations.tsv
166149d42088b24ebd4717866a5b015370eb42c372b6694c2a056acd4c11545b  164522  job-similarity/avature/dataset/ja/corpus_documents.tsv
06ef2472c20cffc3f58d14bbc3d75ec59c6c3dce5cbf056de58431dd445c0ed9  4786  job-similarity/avature/dataset/ja/queries.tsv
9a18c8b2e78838e07a199d23f147a28a831b14d8cbb1291b73b7d9bbb7e27ea0  102386  job-similarity/avature/dataset/ko/annotations.tsv
5d280154d7613635c6b21410b63ed10a1da9444801e13eb2126b596f0b63be77  109774  job-similarity/avature/dataset/ko/corpus_documents.tsv
8523e58eb42e1fe1557e95cf4d6b5b67ebcec2a9b761f0464be477068f4dc112  3634  job-similarity/avature/dataset/ko/queries.tsv
68e0807606bfb4147c126434046687f5fef6d947847ffeb23da6831144a9f51e  103323  job-similarity/avature/dataset/nl/annotations.tsv
fe2330b3b5585c46ecb6f32c62e03103a41697911e094852213ac950321755bf  112694  job-similarity/avature/dataset/nl/corpus_documents.tsv
19bf33dd844f5294d28bad2d5d260631402d0db7420813be2d585f2f6ab428c4  3484  job-similarity/avature/dataset/nl/queries.tsv
6955e135e639d60fc604fea78acf63101097ce93367a41a22df2428442d0a0b5  111729  job-similarity/avature/dataset/pl/annotations.tsv
084bf2d08db6e6bd1b194e741b18cee1a9eee3555242bf1c5a5acda44f352c36  125538  job-similarity/avature/dataset/pl/corpus_documents.tsv
ab0bd22c78aabfb01110382a2f78ba7540925db094b8fd3cac459b94e8136b79  3730  job-similarity/avature/dataset/pl/queries.tsv
d69d7eaa40828bb0d954d5a2d3c21c9f7e5242c479e649e3b6772e96ec770c18  115084  job-similarity/avature/dataset/pt/annotations.tsv
25cabe0c0874b0f23c7af80b6ea34e255f3c9dabaaa292596887e1803965e222  128760  job-similarity/avature/dataset/pt/corpus_documents.tsv
1b4f9176acdb1e024f10c165b6b9af8d11ff73a1e31b8286c20d75c979f23a81  3980  job-similarity/avature/dataset/pt/queries.tsv
759dcea0af24c7550ef813e3b668c9028b90d34756b6356807f647f0e44f1597  84061  job-similarity/avature/dataset/zh/annotations.tsv
da6615484ae06f03813ec9ae1ce5d6900c8495cdf2973eff989aa00745ac91fe  87786  job-similarity/avature/dataset/zh/corpus_documents.tsv
37fa68531029c0e4d41981e25c8d7abf5cdaa9e6bf76fa85e192cb6986d1d60e  2954  job-similarity/avature/dataset/zh/queries.tsv
72d3bce1eb76d424c42c2dbc5c937135dc5525ed9e58594f0f4b26d70fecc022  2666221  job2skill/techwolf-vacancy/job_skill_val.parquet
423b54c95fd1f7297942f55fd3a1b8ef0a699333715c2f9388d82c98610feb50  14026  onet/29.2/Abilities to Work Activities.xlsx
e81f8cd47bd9e13199aa73514ac82b19e66dc07b40f971ab3da98ec9de49c4e2  9774  onet/29.2/Abilities to Work Context.xlsx
2dd1ee54ed76a005e099cfb19ac7afea3bcd0528f1c919330f23f80d22d6ef77  1266696  onet/29.2/Alternate Titles.xlsx
d9323f29374db8ada0df51ef7091c85ccee0cd5e8962a800e5a1736d6976fc18  7490  onet/29.2/Basic Interests to RIASEC.xlsx
1935da64d078d8665ff518851898ec7408b1c11df61ef307054ab5a423b4195b  44317  onet/29.2/Content Model Reference.xlsx
2bc21199fec3dc2cdd26b0511e2c79461db07efd209be16f422ad37788ee4fcb  92380  onet/29.2/DWA Reference.xlsx
3d3e36a9cdbf13ebd2a2addd0cee875dbf7b65cbf5071a55b3c9ff53c84650f1  7855  onet/29.2/Education, Training, and Experience Categories.xlsx
0e19dd8a579f7dc4982b459a33b797f1d8c3868c9bbb8a4c5e8792e5519dd7b1  1996700  onet/29.2/Education, Training, and Experience.xlsx
80b63ffb31e75105895fe6dd7f3e4f8029c08bd058b239318758eb4788c9a34a  22667  onet/29.2/Emerging Tasks.xlsx
ee2d0239e45d6fb092d2380167975a2bbb24acccdaadbed3c5ea62e35ef4aa1f  18329  onet/29.2/IWA Reference.xlsx
cf7066191948c588ce11e65781563952750391ff5173b23c169287111bb2e6ad  13325  onet/29.2/Interests Illustrative Activities.xlsx
d7187a725f13a5126a74ffc012b0d286bdf78907d34792e425b757d398c41e97  13438  onet/29.2/Interests Illustrative Occupations.xlsx
7d0a19066fe88f1d000b6a82a5ac25aaf8858c0d9de0fe490adb48aca8c3e32a  302193  onet/29.2/Interests.xlsx
c2624cfbf3f3933c4ae0cd54d53b45cfd504aa880b66397ec19082b0614ce78d  7685  onet/29.2/Job Zone Reference.xlsx
5109fad50e657f3801b750c24ffd9056f6d8aabcf1370c31ca7c9191e376f64e  39901  onet/29.2/Job Zones.xlsx
e06145d5847d7d754bcb1ad3cef7be58cba848474c84e9be3d48e24759a61ce3  3345576  onet/29.2/Knowledge.xlsx
258f7cab17aee7ba415ab54722b413532c208f25e01572bb27aeeb63e5745dd1  30579  onet/29.2/Level Scale Anchors.xlsx
13b2aa4c08e6c9a3708d5e5ac83e13da5cc184e3798313c8942a266d00593ace  102540  onet/29.2/Occupation Data.xlsx
547d5dbd53285e4ed9a5f89b045dbe73ab3096869b76581bfedc920fccb8fdba  849929  onet/29.2/Occupation Level Metadata.xlsx
4d0e0c038ffb96dea8398467476a33488a86f4339579a5d940727d4363e60e12  7733  onet/29.2/RIASEC Keywords.xlsx
bfda9b10897b87d62e6d94019c7d4a42de87f26caf32cd19b4837206ac526278  517  onet/29.2/Read Me.txt
47c929b55153bde8c13ea8630a9834223eed3246cd77faf9d062536af8c9cd3f  459843  onet/29.2/Related Occupations.xlsx
d94f9cac64d72b200af085cd9ce8d90090af2ad1b3db6b2e6b0d5e7908de87a8  197446  onet/29.2/Sample of Reported Titles.xlsx
c8fed5599ddc716dae5d4b4ace29cab3fec72903063873904f401bc22dbb89b3  6866  onet/29.2/Scales Reference.xlsx
02bd6e6cd695e60cc03429953e28e4c5f91cac0cbc80c40d83d90d085c444f9d  11350  onet/29.2/Skills to Work Activities.xlsx
d59629cfd2031bed4adda12cba78d6c70f18d4edb7c43f9bd1a21d893b325199  8530  onet/29.2/Skills to Work Context.xlsx
b37610db0213ee0c885df1b7cf9022089bcddf4f99bf7322884a6b316845af74  3346668  onet/29.2/Skills.xlsx
ec49b88a6bb3a21e476b6c78858d56800180a7bf17c21bdb6a867d7a70fcba91  14796  onet/29.2/Survey Booklet Locations.xlsx
e68d76132b71991bced497d8f9d626da5102391ab9431cfc92e11ef3525ddf30  6136  onet/29.2/Task Categories.xlsx
44e9ce8d46eec806a369fe3e0a9f72c0b0ca1c334270640e22bb43278b55a28d  1147219  onet/29.2/Task Statements.xlsx
159c477138b692754cf0c7dd8adeb4646f594a35cbc101250ee9ff947e365fa3  1336012  onet/29.2/Tasks to DWAs.xlsx
076c6dfb5cdd4ca5c45a24b163c625d27b249fe8a9bea6525bee0d7a84aafe7c  1069363  onet/29.2/Technology Skills.xlsx
eaf2cd59e6876da23374eb2c5cfae58e1c181752a85215c8a40705e6b4934445  1224493  onet/29.2/Tools Used.xlsx
0ae37534f51389c89dcc7f21da94bd7c43d7740f732fdfe596d3d63971ba3894  186396  onet/29.2/UNSPSC Reference.xlsx
de335e61820c2f0ac7c551541c74e94ec24199f278e226aede80026d87926c99  14531  onet/29.2/Work Context Categories.xlsx
68e8c7b886b7a00d1d7e706198f728a7c113cbd855359b234434e0bafd7e8497  819102  onet/29.2/Work Styles.xlsx
eb8e02e8dc2937b4ce79d98c722e30f8635e2495b735ecf24d08e75387bcebea  278116  onet/29.2/Work Values.xlsx
0050dcaa3ae37c01597ee525b5bc0dd283f209398ee93fb4e316609ba4ce5890  222310  skill-extraction/decorte/house_test_annotations.csv
4cc21f54af010c73e2f8696ed55a7ae4b8389552573dd79185d666dd2047bfe4  78452  skill-extraction/decorte/house_validation_annotations.csv
1a809c7d4b7d028cf5e46717ac7e3575361335ed24c51fd8ee5832528513e348  393643  skill-extraction/decorte/skills_en_label.txt
af6f0507015a7acb0668315a6388c780611e4fd859626b46e242abf172278184  169045  skill-extraction/decorte/tech_test_annotations.csv
3a436122f22ebf193193f6592cc2139fedc65d04a8b346f8b9b906e7d438ee3f  44559  skill-extraction/decorte/tech_validation_annotations.csv
25b40790e558de51991f20316826404dd7f3a0b21b82ea71b38e98486e5a6473  1071  skill-extraction/skillskape/LICENSE
23dc30d9f42b923c00883176aee1bf0c2dacdcd455787decce45ead3e5d88519  359554  skill-extraction/skillskape/dev.csv
4d53378da3810c0cf936deda8bcd6b2a9608d3aeeb6bf767bed62cfcad36e97f  371127  skill-extraction/skillskape/test.csv
d1f512e3d5ccdc4cea471d48819491e4cd7836618c09117d0ee82ea9a043d815  1870931  skill-extraction/skillskape/train.csv
"""

MANIFEST: tuple[ManifestEntry, ...] = _build(_SUMS)
