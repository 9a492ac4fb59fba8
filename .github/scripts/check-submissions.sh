#!/usr/bin/env bash
# Check the model result folders a pull request adds or changes, re-score them, then build the board.
# Usage: check-submissions.sh [FOLDER...]
#   no FOLDER: the model folders under $RESULTS that differ from $BASE_RESULTS (the board before the pull
#   request; pull-request-check.sh sets it), else those changed between $BASE_REF and HEAD (git diff).
# Environment: WORKBENCH (the command), RESULTS (the results to build the board from: the head's),
#   BASE_RESULTS (the base's results: what the folders are compared against, and which committed files the
#   pull request edits or deletes), OUT (site folder), SUITES (boards to build), N_BOOTSTRAP,
#   VERIFY=1 (re-score each changed folder with `workbench results verify`: needs the data, fetched on
#   demand, and the models' packages), LEDGER (the verification ledger; a copy gets this run's verdicts and
#   the built board shows each row's state), BASE_REF (origin/main).
# Exit 1, with one line per problem, when a folder fails `workbench results check`, a file mismatches when
# re-scored, or the pull request edits or deletes a committed result file (flagged for a maintainer).
set -euo pipefail
WORKBENCH="${WORKBENCH:-.venv/bin/workbench}"
RESULTS="${RESULTS:-leaderboard/results}"
BASE_RESULTS="${BASE_RESULTS:-}"
OUT="${OUT:-leaderboard/site}"
SUITES="${SUITES:-workbench-core workbench-zero-shot}"
N_BOOTSTRAP="${N_BOOTSTRAP:-1000}"
LEDGER="${LEDGER:-leaderboard/verification.json}"
SUMMARY="${GITHUB_STEP_SUMMARY:-/dev/null}"
failed=0

folders=("$@")
if [ ${#folders[@]} -eq 0 ] && [ -n "$BASE_RESULTS" ]; then
  # `diff -rq` lines: "Only in DIR: NAME" and "Files A and B differ"
  changes=$(diff -rq "$BASE_RESULTS" "$RESULTS" || true)
  while IFS= read -r line; do
    case "$line" in
      "Only in $BASE_RESULTS"*)
        rel="${line#Only in $BASE_RESULTS}"; rel="${rel#/}"; rel="${rel#: }"; rel="${rel/: //}"
        echo "flagged: the pull request deletes the committed $rel: a committed result is removed only by a maintainer"
        failed=1 ;;
      "Files $BASE_RESULTS/"*)
        rel="${line#Files $BASE_RESULTS/}"; rel="${rel%% and *}"
        echo "flagged: the pull request edits the committed result $rel: a maintainer must review it"
        failed=1 ;;
    esac
  done <<<"$changes"
  while IFS= read -r model; do
    [ -n "$model" ] && [ -d "$RESULTS/$model" ] && folders+=("$RESULTS/$model")
  done < <(diff -rq "$BASE_RESULTS" "$RESULTS" | sed -nE "s#^Only in ${RESULTS%/}: (.+)\$#\1#p; s#^Only in ${RESULTS%/}/([^/:]+).*#\1#p; s#^Files ${BASE_RESULTS%/}/([^/]+)/.*#\1#p" | sort -u)
elif [ ${#folders[@]} -eq 0 ]; then
  base="${BASE_REF:-origin/main}"
  while IFS= read -r dir; do
    [ -d "$dir" ] && folders+=("$dir")
  done < <(git diff --name-only "$base"...HEAD -- "$RESULTS" | sed -E "s#^(${RESULTS%/}/[^/]+)/.*#\1#" | sort -u)
fi

board="${BASE_RESULTS:-$RESULTS}"
ledger_copy="$(mktemp -d)/verification.json"
if [ -f "$LEDGER" ]; then cp "$LEDGER" "$ledger_copy"; else echo '{"files": {}}' >"$ledger_copy"; fi
if [ ${#folders[@]} -eq 0 ]; then
  echo "no result folder changed under $RESULTS: nothing to check"
else
  echo "checking ${#folders[@]} result folder(s) against the board $board: ${folders[*]}"
  "$WORKBENCH" results check --board "$board" "${folders[@]}" || failed=1
  if [ "${VERIFY:-0}" = 1 ]; then
    # Each file's state goes into a copy of the ledger, never into the repository's ledger.
    "$WORKBENCH" results verify --record --ledger "$ledger_copy" "${folders[@]}" | tee -a "$SUMMARY" || failed=1
  fi
fi
if [ "$failed" -ne 0 ]; then
  echo "the check failed: the board is not built"
  exit 1
fi
for suite in $SUITES; do
  "$WORKBENCH" leaderboard build "$RESULTS" --out "$OUT/$suite" --suite "$suite" --n-bootstrap "$N_BOOTSTRAP" \
    --ledger "$ledger_copy"
  # each row's verification state: the ranking, then the self-reported and archived sections
  sed -n '1,/^## Per-task scores/p' "$OUT/$suite/leaderboard.md" >>"$SUMMARY"
done
