//! The byte formats of keys and proofs: headers, the model hash, the shared
//! metadata (shape, `k`, public layout) and the reader they are parsed with.
//! Reading and writing whole keys and proofs: [`super::keys`].

use zkml_core::{
    backend::{Reveal, Vis, Visibility},
    ops::table::TableDomain,
    QGraph,
};

use super::{PublicLayout, TensorMeta};
use crate::error::{PlonkError, Result};
use crate::gadgets::{
    table::{FnKind, FnTable},
    Shape,
};

/// Version of the key and proof byte formats (4: keys carry the output reveal;
/// 5: committed visibility; 6: keys carry the shapes and scales of the model's
/// inputs and outputs and end with a BLAKE2b-256 checksum; 7: table functions
/// carry their id and two parameters; 9: and their calibrated input domain).
pub const FORMAT_VERSION: u32 = 9;
pub(super) const MAGIC_PK: &[u8; 8] = b"ZKMLPPK\0";
pub(super) const MAGIC_VK: &[u8; 8] = b"ZKMLPVK\0";
pub(super) const MAGIC_PROOF: &[u8; 8] = b"ZKMLPPF\0";

pub(super) fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// The model hash binding keys and proofs to a model, visibility and plan.
/// Private and committed weights are not hashed (only their shapes, and for
/// committed weights the public digit width), so the hash reveals nothing of
/// them and one verifying key serves every weight assignment.
pub fn model_hash(q: &QGraph, vis: &Visibility, shape: &Shape, k: u32) -> [u8; 32] {
    let mut h = blake2b_simd::Params::new().hash_length(32).to_state();
    h.update(b"zkml-plonk model v1\0");
    if vis.weights == Vis::Committed {
        h.update(format!("committed weights: {} bits|", crate::commit::weight_bits(q)).as_bytes());
    }
    if vis.weights == Vis::Private {
        // Private weights are range checked to this width: part of the statement.
        h.update(format!("private weights: {} bits|", crate::commit::weight_bits(q)).as_bytes());
    }
    if matches!(vis.weights, Vis::Private | Vis::Committed) {
        // Private weights are not part of the statement: hash their shapes only,
        // so one verifying key serves every weight assignment.
        let mut shapes_only = q.clone();
        for v in shapes_only.values.iter_mut() {
            if let zkml_core::quant::QValueKind::Const(t) = &mut v.kind {
                t.fill(0);
            }
        }
        h.update(&serde_json::to_vec(&shapes_only).expect("a QGraph serializes"));
    } else {
        h.update(&serde_json::to_vec(q).expect("a QGraph serializes"));
    }
    h.update(format!("{vis:?}|{shape:?}|{k}").as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(h.finalize().as_bytes());
    out
}

fn vis_byte(v: Vis) -> u8 {
    match v {
        Vis::Public => 0,
        Vis::Private => 1,
        Vis::Fixed => 2,
        Vis::Committed => 3,
    }
}

fn byte_vis(b: u8, what: &'static str) -> Result<Vis> {
    Ok(match b {
        0 => Vis::Public,
        1 => Vis::Private,
        2 => Vis::Fixed,
        3 => Vis::Committed,
        _ => return Err(fmt_err(what, format!("bad visibility byte {b}"))),
    })
}

pub(super) fn fmt_err(what: &'static str, reason: impl Into<String>) -> PlonkError {
    PlonkError::Format {
        what,
        reason: reason.into(),
    }
}

fn write_u32(w: &mut Vec<u8>, v: u32) {
    w.extend_from_slice(&v.to_le_bytes());
}

pub(super) struct Rd<'a> {
    pub(super) b: &'a [u8],
    pub(super) what: &'static str,
}

impl Rd<'_> {
    pub(super) fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.b.len() < n {
            return Err(fmt_err(self.what, "truncated"));
        }
        let (a, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(a)
    }
    pub(super) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    pub(super) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    pub(super) fn header(&mut self, magic: &[u8; 8]) -> Result<[u8; 32]> {
        if self.take(8)? != magic {
            return Err(fmt_err(
                self.what,
                "not a zkml-plonk file of this kind (bad magic)",
            ));
        }
        let v = self.u32()?;
        if v != FORMAT_VERSION {
            return Err(fmt_err(
                self.what,
                format!(
                    "format version {v}, this build reads version {FORMAT_VERSION}; re-run `setup` \
                     (and `prove`) with this build"
                ),
            ));
        }
        Ok(self.take(32)?.try_into().unwrap())
    }
}

pub(super) fn header(out: &mut Vec<u8>, magic: &[u8; 8], hash: &[u8; 32]) {
    out.extend_from_slice(magic);
    write_u32(out, FORMAT_VERSION);
    out.extend_from_slice(hash);
}

