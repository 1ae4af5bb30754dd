//! What a prover's transcript branches ([`crate::transcript::Transcript::fork`])
//! need to run on rayon's threads: each its own generator, seeded from the
//! caller's in branch order (so the messages do not depend on the
//! schedule), and, in tests, the forgers' switches (thread-local hooks in
//! the prover's modules) carried over from the thread that started the
//! proof (outside tests there are none).

use rand_chacha03::ChaCha20Rng;
use rand_core06::{CryptoRng, RngCore, SeedableRng};

/// A generator for one branch, seeded from `rng` (call in branch order).
pub(crate) fn rng_for(rng: &mut (impl RngCore + CryptoRng)) -> ChaCha20Rng {
    let mut s = [0u8; 32];
    rng.fill_bytes(&mut s);
    ChaCha20Rng::from_seed(s)
}

/// The hooks' values on the thread that captured them.
#[derive(Clone, Copy, Default)]
pub(crate) struct Hooks {
    #[cfg(test)]
    values: Values,
}

#[cfg(test)]
type Values = (
    bool,
    Option<i64>,
    Option<crate::model::softmax::Forge>,
    Option<(usize, usize)>,
    Option<usize>,
    Option<(i64, crate::field::Fr)>,
    bool,
);

#[cfg(test)]
fn read() -> Values {
    use std::cell::Cell;
    (
        crate::logup::prover::LENIENT.with(Cell::get),
        crate::model::fn_lookup::FORGED_ENTRY.with(Cell::get),
        crate::model::softmax::FORGE.with(Cell::get),
        crate::zkmodel::packed::tests::SWAP.with(Cell::get),
        crate::zkmodel::lookups::TEST_TREE_VARS.with(Cell::get),
        crate::zkmodel::lookups::TEST_FORGED_RANGE.with(Cell::get),
        crate::zkmodel::weight_limbs::TEST_CLAMP_HI.with(Cell::get),
    )
}

#[cfg(test)]
fn write(v: Values) {
    crate::logup::prover::LENIENT.with(|c| c.set(v.0));
    crate::model::fn_lookup::FORGED_ENTRY.with(|c| c.set(v.1));
    crate::model::softmax::FORGE.with(|c| c.set(v.2));
    crate::zkmodel::packed::tests::SWAP.with(|c| c.set(v.3));
    crate::zkmodel::lookups::TEST_TREE_VARS.with(|c| c.set(v.4));
    crate::zkmodel::lookups::TEST_FORGED_RANGE.with(|c| c.set(v.5));
    crate::zkmodel::weight_limbs::TEST_CLAMP_HI.with(|c| c.set(v.6));
}

/// Puts the previous values back when dropped.
pub(crate) struct Installed {
    #[cfg(test)]
    previous: Values,
}

impl Drop for Installed {
    fn drop(&mut self) {
        #[cfg(test)]
        write(self.previous);
    }
}

impl Hooks {
    /// This thread's hooks.
    pub(crate) fn capture() -> Self {
        Self {
            #[cfg(test)]
            values: read(),
        }
    }

    /// Sets them on this thread until the guard drops.
    pub(crate) fn install(self) -> Installed {
        #[cfg(test)]
        let previous = read();
        #[cfg(test)]
        write(self.values);
        Installed {
            #[cfg(test)]
            previous,
        }
    }
}
