//! The CPU-feature check every entry point of this crate runs once.
//!
//! On x86-64 the BN254 field arithmetic is the assembly one (BMI2 + ADX): on
//! a CPU without them it would crash with an illegal instruction. Every public
//! entry point that does field arithmetic (setup, prove, verify, key and SRS
//! reading, SRS generation, commitments) calls [`check_cpu`] first; the
//! detection runs once per process and its answer is cached.
//!
//! For tests, `ZKML_ASSUME_CPU_WITHOUT_ADX=1` makes the check fail as it would
//! on such a CPU (it can only refuse work, never enable any).

use std::sync::OnceLock;

use crate::error::{PlonkError, Result};

/// The environment variable that makes [`check_cpu`] fail (for tests).
pub const ASSUME_NO_ADX_ENV: &str = "ZKML_ASSUME_CPU_WITHOUT_ADX";

fn has_features() -> bool {
    if std::env::var_os(ASSUME_NO_ADX_ENV).is_some_and(|v| !v.is_empty() && v != "0") {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("bmi2") && std::arch::is_x86_feature_detected!("adx")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        true
    }
}

/// Refuses cleanly on a CPU without the instructions this build's field
/// arithmetic uses (BMI2 and ADX on x86-64) instead of crashing. Detected once
/// per process.
pub fn check_cpu() -> Result<()> {
    static OK: OnceLock<bool> = OnceLock::new();
    if *OK.get_or_init(has_features) {
        Ok(())
    } else {
        Err(PlonkError::Halo2(
            "this build's field arithmetic needs the BMI2 and ADX instructions, which this CPU lacks"
                .into(),
        ))
    }
}
