#!/usr/bin/env bash
# One lent H100/H200 session's runs (gpu/campaign.py: fmnist-bench on the GPU, the `gpu5` preset, the epoch budgets,
# the seed's Run B for the minutes left), prepared for an image that has torch, timm and accelerate but not fastai, and no network.
#   gpu/h100.sh pack      here: wheels fastai needs (pure Python, --no-deps) and the four Fashion-MNIST files into .gpu/
#   gpu/h100.sh run       there (the device tool, carry [".gpu"]): install the wheels, run the campaign into $OUT
#   gpu/h100.sh dry-run   here: the same install (wheels for this Python) and the campaign on this CPU, tiny budget
# BUDGET_S (default 540) is the seconds the campaign gets (the command needs about 30 s more); STEPS picks steps
# (e.g. STEPS=bench,syncs,ep50) and EPOCH_S gives the wide ResNet's seconds per epoch measured before.
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

case "${1:-}" in
  pack)  # wheels for the GPU image's Python 3.12 (plum-dispatch is compiled)
    rm -rf "$CARRY"
    wheels "$CARRY/wheels" --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 \
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
    data "$CARRY/data"
    du -sh "$CARRY" ;;
  run)
    install /tmp/site "$CARRY/wheels" "$PWD/$CARRY/data"
    nvidia-smi -L || true
    PYTHONUNBUFFERED=1 OMP_NUM_THREADS=8 "$PY" gpu/campaign.py --out "${OUT:?set by the device tool}" --budget "${BUDGET_S:-540}" ${STEPS:+--steps "$STEPS"} ${EPOCH_S:+--epoch-s "$EPOCH_S"} 2>&1 | tee "$OUT/campaign.log" ;;
  dry-run)
    PY=${PYTHON:-.venv/bin/python}
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    wheels "$tmp/wheels"  # for this machine's Python
    data "$tmp/data"
    install "$tmp/site" "$tmp/wheels" "$tmp/data"
    PYTHONUNBUFFERED=1 "$PY" gpu/campaign.py --out "$tmp/out" --budget 300 --tiny
    found=$(tar -tzf "$tmp/out/runs.tgz" | grep -E 'runs/(gpu5|ep5|seed-ranger)/metrics.json' | sort)
    echo "$found"
    test "$(wc -l <<<"$found")" = 3 && ! grep -q '"error"' "$tmp/out/campaign.json" && echo "dry-run: ok" ;;
  *) echo "usage: gpu/h100.sh pack | run | dry-run" >&2; exit 2 ;;
esac
