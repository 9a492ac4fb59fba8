"""What re-scoring a result file found (`workbench results verify`): the states a file can be in. The
verification ledger of the leaderboard records them; the core defines them, so that it never imports the
leaderboard."""

from __future__ import annotations

VERIFIED = "verified"
MISMATCHED = "mismatched"
NOT_LOADABLE = "not-loadable"
OTHER_ENVIRONMENT = "other-environment"  # mismatched, but the file records other model-library versions
FILE_STATES = (VERIFIED, MISMATCHED, NOT_LOADABLE, OTHER_ENVIRONMENT)
