#!/usr/bin/env bash
# Copies the ONNX backend model-level test suites that the onnx wheel ships
# (pytorch-converted, pytorch-operator, simple, light) into
# target/onnx-model-cases/<suite>/<case>/, once per onnx version (~1 s).
# crates/zkml-onnx/tests/onnx_model_cases.rs and
# crates/zkml-plonk/tests/onnx_model_cases.rs read them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/target/onnx-model-cases"
py="$("$root/scripts/pyenv.sh")"
version="$("$py" -c 'import onnx; print(onnx.__version__)')"
# Bump GEN when gen-onnx-models.py changes what it writes.
GEN=1
stamp="onnx $version, generator $GEN"
if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp" ]; then
  exit 0
fi
mkdir -p "$root/target"
tmp="$(mktemp -d "$root/target/onnx-model-cases.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
"$py" "$root/scripts/gen-onnx-models.py" "$tmp/cases"
echo "$stamp" > "$tmp/cases/.stamp"
# Install by rename (a reader never sees a half-written set); if a concurrent
# run installed the same set first, keep that one.
if [ -e "$dest" ]; then
  mv -T "$dest" "$tmp/old" 2>/dev/null || true
fi
if ! mv -T "$tmp/cases" "$dest" 2>/dev/null; then
  if [ "$(cat "$dest/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "gen-onnx-models: cannot install $dest" >&2
    exit 1
  fi
fi
echo "ONNX model cases ($stamp): $(wc -l < "$dest/index.txt") in $dest" >&2
