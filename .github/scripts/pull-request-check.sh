#!/usr/bin/env bash
# The pull-request check, as the leaderboard workflow runs it: the BASE branch's code judges the pull
# request's result files. Run from the base checkout; HEAD_DIR is a checkout of the pull request's head.
# Usage: .github/scripts/pull-request-check.sh HEAD_DIR
#   Only HEAD_DIR/leaderboard/results/** is taken from the head (copied over the base's results); nothing
#   else of the head is read or run, so a pull request that edits the checker, the workflow, the ledger or
#   the code cannot change the check that judges it (those edits are listed, for the reviewer).
# Environment: as check-submissions.sh (WORKBENCH, OUT, SUITES, N_BOOTSTRAP, VERIFY); BASE_SHA (the base
#   commit, to list the head's other changes; optional).
# Exit 1 when the check fails (check-submissions.sh's reasons).
set -euo pipefail
HEAD_DIR="${1:?usage: pull-request-check.sh HEAD_DIR}"
RESULTS="leaderboard/results"
[ -d "$HEAD_DIR/$RESULTS" ] || { echo "$HEAD_DIR/$RESULTS: no results folder in the head checkout"; exit 1; }
[ -f .github/scripts/check-submissions.sh ] || { echo "run from the base checkout's top folder"; exit 1; }

if [ -n "${BASE_SHA:-}" ] && git -C "$HEAD_DIR" cat-file -e "$BASE_SHA^{commit}" 2>/dev/null; then
  others=$(git -C "$HEAD_DIR" diff --name-only "$BASE_SHA" HEAD -- . ":(exclude)$RESULTS" || true)
  if [ -n "$others" ]; then
    echo "note: the pull request also changes files outside $RESULTS; this check ran the base's code, not these:"
    sed 's/^/  /' <<<"$others"
  fi
fi

# The base's results, kept to see what the pull request adds, edits or deletes; then the head's results.
BASE_RESULTS="$(mktemp -d)/results"
cp -a "$RESULTS" "$BASE_RESULTS"
rm -rf "$RESULTS"
cp -a "$HEAD_DIR/$RESULTS" "$RESULTS"
BASE_RESULTS="$BASE_RESULTS" RESULTS="$RESULTS" .github/scripts/check-submissions.sh