pub(super) fn write_meta(out: &mut Vec<u8>, shape: &Shape, k: u32, layout: &PublicLayout) {
    for v in [layout.vis.input, layout.vis.weights, layout.vis.output] {
        out.push(vis_byte(v));
    }
    for v in [shape.n as u32, shape.l as u32, shape.t, shape.act_bits, k] {
        write_u32(out, v);
    }
    write_u32(out, shape.widths.len() as u32);
    for &w in &shape.widths {
        write_u32(out, w);
    }
    write_u32(out, shape.tables.len() as u32);
    for tb in &shape.tables {
        let (kind, a, b, p) = tb.kind.to_code();
        out.push(kind);
        out.extend_from_slice(&a.to_le_bytes());
        out.extend_from_slice(&b.to_le_bytes());
        for v in p {
            out.extend_from_slice(&v.to_le_bytes());
        }
        // The calibrated domain: a flag byte, then `lo`, `hi` (i64).
        match tb.kind.domain_code() {
            None => out.push(0),
            Some(d) => {
                out.push(1);
                out.extend_from_slice(&d.lo.to_le_bytes());
                out.extend_from_slice(&d.hi.to_le_bytes());
            }
        }
    }
    // Flags: bit 0 matrix checks, bit 1 the run-time gather lookup.
    out.push(u8::from(shape.freivalds) | (u8::from(shape.dyn_lookup) << 1));
    // Segment boundary columns (inputs, outputs).
    write_u32(out, shape.bnd_in as u32);
    write_u32(out, shape.bnd_out as u32);
    out.extend_from_slice(&layout.bound.to_le_bytes());
    for metas in [&layout.input_meta, &layout.output_meta] {
        write_u32(out, metas.len() as u32);
        for m in metas {
            write_u32(out, m.shape.len() as u32);
            for &d in &m.shape {
                out.extend_from_slice(&(d as u64).to_le_bytes());
            }
            out.extend_from_slice(&m.scale.to_le_bytes());
        }
    }
    write_reveal(out, &layout.vis.reveal, layout.revealed);
}

/// The output reveal: a tag (0 none, 1 indices, 2 argmax), the indices
/// (`u32` count, `u64` each) for tag 1, then the revealed count (`u64`).
fn write_reveal(out: &mut Vec<u8>, reveal: &Reveal, count: usize) {
    match reveal {
        Reveal::None => out.push(0),
        Reveal::Indices(ix) => {
            out.push(1);
            write_u32(out, ix.len() as u32);
            for &i in ix {
                out.extend_from_slice(&(i as u64).to_le_bytes());
            }
        }
        Reveal::Argmax => out.push(2),
    }
    out.extend_from_slice(&(count as u64).to_le_bytes());
}

fn read_reveal(r: &mut Rd<'_>) -> Result<(Reveal, usize)> {
    let what = r.what;
    let reveal = match r.take(1)?[0] {
        0 => Reveal::None,
        1 => {
            let m = r.u32()?;
            if m as usize > r.b.len() / 8 {
                return Err(fmt_err(what, "implausible reveal index count"));
            }
            Reveal::Indices(
                (0..m)
                    .map(|_| r.u64().map(|i| i as usize))
                    .collect::<Result<_>>()?,
            )
        }
        2 => Reveal::Argmax,
        b => return Err(fmt_err(what, format!("bad reveal tag {b}"))),
    };
    let count = r.u64()? as usize;
    if let Reveal::Indices(ix) = &reveal {
        if ix.len() != count {
            return Err(fmt_err(
                what,
                "reveal index count disagrees with the revealed count",
            ));
        }
    }
    Ok((reveal, count))
}

