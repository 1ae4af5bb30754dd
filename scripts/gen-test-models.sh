#!/usr/bin/env bash
# Generates the small sequence and language test models (LSTM/GRU/RNN and
# transformer blocks, numpy + onnx.helper, with numpy reference outputs) into
# target/test-models/<id>/ (scripts/gen_test_models.py says what each is);
# regenerated when the generator changes. Read by the zkml-onnx and
# zkml-plonk `gen_models` tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
. "$root/scripts/lib/gen-cached.sh"
py="$("$root/scripts/pyenv.sh")"
stamp="$(cat "$root/scripts/gen_test_models.py" "$root/scripts/gen_test_models_attn.py" | sha256sum | cut -c1-16), onnx $("$py" -c 'import onnx; print(onnx.__version__)')"
produce() { (cd "$root/scripts" && "$py" gen_test_models.py "$1"); }
gen_cached "test models" "$root/target/test-models" "$stamp" produce
