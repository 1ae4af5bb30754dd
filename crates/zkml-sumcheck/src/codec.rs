//! Byte encoding of proofs: little-endian lengths (`u32`), canonical 32-byte
//! field elements, 32-byte compressed G1 points. Decoding never panics and
//! never allocates more than the input could hold: every length is checked
//! against the bytes left, every scalar must be canonical and every point on
//! the curve and canonically encoded (one encoding per message: a changed
//! bit of an accepted proof changes what it says, and is rejected).

use crate::error::{Error, Result};
use crate::field::{Field, Fr, G1Affine, GroupEncoding, PrimeCurveAffine, PrimeField};
use halo2_axiom::halo2curves::bn256::Fq;

/// Appends encodings to a byte vector. In tests it also records where each
/// field element and point starts (the messages a transcript test compares).
#[derive(Debug, Default)]
pub struct Writer(pub Vec<u8>, #[cfg(test)] pub(crate) Vec<usize>);

/// Reads encodings from a byte slice.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    points: Points,
}

/// How a [`Reader`] reads points ([`read_with_points`]).
#[derive(Debug)]
enum Points {
    /// Decompressed where read.
    Decode,
    /// Only their offsets recorded (a placeholder returned).
    Scan(Vec<usize>),
    /// Taken, in order, from points decompressed ahead (with the offset
    /// each was read at).
    Ready(Vec<(usize, G1Affine)>, usize),
}

