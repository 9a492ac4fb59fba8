"""Leaderboard test fixtures (the helpers live in lb_fixtures.py)."""

from lb_fixtures import populated, specs  # noqa: F401  (re-exported as fixtures)
