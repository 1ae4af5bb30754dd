//! Poseidon's parameters (the Grain LFSR's round constants and MDS matrix),
//! the native permutation and the fixed-length sponge ([module doc](super)).

use std::sync::OnceLock;

use halo2_axiom::halo2curves::{
    bn256::Fr,
    ff::{Field, PrimeField},
};

/// State width.
pub const T: usize = 3;
/// Rate (field elements absorbed per permutation).
pub const RATE: usize = 2;
/// Full rounds (half before, half after the partial rounds).
pub const R_F: usize = 8;
/// Partial rounds.
pub const R_P: usize = 57;

/// Round constants and MDS matrix ([module doc](super)).
#[derive(Clone, Debug)]
pub struct PoseidonParams {
    /// Round constants `c_r`, `R_F + R_P` rounds.
    pub rc: Vec<[Fr; T]>,
    /// Equivalent constants: partial rounds carry only `c'_r[0]`.
    pub rc_opt: Vec<[Fr; T]>,
    /// The MDS matrix: `s ← M·s`, `s'_i = Σ_j M[i][j]·s_j`.
    pub mds: [[Fr; T]; T],
}

pub(super) fn is_full(r: usize) -> bool {
    !(R_F / 2..R_F / 2 + R_P).contains(&r)
}

/// The Grain LFSR of the Poseidon paper (Appendix F).
struct Grain {
    bits: std::collections::VecDeque<bool>,
}

impl Grain {
    fn new(field_bits: u32) -> Self {
        let mut bits = std::collections::VecDeque::with_capacity(80);
        let mut push = |v: u64, n: u32| {
            for i in (0..n).rev() {
                bits.push_back((v >> i) & 1 == 1);
            }
        };
        push(1, 2); // prime field
        push(0, 4); // S-box x^alpha
        push(field_bits as u64, 12);
        push(T as u64, 12);
        push(R_F as u64, 10);
        push(R_P as u64, 10);
        push((1 << 30) - 1, 30);
        let mut g = Self { bits };
        for _ in 0..160 {
            g.step();
        }
        g
    }

    fn step(&mut self) -> bool {
        let b = &self.bits;
        let new = b[62] ^ b[51] ^ b[38] ^ b[23] ^ b[13] ^ b[0];
        self.bits.pop_front();
        self.bits.push_back(new);
        new
    }

    /// Self-shrinking: of each pair `(b_1, b_2)`, output `b_2` when `b_1 = 1`.
    fn bit(&mut self) -> bool {
        loop {
            let b1 = self.step();
            let b2 = self.step();
            if b1 {
                return b2;
            }
        }
    }

    /// `n` bits, most significant first, as little-endian bytes.
    fn draw(&mut self, n: u32) -> [u8; 32] {
        let mut repr = [0u8; 32];
        for i in (0..n).rev() {
            if self.bit() {
                repr[(i / 8) as usize] |= 1 << (i % 8);
            }
        }
        repr
    }
}

/// The parameters, generated once.
pub fn params() -> &'static PoseidonParams {
    static P: OnceLock<PoseidonParams> = OnceLock::new();
    P.get_or_init(|| {
        let n = Fr::NUM_BITS;
        let mut g = Grain::new(n);
        let rounds = R_F + R_P;
        let mut flat = Vec::with_capacity(rounds * T);
        while flat.len() < rounds * T {
            let repr = g.draw(n);
            // Rejection sampling: a draw ≥ p is discarded.
            if let Some(c) = Option::<Fr>::from(Fr::from_repr(repr)) {
                flat.push(c);
            }
        }
        let rc: Vec<[Fr; T]> = flat.chunks(T).map(|c| [c[0], c[1], c[2]]).collect();
        // Cauchy matrix from 2t draws reduced mod p (redrawn on a repeat or x_i + y_j = 0).
        let mds = loop {
            let xy: Vec<Fr> = (0..2 * T)
                .map(|_| {
                    let repr = g.draw(n);
                    repr.iter().rev().fold(Fr::ZERO, |acc, byte| {
                        acc * Fr::from(256u64) + Fr::from(*byte as u64)
                    })
                })
                .collect();
            let distinct = (0..2 * T).all(|i| (0..i).all(|j| xy[i] != xy[j]));
            let (xs, ys) = xy.split_at(T);
            let invertible = xs
                .iter()
                .all(|x| ys.iter().all(|y| !bool::from((*x + y).is_zero())));
            if distinct && invertible {
                let mut m = [[Fr::ZERO; T]; T];
                for (i, row) in m.iter_mut().enumerate() {
                    for (j, e) in row.iter_mut().enumerate() {
                        *e = (xs[i] + ys[j]).invert().unwrap();
                    }
                }
                break m;
            }
        };
        // Push each partial round's constants for s_1, s_2 through M into the next round.
        let mut rc_opt = rc.clone();
        for r in (0..rounds).filter(|&r| !is_full(r)) {
            let carry = mix(&mds, &[Fr::ZERO, rc_opt[r][1], rc_opt[r][2]]);
            rc_opt[r][1] = Fr::ZERO;
            rc_opt[r][2] = Fr::ZERO;
            for (c, d) in rc_opt[r + 1].iter_mut().zip(carry) {
                *c += d;
            }
        }
        PoseidonParams { rc, rc_opt, mds }
    })
}

pub(super) fn mix(m: &[[Fr; T]; T], s: &[Fr; T]) -> [Fr; T] {
    let mut out = [Fr::ZERO; T];
    for (o, row) in out.iter_mut().zip(m) {
        *o = row.iter().zip(s).map(|(a, b)| *a * b).sum();
    }
    out
}

pub(super) fn pow5(x: Fr) -> Fr {
    let x2 = x.square();
    x2.square() * x
}

/// The Poseidon permutation, as the reference specifies it.
pub fn permute(state: &mut [Fr; T]) {
    let p = params();
    for (r, c) in p.rc.iter().enumerate() {
        for (s, c) in state.iter_mut().zip(c) {
            *s += c;
        }
        if is_full(r) {
            for s in state.iter_mut() {
                *s = pow5(*s);
            }
        } else {
            state[0] = pow5(state[0]);
        }
        *state = mix(&p.mds, state);
    }
}

/// The permutation with the equivalent constants `rc_opt`, as the gadget's
/// witness computes it (tests).
#[cfg(test)]
pub(super) fn permute_opt(state: &mut [Fr; T]) {
    let p = params();
    for (r, c) in p.rc_opt.iter().enumerate() {
        if is_full(r) {
            for (s, c) in state.iter_mut().zip(c) {
                *s = pow5(*s + c);
            }
        } else {
            state[0] = pow5(state[0] + c[0]);
        }
        *state = mix(&p.mds, state);
    }
}

/// The capacity's initial value for `len` inputs: `len·2^64`.
pub fn domain_tag(len: usize) -> Fr {
    Fr::from_u128((len as u128) << 64)
}

/// `Poseidon(inputs)`: the fixed-length sponge of the [module doc](super).
pub fn poseidon_hash(inputs: &[Fr]) -> Fr {
    let mut state = [domain_tag(inputs.len()), Fr::ZERO, Fr::ZERO];
    let blocks: Vec<&[Fr]> = if inputs.is_empty() {
        vec![&[]]
    } else {
        inputs.chunks(RATE).collect()
    };
    for block in blocks {
        for (s, m) in state[1..].iter_mut().zip(block) {
            *s += m;
        }
        permute(&mut state);
    }
    state[1]
}
