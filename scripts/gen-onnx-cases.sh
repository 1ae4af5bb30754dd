#!/usr/bin/env bash
# Generates the ONNX operator conformance cases (the backend "node" tests) into
# target/onnx-node-cases/<test_name>/, once per onnx version. The onnx wheel
# no longer ships them; they are produced offline from its test-case
# collectors (~15 s). crates/zkml-onnx/tests/conformance.rs reads them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/target/onnx-node-cases"
py="$("$root/scripts/pyenv.sh")"
version="$("$py" -c 'import onnx; print(onnx.__version__)')"
# Bump GEN when gen-onnx-cases.py changes what it writes.
GEN=4
stamp="onnx $version, generator $GEN"
if [ -f "$dest/.stamp" ] && [ "$(cat "$dest/.stamp")" = "$stamp" ]; then
  exit 0
fi
mkdir -p "$root/target"
tmp="$(mktemp -d "$root/target/onnx-node-cases.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
"$py" -W ignore::RuntimeWarning "$root/scripts/gen-onnx-cases.py" "$tmp/gen"
mv "$tmp/gen/node" "$tmp/cases"
echo "$stamp" > "$tmp/cases/.stamp"
# Install by rename (a reader never sees a half-written set): move a stale set
# aside, then rename ours into place. `mv -T` never nests one directory in
# another; if a concurrent run installed the same set first, keep that one.
if [ -e "$dest" ]; then
  mv -T "$dest" "$tmp/old" 2>/dev/null || true
fi
if ! mv -T "$tmp/cases" "$dest" 2>/dev/null; then
  if [ "$(cat "$dest/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "gen-onnx-cases: cannot install $dest" >&2
    exit 1
  fi
fi
echo "ONNX node cases ($stamp): $(ls "$dest" | wc -l) in $dest" >&2
