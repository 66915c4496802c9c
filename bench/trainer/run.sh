#!/usr/bin/env bash
# Trainer benchmark: DJL trainer vs PyTorch (Debian's python3-torch) on this machine, same
# threads, same batch, alternating runs in one session. Results: bench/results/trainer-*.jsonl
# and a ratio table on stdout (copy it into docs/BENCHMARKS.md).
#   bench/trainer/run.sh [REPEATS]     default 2 (each mode runs DJL, PyTorch, DJL, PyTorch)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
repeats="${1:-2}"
threads="${BENCH_THREADS:-$(nproc)}"
mvn -B -q -ntp -DskipTests package
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}"
cp="bench/target/finetune-bench.jar:trainer/target/finetune-trainer.jar:trainer/target/lib/*"
jpegs="$root/bench/results/jpegs"
mkdir -p bench/results
out="bench/results/trainer-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
djl() { java -Xmx8g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$1" \
  -Dai.djl.pytorch.num_interop_threads=1 -cp "$cp" dev.finetune.bench.TrainerBench "${@:2}" 2>/dev/null | tail -1; }
torch() { /usr/bin/python3 bench/trainer/torch_bench.py "$@"; }
# mode args for both stacks
cases=(
  "train 224 32 12"
  "train 64 64 40"
  "jpeg 224 32 12"
)
for ((r = 0; r < repeats; r++)); do
  for c in "${cases[@]}"; do
    set -- $c
    djl "$threads" "$@" $( [[ $1 == jpeg ]] && echo "$jpegs" ) | tee -a "$out"
    torch "$@" "$threads" $( [[ $1 == jpeg ]] && echo "$jpegs" ) | tee -a "$out"
  done
  djl 1 data 224 400 "$jpegs" | tee -a "$out"
  torch data 224 400 "$jpegs" | tee -a "$out"
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
key = lambda r: (r["mode"], r["size"])
print("| mode | size | DJL img/s | PyTorch img/s | DJL/PyTorch | DJL peak RSS MB | PyTorch peak RSS MB |")
print("|---|---|---|---|---|---|---|")
for k in sorted({key(r) for r in rows}):
    d = [r for r in rows if key(r) == k and r["stack"] == "djl"]
    t = [r for r in rows if key(r) == k and r["stack"] == "pytorch"]
    di = statistics.median(x["images_per_second"] for x in d)
    ti = statistics.median(x["images_per_second"] for x in t)
    print(f"| {k[0]} | {k[1]} | {di:.1f} | {ti:.1f} | {di/ti:.2f}x | "
          f"{max(x['peak_rss_mb'] for x in d):.0f} | {max(x['peak_rss_mb'] for x in t):.0f} |")
PY
echo "raw: $out"
