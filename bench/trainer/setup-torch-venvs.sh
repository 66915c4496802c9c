#!/usr/bin/env bash
# PyPI's PyTorch for bench/trainer/run.sh's stacks torch-2.5.1 and torch-latest (issue 23):
#   ~/.cache/finetune/bench-venvs/torch-2.5.1    torch 2.5.1 + torchvision 0.20.1 (the libtorch DJL 0.33 ships)
#   ~/.cache/finetune/bench-venvs/torch-latest   the newest torch + torchvision on PyPI
#   ~/.cache/finetune/bench-venvs/pil-simd       Pillow-SIMD for the data rows (see below)
# Outside the work tree and never used in CI. Idempotent: a venv whose torch imports and
# (for torch-2.5.1) has the pinned version is left alone; BENCH_VENVS_REFRESH=1 re-resolves
# torch-latest. Debian's Python 3.11 (/usr/bin/python3 -m venv; needs python3-venv).
# Wheels come from PYTORCH_INDEX if set (e.g. https://download.pytorch.org/whl/cpu, CPU-only
# and small), else plain PyPI (pulls the nvidia-* CUDA wheels too: several GB).
# Prints the installed versions at the end.
set -euo pipefail
base="${BENCH_VENVS:-$HOME/.cache/finetune/bench-venvs}"
mkdir -p "$base"
idx=(); [[ -n ${PYTORCH_INDEX:-} ]] && idx=(--index-url "$PYTORCH_INDEX")

make_venv() { # name, pip requirements...
  local name=$1; shift
  local v="$base/$name"
  [[ -x $v/bin/python ]] || /usr/bin/python3 -m venv "$v"
  "$v/bin/python" -m pip install -q --upgrade pip
  "$v/bin/python" -m pip install -q "${idx[@]}" "$@"
}
ok() { # venv name, expected torch version prefix (empty: any)
  "$base/$1/bin/python" -c 'import sys,torch,torchvision,PIL; sys.exit(0 if torch.__version__.startswith(sys.argv[1]) else 1)' "$2" 2>/dev/null
}

ok torch-2.5.1 2.5.1 || make_venv torch-2.5.1 torch==2.5.1 torchvision==0.20.1 pillow
if ! ok torch-latest "" || [[ -n ${BENCH_VENVS_REFRESH:-} ]]; then
  make_venv torch-latest --upgrade torch torchvision pillow
fi
# Pillow-SIMD for the data rows (pil-simd): built from source with AVX2 over Debian's Python,
# torch 1.13 and torchvision 0.14 (--system-site-packages; the venv's PIL shadows Debian's). Needs
# gcc, python3-dev, libjpeg-dev and zlib1g-dev.
simd_ok() { "$base/pil-simd/bin/python" -c 'import PIL,sys; sys.exit(0 if ".post" in PIL.__version__ else 1)' 2>/dev/null; }
if ! simd_ok; then
  [[ -x $base/pil-simd/bin/python ]] || /usr/bin/python3 -m venv --system-site-packages "$base/pil-simd"
  CC="cc -mavx2" "$base/pil-simd/bin/python" -m pip install -q --no-cache-dir --no-binary pillow-simd \
    "pillow-simd==${PILLOW_SIMD_VERSION:-12.1.1.post0}"
fi
"$base/pil-simd/bin/python" -c 'import PIL; print("pil-simd pillow-simd", PIL.__version__)'
for n in torch-2.5.1 torch-latest; do
  "$base/$n/bin/python" -c 'import sys,torch,torchvision,PIL; print(sys.argv[1], "torch", torch.__version__, "torchvision", torchvision.__version__, "pillow", PIL.__version__, "python", sys.version.split()[0])' "$n"
done
