#!/usr/bin/env bash
# training.recipe: auto against fixed recipes on Fashion-MNIST few-shot tasks (docs/BENCHMARKS.md,
# "Measured: the auto recipe"). Five source/target class partitions, 10- and 50-shot, seeds 0-2:
# the 12 fixed candidates (freeze depth x head multiplier; freeze none x10 is the default recipe)
# and recipe: auto, each a full 30-epoch fine-tune at 32 px tested on the 4,000 target test
# images. Needs Debian's dataset-fashion-mnist. Several hours on 2 cores; results are appended
# one JSON line per run and a rerun skips the runs already there.
# DATASET digits: scikit-learn's 8x8 digits instead (Debian's python3-sklearn; written as IDX by
# digits_idx.py: 100 training images per class, the rest for test), five partitions of four target
# digits, no horizontal flip; results in recipe-digits-<date>.jsonl.
# Usage: bench/trainer/recipe.sh [OUT_DIR] [SEEDS] [SHOTS] [PARTITIONS] [fashion-mnist|digits]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="${1:-$HOME/.cache/finetune/recipe-bench}"
seeds="${2:-0,1,2}" shots="${3:-10,50}" parts="${4:-1,2,3,4,5}" dataset="${5:-fashion-mnist}"
mkdir -p "$out"
stamp=$(date -u +%Y%m%d)
case "$dataset" in
  fashion-mnist)
    [[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]] \
      || { echo "recipe.sh: needs Debian's dataset-fashion-mnist" >&2; exit 1; }
    results="bench/results/recipe-$stamp.jsonl" data_arg=fashion-mnist ;;
  digits)
    python3 bench/trainer/digits_idx.py "$out/digits-idx"
    results="bench/results/recipe-digits-$stamp.jsonl" data_arg="digits=$out/digits-idx" ;;
  *) echo "recipe.sh: DATASET is fashion-mnist or digits, not $dataset" >&2; exit 2 ;;
esac
mvn -B -q -ntp -DskipTests package -pl trainer,bench -am
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
java -Xmx6g -Dai.djl.offline=true -Dai.djl.pytorch.num_interop_threads=1 \
  -cp "bench/target/finetune-bench.jar:trainer/target/finetune-trainer.jar:trainer/target/lib/*" \
  dev.finetune.bench.RecipeBench "$out" "$results" "$seeds" "$shots" "$parts" fixed,auto \
  "$data_arg" 2> "$out/stderr.log"
python3 bench/trainer/recipe_summary.py "$results"
