//! The generated sequence and language models (`scripts/gen-test-models.sh`)
//! against their numpy references, as `gen-models.txt` expects.
//!
//! Without the generated models the test says how to make them and passes,
//! unless `ZKML_REQUIRE_GEN_MODELS=1` (as scripts/test.sh sets).

#[path = "common/model_suite.rs"]
mod model_suite;

use model_suite::{check_listing, check_manifest, Suite};

const SUITE: Suite = Suite {
    manifest: "gen-models.txt",
    dir: "test-models",
    require_env: "ZKML_REQUIRE_GEN_MODELS",
    what: "generated test model",
    script: "scripts/gen-test-models.sh",
};

#[test]
fn generated_models_behave_as_the_manifest_says() {
    check_manifest(&SUITE);
}

/// Every model the generator writes is in the manifest, and only those.
#[test]
fn manifest_lists_every_generated_model() {
    check_listing(&SUITE);
}
