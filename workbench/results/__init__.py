"""Results: the versioned result file, its per-query codec, the scoring version, where a result lives and when it is reused, migration and export."""
