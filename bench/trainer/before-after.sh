#!/usr/bin/env bash
# Same-session before/after of the trainer's training step: TrainerBench from an older checkout
# (its own bench and trainer jars, so renamed packages do not matter) against this one,
# interleaved old, new, old, new... with the 1-minute load average on every row.
#
#   git worktree add ../old <commit> && (cd ../old && mvn -q -o -DskipTests package -pl trainer,bench -am)
#   bench/trainer/before-after.sh ../old [ROUNDS] [CASE]     default 15 rounds, CASE "train 64 32 20"
#
# Raw rows: bench/results/trainer-before-after-<time>.jsonl; per-round ratios (new / old) on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
old="$(cd "${1:?usage: before-after.sh OLD_CHECKOUT [ROUNDS] [CASE]}" && pwd)"
rounds="${2:-15}"
read -r -a args <<<"${3:-train 64 32 20}"
threads="${BENCH_THREADS:-$(nproc)}"
cd "$root"
[[ -f bench/target/finetune-bench.jar && -f trainer/target/finetune-trainer.jar ]] \
  || mvn -B -q -ntp -DskipTests package -pl trainer,bench -am
[[ -f $old/bench/target/finetune-bench.jar ]] || { echo "build $old first (see the header)" >&2; exit 1; }
mkdir -p bench/results
out="bench/results/trainer-before-after-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
for ((r = 1; r <= rounds; r++)); do
  for side in old new; do
    dir=$root; [[ $side == old ]] && dir=$old
    load=$(cut -d' ' -f1 /proc/loadavg)
    line=$(cd "$dir" && DJL_CACHE_DIR="${DJL_CACHE_DIR:-$HOME/.djl.ai}" java -Xmx8g -Dai.djl.offline=true \
      -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 \
      -cp "bench/target/finetune-bench.jar:trainer/target/finetune-trainer.jar:trainer/target/lib/*" \
      dev.finetune.bench.TrainerBench "${args[@]}" 2>>"$out.stderr" | tail -1)
    echo "$line" | /usr/bin/python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); r["run"]=sys.argv[1]; r["commit"]=sys.argv[2]; r["round"]=int(sys.argv[3]); r["load_before"]=float(sys.argv[4]); r["load_after"]=float(open("/proc/loadavg").read().split()[0]); print(json.dumps(r))' \
      "$side" "$(git -C "$dir" rev-parse --short HEAD)" "$r" "$load" >>"$out"
  done
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["round"], {})[r["run"]] = r
pairs = [b for b in by.values() if "old" in b and "new" in b]
for key in ("images_per_second", "images_per_cpu_second"):
    ratios = sorted(b["new"][key] / b["old"][key] for b in pairs)
    q = lambda p: ratios[int(p * (len(ratios) - 1))]
    print(f"{key}: new/old median {statistics.median(ratios):.3f} (quartiles {q(.25):.3f}-{q(.75):.3f}, {len(ratios)} rounds)")
for run in ("old", "new"):
    v = [r["images_per_second"] for r in rows if r["run"] == run]
    print(f"{run} ({rows[0 if run == 'old' else 1]['commit']}): median {statistics.median(v):.1f} img/s, min {min(v)}, max {max(v)}")
PY
echo "raw: $out"
