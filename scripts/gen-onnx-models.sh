#!/usr/bin/env bash
# Copies the ONNX backend model-level test suites that the onnx wheel ships
# (pytorch-converted, pytorch-operator, simple, light) into
# target/onnx-model-cases/<suite>/<case>/, once per onnx version (~1 s).
# crates/zkml-onnx/tests/onnx_model_cases.rs and
# crates/zkml-plonk/tests/onnx_model_cases.rs read them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/lib/gen-cached.sh"
py="$("$root/scripts/pyenv.sh")"
version="$("$py" -c 'import onnx; print(onnx.__version__)')"
# Bump GEN when gen-onnx-models.py changes what it writes.
GEN=1
produce() { "$py" "$root/scripts/gen-onnx-models.py" "$1"; }
gen_cached "ONNX model cases" "$root/target/onnx-model-cases" "onnx $version, generator $GEN" produce
