"""Scoring: the blocked score matrix of a model over a dataset (the metrics are `workbench.metrics`)."""
