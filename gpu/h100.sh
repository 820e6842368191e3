#!/usr/bin/env bash
# One GPU run of the seed's recipe, prepared for a lent H100/H200 whose image has torch, timm and accelerate but not
# fastai, and no network.
#   gpu/h100.sh pack      here: wheels fastai needs (pure Python, --no-deps) and the four Fashion-MNIST files into .gpu/
#   gpu/h100.sh run       there (the device tool, carry [".gpu"]): install the wheels, train, write the run to $OUT
#   gpu/h100.sh dry-run   here: the same install (wheels for this Python) and command on this CPU, tiny budget
# EPOCHS (default 30) is the knob: the seed's 400 epochs do not fit in one 10-minute command.
set -euo pipefail
cd "$(dirname "$0")/.."
CARRY=.gpu
PY=${PYTHON:-python3}  # there: the image's python3; here: run.sh's venv
WHEELS="fastai==2.8.12 fastcore==2.2.41 fastprogress==1.0.3 fastdownload==0.0.8 fasttransform==0.0.5 plum-dispatch==2.9.0 beartype==0.23.1"

wheels() {  # $1: folder; the rest: pip's platform options
  local dir=$1; shift
  mkdir -p "$dir" && "${PYTHON:-.venv/bin/python}" -m pip download -q --no-deps --only-binary=:all: -d "$dir" "$@" $WHEELS
}

data() { mkdir -p "$1" && cp /usr/share/datasets/fashion-mnist/*.gz "$1/"; }  # the four official files (Debian's package)

install() {  # $1: a private folder for the wheels in $2, put first on the path; $3: the data folder
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$1" "$2"/*.whl
  export PYTHONPATH="$1:$PWD${PYTHONPATH:+:$PYTHONPATH}" FMNIST_DATA="$3"
}

train() {  # $1: output folder; the rest: extra fmnist-train options
  local out=$1; shift
  "$PY" - "$out" "$@" <<'PY'
import sys, torch
print(f"torch {torch.__version__}, device: {torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}", flush=True)
from fmnist_fastai.train import fmnist_train
sys.argv = ['fmnist-train', '--out', sys.argv[1], *sys.argv[2:]]
fmnist_train()
PY
}

case "${1:-}" in
  pack)  # wheels for the GPU image's Python 3.12 (plum-dispatch is compiled)
    rm -rf "$CARRY"
    wheels "$CARRY/wheels" --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 \
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
    data "$CARRY/data"
    du -sh "$CARRY" ;;
  run)
    install /tmp/site "$CARRY/wheels" "$PWD/$CARRY/data"
    train "${OUT:?set by the device tool}/seed" --preset seed --epochs "${EPOCHS:-30}" ;;
  dry-run)
    PY=${PYTHON:-.venv/bin/python}
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    wheels "$tmp/wheels"  # for this machine's Python
    data "$tmp/data"
    install "$tmp/site" "$tmp/wheels" "$tmp/data"
    train "$tmp/seed" --preset seed --arch compact_resnet --epochs 2 --warmup 1 --subset 600 --tta flip  # WRN-40-4 itself: 06_models
    test -s "$tmp/seed/metrics.json" && echo "dry-run: ok" ;;
  *) echo "usage: gpu/h100.sh pack | run | dry-run" >&2; exit 2 ;;
esac
