//! Messages of a model proof: plain data.

use crate::codec::{Encode, Reader, Writer};
use crate::conv::weights::ConvWeightsProof;
use crate::error::{Error, Result};
use crate::field::Fr;
use crate::hyrax::{DotProductProof, HyraxCommitment};
use crate::logup::LogUpProof;
use crate::matmul::MatMulProof;

/// One node's messages (see the [module doc](super) for each relation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeProof {
    /// `y = rshift(x·W, s)`; also a Conv (`y = rshift(conv(x, W) + b, s)`, the
    /// sumcheck against the public `G_ρ`) and a gathering Reshape (`s = 0`).
    MatMul {
        /// `ỹ(ρ)`.
        y_eval: Fr,
        /// `r̃(ρ)` (absent when `s = 0`).
        r_eval: Option<Fr>,
        /// The product sumcheck for `(x·W)~(ρ)`.
        matmul: MatMulProof,
        /// `r ∈ [0, 2^s)` (absent when `s = 0`).
        r_range: Option<Box<LogUpProof>>,
        /// `y ∈ [−B, B]` (absent when `y` is known to the verifier: a
        /// public output is an integer in range by the verifier's own check).
        y_range: Option<Box<LogUpProof>>,
    },
    /// `o = 2^{k_0}·a ± 2^{k_1}·b`.
    Linear {
        /// `õ(ρ)`.
        out_eval: Fr,
        /// Each non-constant operand's value at `ρ`, in input order.
        operand_evals: Vec<Fr>,
    },
    /// The output is known to the verifier, which computes it (a reshape of a known tensor).
    Derived,
    /// `o = max(a, 0)`.
    Relu {
        /// The lookup of `a + γ·o` in the ReLU table.
        lookup: Box<LogUpProof>,
        /// `ã` at the lookup's point.
        a_eval: Fr,
        /// `õ` at the lookup's point.
        o_eval: Fr,
    },
    /// `y = MaxPool(x)` ([`super::maxpool`]): differences and selectors `R`
    /// in the node's auxiliary table.
    MaxPool {
        /// `ỹ(ρ)`.
        y_eval: Fr,
        /// `R̃(ρ, σ, 0)`: the slot-weighted difference.
        d_eval: Fr,
        /// `R̃(ρ, ½…½, 1)`: the selectors' centre value.
        s_eval: Fr,
        /// The gather sumcheck `Σ_a x̃(a)·G̃(a) = ỹ(ρ) − R̃(ρ, σ, 0)`.
        gather: MatMulProof,
        /// The lookup of `d + γ·s`.
        lookup: Box<LogUpProof>,
        /// `R̃(c, 0)` and `R̃(c, 1)` at the lookup's point `c`.
        lookup_evals: [Fr; 2],
    },
    /// Softmax along the last axis ([`super::softmax`]): lane max, rounded
    /// difference, exponential pairs, lane sum and rounding division, with
    /// the witness in the node's auxiliary table.
    Softmax {
        /// The thirteen claimed values (`VALUES` in [`super::softmax`]).
        evals: Vec<Fr>,
        /// The division's sumcheck `Σ_x s̃b(x)·ỹ(x)·eq(ρ, x)`
        /// (`a_eval = s̃b(r)`, `b_eval = ỹ(r)`).
        product: MatMulProof,
        /// The node's lookups in order (the output's range last, when the
        /// verifier does not know it).
        lookups: Vec<LogUpProof>,
        /// The two values of each pair column at its lookup's point.
        pair_evals: Vec<Fr>,
    },
    /// `y = rshift(conv(x, W) + b, s)`: [`NodeProof::MatMul`]'s messages
    /// (the product sumcheck against `G_ρ`, whose `b_eval` is the claimed
    /// `G̃_ρ(r)`) and the weight sumcheck that proves that claim
    /// ([`crate::conv::weights`]).
    Conv {
        /// `ỹ(ρ)`.
        y_eval: Fr,
        /// `r̃(ρ)` (absent when `s = 0`).
        r_eval: Option<Fr>,
        /// The product sumcheck `Σ_a x̃(a)·G̃_ρ(a)`.
        matmul: MatMulProof,
        /// `G̃_ρ(r) = Σ_k w̃(k)·T̃(k)`.
        weights: Box<ConvWeightsProof>,
        /// `r ∈ [0, 2^s)` (absent when `s = 0`).
        r_range: Option<Box<LogUpProof>>,
        /// `y ∈ [−B, B]` (absent when not needed, as for `MatMul`).
        y_range: Option<Box<LogUpProof>>,
    },
}

/// A proof that a trace is the executor's run of the key's model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelProof {
    /// Per value of the model: its commitment, `None` for known values.
    pub commitments: Vec<Option<HyraxCommitment>>,
    /// Per node: the commitment to its rescale remainder (`MatMul` with `s > 0`).
    pub remainders: Vec<Option<HyraxCommitment>>,
    /// Per node, in topological order.
    pub nodes: Vec<NodeProof>,
    /// One Hyrax opening per claim on a committed table, in claim order.
    pub openings: Vec<DotProductProof>,
}

