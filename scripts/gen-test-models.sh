#!/usr/bin/env bash
# Generates the small sequence and language test models (LSTM/GRU/RNN and
# transformer blocks, numpy + onnx.helper, with numpy reference outputs) into
# target/test-models/<id>/ (scripts/gen_test_models.py says what each is);
# regenerated when the generator changes. Read by the zkml-onnx and
# zkml-plonk `gen_models` tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/target/test-models"
py="$("$root/scripts/pyenv.sh")"
stamp="$(cat "$root/scripts/gen_test_models.py" "$root/scripts/gen_test_models_attn.py" | sha256sum | cut -c1-16), onnx $("$py" -c 'import onnx; print(onnx.__version__)')"
if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp" ]; then
  exit 0
fi
mkdir -p "$root/target"
tmp="$(mktemp -d "$root/target/test-models.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
(cd "$root/scripts" && "$py" gen_test_models.py "$tmp/models")
echo "$stamp" > "$tmp/models/.stamp"
if [ -e "$dest" ]; then
  mv -T "$dest" "$tmp/old" 2>/dev/null || true
fi
if ! mv -T "$tmp/models" "$dest" 2>/dev/null; then
  if [ "$(cat "$dest/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "gen-test-models: cannot install $dest" >&2
    exit 1
  fi
fi
echo "test models ($stamp): $(ls "$dest" | wc -l) in $dest" >&2
