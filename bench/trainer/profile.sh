#!/usr/bin/env bash
# One training step op by op: the shipped trainer (DJL 0.33 on its libtorch 2.5.1) against PyPI's
# PyTorch 2.5.1 (the same libtorch), both recorded by libtorch's legacy autograd profiler.
#
#   bench/trainer/profile.sh [SIZE BATCH STEPS]     default 224 32 4
#
# TrainerBench's and torch_bench.py's profile modes run the compute-only train loop (ResNet-18,
# SGD with momentum and weight decay, the head at 10x, pre-made tensors, one host sync per step),
# 3 warm-up steps, then STEPS profiled steps, on the same threads (BENCH_THREADS, default nproc);
# profile_ops.py compares the two Chrome traces (docs/BENCHMARKS.md, "One step, op by op").
# Needs the torch-2.5.1 venv of setup-torch-venvs.sh. The table goes to
# bench/results/profile-<time>.txt (committed), the traces to bench/results/profile-<time>/
# (large; ignored). The profiler adds a few microseconds per recorded op on both sides, so the span
# here is not a speed figure: run.sh gives those.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
size="${1:-224}" batch="${2:-32}" steps="${3:-4}"
threads="${BENCH_THREADS:-$(nproc)}"
py="${BENCH_VENVS:-$HOME/.cache/finetune/bench-venvs}/torch-2.5.1/bin/python"
[[ -x $py ]] || { echo "missing $py: run bench/trainer/setup-torch-venvs.sh first" >&2; exit 1; }
[[ -f bench/target/finetune-bench.jar && -f trainer/target/finetune-trainer.jar ]] \
  || mvn -B -q -ntp -DskipTests package -pl trainer,bench -am
cp="bench/target/finetune-bench.jar:trainer/target/finetune-trainer.jar:trainer/target/lib/*"
out="bench/results/profile-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
{
  echo "# bench/trainer/profile.sh $size $batch $steps on $(nproc) CPUs, $threads threads, $(date -u +%FT%TZ)"
  echo "# load before: $(cut -d' ' -f1 /proc/loadavg)"
  env DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}" java -Xmx8g -Dai.djl.offline=true \
    -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 \
    -cp "$cp" dev.finetune.bench.TrainerBench profile "$size" "$batch" "$steps" "$out/djl.json" \
    2>"$out/djl.stderr"
  "$py" bench/trainer/torch_bench.py profile "$size" "$batch" "$steps" "$threads" "$out/torch.json"
  echo "# load after: $(cut -d' ' -f1 /proc/loadavg)"
  echo
  python3 bench/trainer/profile_ops.py "$out/djl.json" "$out/torch.json" "$steps" 30
} | tee "$out.txt"
