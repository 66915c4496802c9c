#!/usr/bin/env bash
# Trainer benchmark on this machine's CPU: several stacks side by side in one session.
#   djl-1.13      DJL 0.33 on Debian's libtorch 1.13 (the JNI that bench/gpu/run.sh builds)
#   djl-2.5.1     DJL 0.33 on its bundled libtorch 2.5.1 (what the trainer ships)
#   torch-1.13    Debian's python3-torch 1.13 + torchvision 0.14
#   torch-2.5.1   PyPI's torch 2.5.1 + torchvision 0.20.1 (the libtorch DJL ships), and
#   torch-latest  the newest torch + torchvision on PyPI: venvs outside the tree, made by
#                 bench/trainer/setup-torch-venvs.sh (~/.cache/finetune/bench-venvs/<stack>)
# djl-1.13 / torch-1.13 is the framework overhead (same libtorch, same build); djl-2.5.1 /
# djl-1.13 is the library version. Both loops read loss and correct count back every step (one
# host sync per step on each side). Same threads (nproc), batch, model and SGD settings.
#
#   bench/trainer/run.sh [REPEATS]     default 3; stacks interleaved: A B C A B C ...
#
# Every row carries the 1-minute load average before and after it (the machine is shared).
# Raw rows: bench/results/trainer-<time>.jsonl (small; committed and cited in
# docs/BENCHMARKS.md); a table of per-round ratios (median over rounds) on stdout.
# The djl-1.13 stacks need libtorch-dev, bench/gpu/djl-src (bench/gpu/fetch-djl-src.sh) and the
# JNI built once against Debian's libtorch: bench/gpu/run.sh --dry-run --build-jni (cached in
# bench/gpu/build); without a djl-1.13 stack in BENCH_STACKS none of that is checked.
# Each round ends with the data path alone on one thread (decode + RandomResizedCrop + flip +
# normalise, 224 px): java-turbo (the trainer: libjpeg-turbo), java-imageio (the trainer with
# -Dfinetune.jpeg=imageio, the decoder before) and pil (PIL + torchvision), compared per CPU
# second of the process as well as per wall second; and pil-simd (Pillow-SIMD, AVX2, the same
# torchvision) where setup-torch-venvs.sh made its venv.
# BENCH_CASES overrides the cases ("mode size batch steps;...", "none": the data rows alone),
# BENCH_STACKS the stacks,
# BENCH_DATA_COUNT the images of the data rows (0: none).
# BENCH_OLD_JAR=path/to/finetune-trainer.jar (a trainer built from an older commit) also allows
# the stacks djl-1.13-old and djl-2.5.1-old: the same runs with that jar, for before/after
# comparisons in one session (e.g. BENCH_STACKS="djl-1.13-old djl-1.13 torch-1.13"), and adds a
# java-turbo-old row (that jar's data path) to every round's data rows.
# A "+pod" suffix (djl-2.5.1+pod) runs a DJL stack with the trainer pod's heap settings (the
# image's -XX:MaxRAMPercentage=50 and the operator's -Xmn for the case, TrainerHeap) instead of
# -Xmx8g: the memory rows of docs/BENCHMARKS.md, "Memory".
# Memory: every row has peak_rss_mb (the process's own peak) and peak_tree_pss_mb (sampled every
# 50 ms over the process and its children: PyTorch's DataLoader workers count).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
repeats="${1:-3}"
threads="${BENCH_THREADS:-$(nproc)}"
[[ -f bench/target/finetune-bench.jar && -f trainer/target/finetune-trainer.jar ]] \
  || mvn -B -q -ntp -DskipTests package -pl trainer,bench -am
cp="bench/target/finetune-bench.jar:trainer/target/finetune-trainer.jar:trainer/target/lib/*"
jpegs="$root/bench/results/jpegs"            # generated once, ignored
mkdir -p bench/results
out="bench/results/trainer-$(date -u +%Y%m%dT%H%M%SZ).jsonl"

IFS=';' read -r -a cases <<<"${BENCH_CASES:-train 224 32 8;train 64 64 20;jpeg 224 32 8;jpeg 64 64 20}"
[[ ${BENCH_CASES:-} == none ]] && cases=()   # the data rows alone
read -r -a stacks <<<"${BENCH_STACKS:-djl-1.13 djl-2.5.1 torch-1.13}"
venvs="${BENCH_VENVS:-$HOME/.cache/finetune/bench-venvs}"
pyfor() { # the python of a torch-* stack: Debian's for torch-1.13, else the stack's venv
  if [[ $1 == torch-1.13 ]]; then echo /usr/bin/python3; else echo "$venvs/$1/bin/python"; fi
}
for s in "${stacks[@]}"; do
  if [[ $s == torch-* && ! -x $(pyfor "$s") ]]; then
    echo "missing $(pyfor "$s"): run bench/trainer/setup-torch-venvs.sh first" >&2; exit 1
  fi
done

