#!/usr/bin/env bash
# Proves end to end (zkml setup, prove, verify) the real trained models that
# crates/zkml-onnx/tests/real-models.txt marks `runs  prove-slow`: too slow
# for CI (rapidocr-det at 1x3x64x64: 4 segments of 2^19 rows; rapidocr-rec at
# 1x3x48x16: 5 segments of 2^19 rows; `segment_k=19` in the manifest; tens of
# minutes each on 2 cores;
# docs/real-models.md has the measured figures). Runs the #[ignore]d test
# real_models_marked_prove_slow_are_proven_and_verified, one model at a time,
# with automatic precision (no quantization flags), and prints its setup,
# prove and verify seconds; with GNU time installed, also the peak memory.
# Arguments go to cargo test (e.g. --release; --no-run only fetches the models
# and builds the test). ZKML_REAL_MODELS=rapidocr-rec limits it to that model.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/fetch-real-models.sh
export ZKML_REQUIRE_REAL_MODELS=1
cmd=(cargo test -p zkml-cli --test real_models "$@" --
     --ignored --nocapture --test-threads 1 real_models_marked_prove_slow)
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "peak memory of the largest process: %M KB; wall %e s" "${cmd[@]}"
else
  "${cmd[@]}"
fi
