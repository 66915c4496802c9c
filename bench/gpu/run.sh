#!/usr/bin/env bash
# GPU device check: the DJL trainer against PyTorch on the same card, in one call.
#
#   bench/gpu/run.sh [--dry-run] [--device auto|cpu|cuda] [--timeout S] [--build-jni]
#
#   --dry-run     CPU, tiny sizes: every stage end to end in about a minute (no figures)
#   --device      auto (default): cuda when nvidia-smi exists and torch sees a GPU, else cpu
#   --timeout     hard limit for the whole run in seconds (default 280, below 5 minutes)
#   --build-jni   build DJL's JNI even when the prebuilt one matches (in --dry-run: compile it,
#                 not only configure it)
#
# Stages (each appends JSON lines to bench/results/gpu-<time>.jsonl; a summary with ratios and
# goals is printed at the end, also after a timeout):
#   1. env     Python with torch + torchvision ($BENCH_PYTHON, python3, /usr/bin/python3)
#   2. jni     torch == 2.5.1 with a flavor in the pytorch-jni jar: use the prebuilt JNI. Else build
#              DJL's JNI from bench/gpu/djl-src (bench/gpu/fetch-djl-src.sh; never committed) with
#              torch's CMake config (+ nvcc for CUDA) into the run's DJL cache. Then DJL is pointed
#              at that libtorch (PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, PYTORCH_FLAVOR) and the
#              engine stage checks which libtorch it loaded.
#   3. parity  torch_reference.py logits|sgd --device X, then ParityCheck on the same device
#              (NVIDIA_TF32_OVERRIDE=0 on both sides)
#   4. speed   TrainerBench vs torch_bench.py: ResNet-18 224 px batch 128 on pre-decoded tensors
#              (train) and on synthetic JPEGs with decode + augmentation (jpeg: the trainer's
#              default data workers for this machine's CPUs, the same count of DataLoader workers)
#   5. cu124   the product's own natives (DJL's pytorch-native-cu124 2.5.1, what the CUDA image
#              ships) when the driver supports CUDA >= 12.4 and the natives jar is here
#              ($BENCH_CU124_JAR, trainer/target/lib or bench/gpu/build): engine + train speed;
#              otherwise recorded as skipped with the reason
#   6. hotdog  bin/finetune train: 2 synthetic classes, 1,000 training JPEGs, 5 epochs, batch 128,
#              fine-tune run only, the trainer's default data workers; wall time from process start
#   7. workers the data path feeding the device: the jpeg mode of stage 4 with 1, 2, 4, 8 and 15
#              data workers (those below the machine's CPU count; dry run: 1 and 2), DJL and
#              PyTorch's DataLoader, against compute alone (stage 4's train: pre-decoded tensors)
# --dry-run without bench/gpu/djl-src (a clean clone; CI): a torch other than 2.5.1 cannot get
# its JNI built, so DJL keeps its bundled libtorch 2.5.1 (jni state "bundled") and parity compares
# it with that torch, as the trainer's own tests do. A device run fails instead.
# CUDA: the CUDA runtime that DJL's CudaUtils loads by the name "cudart" is looked up in the
# Python's nvidia/cuda_runtime/lib (pip wheels), then /usr/local/cuda/lib64, and put on
# LD_LIBRARY_PATH and jna.library.path.
# Needs trainer/target/{finetune-trainer.jar,lib/} and bench/target/finetune-bench.jar (built
# with Maven when missing) and, for the JNI build, cmake, g++ and (CUDA) nvcc.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

dry_run=0 device=auto limit=280 build_jni=0
while (($#)); do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --device) device="$2"; shift ;;
    --device=*) device="${1#*=}" ;;
    --timeout) limit="$2"; shift ;;
    --timeout=*) limit="${1#*=}" ;;
    --build-jni) build_jni=1 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/gpu/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case "$device" in auto|cpu|cuda) ;; *) echo "--device: auto, cpu or cuda, not $device" >&2; exit 2 ;; esac