pub(super) fn read_meta(r: &mut Rd<'_>) -> Result<(Shape, u32, PublicLayout)> {
    let what = r.what;
    let mut vis = Visibility {
        input: byte_vis(r.take(1)?[0], what)?,
        weights: byte_vis(r.take(1)?[0], what)?,
        output: byte_vis(r.take(1)?[0], what)?,
        reveal: Reveal::None,
    };
    let (n, l, t, act_bits, k) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?, r.u32()?);
    let nw = r.u32()?;
    if nw > 64 || act_bits > 64 || k > 28 || n > 4096 || l > 4096 || t > 28 {
        return Err(fmt_err(what, "implausible shape"));
    }
    let widths = (0..nw).map(|_| r.u32()).collect::<Result<Vec<_>>>()?;
    let nt = r.u32()?;
    if nt > 64 {
        return Err(fmt_err(what, "implausible table count"));
    }
    let mut tables = vec![];
    for _ in 0..nt {
        let code = r.take(1)?[0];
        let (a, b) = (r.u32()? as i32, r.u32()? as i32);
        let p = [r.u32()?, r.u32()?];
        let domain = match r.take(1)?[0] {
            0 => None,
            1 => {
                let mut end = || -> Result<i64> {
                    Ok(i64::from_le_bytes(r.take(8)?.try_into().expect("8 bytes")))
                };
                let (lo, hi) = (end()?, end()?);
                Some(TableDomain { lo, hi })
            }
            f => return Err(fmt_err(what, format!("bad table domain flag {f}"))),
        };
        let kind = FnKind::from_code(code, a, b, p, domain)
            .ok_or_else(|| fmt_err(what, format!("unknown table function {code}")))?;
        // The table's extent is recomputed from its function (as the prover does).
        tables.push(FnTable::cached(kind, act_bits).map_err(|e| fmt_err(what, e))?);
    }
    let (freivalds, dyn_lookup) = match r.take(1)?[0] {
        b @ 0..=3 => (b & 1 == 1, b & 2 == 2),
        b => return Err(fmt_err(what, format!("bad circuit flags byte {b}"))),
    };
    let (bnd_in, bnd_out) = (r.u32()? as usize, r.u32()? as usize);
    if bnd_in > 4096 || bnd_out > 4096 {
        return Err(fmt_err(what, "implausible boundary column count"));
    }
    let bound = i64::from_le_bytes(r.take(8)?.try_into().unwrap());
    let mut metas = [vec![], vec![]];
    for ms in metas.iter_mut() {
        // Each tensor takes at least 8 bytes: counts no larger than the file.
        let m = r.u32()?;
        if m as usize > r.b.len() / 8 {
            return Err(fmt_err(what, "implausible tensor count"));
        }
        for _ in 0..m {
            let nd = r.u32()?;
            if nd > 32 {
                return Err(fmt_err(what, format!("implausible rank {nd}")));
            }
            let shape = (0..nd)
                .map(|_| r.u64().map(|d| d as usize))
                .collect::<Result<Vec<_>>>()?;
            // Element counts stay far below what any circuit can hold.
            if shape
                .iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d).filter(|&n| n <= 1 << 40))
                .is_none()
            {
                return Err(fmt_err(what, format!("implausible tensor shape {shape:?}")));
            }
            let scale = r.u32()? as i32;
            ms.push(TensorMeta { shape, scale });
        }
    }
    let [input_meta, output_meta] = metas;
    let numel = |m: &TensorMeta| m.shape.iter().product();
    let inputs = input_meta.iter().map(numel).collect();
    let outputs = output_meta.iter().map(numel).collect();
    let (reveal, revealed) = read_reveal(r)?;
    vis.reveal = reveal;
    Ok((
        Shape {
            n: n as usize,
            l: l as usize,
            t,
            act_bits,
            widths,
            tables,
            freivalds,
            dyn_lookup,
            bnd_in,
            bnd_out,
            // Derived, not stored: the gate is there iff a group is committed.
            poseidon: crate::circuit::has_committed(&vis),
        },
        k,
        PublicLayout {
            vis,
            inputs,
            outputs,
            bound,
            revealed,
            input_meta,
            output_meta,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::PlonkProof;

    #[test]
    fn proof_bytes_are_versioned_and_checked() {
        let p = PlonkProof {
            model_hash: [7; 32],
            bytes: vec![1, 2, 3],
        };
        let b = p.to_bytes();
        assert_eq!(PlonkProof::from_bytes(&b).unwrap(), p);
        let mut bad = b.clone();
        bad[0] ^= 1;
        assert!(matches!(
            PlonkProof::from_bytes(&bad),
            Err(PlonkError::Format { what: "proof", .. })
        ));
        let mut bad = b.clone();
        bad[8] = 8; // version 8: keys and proofs before table domains
        let e = PlonkProof::from_bytes(&bad).unwrap_err();
        assert!(e.to_string().contains("version 8"), "{e}");
        assert!(PlonkProof::from_bytes(&b[..b.len() - 1]).is_err());
        let mut long = b.clone();
        long.push(0);
        assert!(PlonkProof::from_bytes(&long).is_err());
        // A verifying key is not a proof.
        let mut vkish = b.clone();
        vkish[..8].copy_from_slice(MAGIC_VK);
        assert!(PlonkProof::from_bytes(&vkish).is_err());
    }

    #[test]
    fn meta_round_trips_every_reveal() {
        let shape = Shape {
            n: 4,
            l: 2,
            t: 8,
            act_bits: 16,
            widths: vec![1, 8],
            ..Shape::default()
        };
        for (reveal, revealed) in [
            (Reveal::None, 0),
            (Reveal::Argmax, 2),
            (Reveal::Indices(vec![7, 0, 3]), 3),
        ] {
            let layout = PublicLayout {
                vis: Visibility {
                    output: Vis::Private,
                    reveal,
                    ..Visibility::default()
                },
                inputs: vec![4],
                outputs: vec![20],
                bound: 100,
                revealed,
                input_meta: vec![TensorMeta {
                    shape: vec![1, 4],
                    scale: 7,
                }],
                output_meta: vec![TensorMeta {
                    shape: vec![2, 10],
                    scale: -2,
                }],
            };
            let mut out = vec![];
            write_meta(&mut out, &shape, 9, &layout);
            let mut r = Rd {
                b: &out,
                what: "proof",
            };
            assert_eq!(read_meta(&mut r).unwrap(), (shape.clone(), 9, layout));
            assert!(r.b.is_empty());
        }
    }
}
