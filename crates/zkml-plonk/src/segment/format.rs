//! Byte formats of segment proofs and bundles.
//!
//! A segment proof: magic `ZKMLPSG\0`, [`SEGMENT_FORMAT_VERSION`] (`u32`
//! LE), the segment index and count (`u32` LE each), the public values
//! (JSON, `u64` LE length first) and the proof ([`PlonkProof::to_bytes`],
//! `u64` LE length first). A bundle: magic `ZKMLPSB\0`, the version, the
//! segment count (`u32` LE) and each segment proof (`u64` LE length first),
//! in order. Another version or trailing bytes are refused.

use zkml_core::backend::PublicValues;

use super::SegmentProof;
use crate::error::{PlonkError, Result};
use crate::PlonkProof;

/// Version of the segment proof and bundle formats.
pub const SEGMENT_FORMAT_VERSION: u32 = 2;
const MAGIC_SEGMENT: &[u8; 8] = b"ZKMLPSG\0";
const MAGIC_BUNDLE: &[u8; 8] = b"ZKMLPSB\0";

fn err(what: &'static str, reason: impl Into<String>) -> PlonkError {
    PlonkError::Format {
        what,
        reason: reason.into(),
    }
}

struct Rd<'a> {
    b: &'a [u8],
    what: &'static str,
}

impl<'a> Rd<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.b.len() < n {
            return Err(err(self.what, "truncated"));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn chunk(&mut self) -> Result<&'a [u8]> {
        let n = self.u64()?;
        if n > self.b.len() as u64 {
            return Err(err(self.what, "truncated"));
        }
        self.take(n as usize)
    }
    fn header(&mut self, magic: &[u8; 8]) -> Result<()> {
        if self.take(8)? != magic {
            return Err(err(self.what, "not a zkml file of this kind (bad magic)"));
        }
        let v = self.u32()?;
        if v != SEGMENT_FORMAT_VERSION {
            return Err(err(
                self.what,
                format!(
                    "format version {v}, this zkml reads {SEGMENT_FORMAT_VERSION}; re-run it with \
                     the zkml that made it"
                ),
            ));
        }
        Ok(())
    }
    fn end(&self) -> Result<()> {
        if self.b.is_empty() {
            Ok(())
        } else {
            Err(err(self.what, "trailing bytes"))
        }
    }
}

fn chunk(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
}

impl SegmentProof {
    /// Serializes (module doc).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = MAGIC_SEGMENT.to_vec();
        out.extend_from_slice(&SEGMENT_FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.index as u32).to_le_bytes());
        out.extend_from_slice(&(self.count as u32).to_le_bytes());
        chunk(
            &mut out,
            &serde_json::to_vec(&self.public).expect("public values serialize"),
        );
        chunk(&mut out, &self.proof.to_bytes());
        out
    }

    /// Reads [`Self::to_bytes`]'s format.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Rd {
            b: bytes,
            what: "segment proof",
        };
        r.header(MAGIC_SEGMENT)?;
        let index = r.u32()? as usize;
        let count = r.u32()? as usize;
        if index >= count {
            return Err(err(r.what, format!("segment {index} of {count}")));
        }
        let public: PublicValues = serde_json::from_slice(r.chunk()?)
            .map_err(|e| err("segment proof", format!("public values: {e}")))?;
        let proof = PlonkProof::from_bytes(r.chunk()?)?;
        r.end()?;
        Ok(Self {
            index,
            count,
            public,
            proof,
        })
    }
}

/// A bundle of segment proofs, in order (module doc).
pub fn bundle_to_bytes(proofs: &[SegmentProof]) -> Vec<u8> {
    let mut out = MAGIC_BUNDLE.to_vec();
    out.extend_from_slice(&SEGMENT_FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(proofs.len() as u32).to_le_bytes());
    for p in proofs {
        chunk(&mut out, &p.to_bytes());
    }
    out
}

/// Reads [`bundle_to_bytes`]'s format (the order and completeness of the
/// chain are [`super::verify_segments`]'s to check).
pub fn bundle_from_bytes(bytes: &[u8]) -> Result<Vec<SegmentProof>> {
    let mut r = Rd {
        b: bytes,
        what: "segment bundle",
    };
    r.header(MAGIC_BUNDLE)?;
    let n = r.u32()? as usize;
    let mut out = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        out.push(SegmentProof::from_bytes(r.chunk()?)?);
    }
    r.end()?;
    Ok(out)
}

/// Whether `bytes` start like a bundle (for commands that take either a
/// single proof or a bundle).
pub fn is_bundle(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC_BUNDLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let p = SegmentProof {
            index: 1,
            count: 3,
            public: PublicValues::default(),
            proof: PlonkProof {
                model_hash: [9; 32],
                bytes: vec![1, 2, 3],
            },
        };
        let b = p.to_bytes();
        assert_eq!(SegmentProof::from_bytes(&b).unwrap(), p);
        let bundle = bundle_to_bytes(&[p.clone(), p.clone()]);
        assert!(is_bundle(&bundle) && !is_bundle(&b));
        assert_eq!(bundle_from_bytes(&bundle).unwrap(), vec![p.clone(), p]);
        let mut trailing = b.clone();
        trailing.push(0);
        assert!(SegmentProof::from_bytes(&trailing).is_err());
        assert!(SegmentProof::from_bytes(&b[..b.len() - 1]).is_err());
        let mut v2 = b.clone();
        v2[8] = 3;
        let e = SegmentProof::from_bytes(&v2).unwrap_err().to_string();
        assert!(e.contains("version 3"), "{e}");
        assert!(bundle_from_bytes(&b).is_err());
    }
}
