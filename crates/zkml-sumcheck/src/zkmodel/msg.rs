//! Messages of a zero-knowledge model proof: plain data.

use super::lookups::ZkTableLookup;
use super::openings::OpeningBatch;
use crate::codec::{Encode, Reader, Writer};
use crate::error::{Error, Result};
use crate::field::G1Affine;
use crate::hyrax::HyraxCommitment;
use crate::zk::{ZeroProof, ZkSumcheckProof};

/// One node's messages (see the [module doc](super)).
// One per node of a model: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZkNodeProof {
    /// `y = rshift(x·W, s)`; also a Conv (`y = rshift(conv(x, W) + b, s)`, the
    /// sumcheck against the public `G_ρ`) and a gathering Reshape (`s = 0`).
    MatMul {
        /// `Com(ỹ(ρ))`.
        y_com: G1Affine,
        /// `Com(r̃(ρ))` (absent when `s = 0`).
        r_com: Option<G1Affine>,
        /// The committed product sumcheck (the range checks of `r` and `y`
        /// are in the model's batched lookups).
        matmul: ZkSumcheckProof,
    },
    /// `o = 2^{k_0}·a ± 2^{k_1}·b`, or a layout-keeping reshape.
    Linear {
        /// `Com(õ(ρ))`.
        out_com: G1Affine,
        /// `Com` of each non-constant operand at `ρ`.
        operand_coms: Vec<G1Affine>,
        /// `C_o − Σ ±2^k·C_a − c̃(ρ)·U` commits to zero.
        relation: ZeroProof,
    },
    /// `o = max(a, 0)` (or Clip): one column of the model's batched lookups.
    Lookup,
    /// The output is a reshape of a known tensor; the verifier computes it.
    Derived,
    /// `y = MaxPool(x)` ([`crate::model::maxpool`]), committed.
    MaxPool {
        /// `Com(ỹ(ρ))`, `Com(R̃(ρ, σ, 0))`, `Com(R̃(ρ, ½…½, 1))`.
        coms: [G1Affine; 3],
        /// `2^{kv}·C_s − Ĩ(ρ)·U` commits to zero (one selected slot per output).
        selected: ZeroProof,
        /// The committed gather sumcheck, claim `C_y − C_d`; the lookup of
        /// `d + γ·s` is in the model's batched lookups.
        gather: Box<ZkSumcheckProof>,
    },
    /// Softmax along the last axis ([`crate::model::softmax`]), committed
    /// (`super::softmax`).
    Softmax {
        /// `Com(V_j)` of the thirteen claimed values.
        coms: Vec<G1Affine>,
        /// `Σ_k λ_k·(relation k)` commits to zero.
        relation: ZeroProof,
        /// The committed division sumcheck `Σ_x s̃b(x)·ỹ(x)·eq(ρ, x)`.
        product: Box<ZkSumcheckProof>,
    },
    /// `y = rshift(conv(x, W) + b, s)`: [`ZkNodeProof::MatMul`]'s messages,
    /// the product sumcheck's factor `G̃_ρ(r)` committed, and the committed
    /// weight sumcheck `Com(G̃_ρ(r)) = Σ_k w̃(k)·T̃(k)` ([`crate::conv::weights`]).
    Conv {
        /// `Com(ỹ(ρ))`.
        y_com: G1Affine,
        /// `Com(r̃(ρ))` (absent when `s = 0`).
        r_com: Option<G1Affine>,
        /// The committed product sumcheck `Σ_a x̃(a)·G̃_ρ(a)`.
        matmul: ZkSumcheckProof,
        /// The committed weight sumcheck.
        weights: Box<ZkSumcheckProof>,
    },
}

