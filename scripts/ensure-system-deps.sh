#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing: Chromium for the
# Playwright tests, python3-onnx for onnx.checker, python3-torch/torchvision for the PyTorch
# cross-checks, the Fashion-MNIST data set, ONNX's backend test models (libonnx-testdata, for the
# import corpus test), and CJK fonts so the Chinese UI renders.
# Nothing here is needed to run the app itself.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
/usr/bin/python3 -c 'import onnx' 2>/dev/null || need+=(python3-onnx)
/usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null || need+=(python3-torch python3-torchvision)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
[ -d /usr/share/libonnx-testdata/data ] || need+=(libonnx-testdata)
fc-list 2>/dev/null | grep -qi 'noto sans cjk' || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing system packages: ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
