#!/usr/bin/env bash
# Float vs quantized accuracy of examples/mnist_cnn/model.onnx on the 1,000
# held-out MNIST test images. The test set is not committed: train.py
# recomputes the seeded split (no training) and writes it to
# target/mnist_test_set.json first.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
py="$(scripts/pyenv.sh)"
mkdir -p target
"$py" examples/mnist_cnn/train.py --write-test-set target/mnist_test_set.json
cargo run --release -p zkml-cli -- accuracy examples/mnist_cnn/model.onnx \
  target/mnist_test_set.json --calibration examples/mnist_cnn/calibration.json "$@"