/// A zero-knowledge proof that a trace is the executor's run of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkModelProof {
    /// Per value: the Hyrax commitment of a hidden constant under committed
    /// weights (the published one's tables), `None` for every other value.
    pub commitments: Vec<Option<HyraxCommitment>>,
    /// The packed witness commitment: every unknown value's table and every
    /// node's auxiliary table in one ([`super::packed`]); `None` when the
    /// model has none.
    pub packed: Option<HyraxCommitment>,
    /// Per node, in topological order.
    pub nodes: Vec<ZkNodeProof>,
    /// The model's one batched lookup (none when nothing is looked up), over
    /// every distinct table in order of first use
    /// ([`super::lookups`]).
    pub lookups: Vec<ZkTableLookup>,
    /// One reduction and Hyrax opening per group of committed tables with
    /// the same variables ([`super::openings`]).
    pub openings: Vec<OpeningBatch>,
    /// One proof of zero per claim on a known tensor, in claim order.
    pub known: Vec<ZeroProof>,
    /// Hidden weights: per hidden constant whose table has padding (value
    /// order), the committed sumcheck that its padding is zero
    /// ([`super::weights`]); empty otherwise.
    pub padding: Vec<ZkSumcheckProof>,
    /// Hidden weights: per Conv with a hidden bias (node order), its share
    /// of the conv's claim ([`super::weights::BiasProof`]).
    pub conv_bias: Vec<super::weights::BiasProof>,
    /// Hidden weights: per hidden constant operand of a Mul (node, then
    /// operand order), the sumcheck reducing its broadcast factor to a claim
    /// on the constant (`super::weights::prove_broadcast`).
    pub mul_consts: Vec<ZkSumcheckProof>,
    /// Hidden weights wider than one range table: per hidden constant
    /// (value order) its limbs ([`super::weight_limbs`]); empty otherwise.
    pub limbs: Vec<super::weight_limbs::WeightLimbs>,
}

/// First bytes of an encoded [`ZkModelProof`].
pub const ZK_PROOF_MAGIC: &[u8; 22] = b"zkml-sumcheck-zkproof\0";
/// Version of the encoding (5: Conv's weight sumcheck; 6: hidden weights'
/// padding proofs; 7: hidden conv biases; 8: hidden Mul constants; 9: the
/// hidden weights' limbs; 10: one packed witness commitment,
/// [`super::packed`]; 11: claims on fixed weights opened against the key's
/// `W`, [`super::fixed`]; 12: every node and the lookups on their own
/// transcript branch, [`crate::transcript::Transcript::fork`], the limbs
/// before them; 13: large commitments split column-heavy,
/// [`crate::hyrax::split_for`]); another version is refused (the same bytes
/// would not verify).
pub const ZK_PROOF_VERSION: u32 = 13;

impl Encode for ZkNodeProof {
    fn encode(&self, w: &mut Writer) {
        match self {
            ZkNodeProof::MatMul {
                y_com,
                r_com,
                matmul,
            } => {
                w.u8(0);
                w.point(y_com);
                w.option(r_com);
                matmul.encode(w);
            }
            ZkNodeProof::Linear {
                out_com,
                operand_coms,
                relation,
            } => {
                w.u8(1);
                w.point(out_com);
                w.points(operand_coms);
                relation.encode(w);
            }
            ZkNodeProof::Lookup => w.u8(2),
            ZkNodeProof::Derived => w.u8(3),
            ZkNodeProof::MaxPool {
                coms,
                selected,
                gather,
            } => {
                w.u8(4);
                coms.iter().for_each(|c| w.point(c));
                selected.encode(w);
                gather.encode(w);
            }
            ZkNodeProof::Softmax {
                coms,
                relation,
                product,
            } => {
                w.u8(5);
                w.points(coms);
                relation.encode(w);
                product.encode(w);
            }
            ZkNodeProof::Conv {
                y_com,
                r_com,
                matmul,
                weights,
            } => {
                w.u8(6);
                w.point(y_com);
                w.option(r_com);
                matmul.encode(w);
                weights.encode(w);
            }
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.u8()? {
            0 => ZkNodeProof::MatMul {
                y_com: r.point()?,
                r_com: r.option()?,
                matmul: ZkSumcheckProof::decode(r)?,
            },
            1 => ZkNodeProof::Linear {
                out_com: r.point()?,
                operand_coms: r.points()?,
                relation: ZeroProof::decode(r)?,
            },
            2 => ZkNodeProof::Lookup,
            3 => ZkNodeProof::Derived,
            4 => ZkNodeProof::MaxPool {
                coms: [r.point()?, r.point()?, r.point()?],
                selected: ZeroProof::decode(r)?,
                gather: Box::<ZkSumcheckProof>::decode(r)?,
            },
            5 => ZkNodeProof::Softmax {
                coms: r.points()?,
                relation: ZeroProof::decode(r)?,
                product: Box::<ZkSumcheckProof>::decode(r)?,
            },
            6 => ZkNodeProof::Conv {
                y_com: r.point()?,
                r_com: r.option()?,
                matmul: ZkSumcheckProof::decode(r)?,
                weights: Box::<ZkSumcheckProof>::decode(r)?,
            },
            t => return Err(Error::Decode(format!("node proof tag {t}"))),
        })
    }
}

