#!/bin/bash
# Fill $CARRY (default .devcarry, git-ignored: add "/.devcarry/" to .git/info/exclude) for uwe_device_run.sh:
# the data the core tasks read, all-MiniLM-L6-v2 as float16, this project's wheel and the packages the GPU
# image lacks (Python 3.12 wheels). Then: move leaderboard/results aside (tracked files travel too and the
# call takes 64 MiB), run `CARRY=.devcarry bash benchmarks/uwe_device_run.sh` through the device tool with
# carry [".devcarry"], move the results back, and delete $CARRY (it holds copies of the data). It comes to
# ~65 MB, so the rest of the working tree must stay under ~2 MB for the call.
set -eu
CARRY=${CARRY:-.devcarry}; DATA=${WORKBENCH_DATA_DIR:?set WORKBENCH_DATA_DIR}; PY=${PY:-.venv/bin/python}
rm -rf "$CARRY" && mkdir -p "$CARRY/data/job-normalization" "$CARRY/whl" "$CARRY/minilm"
cp -r "$DATA/esco" "$DATA/skill-extraction" "$CARRY/data/"
cp -r "$DATA/job-normalization/jobbert" "$CARRY/data/job-normalization/"
cp "$DATA/README.md" "$DATA/SHA256SUMS" "$CARRY/data/"
MINILM=$($PY -c "from workbench.models.weights import minilm_folder; print(minilm_folder())")
$PY benchmarks/uwe_device_weights.py half "$MINILM" "$CARRY/minilm"  # the float16 copy uwe_device_run.sh restores
$PY -m pip wheel -q --no-deps --no-build-isolation -w "$CARRY/whl" .
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$CARRY/whl" \
  pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5 \
  datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19
du -sb "$CARRY"