/// First bytes of an encoded [`ModelProof`].
pub const PROOF_MAGIC: &[u8; 20] = b"zkml-sumcheck-proof\0";
/// Version of the encoding; another version is refused.
pub const PROOF_VERSION: u32 = 2;

impl Encode for NodeProof {
    fn encode(&self, w: &mut Writer) {
        match self {
            NodeProof::MatMul {
                y_eval,
                r_eval,
                matmul,
                r_range,
                y_range,
            } => {
                w.u8(0);
                w.fr(y_eval);
                w.option(r_eval);
                matmul.encode(w);
                w.option(r_range);
                w.option(y_range);
            }
            NodeProof::Linear {
                out_eval,
                operand_evals,
            } => {
                w.u8(1);
                w.fr(out_eval);
                w.frs(operand_evals);
            }
            NodeProof::Relu {
                lookup,
                a_eval,
                o_eval,
            } => {
                w.u8(2);
                lookup.encode(w);
                w.fr(a_eval);
                w.fr(o_eval);
            }
            NodeProof::Derived => w.u8(3),
            NodeProof::MaxPool {
                y_eval,
                d_eval,
                s_eval,
                gather,
                lookup,
                lookup_evals,
            } => {
                w.u8(4);
                w.fr(y_eval);
                w.fr(d_eval);
                w.fr(s_eval);
                gather.encode(w);
                lookup.encode(w);
                w.fr(&lookup_evals[0]);
                w.fr(&lookup_evals[1]);
            }
            NodeProof::Softmax {
                evals,
                product,
                lookups,
                pair_evals,
            } => {
                w.u8(5);
                w.frs(evals);
                product.encode(w);
                w.list(lookups);
                w.frs(pair_evals);
            }
            NodeProof::Conv {
                y_eval,
                r_eval,
                matmul,
                weights,
                r_range,
                y_range,
            } => {
                w.u8(6);
                w.fr(y_eval);
                w.option(r_eval);
                matmul.encode(w);
                weights.encode(w);
                w.option(r_range);
                w.option(y_range);
            }
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.u8()? {
            0 => NodeProof::MatMul {
                y_eval: r.fr()?,
                r_eval: r.option()?,
                matmul: MatMulProof::decode(r)?,
                r_range: r.option()?,
                y_range: r.option()?,
            },
            1 => NodeProof::Linear {
                out_eval: r.fr()?,
                operand_evals: r.frs()?,
            },
            2 => NodeProof::Relu {
                lookup: Box::<LogUpProof>::decode(r)?,
                a_eval: r.fr()?,
                o_eval: r.fr()?,
            },
            3 => NodeProof::Derived,
            4 => NodeProof::MaxPool {
                y_eval: r.fr()?,
                d_eval: r.fr()?,
                s_eval: r.fr()?,
                gather: MatMulProof::decode(r)?,
                lookup: Box::<LogUpProof>::decode(r)?,
                lookup_evals: [r.fr()?, r.fr()?],
            },
            5 => NodeProof::Softmax {
                evals: r.frs()?,
                product: MatMulProof::decode(r)?,
                lookups: r.list()?,
                pair_evals: r.frs()?,
            },
            6 => NodeProof::Conv {
                y_eval: r.fr()?,
                r_eval: r.option()?,
                matmul: MatMulProof::decode(r)?,
                weights: Box::<ConvWeightsProof>::decode(r)?,
                r_range: r.option()?,
                y_range: r.option()?,
            },
            t => return Err(Error::Decode(format!("node proof tag {t}"))),
        })
    }
}

impl ModelProof {
    /// The proof's bytes: [`PROOF_MAGIC`], [`PROOF_VERSION`], then the fields in order.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.0.extend_from_slice(PROOF_MAGIC);
        w.0.extend_from_slice(&PROOF_VERSION.to_le_bytes());
        w.options(&self.commitments);
        w.options(&self.remainders);
        w.list(&self.nodes);
        w.list(&self.openings);
        w.0
    }

    /// Parses [`Self::to_bytes`]'s output; refuses another file kind or
    /// version, malformed or trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < PROOF_MAGIC.len() + 4 || &bytes[..PROOF_MAGIC.len()] != PROOF_MAGIC {
            return Err(Error::Decode(
                "not a sumcheck-backend proof (wrong magic bytes: another backend's file?)".into(),
            ));
        }
        let v = &bytes[PROOF_MAGIC.len()..PROOF_MAGIC.len() + 4];
        let version = u32::from_le_bytes([v[0], v[1], v[2], v[3]]);
        if version != PROOF_VERSION {
            return Err(Error::Decode(format!(
                "proof format version {version}, this build reads version {PROOF_VERSION}"
            )));
        }
        let mut r = Reader::new(&bytes[PROOF_MAGIC.len() + 4..]);
        let commitments = r.options()?;
        let remainders = r.options()?;
        let proof = Self {
            commitments,
            remainders,
            nodes: r.list()?,
            openings: r.list()?,
        };
        if r.remaining() != 0 {
            return Err(Error::Decode(format!("{} trailing bytes", r.remaining())));
        }
        Ok(proof)
    }
}
