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
dest="$root/target/ml-models"
py="$("$root/scripts/pyenv.sh")"
stamp="$(cat "$root/scripts/gen_ml_models.py" "$root/scripts/requirements.txt" | sha256sum | cut -c1-16)"
if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp" ]; then
  exit 0
fi
mkdir -p "$root/target"
tmp="$(mktemp -d "$root/target/ml-models.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
(cd "$root/scripts" && "$py" gen_ml_models.py "$tmp/models" 2>"$tmp/log") || { cat "$tmp/log" >&2; exit 1; }
echo "$stamp" > "$tmp/models/.stamp"
if [ -e "$dest" ]; then
  mv -T "$dest" "$tmp/old" 2>/dev/null || true
fi
if ! mv -T "$tmp/models" "$dest" 2>/dev/null; then
  if [ "$(cat "$dest/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "gen-ml-models: cannot install $dest" >&2
    exit 1
  fi
fi
echo "ONNX-ML test models ($stamp): $(ls "$dest" | wc -l) in $dest" >&2