if [[ " ${stacks[*]} " == *" djl-1.13"[\ -]* ]]; then
  # Debian's libtorch for DJL: the folder bench/gpu/run.sh uses (only libtorch's own libraries)
  env_json=$(/usr/bin/python3 bench/gpu/torch_env.py)
  field() { /usr/bin/python3 -c 'import json,sys;print(json.loads(sys.argv[1])[sys.argv[2]])' "$env_json" "$1"; }
  tv=$(field version_base)
  jni="bench/gpu/build/jni-$tv-cpu/libdjl_torch.so"
  [[ -f $jni ]] || { echo "missing $jni: run bench/gpu/run.sh --dry-run --build-jni first" >&2; exit 1; }
  djl_ver=$(basename "$(ls trainer/target/lib/pytorch-jni-*.jar)" .jar | sed 's/.*-//')
  cache13="$root/bench/gpu/build/djl-cache"
  mkdir -p "$cache13/pytorch/$tv-cpu-linux-x86_64"
  cp "$jni" "$cache13/pytorch/$tv-cpu-linux-x86_64/$djl_ver-libdjl_torch.so"
  libdir=$(field libdir)
  view=$libdir
  if [[ $libdir != */torch/lib || ! -f $libdir/libtorch.so ]]; then
    # a system folder: DJL loads every library in it, so give it one with only libtorch's own
    view="$root/bench/gpu/build/libtorch-$tv-cpu"; rm -rf "$view"; mkdir -p "$view"
    for l in "$libdir"/lib{torch,torch_cpu,torch_global_deps,c10}.so; do
      [[ -e $l ]] && ln -s "$(readlink -f "$l")" "$view/$(basename "$l")"
    done
  fi
fi

load() { cut -d' ' -f1 /proc/loadavg; }
row() { # stack, then the JSON line on stdin: adds stack name and load averages
  /usr/bin/python3 -c 'import json,sys; r=json.loads(sys.stdin.read().strip().splitlines()[-1]); r["run"]=sys.argv[1]; r["round"]=int(sys.argv[2]); r["load_before"]=float(sys.argv[3]); r["load_after"]=float(open("/proc/loadavg").read().split()[0]); print(json.dumps(r))' "$@"
}
djl() { # stack, TrainerBench args...
  local s=$1 cp=$cp heap=-Xmx8g; shift
  if [[ $s == *+pod ]]; then
    # the trainer pod's heap: the image's ceiling and the operator's young generation for the case
    heap="-XX:MaxRAMPercentage=50 $(java -cp "$cp" dev.finetune.bench.PodJavaOptions "$3" "$2")"
    s=${s%+pod}
  fi
  if [[ $s == *-old ]]; then
    cp="bench/target/finetune-bench.jar:${BENCH_OLD_JAR:?BENCH_OLD_JAR for $s}:trainer/target/lib/*"
    s=${s%-old}
  fi
  if [[ $s == djl-1.13 ]]; then
    env DJL_CACHE_DIR="$cache13" PYTORCH_LIBRARY_PATH="$view" PYTORCH_VERSION="$tv" PYTORCH_FLAVOR=cpu \
      LD_LIBRARY_PATH="$libdir" java $heap -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" \
      -Dai.djl.pytorch.num_interop_threads=1 ${BENCH_JAVA_OPTS:-} -cp "$cp" dev.finetune.bench.TrainerBench "$@" 2>>"$out.stderr"
  else
    env DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}" java $heap -Dai.djl.offline=true \
      -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 ${BENCH_JAVA_OPTS:-} \
      -cp "$cp" dev.finetune.bench.TrainerBench "$@" 2>>"$out.stderr"
  fi
}
for ((r = 1; r <= repeats; r++)); do
  for c in "${cases[@]}"; do
    read -r mode size batch steps <<<"$c"
    extra=(); [[ $mode == jpeg ]] && extra=("$jpegs")
    workers=""
    for s in "${stacks[@]}"; do
      l=$(load)
      if [[ $s == torch-* ]]; then
        # the same DataLoader workers as the trainer's default chose (its row's "workers")
        "$(pyfor "$s")" bench/trainer/torch_bench.py ${workers:+--workers=$workers} \
          "$mode" "$size" "$batch" "$steps" "$threads" "${extra[@]}" | row "$s" "$r" "$l" | tee -a "$out"
      else
        line=$(djl "$s" "$mode" "$size" "$batch" "$steps" "${extra[@]}" | tail -1)
        echo "$line" | row "$s" "$r" "$l" | tee -a "$out"
        workers=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["workers"] or "")' "$line")
      fi
    done
  done
  count="${BENCH_DATA_COUNT:-400}"
  if ((count > 0)); then
    l=$(load); djl djl-2.5.1 data 224 "$count" "$jpegs" | tail -1 | row java-turbo "$r" "$l" | tee -a "$out"
    if [[ -n ${BENCH_OLD_JAR:-} ]]; then
      l=$(load); djl djl-2.5.1-old data 224 "$count" "$jpegs" | tail -1 | row java-turbo-old "$r" "$l" | tee -a "$out"
    fi
    l=$(load); BENCH_JAVA_OPTS=-Dfinetune.jpeg=imageio djl djl-2.5.1 data 224 "$count" "$jpegs" | tail -1 \
      | row java-imageio "$r" "$l" | tee -a "$out"
    l=$(load); /usr/bin/python3 bench/trainer/torch_bench.py data 224 "$count" "$jpegs" | row pil "$r" "$l" | tee -a "$out"
    if [[ -x $venvs/pil-simd/bin/python ]]; then
      l=$(load); "$venvs/pil-simd/bin/python" bench/trainer/torch_bench.py data 224 "$count" "$jpegs" \
        | row pil-simd "$r" "$l" | tee -a "$out"
    fi
  fi
done
/usr/bin/python3 bench/trainer/summary.py "$out"
echo "raw: $out"
