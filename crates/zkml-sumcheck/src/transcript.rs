//! The Fiat–Shamir transcript: a running BLAKE2b-512 hash that absorbs
//! every message with its label and length, and squeezes challenges.
//!
//! Encoding of one absorb: `u64le(|label|) ‖ label ‖ u64le(|data|) ‖ data`.
//! A challenge absorbs its label with the tag `"challenge"`, hashes the state
//! so far to 64 bytes `h`, absorbs `h` back (so successive challenges differ)
//! and returns `h` reduced mod p (`Fr::from_uniform_bytes`, statistically
//! uniform). Lengths prefix everything, so no two different message sequences
//! hash alike; the caller absorbs the statement (model digest, public values)
//! and every message the prover sends (commitments, Σ-protocol first
//! messages) before the first challenge that depends on them. A point the
//! verifier derives from absorbed messages (a homomorphically formed claim)
//! is bound through them and is not absorbed ([`crate::zk::deferred`]).
//!
//! **Branches.** Sub-protocols that read none of each other's messages (the
//! model's nodes, the lookups, the opening groups) run on branches:
//! [`Transcript::fork`] copies the state and absorbs the branch's label and
//! index, so each branch's challenges depend on the common prefix (statement
//! and every commitment so far) and on its own messages; [`Transcript::join`]
//! absorbs each branch's final 64-byte state, in branch order, before
//! anything that depends on their results (the openings of their claims).
//! This is the Fiat–Shamir form of running the sub-protocols side by side:
//! each is sound on its own (its challenges come after its messages and
//! after every commitment its claims are checked against), the joint
//! verifier accepts only if all of them do, and a prover who grinds one
//! branch gains nothing on another (distinct labels and indices: no two
//! branches share a hash input). Branches are what let the prover and the
//! verifier run them on different threads with the same messages.

use blake2b_simd::{Params, State};

use crate::field::{Fr, FromUniformBytes, G1Affine, GroupEncoding, PrimeField};

/// A Fiat–Shamir transcript; prover and verifier run identical copies.
#[derive(Clone)]
pub struct Transcript {
    state: State,
}

impl std::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transcript(..)")
    }
}

impl Transcript {
    /// A fresh transcript for protocol `domain` (e.g. `b"zkml-sumcheck/matmul"`).
    pub fn new(domain: &[u8]) -> Self {
        let mut t = Self {
            state: Params::new().hash_length(64).to_state(),
        };
        t.absorb_bytes(b"zkml-sumcheck/transcript/v1", domain);
        t
    }

    /// Absorbs `data` under `label`.
    pub fn absorb_bytes(&mut self, label: &[u8], data: &[u8]) {
        self.state.update(&(label.len() as u64).to_le_bytes());
        self.state.update(label);
        self.state.update(&(data.len() as u64).to_le_bytes());
        self.state.update(data);
    }

    /// Absorbs an integer (a size, a count, a parameter).
    pub fn absorb_u64(&mut self, label: &[u8], x: u64) {
        self.absorb_bytes(label, &x.to_le_bytes());
    }

    /// Absorbs one field element (canonical 32-byte encoding).
    pub fn absorb_scalar(&mut self, label: &[u8], x: &Fr) {
        self.absorb_bytes(label, x.to_repr().as_ref());
    }

    /// Absorbs field elements; the count is part of the encoding.
    pub fn absorb_scalars(&mut self, label: &[u8], xs: &[Fr]) {
        let mut buf = Vec::with_capacity(32 * xs.len());
        for x in xs {
            buf.extend_from_slice(x.to_repr().as_ref());
        }
        self.absorb_bytes(label, &buf);
    }

    /// Absorbs group elements (compressed encodings); the count is part of the encoding.
    pub fn absorb_points(&mut self, label: &[u8], ps: &[G1Affine]) {
        let mut buf = Vec::with_capacity(32 * ps.len());
        for p in ps {
            buf.extend_from_slice(p.to_bytes().as_ref());
        }
        self.absorb_bytes(label, &buf);
    }

    /// A challenge bound to everything absorbed so far.
    pub fn challenge(&mut self, label: &[u8]) -> Fr {
        self.absorb_bytes(b"challenge", label);
        let h = self.state.clone().finalize();
        let mut wide = [0u8; 64];
        wide.copy_from_slice(h.as_bytes());
        self.state.update(&wide);
        Fr::from_uniform_bytes(&wide)
    }