work="$root/bench/gpu/build"          # ignored (bench/gpu/build/): JNI build, DJL cache, data
mkdir -p "$work" bench/results
out="${BENCH_GPU_OUT:-$root/bench/results/gpu-$(date -u +%Y%m%dT%H%M%SZ).jsonl}"

# ---- outer: the hard timeout, then the summary whatever happened ----
if [[ -z "${BENCH_GPU_INNER:-}" ]]; then
  : >"$out"
  start=$(date +%s)
  BENCH_GPU_INNER=1 BENCH_GPU_OUT="$out" timeout --kill-after=5 "$limit" "$0" \
    --device "$device" --timeout "$limit" $( ((dry_run)) && echo --dry-run ) \
    $( ((build_jni)) && echo --build-jni )
  rc=$?
  if ((rc == 124 || rc == 137)); then
    echo "{\"stage\":\"run\",\"ok\":false,\"error\":\"hard timeout after ${limit}s\"}" >>"$out"
  fi
  echo "{\"stage\":\"run\",\"seconds\":$(($(date +%s) - start)),\"rc\":$rc}" >>"$out"
  py=$(cat "$work/python" 2>/dev/null || echo python3)
  "$py" "$root/bench/gpu/summary.py" "$out"
  src=$?
  echo "raw: $out"
  ((rc != 0)) && exit "$rc"
  exit "$src"
fi

# ---- inner ----
log() { echo "[gpu-bench $(date +%T)] $*" >&2; }
record() { echo "$1" | tee -a "$out"; }
fail() { record "{\"stage\":\"$1\",\"ok\":false,\"error\":$(printf '%s' "$2" | "$py" -c 'import json,sys;print(json.dumps(sys.stdin.read()))')}"; exit 1; }

