//! The model section of a key file ([`super::key`], version 3): the model's
//! structure as JSON, its constants as packed little-endian integers.
//!
//! ```text
//! u64le  length of the JSON
//! JSON   (model, visibility), every constant tensor emptied (shape [0])
//! u32le  number of constants
//! per constant, in value order:
//!   u32le ndim, ndim × u64le dims, u8 width ∈ {0, 1, 2, 4, 8},
//!   Π dims × width bytes: two's complement little-endian (width 0: all zeros)
//! ```
//!
//! A constant takes the narrowest width its values fit (a stripped hidden
//! constant, all zeros, takes none), so reading MobileNetV2's 3.5 M weights
//! is a copy loop instead of parsing decimal JSON. The section's bytes are
//! what the key digest hashes ([`super::key`]): the verifier hashes them as
//! read and decodes the model it uses from exactly those bytes.

use ndarray::{ArrayD, IxDyn};

use crate::codec::Reader;
use crate::error::{Error, Result};
use zkml_core::backend::Visibility;
use zkml_core::quant::QValueKind;
use zkml_core::QGraph;

/// Widths a constant may be packed at.
const WIDTHS: [u8; 5] = [0, 1, 2, 4, 8];

/// The narrowest width holding every value of `c`.
fn width_of(c: &[i64]) -> u8 {
    let (lo, hi) = c
        .iter()
        .fold((0i64, 0i64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    match (lo, hi) {
        (0, 0) => 0,
        _ if lo >= i8::MIN as i64 && hi <= i8::MAX as i64 => 1,
        _ if lo >= i16::MIN as i64 && hi <= i16::MAX as i64 => 2,
        _ if lo >= i32::MIN as i64 && hi <= i32::MAX as i64 => 4,
        _ => 8,
    }
}

/// The model section of `q` under `vis`; with `zero` every constant it
/// names is written as zeros (a verifying key's hidden constants).
pub(super) fn encode(
    q: &QGraph,
    vis: &Visibility,
    zero: impl Fn(usize) -> bool,
) -> Result<Vec<u8>> {
    let mut skeleton = q.clone();
    let mut consts = vec![];
    for (id, v) in skeleton.values.iter_mut().enumerate() {
        if let QValueKind::Const(c) = &mut v.kind {
            let data = std::mem::replace(c, ArrayD::zeros(IxDyn(&[0])));
            consts.push((id, data));
        }
    }
    let json = serde_json::to_vec(&(&skeleton, vis))
        .map_err(|e| Error::Invalid(format!("encoding the key: {e}")))?;
    let mut out = Vec::with_capacity(json.len() + 64);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&(consts.len() as u32).to_le_bytes());
    for (id, c) in &consts {
        out.extend_from_slice(&(c.ndim() as u32).to_le_bytes());
        for &d in c.shape() {
            out.extend_from_slice(&(d as u64).to_le_bytes());
        }
        let flat: std::borrow::Cow<'_, [i64]> = match c.as_slice() {
            Some(s) => s.into(),
            None => c.iter().copied().collect::<Vec<_>>().into(),
        };
        let w = if zero(*id) { 0 } else { width_of(&flat) };
        out.push(w);
        let w = w as usize;
        if w > 0 {
            out.reserve(flat.len() * w);
            for &x in flat.iter() {
                out.extend_from_slice(&x.to_le_bytes()[..w]);
            }
        }
    }
    Ok(out)
}