impl ZkModelProof {
    /// The proof's bytes: [`ZK_PROOF_MAGIC`], [`ZK_PROOF_VERSION`], then the fields in order.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        self.write(&mut w);
        w.0
    }

    /// Appends [`Self::to_bytes`]'s encoding to `w`.
    pub(crate) fn write(&self, w: &mut Writer) {
        w.0.extend_from_slice(ZK_PROOF_MAGIC);
        w.0.extend_from_slice(&ZK_PROOF_VERSION.to_le_bytes());
        w.options(&self.commitments);
        w.option(&self.packed);
        w.list(&self.nodes);
        w.list(&self.lookups);
        w.list(&self.openings);
        w.list(&self.known);
        w.list(&self.padding);
        w.list(&self.conv_bias);
        w.list(&self.mul_consts);
        w.list(&self.limbs);
    }

    /// Parses [`Self::to_bytes`]'s output; refuses another file kind or
    /// version, malformed or trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let m = ZK_PROOF_MAGIC.len();
        if bytes.len() < m + 4 || &bytes[..m] != ZK_PROOF_MAGIC {
            return Err(Error::Decode(
                "not a zero-knowledge sumcheck-backend proof (wrong magic bytes: another \
                 backend's file?)"
                    .into(),
            ));
        }
        let version = u32::from_le_bytes([bytes[m], bytes[m + 1], bytes[m + 2], bytes[m + 3]]);
        if version != ZK_PROOF_VERSION {
            return Err(Error::Decode(format!(
                "proof format version {version}, this build reads version {ZK_PROOF_VERSION}"
            )));
        }
        // Points decompressed on rayon's threads (crate::codec).
        crate::codec::read_with_points(&bytes[m + 4..], |r| {
            let commitments = r.options()?;
            let packed = r.option()?;
            let proof = Self {
                commitments,
                packed,
                nodes: r.list()?,
                lookups: r.list()?,
                openings: r.list()?,
                known: r.list()?,
                padding: r.list()?,
                conv_bias: r.list()?,
                mul_consts: r.list()?,
                limbs: r.list()?,
            };
            if r.remaining() != 0 {
                return Err(Error::Decode(format!("{} trailing bytes", r.remaining())));
            }
            Ok(proof)
        })
    }
}

fn bytes<T: Encode>(x: &T) -> usize {
    let mut w = Writer::default();
    x.encode(&mut w);
    w.0.len()
}

fn all<T: Encode>(xs: &[T]) -> usize {
    xs.iter().map(bytes).sum()
}

impl ZkModelProof {
    /// Bytes per part of the proof (a measuring aid for
    /// `ZKML_SUMCHECK_PROFILE`): `(part, bytes)`.
    pub fn size_breakdown(&self) -> Vec<(String, usize)> {
        let coms =
            |cs: &[Option<HyraxCommitment>]| -> usize { cs.iter().flatten().map(bytes).sum() };
        let mut out = vec![
            ("value commitments".to_string(), coms(&self.commitments)),
            (
                "packed witness commitment".to_string(),
                self.packed.as_ref().map_or(0, bytes),
            ),
            (
                "node proofs".to_string(),
                self.nodes.iter().map(bytes).sum(),
            ),
        ];
        for (k, l) in self.lookups.iter().enumerate() {
            let lp = &l.logup;
            let tree: usize = lp.witness_layers.iter().map(bytes).sum();
            out.push((
                format!(
                    "lookup {k}: {} cols, {} tables, {} layers: m+open / tree / table sumchecks / rest",
                    lp.column_coms.len() + 1,
                    lp.m_comm.len(),
                    lp.witness_layers.len()
                ),
                bytes(l),
            ));
            out.push((
                format!(
                    "  {} / {} / {} / {}",
                    all(&lp.m_comm) + all(&lp.m_open),
                    tree,
                    all(&lp.table_sumcheck),
                    bytes(l) - tree - all(&lp.m_comm) - all(&lp.m_open) - all(&lp.table_sumcheck)
                ),
                0,
            ));
        }
        out.push((
            format!("{} opening groups (reduction + hyrax)", self.openings.len()),
            self.openings.iter().map(bytes).sum(),
        ));
        out.push((
            format!("{} known-value proofs", self.known.len()),
            self.known.iter().map(bytes).sum(),
        ));
        out
    }
}
