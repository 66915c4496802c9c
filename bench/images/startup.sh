#!/usr/bin/env bash
# What unpacking DJL's natives at image build time saves a trainer pod, measured with podman on
# the image bin/images builds, in one run (ratios against the reference in the same run):
#
#   bench/images/startup.sh [ROUNDS]     (default 5; needs bin/images first)
#
#   baked     the image as built: `finetune engine` loads PyTorch from /opt/djl (read-only root,
#             user 185, /work and /tmp fresh emptyDir-like folders)
#   unpack    the same image and pod shape, but DJL unpacks the natives from the native jar into
#             the /work emptyDir at start, as before (DJL_CACHE_DIR=/work/djl; the jar is mounted
#             read-only from trainer/target/lib)
#
# Rounds alternate the two; prints the median wall time of each (podman run to exit), their
# ratio, and the emptyDir bytes each leaves behind.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
rounds="${1:-5}"
image="$(bin/images --print-names | head -1)"
podman image exists "$image" || { echo "startup: $image missing: run bin/images first" >&2; exit 2; }
natives=(trainer/target/lib/pytorch-native-cpu-*.jar)
[[ -f "${natives[0]}" ]] || { echo "startup: ${natives[0]} missing: run bin/images first" >&2; exit 2; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
run() { # variant round -> prints seconds; leaves the emptyDir in $tmp/<variant>-<round>
  local v="$1" n="$2" dir="$tmp/$1-$2" extra=() t0 t1
  mkdir -p "$dir/work" "$dir/tmp"; chmod 777 "$dir/work" "$dir/tmp"
  if [[ $v == unpack ]]; then
    extra=(-v "$root/${natives[0]}:/natives/native.jar:ro" -e DJL_CACHE_DIR=/work/djl
      --unsetenv PYTORCH_LIBRARY_PATH --unsetenv PYTORCH_VERSION --unsetenv PYTORCH_FLAVOR
      --unsetenv LD_LIBRARY_PATH
      --entrypoint java)
  fi
  t0=$(date +%s%N)
  if [[ $v == unpack ]]; then
    podman run --rm --read-only --read-only-tmpfs=false --user 185:185 --network=none \
      -v "$dir/work:/work" -v "$dir/tmp:/tmp" "${extra[@]}" "$image" -Dai.djl.offline=true \
      -cp '/opt/finetune/finetune-trainer.jar:/opt/finetune/lib/*:/natives/native.jar' \
      dev.finetune.trainer.cli.Main engine >"$dir/log" 2>&1
  else
    podman run --rm --read-only --read-only-tmpfs=false --user 185:185 --network=none \
      -v "$dir/work:/work" -v "$dir/tmp:/tmp" "$image" engine >"$dir/log" 2>&1
  fi
  t1=$(date +%s%N)
  grep -q '^engine: PyTorch 2.5.1' "$dir/log" || { echo "startup: $v failed:" >&2; cat "$dir/log" >&2; exit 1; }
  echo "$(( (t1 - t0) / 1000000 ))"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
baked=(); unpack=()
for ((i = 1; i <= rounds; i++)); do
  baked+=("$(run baked "$i")"); unpack+=("$(run unpack "$i")")
done
mb=$(printf '%s\n' "${baked[@]}" | median); mu=$(printf '%s\n' "${unpack[@]}" | median)
wb=$(du -sm "$tmp/baked-1/work" | cut -f1); wu=$(du -sm "$tmp/unpack-1/work" | cut -f1)
echo "startup: $rounds rounds, $image"
echo "  baked natives:   median ${mb} ms to a loaded engine (runs: ${baked[*]}), emptyDir ${wb} MB"
echo "  unpack at start: median ${mu} ms (runs: ${unpack[*]}), emptyDir ${wu} MB"
awk -v b="$mb" -v u="$mu" 'BEGIN {printf "  unpack/baked: %.2fx the start-up time\n", u / b}'
