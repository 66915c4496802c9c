#!/usr/bin/env bash
# Brings the DJL sources that bench/gpu/run.sh needs to build DJL's PyTorch JNI into the ignored
# folder bench/gpu/djl-src (never committed; Apache-2.0, DJL's LICENSE is copied along):
# engines/pytorch/pytorch-native (CMakeLists, native sources), api/src/main/native (djl/utils.h)
# and PyTorchLibrary.java (for the JNI header).
#   bench/gpu/fetch-djl-src.sh [DJL_GIT_DIR]   default: a shallow clone from GitHub
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tag="v$(ls "$root"/trainer/target/lib/pytorch-jni-*.jar 2>/dev/null | sed -E 's/.*-([0-9.]+)\.jar$/\1/' | head -1)"
[[ $tag == v ]] && tag=v0.33.0
git_dir="${1:-}"
if [[ -z $git_dir ]]; then
  git_dir="$(mktemp -d)/djl.git"
  git clone -q --bare --depth 1 --branch "$tag" https://github.com/deepjavalibrary/djl.git "$git_dir"
fi
dest="$root/bench/gpu/djl-src"
rm -rf "$dest" && mkdir -p "$dest"
git --git-dir="$git_dir" archive "$tag" LICENSE engines/pytorch/pytorch-native/CMakeLists.txt \
  engines/pytorch/pytorch-native/src/main/native api/src/main/native \
  engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java \
  | tar -x -C "$dest"
echo "DJL $tag JNI sources in $dest ($(find "$dest" -type f | wc -l) files)"
