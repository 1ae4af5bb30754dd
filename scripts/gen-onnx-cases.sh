#!/usr/bin/env bash
# Generates the ONNX operator conformance cases (the backend "node" tests) into
# target/onnx-node-cases/<test_name>/, once per onnx version. The onnx wheel
# no longer ships them; they are produced offline from its test-case
# collectors (~15 s). crates/zkml-onnx/tests/conformance.rs reads them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/lib/gen-cached.sh"
py="$("$root/scripts/pyenv.sh")"
version="$("$py" -c 'import onnx; print(onnx.__version__)')"
# Bump GEN when gen-onnx-cases.py changes what it writes.
GEN=4
produce() {
  "$py" -W ignore::RuntimeWarning "$root/scripts/gen-onnx-cases.py" "$1/gen"
  mv "$1/gen/node"/* "$1/"
  rm -rf "$1/gen"
}
gen_cached "ONNX node cases" "$root/target/onnx-node-cases" "onnx $version, generator $GEN" produce