/// Parses [`encode`]'s output (the whole slice).
pub(super) fn decode(bytes: &[u8]) -> Result<(QGraph, Visibility)> {
    let bad = |what: &str| Error::Decode(format!("sumcheck key: {what}"));
    let mut r = Reader::new(bytes);
    let n = r.u64()?;
    let json = r.bytes(
        usize::try_from(n).map_err(|_| bad("model length"))?,
        "the model",
    )?;
    let (mut q, vis): (QGraph, Visibility) =
        serde_json::from_slice(json).map_err(|e| Error::Decode(format!("key body: {e}")))?;
    let n_consts = r.len(1)?;
    let mut slots = q.values.iter_mut().filter_map(|v| match &mut v.kind {
        QValueKind::Const(c) => Some(c),
        _ => None,
    });
    for _ in 0..n_consts {
        let slot = slots
            .next()
            .ok_or_else(|| bad("more constants than the model has"))?;
        let ndim = r.len(8)?;
        let dims: Vec<usize> = (0..ndim)
            .map(|_| {
                r.u64()
                    .and_then(|d| usize::try_from(d).map_err(|_| bad("dimension")))
            })
            .collect::<Result<_>>()?;
        let count = dims
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))
            .ok_or_else(|| bad("constant size overflows"))?;
        let w = r.u8()?;
        if !WIDTHS.contains(&w) {
            return Err(bad(&format!("constant width {w}")));
        }
        let w = w as usize;
        let data: Vec<i64> = if w == 0 {
            vec![0; count]
        } else {
            let raw = r.bytes(
                count
                    .checked_mul(w)
                    .ok_or_else(|| bad("constant size overflows"))?,
                "a constant",
            )?;
            // One loop per width (a fixed-size read the compiler unrolls).
            fn read<const W: usize>(raw: &[u8], f: fn([u8; W]) -> i64) -> Vec<i64> {
                raw.chunks_exact(W)
                    .map(|b| f(b.try_into().expect("W bytes")))
                    .collect()
            }
            match w {
                1 => read::<1>(raw, |b| i8::from_le_bytes(b) as i64),
                2 => read::<2>(raw, |b| i16::from_le_bytes(b) as i64),
                4 => read::<4>(raw, |b| i32::from_le_bytes(b) as i64),
                _ => read::<8>(raw, i64::from_le_bytes),
            }
        };
        *slot = ArrayD::from_shape_vec(IxDyn(&dims), data).map_err(|e| bad(&e.to_string()))?;
    }
    if slots.next().is_some() {
        return Err(bad("fewer constants than the model has"));
    }
    if r.remaining() != 0 {
        return Err(bad("trailing bytes in the model section"));
    }
    Ok((q, vis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::key::{Key, KEY_MAGIC};
    use crate::model::tests::mlp;
    use crate::model::SumcheckBackend;
    use crate::test_utils::opts;
    use zkml_core::backend::{Backend, Vis};

    /// Constants of every width (and a zeroed one) come back exactly; a
    /// damaged section is refused, never misread.
    #[test]
    fn model_sections_round_trip_and_refuse_damage() {
        let (mut q, _) = mlp(&[12, 8, 4], 3);
        let vis = opts(Vis::Public).visibility;
        let ids: Vec<usize> = (0..q.values.len())
            .filter(|&id| matches!(q.values[id].kind, QValueKind::Const(_)))
            .collect();
        assert!(ids.len() >= 4, "{}", ids.len());
        for (k, &id) in ids.iter().enumerate() {
            if let QValueKind::Const(c) = &mut q.values[id].kind {
                let big = [0i64, 100, 30_000, 2_000_000_000, 1 << 40][k % 5];
                for (j, x) in c.iter_mut().enumerate() {
                    *x = if j % 2 == 0 {
                        big
                    } else {
                        -big - 1 + (big == 0) as i64
                    };
                }
            }
        }
        let bytes = encode(&q, &vis, |_| false).unwrap();
        let (back, vis2) = decode(&bytes).unwrap();
        assert_eq!(back, q);
        assert_eq!(vis2, vis);
        // Zeroed on request, at width 0.
        let zeroed = encode(&q, &vis, |id| id == ids[1]).unwrap();
        assert!(zeroed.len() < bytes.len());
        let (z, _) = decode(&zeroed).unwrap();
        match &z.values[ids[1]].kind {
            QValueKind::Const(c) => assert!(c.iter().all(|&x| x == 0)),
            _ => unreachable!(),
        }
        // Truncated, extended or with a bad width: refused.
        for cut in [1, 7, bytes.len() / 2] {
            assert!(decode(&bytes[..bytes.len() - cut]).is_err());
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
    }

    /// A version-2 key (the model as JSON) is refused by name, and a
    /// verifying key that holds a hidden constant's values is refused.
    #[test]
    fn old_keys_and_vks_with_hidden_values_are_refused() {
        let (q, _) = mlp(&[12, 8, 4], 3);
        let (_, vk) = SumcheckBackend.setup(&q, &opts(Vis::Public)).unwrap();
        let mut old = vk.to_bytes().unwrap();
        old[KEY_MAGIC.len()..KEY_MAGIC.len() + 4].copy_from_slice(&2u32.to_le_bytes());
        let err = Key::from_bytes(&old).unwrap_err().to_string();
        assert!(
            err.contains("version 2") && err.contains("zkml setup"),
            "{err}"
        );
        // A private-weights vk whose model section carries the weights.
        let mut vis = opts(Vis::Public).visibility;
        vis.weights = Vis::Private;
        let (_, vk) = crate::model::key::make_keys(&q, &vis).unwrap();
        let good = vk.to_bytes().unwrap();
        Key::from_bytes(&good).unwrap();
        let section = encode(&q, &vis, |_| false).unwrap();
        let m = KEY_MAGIC.len() + 5;
        let old_len = u64::from_le_bytes(good[m..m + 8].try_into().unwrap()) as usize;
        let mut bad = good[..m].to_vec();
        bad.extend_from_slice(&(section.len() as u64).to_le_bytes());
        bad.extend_from_slice(&section);
        bad.extend_from_slice(&good[m + 8 + old_len..]);
        let err = Key::from_bytes(&bad).unwrap_err().to_string();
        assert!(err.contains("hidden constant"), "{err}");
    }

    #[test]
    fn widths_are_the_narrowest() {
        assert_eq!(width_of(&[]), 0);
        assert_eq!(width_of(&[0, 0]), 0);
        assert_eq!(width_of(&[-128, 127]), 1);
        assert_eq!(width_of(&[-129]), 2);
        assert_eq!(width_of(&[32_768]), 4);
        assert_eq!(width_of(&[i64::MIN, 3]), 8);
    }
}