# 1. env
py=""
for cand in ${BENCH_PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null && "$cand" -c 'import torch, torchvision' 2>/dev/null; then
    py="$(command -v "$cand")"; break
  fi
done
[[ -n "$py" ]] || { echo '{"stage":"env","ok":false,"error":"no python with torch and torchvision"}' >>"$out"; exit 1; }
echo "$py" >"$work/python"
env_json=$("$py" "$root/bench/gpu/torch_env.py") || fail env "torch_env.py failed"
field() { "$py" -c 'import json,sys;print(json.loads(sys.argv[1])[sys.argv[2]])' "$env_json" "$1"; }
has_cuda=$(field cuda_available)
if ((dry_run)); then
  dev=cpu
elif [[ $device == auto ]]; then
  dev=cpu; command -v nvidia-smi >/dev/null && [[ $has_cuda == True ]] && dev=cuda
else
  dev=$device
  [[ $dev == cuda && $has_cuda != True ]] && fail env "--device cuda but torch $(field version) sees no GPU"
fi
nproc=$(nproc)
# The CUDA runtime for DJL's CudaUtils (JNA name "cudart"): pip wheels ship it under
# nvidia/cuda_runtime/lib as libcudart.so.12 only, which JNA finds through jna.library.path.
cudart_dir=$("$py" - <<'PY'
import glob, os
try:
    import nvidia.cuda_runtime as m
    d = os.path.join(list(m.__path__)[0], "lib")
    print(d if glob.glob(os.path.join(d, "libcudart.so*")) else "")
except ImportError:
    print("")
PY
)
if [[ -z $cudart_dir ]]; then
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    compgen -G "$d/libcudart.so*" >/dev/null && { cudart_dir=$d; break; }
  done
fi
[[ -n $cudart_dir ]] && export LD_LIBRARY_PATH="$cudart_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
jna_opt=${cudart_dir:+-Djna.library.path=$cudart_dir}
record "{\"stage\":\"env\",\"ok\":true,\"dry_run\":$( ((dry_run)) && echo true || echo false),\"device\":\"$dev\",\"python\":\"$py\",\"nproc\":$nproc,\"cudart_dir\":\"$cudart_dir\",\"torch\":$env_json}"
log "python $py, torch $(field version), device $dev"

# Maven build only when the jars are missing (the device machine has no Maven repository).
jars=(trainer/target/finetune-trainer.jar bench/target/finetune-bench.jar)
if [[ ! -f ${jars[0]} || ! -f ${jars[1]} || ! -d trainer/target/lib ]]; then
  log "building the jars (mvn package)"
  mvn -B -q -o -DskipTests package -pl trainer,bench -am >&2 || fail build "mvn package failed"
fi
cp="bench/target/finetune-bench.jar:trainer/target/finetune-trainer.jar:trainer/target/lib/*"
ambient_cache="${DJL_CACHE_DIR:-}"
export DJL_CACHE_DIR="$work/djl-cache"

# 2. jni
tv=$(field version_base) flavor=$(field flavor)
jni_jar=$(ls trainer/target/lib/pytorch-jni-*.jar 2>/dev/null | head -1)
jni_ver=$(basename "$jni_jar" .jar | sed 's/^pytorch-jni-//')          # 2.5.1-0.33.0
djl_ver=${jni_ver#*-}
prebuilt=0
if ((!build_jni)) && [[ $jni_ver == "$tv-"* ]] && unzip -l "$jni_jar" | grep -q "jnilib/linux-x86_64/$flavor/libdjl_torch.so"; then
  prebuilt=1
fi
jni_dir="$DJL_CACHE_DIR/pytorch/$tv-$flavor-linux-x86_64"
jni_state=prebuilt
src="$root/bench/gpu/djl-src/engines/pytorch/pytorch-native"
if ((!prebuilt)) && [[ ! -f $src/CMakeLists.txt ]]; then
  ((dry_run)) || fail jni "torch $tv ($flavor) needs DJL's JNI built, but bench/gpu/djl-src is missing: run bench/gpu/fetch-djl-src.sh"
  jni_state=bundled
  # nothing of this run goes into the cache: share the caller's unpacked natives
  [[ -n $ambient_cache ]] && export DJL_CACHE_DIR="$ambient_cache"
elif ((!prebuilt)); then
  bdir="$work/jni-$tv-$flavor"
  stamp="$bdir/libdjl_torch.so.stamp"
  want_stamp="$djl_ver $tv $flavor $(field cmake_prefix)"
  if [[ -f $bdir/libdjl_torch.so && "$(cat "$stamp" 2>/dev/null)" == "$want_stamp" ]]; then
    jni_state=cached
  else
    rm -rf "$bdir"; mkdir -p "$bdir/include"
    # the CMakeLists includes <source>/build/include: the generated JNI header goes there
    mkdir -p "$src/build/include"
    javac -h "$src/build/include" -d "$bdir/classes" \
      "$root/bench/gpu/djl-src/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java" \
      || fail jni "javac -h failed"
    pt_version=""
    [[ $tv =~ ^(1\.13|2\.0|2\.1)\. ]] && pt_version=V1_13_X   # as DJL's build.sh
    use_cuda=""; [[ $flavor == cu* ]] && use_cuda=1
    prefix=$(field cmake_prefix)
    export JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
    log "jni: cmake configure (torch $tv, $flavor, CMAKE_PREFIX_PATH=${prefix:-system})"
    cmake -S "$src" -B "$bdir" -DCMAKE_BUILD_TYPE=Release ${prefix:+-DCMAKE_PREFIX_PATH="$prefix"} \
      ${pt_version:+-DPT_VERSION=$pt_version} ${use_cuda:+-DUSE_CUDA=1} >"$bdir/configure.log" 2>&1 \
      || fail jni "cmake configure failed: $(tail -5 "$bdir/configure.log")"
    jni_state=configured
    if ((!dry_run || build_jni)); then
      log "jni: compiling with $nproc jobs"
      if ! cmake --build "$bdir" -- -j "$nproc" >"$bdir/build.log" 2>&1; then
        fail jni "JNI build failed against torch $tv: $(grep -m3 -E 'error' "$bdir/build.log")"
      fi
      if [[ -n $use_cuda ]]; then   # as DJL's build.sh: do not link the toolkit's cudart/nvrtc
        sed -i -r 's#[^ ]*/lib(64)?/lib(cudart|nvrtc)\.so[^ ]*##g' "$bdir/CMakeFiles/djl_torch.dir/link.txt"
        (cd "$bdir" && rm -f libdjl_torch.so && . CMakeFiles/djl_torch.dir/link.txt) || fail jni "relink without cudart failed"
      fi
      echo "$want_stamp" >"$stamp"
      jni_state=built
    fi
  fi
  if [[ -f $bdir/libdjl_torch.so && $jni_state != configured ]]; then
    mkdir -p "$jni_dir" && cp "$bdir/libdjl_torch.so" "$jni_dir/$djl_ver-libdjl_torch.so"
  fi
fi
if [[ $jni_state == configured || $jni_state == bundled ]]; then
  log "jni: $jni_state (dry-run); DJL keeps its bundled libtorch"
  unset PYTORCH_LIBRARY_PATH PYTORCH_VERSION PYTORCH_FLAVOR
else
  libdir=$(field libdir)
  if [[ $(basename "$libdir") != lib || ! -f $libdir/libtorch.so || $libdir != */torch/lib ]]; then
    # a system libtorch (Debian: /usr/lib/<triplet>): DJL loads every library in the folder, so
    # give it a folder with only libtorch's own
    view="$work/libtorch-$tv-$flavor"; rm -rf "$view"; mkdir -p "$view"
    for l in "$libdir"/lib{torch,torch_cpu,torch_cuda,torch_global_deps,c10,c10_cuda}.so; do
      [[ -e $l ]] && ln -s "$(readlink -f "$l")" "$view/$(basename "$l")"
    done
    libdir=$view
  fi
  # Only here, for a libtorch that is not the pinned 2.5.1: DJL needs its version and flavour to
  # pick the matching JNI. The product (trainer images, tests) never sets PYTORCH_VERSION.
  export PYTORCH_LIBRARY_PATH="$libdir" PYTORCH_VERSION="$tv" PYTORCH_FLAVOR="$flavor"
  export LD_LIBRARY_PATH="$(field libdir)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
djl() { java -Xmx16g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$nproc" \
  -Dai.djl.pytorch.num_interop_threads=1 $jna_opt -cp "$cp" "$@" 2>>"$work/djl-stderr.log"; }
engine=$(djl dev.finetune.bench.TrainerBench engine | tail -1) \
  || fail jni "DJL could not load libtorch (${PYTORCH_LIBRARY_PATH:-bundled}): $(tail -3 "$work/djl-stderr.log")"
record "{\"stage\":\"jni\",\"ok\":true,\"state\":\"$jni_state\",\"torch\":\"$tv\",\"flavor\":\"$flavor\",\"pytorch_library_path\":\"${PYTORCH_LIBRARY_PATH:-}\",\"engine\":$engine}"
log "jni: $jni_state; DJL engine $engine"
if [[ $dev == cuda ]] && ! "$py" -c 'import json,sys;sys.exit(json.loads(sys.argv[1])["gpus"] < 1)' "$engine"; then
  fail jni "DJL sees no GPU although torch does"
fi

djl_dev=cpu; [[ $dev == cuda ]] && djl_dev=gpu

# 3. parity
ref="$work/ref-$dev"; rm -rf "$ref"; mkdir -p "$ref/logits" "$ref/sgd"
NVIDIA_TF32_OVERRIDE=0 "$py" trainer/src/test/python/torch_reference.py logits "$ref/logits" --device "$dev" >&2 \
  && NVIDIA_TF32_OVERRIDE=0 "$py" trainer/src/test/python/torch_reference.py sgd "$ref/sgd" --device "$dev" >&2 \
  || fail parity "torch_reference.py failed"
parity=$(NVIDIA_TF32_OVERRIDE=0 djl dev.finetune.bench.ParityCheck --device=$djl_dev "$ref/logits" "$ref/sgd" | tail -1)
prc=$?
record "{\"stage\":\"parity\",\"ok\":$( ((prc == 0)) && echo true || echo false),\"result\":${parity:-null}}"

# 4. speed
if ((dry_run)); then size=32 batch=4 steps=2; else size=224 batch=128 steps=20; fi
jpegs="$work/jpegs"
for mode in train jpeg; do
  extra=(); [[ $mode == jpeg ]] && extra=("$jpegs")
  # no --workers: the trainer's default for these CPUs and the device (CpuShare)
  d=$(djl dev.finetune.bench.TrainerBench --device=$djl_dev $mode $size $batch $steps "${extra[@]}" | tail -1) \
    || fail speed "TrainerBench $mode failed: $(tail -3 "$work/djl-stderr.log")"
  record "{\"stage\":\"speed\",\"ok\":true,\"result\":$d}"
  workers=$("$py" -c 'import json,sys; print(max(1, json.loads(sys.argv[1]).get("workers") or 1))' "$d")
  t=$("$py" bench/trainer/torch_bench.py --device=$dev --workers=$workers $mode $size $batch $steps "$nproc" "${extra[@]}" | tail -1) \
    || fail speed "torch_bench.py $mode failed"
  record "{\"stage\":\"speed\",\"ok\":true,\"result\":$t}"
  [[ $mode == jpeg ]] && speed_workers=$workers speed_djl=$d speed_torch=$t
done

# 5. cu124: the product's own CUDA natives, as the CUDA trainer image runs them
cu_skip=""
if ((dry_run)) || [[ $dev != cuda ]]; then
  cu_skip="no GPU run (device $dev$( ((dry_run)) && echo ', dry run'))"
else
  drv=$(nvidia-smi 2>/dev/null | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -1)
  natjar=$(ls ${BENCH_CU124_JAR:-} trainer/target/lib/pytorch-native-cu124-*.jar \
    "$work"/pytorch-native-cu124-*.jar 2>/dev/null | head -1)
  if ! "$py" -c 'import sys; v=[int(x) for x in sys.argv[1].split(".")[:2]]; sys.exit(v < [12, 4])' "${drv:-0.0}"; then
    cu_skip="the driver supports CUDA ${drv:-unknown}, the cu124 natives need 12.4"
  elif [[ -z $natjar ]]; then
    cu_skip="pytorch-native-cu124 2.5.1 jar not on this machine (BENCH_CU124_JAR, trainer/target/lib, bench/gpu/build)"
  fi
fi
if [[ -n $cu_skip ]]; then
  record "{\"stage\":\"cu124\",\"ok\":true,\"state\":\"skipped\",\"reason\":\"$cu_skip\"}"
else
  cu() { env -u PYTORCH_LIBRARY_PATH -u PYTORCH_VERSION -u PYTORCH_FLAVOR DJL_CACHE_DIR="$work/djl-cache-cu124" \
    java -Xmx16g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$nproc" -Dai.djl.pytorch.num_interop_threads=1 \
    $jna_opt -cp "$cp:$natjar" "$@" 2>>"$work/djl-stderr.log"; }
  cu_engine=$(cu dev.finetune.bench.TrainerBench engine | tail -1) \
    || fail cu124 "DJL could not load its cu124 natives: $(tail -3 "$work/djl-stderr.log")"
  "$py" -c 'import json,sys; e=json.loads(sys.argv[1]); sys.exit(e["gpus"] < 1 or not e["version"].startswith("2.5.1"))' "$cu_engine" \
    || fail cu124 "DJL's cu124 natives loaded without a GPU or not 2.5.1: $cu_engine"
  c=$(cu dev.finetune.bench.TrainerBench --device=gpu train $size $batch $steps | tail -1) \
    || fail cu124 "TrainerBench train on cu124 failed: $(tail -3 "$work/djl-stderr.log")"
  record "{\"stage\":\"cu124\",\"ok\":true,\"state\":\"ran\",\"engine\":$cu_engine,\"result\":$c}"
fi

# 6. hotdog
if ((dry_run)); then n_train=16 n_test=8 epochs=1 hb=8 hs=32; else n_train=1000 n_test=200 epochs=5 hb=128 hs=224; fi
data="$work/hotdog-$n_train"
[[ -d $data/train ]] || "$py" bench/gpu/synthetic_folder.py "$data" "$n_train" "$n_test" || fail hotdog "synthetic_folder.py failed"
gpus=0; [[ $dev == cuda ]] && gpus=1
job="$work/hotdog-job.yaml"
sed -e "s#@DATA@#$data#g; s#@EPOCHS@#$epochs#; s#@BATCH@#$hb#; s#@SIZE@#$hs#g; s#@RESIZE@#$((hs * 8 / 7))#g; s#@GPUS@#$gpus#" \
  bench/gpu/hotdog-job.yaml.in >"$job"
rm -rf "$work/hotdog-out"
t0=$(date +%s.%N)
# the trainer's defaults for threads and data workers (from the CPUs it may use), as in a pod
FINETUNE_JAVA_OPTS="-Xmx16g $jna_opt" bin/finetune train "$job" \
  --output "$work/hotdog-out" --metrics-port -1 --no-progress \
  >"$work/hotdog.log" 2>&1 || fail hotdog "bin/finetune train failed: $(tail -3 "$work/hotdog.log")"
t1=$(date +%s.%N)
record "$("$py" - "$work/hotdog-out/result.json" "$t0" "$t1" "$n_train" "$epochs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps({"stage": "hotdog", "ok": True, "device": r.get("device"),
                  "train_images": int(sys.argv[4]), "epochs": int(sys.argv[5]),
                  "wall_seconds": round(float(sys.argv[3]) - float(sys.argv[2]), 1),
                  "trainer_seconds": r.get("seconds")}, separators=(",", ":")))
PY
)"

# 7. workers: how many data workers keep the device fed (images per second by worker count)
if ((dry_run)); then counts=(1 2); else counts=(1 2 4 8 15); fi
for w in "${counts[@]}"; do
  if ((!dry_run && w > 1 && w >= nproc)); then
    record "{\"stage\":\"workers\",\"ok\":true,\"state\":\"skipped\",\"workers\":$w,\"reason\":\"$nproc CPUs: $w workers leave none for the training loop\"}"
    continue
  fi
  if ((w == speed_workers)); then
    # stage 4's jpeg rows ran exactly this (the default workers are w): not again
    record "{\"stage\":\"workers\",\"ok\":true,\"from\":\"speed\",\"result\":$speed_djl}"
    record "{\"stage\":\"workers\",\"ok\":true,\"from\":\"speed\",\"result\":$speed_torch}"
    continue
  fi
  d=$(djl dev.finetune.bench.TrainerBench --device=$djl_dev --workers=$w jpeg $size $batch $steps "$jpegs" | tail -1) \
    || fail workers "TrainerBench jpeg with $w workers failed: $(tail -3 "$work/djl-stderr.log")"
  record "{\"stage\":\"workers\",\"ok\":true,\"result\":$d}"
  t=$("$py" bench/trainer/torch_bench.py --device=$dev --workers=$w jpeg $size $batch $steps "$nproc" "$jpegs" | tail -1) \
    || fail workers "torch_bench.py jpeg with $w workers failed"
  record "{\"stage\":\"workers\",\"ok\":true,\"result\":$t}"
done
