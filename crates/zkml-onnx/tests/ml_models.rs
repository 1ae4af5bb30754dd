//! The generated ONNX-ML models (`scripts/gen-ml-models.sh`: scikit-learn,
//! XGBoost and LightGBM exports) against onnxruntime's outputs, as
//! `ml-models.txt` expects: loaded, run by the float and the integer
//! executors, within tolerance on every output (scores and labels), or
//! refused naming the op.
//!
//! Without the generated models the test says how to make them and passes,
//! unless `ZKML_REQUIRE_ML_MODELS=1` (as scripts/test.sh sets).

#[path = "common/model_suite.rs"]
mod model_suite;

use model_suite::{check_listing, check_manifest, Suite};

const SUITE: Suite = Suite {
    manifest: "ml-models.txt",
    dir: "ml-models",
    require_env: "ZKML_REQUIRE_ML_MODELS",
    what: "ONNX-ML model",
    script: "scripts/gen-ml-models.sh",
};

#[test]
fn ml_models_behave_as_the_manifest_says() {
    check_manifest(&SUITE);
}

/// Every model the generator writes is in the manifest, and only those.
#[test]
fn manifest_lists_every_generated_model() {
    check_listing(&SUITE);
}
