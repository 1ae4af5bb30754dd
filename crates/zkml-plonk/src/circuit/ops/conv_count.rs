//! How many multiply-accumulate terms each output of a convolution has (its
//! taps inside the input with a non-zero weight), without listing the taps:
//! what a planning pass needs of a convolution on MAC rows.
//!
//! The taps of output `(oc, i, j)` are the kernel positions `(u, v)` with
//! `y = i·s₀ + u·d₀ − p₀ ∈ [0, H)` and `x = j·s₁ + v·d₁ − p₁ ∈ [0, W)` (both
//! contiguous ranges of `u` and `v`), over the group's input channels. With
//! `nz[oc][u][v]` the channels whose weight is non-zero there, the count is
//! a rectangle sum of `nz[oc]`, one lookup in its 2-D prefix sums.

use zkml_core::ops::Conv;

/// Kernel positions `lo..hi` along one axis.
type Span = (usize, usize);

/// The kernel positions `lo..hi` in bounds for each output coordinate
/// (`out` of them) along one axis.
fn ranges(
    out: usize,
    k: usize,
    stride: usize,
    dilation: usize,
    pad: usize,
    len: usize,
) -> Vec<Span> {
    (0..out)
        .map(|i| {
            let ok = |u: usize| {
                let y = (i * stride + u * dilation) as isize - pad as isize;
                y >= 0 && y < len as isize
            };
            let lo = (0..k).find(|&u| ok(u)).unwrap_or(k);
            let hi = (lo..k).take_while(|&u| ok(u)).last().map_or(lo, |u| u + 1);
            (lo, hi)
        })
        .collect()
}

/// The number of terms of every output of `conv` on an input of shape
/// `x_shape` with weights `w` (shape `w_shape`, row-major), in the order of
/// [`Conv::for_each_output`] (batch, output channel, row, column): the taps
/// it lists with a non-zero weight.
pub(crate) fn term_counts(
    conv: &Conv,
    x_shape: &[usize],
    w_shape: &[usize],
    w: &[i64],
) -> Vec<usize> {
    let shape = conv
        .output_shape(x_shape, w_shape, None)
        .expect("shapes checked when the node was added");
    let (n, h, wd) = (x_shape[0], x_shape[2], x_shape[3]);
    let (m, cg, kh, kw) = (w_shape[0], w_shape[1], w_shape[2], w_shape[3]);
    let (oh, ow) = (shape[2], shape[3]);
    let rows = ranges(oh, kh, conv.strides[0], conv.dilations[0], conv.pads[0], h);
    let cols = ranges(ow, kw, conv.strides[1], conv.dilations[1], conv.pads[1], wd);
    let mut out = Vec::with_capacity(n * m * oh * ow);
    // Prefix sums: pre[(u)·(kw+1) + v] = Σ_{u' < u, v' < v} nz[u'][v'].
    let mut pre = vec![0usize; (kh + 1) * (kw + 1)];
    let per_batch: Vec<Vec<usize>> = (0..m)
        .map(|oc| {
            for u in 0..kh {
                for v in 0..kw {
                    let nz = (0..cg)
                        .filter(|&c| w[((oc * cg + c) * kh + u) * kw + v] != 0)
                        .count();
                    pre[(u + 1) * (kw + 1) + v + 1] =
                        nz + pre[u * (kw + 1) + v + 1] + pre[(u + 1) * (kw + 1) + v]
                            - pre[u * (kw + 1) + v];
                }
            }
            let rect = |(u0, u1): Span, (v0, v1): Span| {
                pre[u1 * (kw + 1) + v1] + pre[u0 * (kw + 1) + v0]
                    - pre[u0 * (kw + 1) + v1]
                    - pre[u1 * (kw + 1) + v0]
            };
            let mut counts = Vec::with_capacity(oh * ow);
            for &r in &rows {
                for &c in &cols {
                    counts.push(rect(r, c));
                }
            }
            counts
        })
        .collect();
    for _ in 0..n {
        for counts in &per_batch {
            out.extend_from_slice(counts);
        }
    }
    out
}