/// Runs the decoder `f` over `bytes` with every point decompressed on
/// rayon's threads: a first run of `f` reads the structure and records
/// where the points are (placeholders in their place; its result is
/// dropped), the points are decompressed at once, and a second run reads
/// them. Same result and acceptance as `f` on [`Reader::new`]: every check
/// of `f` runs in the second pass on the real points, and a point that does
/// not decode is refused (the first one's error) before it.
pub fn read_with_points<'a, T>(
    bytes: &'a [u8],
    f: impl Fn(&mut Reader<'a>) -> Result<T>,
) -> Result<T> {
    use rayon::prelude::*;
    let mut scan = Reader {
        bytes,
        pos: 0,
        points: Points::Scan(vec![]),
    };
    let first = f(&mut scan);
    let Points::Scan(offsets) = scan.points else {
        unreachable!("the scan reader stays scanning")
    };
    first?;
    let points = offsets
        .par_iter()
        .map(|&o| Ok((o, decode_point(&bytes[o..o + 32])?)))
        .collect::<Result<Vec<_>>>()?;
    let mut r = Reader {
        bytes,
        pos: 0,
        points: Points::Ready(points, 0),
    };
    f(&mut r)
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
    /// Writes optional values with their count.
    pub fn options<T: Encode>(&mut self, xs: &[Option<T>]) {
        self.len(xs.len());
        xs.iter().for_each(|x| self.option(x));
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

/// `(q + 1)/4`, little-endian limbs, for BN254's base field `F_q`
/// (`q ≡ 3 mod 4`): `a^((q+1)/4)` is a square root of `a` when `a` has one.
const SQRT_EXP: [u64; 4] = [
    0x4f08_2305_b61f_3f52,
    0x65e0_5aa4_5a1c_72a3,
    0x6e14_116d_a060_5617,
    0x0c19_139c_b84c_680a,
];

/// A square root of `a` (`None` when `a` is not a square): `a^((q+1)/4)`
/// by a 4-bit fixed window (252 squarings and at most 63 multiplications,
/// against 256 of each for `ff`'s constant-time `pow`). Variable time: it
/// runs on proof bytes, which are public.
pub(crate) fn sqrt_vartime(a: &Fq) -> Option<Fq> {
    let mut table = [Fq::ONE; 16];
    for i in 1..16 {
        table[i] = table[i - 1] * a;
    }
    let mut r: Option<Fq> = None;
    for limb in SQRT_EXP.iter().rev() {
        for nibble in (0..16).rev() {
            let d = ((limb >> (4 * nibble)) & 15) as usize;
            r = match (r, d) {
                (None, 0) => None,
                (None, d) => Some(table[d]),
                (Some(x), d) => {
                    let x = x.square().square().square().square();
                    Some(if d == 0 { x } else { x * table[d] })
                }
            };
        }
    }
    let r = r.unwrap_or(Fq::ONE);
    (r.square() == *a).then_some(r)
}

/// One compressed point (32 bytes, `halo2curves`' encoding: `x` little
/// endian, bit 6 of the last byte the parity of `y`, bit 7 the point at
/// infinity, encoded as `x = 0` with only bit 7 set). Only the canonical
/// encoding (what `to_bytes` writes) is accepted, so a point has exactly
/// one encoding: `halo2curves`' decoder also takes the infinity bit beside
/// a nonzero `x` and the parity bit beside infinity. Same points as
/// `G1Affine::from_bytes` on every canonical encoding, about 1.5× faster
/// (the square root: [`sqrt_vartime`]).
fn decode_point(b: &[u8]) -> Result<G1Affine> {
    let off = || bad("a point is not on the curve");
    let mut xb = [0u8; 32];
    xb.copy_from_slice(b);
    let (inf, odd) = (xb[31] >> 7 == 1, (xb[31] >> 6) & 1 == 1);
    xb[31] &= 0b0011_1111;
    let x = Option::<Fq>::from(Fq::from_repr(xb)).ok_or_else(off)?;
    if inf {
        return match (bool::from(x.is_zero()), odd) {
            (true, false) => Ok(G1Affine::identity()),
            _ => Err(bad("a point's encoding is not canonical")),
        };
    }
    let y = sqrt_vartime(&(x.square() * x + Fq::from(3))).ok_or_else(off)?;
    let y = if (y.to_repr()[0] & 1 == 1) == odd {
        y
    } else {
        -y
    };
    Ok(G1Affine { x, y })
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            points: Points::Decode,
        }
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
    /// Reads a little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        let b = self.take(8, "a u64")?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }
    /// Reads `n` raw bytes (`what` names them in the error).
    pub fn bytes(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        self.take(n, what)
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
        let at = self.pos;
        let b = self.take(32, "a point")?;
        match &mut self.points {
            Points::Decode => decode_point(b),
            Points::Scan(offsets) => {
                offsets.push(at);
                Ok(G1Affine::identity())
            }
            // A point read elsewhere than the scan saw one (a decoder whose
            // path depends on a point's value; none does) is decoded here.
            Points::Ready(points, k) => match points.get(*k) {
                Some(&(o, p)) if o == at => {
                    *k += 1;
                    Ok(p)
                }
                _ => decode_point(b),
            },
        }
    }
    /// Reads points with their count. Decompression (a square root per
    /// point) runs on rayon's threads for long lists.
    pub fn points(&mut self) -> Result<Vec<G1Affine>> {
        let n = self.len(32)?;
        if !matches!(self.points, Points::Decode) {
            return (0..n).map(|_| self.point()).collect();
        }
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
    /// Reads optional values with their count (the bytes
    /// [`Writer::options`] writes).
    pub fn options<T: Encode>(&mut self) -> Result<Vec<Option<T>>> {
        let n = self.len(1)?;
        (0..n).map(|_| self.option()).collect()
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

impl Encode for Fr {
    fn encode(&self, w: &mut Writer) {
        w.fr(self);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.fr()
    }
}

impl Encode for G1Affine {
    fn encode(&self, w: &mut Writer) {
        w.point(self);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.point()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{Curve, Group, G1};
    use rand_chacha03::rand_core::SeedableRng;
    use rand_chacha03::ChaCha20Rng;

    #[test]
    fn windowed_square_root_agrees_with_the_field_and_rejects_non_squares() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let (mut squares, mut others) = (0, 0);
        for _ in 0..200 {
            let a = Fq::random(&mut rng);
            let want: Option<Fq> = a.sqrt().into();
            match (sqrt_vartime(&a), want) {
                (Some(r), Some(_)) => {
                    assert_eq!(r.square(), a);
                    squares += 1;
                }
                (None, None) => others += 1,
                (got, want) => panic!("{a:?}: {got:?} vs {want:?}"),
            }
        }
        assert!(squares > 50 && others > 50);
        assert_eq!(sqrt_vartime(&Fq::ZERO), Some(Fq::ZERO));
        assert_eq!(sqrt_vartime(&Fq::ONE).map(|r| r.square()), Some(Fq::ONE));
    }

    /// Points decompressed ahead read as decompressed in place: same
    /// values, same refusals (a point off the curve, a truncated list).
    #[test]
    fn points_read_ahead_read_as_in_place() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let mut w = Writer::default();
        let pts: Vec<G1Affine> = (0..100).map(|_| G1::random(&mut rng).to_affine()).collect();
        w.points(&pts[..70]);
        w.fr(&Fr::from(7));
        w.option(&Some(pts[70]));
        w.list(&pts[71..]);
        let read = |r: &mut Reader<'_>| -> Result<_> {
            let a = r.points()?;
            let f = r.fr()?;
            let b: Option<G1Affine> = r.option()?;
            let c: Vec<G1Affine> = r.list()?;
            Ok((a, f, b, c))
        };
        let want = read(&mut Reader::new(&w.0)).unwrap();
        assert_eq!(read_with_points(&w.0, read).unwrap(), want);
        assert_eq!(want.0, pts[..70]);
        // Every bad byte string is refused by both, with the same message.
        let mut off = w.0.clone();
        off[4 + 32 * 5] ^= 1;
        let mut short = w.0.clone();
        short.truncate(w.0.len() - 1);
        for bytes in [off, short] {
            let a = read(&mut Reader::new(&bytes)).unwrap_err().to_string();
            let b = read_with_points(&bytes, read).unwrap_err().to_string();
            assert_eq!(a, b);
        }
    }

    #[test]
    fn points_decode_as_halo2curves_does_and_only_canonically() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let mut pts: Vec<G1Affine> = (0..100).map(|_| G1::random(&mut rng).to_affine()).collect();
        pts.push(G1Affine::identity());
        pts.push(G1Affine::generator());
        for p in &pts {
            let b = p.to_bytes();
            assert_eq!(decode_point(b.as_ref()).unwrap(), *p);
            assert_eq!(Option::from(G1Affine::from_bytes(&b)), Some(*p));
            // The other parity is the negated point.
            let mut flipped = b;
            flipped.as_mut()[31] ^= 0b0100_0000;
            if !bool::from(p.is_identity()) {
                assert_eq!(decode_point(flipped.as_ref()).unwrap(), -*p);
                // The infinity bit beside a nonzero x: halo2curves decodes
                // it as the same point, this decoder refuses it.
                let mut inf = b;
                inf.as_mut()[31] |= 0b1000_0000;
                assert_eq!(Option::from(G1Affine::from_bytes(&inf)), Some(*p));
                assert!(decode_point(inf.as_ref()).is_err());
            } else {
                // Infinity with the parity bit set: refused.
                assert!(decode_point(flipped.as_ref()).is_err());
            }
        }
        // An x with no point (x³ + 3 not a square), and a non-canonical x.
        let mut off_curve = 0;
        for k in 1..40u64 {
            let x = Fq::from(k);
            let on = Option::<Fq>::from((x.square() * x + Fq::from(3)).sqrt()).is_some();
            let mut b = [0u8; 32];
            b.copy_from_slice(x.to_repr().as_ref());
            assert_eq!(decode_point(&b).is_ok(), on, "x = {k}");
            off_curve += usize::from(!on);
        }
        assert!(off_curve > 5);
        let mut q = [0xffu8; 32];
        q[31] = 0x3f;
        assert!(decode_point(&q).is_err());
    }
}
