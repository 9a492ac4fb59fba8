"""Loaders for the work-domain ontologies and evaluation files, as their publishers ship them.

* ``EscoRelease``: ESCO classification CSV zips or unpacked CSVs (v1.1.x and v1.2.x layouts).
* ``OnetRelease``: O*NET database, text (.txt) or Excel (.xlsx) release.
* ``read_crosswalk``: the ESCO–O*NET crosswalk CSVs (both directions).
* ``read_table``: csv / tsv / parquet / json evaluation sets via Hugging Face ``datasets``.

All return pandas DataFrames; none imports torch.
"""

from __future__ import annotations

from workbench.ontologies._files import OntologyFileNotFoundError, OntologyFormatError, split_labels
from workbench.ontologies.crosswalk import ESCO_ONET_FILES, MATCH_TYPES, read_crosswalk, repair_mojibake
from workbench.ontologies.esco import RELATION_TYPES, EscoRelease
from workbench.ontologies.onet import HEADER_TO_COLUMN, OnetRelease
from workbench.ontologies.onet import TABLES as ONET_TABLES
from workbench.ontologies.tabular import infer_format, read_table

__all__ = [
    "ESCO_ONET_FILES",
    "HEADER_TO_COLUMN",
    "MATCH_TYPES",
    "ONET_TABLES",
    "RELATION_TYPES",
    "EscoRelease",
    "OnetRelease",
    "OntologyFileNotFoundError",
    "OntologyFormatError",
    "infer_format",
    "read_crosswalk",
    "read_table",
    "repair_mojibake",
    "split_labels",
]
