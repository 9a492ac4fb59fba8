#!/usr/bin/env bash
# Check the model result folders a pull request adds or changes, then rebuild the board with them.
# Usage: check-submissions.sh [FOLDER...]
#   no FOLDER: the folders under $RESULTS changed between $BASE_REF and HEAD (git diff).
# Environment: WORKBENCH (the command), RESULTS (the board's results, leaderboard/results), OUT (site
# folder, leaderboard/site), SUITES (boards to build), N_BOOTSTRAP, BASE_REF (origin/main).
# Exit 1, with one line per problem, when a folder fails `workbench results check`; the board is then not built.
set -euo pipefail
WORKBENCH="${WORKBENCH:-.venv/bin/workbench}"
RESULTS="${RESULTS:-leaderboard/results}"
OUT="${OUT:-leaderboard/site}"
SUITES="${SUITES:-workbench-core workbench-zero-shot}"
N_BOOTSTRAP="${N_BOOTSTRAP:-1000}"

folders=("$@")
if [ ${#folders[@]} -eq 0 ]; then
  base="${BASE_REF:-origin/main}"
  while IFS= read -r dir; do
    [ -d "$dir" ] && folders+=("$dir")
  done < <(git diff --name-only "$base"...HEAD -- "$RESULTS" | sed -E "s#^(${RESULTS%/}/[^/]+)/.*#\1#" | sort -u)
fi
if [ ${#folders[@]} -eq 0 ]; then
  echo "no result folder changed under $RESULTS: nothing to check"
else
  echo "checking ${#folders[@]} result folder(s): ${folders[*]}"
  "$WORKBENCH" results check --board "$RESULTS" "${folders[@]}"
fi
for suite in $SUITES; do
  "$WORKBENCH" leaderboard build "$RESULTS" --out "$OUT/$suite" --suite "$suite" --n-bootstrap "$N_BOOTSTRAP"
done
