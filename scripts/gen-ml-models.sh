#!/usr/bin/env bash
# Generates the ONNX-ML test models (scikit-learn tree ensembles, linear models
# and pipelines via skl2onnx; XGBoost and LightGBM via onnxmltools, trained on
# scikit-learn's bundled datasets, with onnxruntime's outputs as reference)
# into target/ml-models/<id>/ (scripts/gen_ml_models.py says what each is);
# regenerated when the generator or the package versions change. Read by the
# zkml-onnx and zkml-plonk `ml_models` tests (manifest
# crates/zkml-onnx/tests/ml-models.txt).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/lib/gen-cached.sh"
py="$("$root/scripts/pyenv.sh")"
stamp="$(cat "$root/scripts/gen_ml_models.py" "$root/scripts/requirements.txt" | sha256sum | cut -c1-16)"
produce() {
  # The generator's chatter (library warnings) is shown only when it fails.
  (cd "$root/scripts" && "$py" gen_ml_models.py "$1" 2>"$1.log") || { cat "$1.log" >&2; exit 1; }
  rm -f "$1.log"
}
gen_cached "ONNX-ML test models" "$root/target/ml-models" "$stamp" produce
