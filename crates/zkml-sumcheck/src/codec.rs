//! Byte encoding of proofs: little-endian lengths (`u32`), canonical 32-byte
//! field elements, 32-byte compressed G1 points. Decoding never panics and
//! never allocates more than the input could hold: every length is checked
//! against the bytes left, every scalar must be canonical and every point on
//! the curve.

use crate::error::{Error, Result};
use crate::field::{Fr, G1Affine, GroupEncoding, PrimeField};

/// Appends encodings to a byte vector. In tests it also records where each
/// field element and point starts (the messages a transcript test compares).
#[derive(Debug, Default)]
pub struct Writer(pub Vec<u8>, #[cfg(test)] pub(crate) Vec<usize>);

/// Reads encodings from a byte slice.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// A value with a byte encoding.
pub trait Encode: Sized {
    /// Appends `self`.
    fn encode(&self, w: &mut Writer);
    /// Reads one value.
    fn decode(r: &mut Reader<'_>) -> Result<Self>;
}

fn bad(what: &str) -> Error {
    Error::Decode(what.to_string())
}

impl Writer {
    /// Appends a byte.
    pub fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    /// Appends a length or count.
    pub fn len(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u32).to_le_bytes());
    }
    /// Appends a field element.
    pub fn fr(&mut self, x: &Fr) {
        #[cfg(test)]
        self.1.push(self.0.len());
        self.0.extend_from_slice(x.to_repr().as_ref());
    }
    /// Appends field elements with their count.
    pub fn frs(&mut self, xs: &[Fr]) {
        self.len(xs.len());
        xs.iter().for_each(|x| self.fr(x));
    }
    /// Appends a point.
    pub fn point(&mut self, p: &G1Affine) {
        #[cfg(test)]
        self.1.push(self.0.len());
        self.0.extend_from_slice(p.to_bytes().as_ref());
    }
    /// Appends points with their count.
    pub fn points(&mut self, ps: &[G1Affine]) {
        self.len(ps.len());
        ps.iter().for_each(|p| self.point(p));
    }
    /// Appends values with their count.
    pub fn list<T: Encode>(&mut self, xs: &[T]) {
        self.len(xs.len());
        xs.iter().for_each(|x| x.encode(self));
    }
    /// Appends an optional value (tag byte 0 or 1).
    pub fn option<T: Encode>(&mut self, x: &Option<T>) {
        match x {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                v.encode(self);
            }
        }
    }
}

/// One compressed point (32 bytes, `halo2curves`' encoding).
fn decode_point(b: &[u8]) -> Result<G1Affine> {
    let mut repr = <G1Affine as GroupEncoding>::Repr::default();
    repr.as_mut().copy_from_slice(b);
    Option::from(G1Affine::from_bytes(&repr)).ok_or_else(|| bad("a point is not on the curve"))
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }
    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if self.remaining() < n {
            return Err(bad(&format!(
                "truncated: {what} needs {n} bytes, {} left",
                self.remaining()
            )));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    /// Reads a byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1, "a tag")?[0])
    }
    /// Reads a count of items of at least `min_size` bytes each (checked against what is left).
    pub fn len(&mut self, min_size: usize) -> Result<usize> {
        let b = self.take(4, "a length")?;
        let n = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        if n.saturating_mul(min_size.max(1)) > self.remaining() {
            return Err(bad(&format!(
                "a length of {n} exceeds the {} bytes left",
                self.remaining()
            )));
        }
        Ok(n)
    }
    /// Reads a canonical field element.
    pub fn fr(&mut self) -> Result<Fr> {
        let mut repr = <Fr as PrimeField>::Repr::default();
        repr.as_mut()
            .copy_from_slice(self.take(32, "a field element")?);
        Option::from(Fr::from_repr(repr)).ok_or_else(|| bad("a field element is not canonical"))
    }
    /// Reads field elements with their count.
    pub fn frs(&mut self) -> Result<Vec<Fr>> {
        let n = self.len(32)?;
        (0..n).map(|_| self.fr()).collect()
    }
    /// Reads a point (must be on the curve).
    pub fn point(&mut self) -> Result<G1Affine> {
        decode_point(self.take(32, "a point")?)
    }
    /// Reads points with their count. Decompression (a square root per
    /// point) runs on rayon's threads for long lists.
    pub fn points(&mut self) -> Result<Vec<G1Affine>> {
        let n = self.len(32)?;
        let bytes = self.take(32 * n, "points")?;
        if n < 64 {
            return bytes.chunks_exact(32).map(decode_point).collect();
        }
        use rayon::prelude::*;
        bytes.par_chunks_exact(32).map(decode_point).collect()
    }
    /// Reads values with their count.
    pub fn list<T: Encode>(&mut self) -> Result<Vec<T>> {
        let n = self.len(1)?;
        (0..n).map(|_| T::decode(self)).collect()
    }
    /// Reads an optional value.
    pub fn option<T: Encode>(&mut self) -> Result<Option<T>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(T::decode(self)?)),
            t => Err(bad(&format!("option tag {t}"))),
        }
    }
}

impl<T: Encode> Encode for Box<T> {
    fn encode(&self, w: &mut Writer) {
        (**self).encode(w)
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Box::new(T::decode(r)?))
    }
}