/// The kernel positions of every output pixel of `conv` for one output
/// channel (`w_shape[0] = 1`): the distinct lists of weight indices `k`
/// (flat in `[C, kH, kW]`, in [`Conv::for_each_output`]'s tap order), and for
/// each pixel (batch, row, column) the list it has.
pub(crate) fn conv_tap_patterns(
    conv: &Conv,
    x_shape: &[usize],
    w_shape: &[usize],
) -> (Vec<Vec<usize>>, Vec<usize>) {
    let shape = conv
        .output_shape(x_shape, w_shape, None)
        .expect("shapes checked when the node was added");
    let (n, h, wd) = (x_shape[0], x_shape[2], x_shape[3]);
    let (cg, kh, kw) = (w_shape[1], w_shape[2], w_shape[3]);
    let (oh, ow) = (shape[2], shape[3]);
    let rows = ranges(oh, kh, conv.strides[0], conv.dilations[0], conv.pads[0], h);
    let cols = ranges(ow, kw, conv.strides[1], conv.dilations[1], conv.pads[1], wd);
    let mut lists: Vec<Vec<usize>> = vec![];
    let mut index: std::collections::HashMap<(Span, Span), usize> = Default::default();
    let mut of = Vec::with_capacity(n * oh * ow);
    for _ in 0..n {
        for &r in &rows {
            for &c in &cols {
                let id = *index.entry((r, c)).or_insert_with(|| {
                    let mut ks = vec![];
                    for ch in 0..cg {
                        for u in r.0..r.1 {
                            for v in c.0..c.1 {
                                ks.push((ch * kh + u) * kw + v);
                            }
                        }
                    }
                    lists.push(ks);
                    lists.len() - 1
                });
                of.push(id);
            }
        }
    }
    (lists, of)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts equal the taps `for_each_output` lists with a non-zero
    /// weight, over strides, pads, dilations, groups and zero weights.
    #[test]
    fn counts_match_the_listed_taps() {
        let cases: &[(Conv, [usize; 4], [usize; 4])] = &[
            (
                conv([3, 3], [1, 1], [1, 1, 1, 1], [1, 1], 1),
                [1, 2, 5, 6],
                [3, 2, 3, 3],
            ),
            (
                conv([3, 3], [2, 2], [1, 0, 1, 2], [1, 1], 1),
                [2, 3, 7, 5],
                [4, 3, 3, 3],
            ),
            (
                conv([3, 3], [1, 2], [2, 2, 2, 2], [2, 1], 2),
                [1, 4, 6, 6],
                [4, 2, 3, 3],
            ),
            (
                conv([1, 1], [1, 1], [0, 0, 0, 0], [1, 1], 1),
                [1, 3, 2, 2],
                [5, 3, 1, 1],
            ),
            (
                conv([5, 2], [3, 1], [4, 0, 4, 1], [1, 2], 4),
                [1, 4, 4, 3],
                [8, 1, 5, 2],
            ),
        ];
        for (c, xs, ws) in cases {
            let len: usize = ws.iter().product();
            // Every third weight zero, and one whole kernel position.
            let w: Vec<i64> = (0..len as i64)
                .map(|i| {
                    if i % 3 == 0 || i % ws[3] as i64 == 0 {
                        0
                    } else {
                        i
                    }
                })
                .collect();
            let mut want = vec![];
            c.for_each_output(xs, ws, |_, taps| {
                want.push(taps.iter().filter(|&&(_, wi)| w[wi] != 0).count());
            });
            assert_eq!(term_counts(c, xs, ws, &w), want, "{c:?} {xs:?} {ws:?}");
            // One output channel (ungrouped convs, as the matrix check
            // takes them): the tap lists by pixel.
            if c.group != 1 {
                continue;
            }
            let w0 = [1, ws[1], ws[2], ws[3]];
            let mut lists = vec![];
            c.for_each_output(xs, &w0, |_, taps| {
                lists.push(taps.iter().map(|&(_, k)| k).collect::<Vec<_>>());
            });
            let (pats, of) = conv_tap_patterns(c, xs, &w0);
            let got: Vec<Vec<usize>> = of.iter().map(|&i| pats[i].clone()).collect();
            assert_eq!(got, lists, "{c:?} {xs:?}");
        }
    }

    fn conv(k: [usize; 2], s: [usize; 2], p: [usize; 4], d: [usize; 2], g: usize) -> Conv {
        Conv {
            kernel: k,
            strides: s,
            pads: p,
            dilations: d,
            group: g,
        }
    }
}
