#!/usr/bin/env bash
# Set up everything on a fresh Debian/Ubuntu machine with Python 3.11, then:
#   ./run.sh train [fmnist-train options]   train the default model (8 minutes on this machine) and print its TTA test accuracy
#   ./run.sh test                           run the notebooks' tests (nbdev-test) and the full pytest suite (browser test included)
#   ./run.sh app RUN_DIR [fmnist-app options]  serve the page to try a trained run (http://127.0.0.1:7860)
#   ./run.sh setup                          only set up
#   ./run.sh readme                         regenerate README.md from nbs/index.ipynb
#   ./run.sh docs                           render the notebooks to HTML in _site_offline/ (nbdev-docs needs Quarto)
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

setup() {  # $1: extra Debian packages (the tests' browser)
  local pkgs="${1:-}"
  python3 -c 'import ensurepip' 2>/dev/null || pkgs="$pkgs python3-venv"
  [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || pkgs="$pkgs dataset-fashion-mnist"
  if [ -n "${pkgs// }" ] && command -v apt-get >/dev/null; then
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkgs \
      || echo "run.sh: could not apt-get install$pkgs (without the data set, Fashion-MNIST is downloaded from Zalando's mirror)" >&2
  fi
  local stamp  # pyproject.toml's content: nbdev-export rewrites the file, so its time says nothing
  stamp=$(sha256sum pyproject.toml)
  if [ "$(cat .venv/installed 2>/dev/null)" != "$stamp" ]; then
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q torch==2.14.1 torchvision==0.29.1
    .venv/bin/pip install -q -e '.[dev]'
    echo "$stamp" > .venv/installed
  fi
}

case "${1:-}" in
  setup) setup ;;
  readme) setup; .venv/bin/jupyter nbconvert --log-level WARN --to markdown --output-dir . --output README nbs/index.ipynb ;;
  docs) setup; exec .venv/bin/python tools/offline_docs.py ;;
  train) shift; setup; exec .venv/bin/fmnist-train "$@" ;;
  app) shift; setup; exec .venv/bin/fmnist-app "$@" ;;
  test)
    command -v chromium >/dev/null || setup chromium; setup
    .venv/bin/nbdev-test --n-workers 1
    exec .venv/bin/pytest -q -rs -m '' tests ;;
  *) echo "usage: ./run.sh train [fmnist-train options] | test | app RUN_DIR | setup | readme | docs" >&2; exit 2 ;;
esac