    /// A branch for independent sub-protocol `index` under `label` (see
    /// the [module doc](self)): this state, then `label` and `index`.
    pub fn fork(&self, label: &[u8], index: u64) -> Transcript {
        let mut b = self.clone();
        b.absorb_bytes(b"fork", label);
        b.absorb_u64(b"fork/index", index);
        b
    }

    /// Absorbs, in order, the final states of `branches` forked from this
    /// transcript: every later challenge depends on all their messages.
    pub fn join(&mut self, label: &[u8], branches: impl IntoIterator<Item = Transcript>) {
        let mut n = 0u64;
        for b in branches {
            self.absorb_bytes(label, b.state.finalize().as_bytes());
            n += 1;
        }
        self.absorb_u64(b"join/count", n);
    }

    /// `n` challenges under one label.
    pub fn challenges(&mut self, label: &[u8], n: usize) -> Vec<Fr> {
        (0..n).map(|_| self.challenge(label)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_messages_same_challenges() {
        let mut a = Transcript::new(b"t");
        let mut b = Transcript::new(b"t");
        a.absorb_scalar(b"x", &Fr::from(3));
        b.absorb_scalar(b"x", &Fr::from(3));
        assert_eq!(a.challenge(b"c"), b.challenge(b"c"));
        // successive challenges differ
        assert_ne!(a.challenge(b"c"), a.challenge(b"c"));
    }

    #[test]
    fn branches_are_distinct_and_bound_by_join() {
        let mut t = Transcript::new(b"t");
        t.absorb_scalar(b"x", &Fr::from(3));
        let c = |mut b: Transcript| b.challenge(b"c");
        // Two indices, two labels: different challenges; the same: equal.
        assert_ne!(c(t.fork(b"node", 0)), c(t.fork(b"node", 1)));
        assert_ne!(c(t.fork(b"node", 0)), c(t.fork(b"lookups", 0)));
        assert_eq!(c(t.fork(b"node", 2)), c(t.fork(b"node", 2)));
        // The branch differs from the trunk.
        assert_ne!(c(t.fork(b"node", 0)), c(t.clone()));
        // Joining binds every branch message and the branch order.
        let joined = |msgs: [u64; 2]| {
            let mut trunk = t.clone();
            let bs = msgs.iter().enumerate().map(|(i, &m)| {
                let mut b = t.fork(b"node", i as u64);
                b.absorb_u64(b"msg", m);
                b
            });
            trunk.join(b"nodes", bs.collect::<Vec<_>>());
            trunk.challenge(b"after")
        };
        assert_eq!(joined([1, 2]), joined([1, 2]));
        assert_ne!(joined([1, 2]), joined([1, 3]));
        assert_ne!(joined([1, 2]), joined([2, 1]));
        // An empty join differs from a join of branches.
        let mut trunk = t.clone();
        trunk.join(b"nodes", Vec::new());
        assert_ne!(trunk.challenge(b"after"), joined([1, 2]));
    }

    #[test]
    fn labels_lengths_and_domain_are_bound() {
        let c = |f: &dyn Fn(&mut Transcript)| {
            let mut t = Transcript::new(b"t");
            f(&mut t);
            t.challenge(b"c")
        };
        let base = c(&|t| t.absorb_bytes(b"ab", b"c"));
        assert_ne!(base, c(&|t| t.absorb_bytes(b"a", b"bc")));
        assert_ne!(base, c(&|t| t.absorb_bytes(b"ab", b"")));
        assert_ne!(base, c(&|t| t.absorb_bytes(b"ba", b"c")));
        let mut other = Transcript::new(b"u");
        other.absorb_bytes(b"ab", b"c");
        assert_ne!(base, other.challenge(b"c"));
        // scalars: [x] then [] differs from [] then [x]
        let s = Fr::from(9);
        assert_ne!(
            c(&|t| {
                t.absorb_scalars(b"v", &[s]);
                t.absorb_scalars(b"v", &[]);
            }),
            c(&|t| {
                t.absorb_scalars(b"v", &[]);
                t.absorb_scalars(b"v", &[s]);
            })
        );
    }
}
