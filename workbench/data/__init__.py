"""Data: where the publishers' files live, their checksums and content keys, the TSV reader, the manifest of published files, `workbench data fetch` and bounded HTTP reads."""
