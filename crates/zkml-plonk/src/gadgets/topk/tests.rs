//! MockProver tests of the TopK gadget: honest lanes match the executor's
//! TopK (ties, negatives, the activation range's ends, every `k`, largest and
//! smallest), every advice cell matters, the layout reads no unassigned cell,
//! and forged rankings fail whatever count bits the forger picks.

use halo2_axiom::halo2curves::bn256::Fr;
use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::TopK;

use super::*;
use crate::gadgets::{
    fe,
    test_utils::{check_all_tampering, GadgetCircuit},
};

/// TopK of `lanes` (private inputs); values then indices of each lane made
/// public. With `forged`, these per-lane witnesses instead of the honest ones.
fn circuit(
    lanes: Vec<Vec<i128>>,
    k: usize,
    largest: bool,
    forged: Option<Vec<LaneWitness>>,
) -> GadgetCircuit {
    GadgetCircuit::new(move |b| {
        let cells: Vec<Vec<Wire>> = lanes
            .iter()
            .map(|l| l.iter().map(|&v| b.input(Some(v), false)).collect())
            .collect();
        let outs = match &forged {
            None => b.top_k(&cells, k, largest),
            Some(f) => {
                let w: Vec<Option<LaneWitness>> = f.iter().cloned().map(Some).collect();
                lay_out_top_k(b, &cells, k, largest, &w)
            }
        };
        for (v, i) in &outs {
            for c in v.iter().chain(i) {
                b.make_public(c);
            }
        }
    })
    .with_dyn_lookup()
}

/// The executor's TopK of one lane: values then indices.
fn executor(lane: &[i128], k: usize, largest: bool) -> Vec<Fr> {
    let x = ArrayD::from_shape_vec(
        IxDyn(&[lane.len()]),
        lane.iter().map(|&v| v as i64).collect(),
    )
    .unwrap();
    let mut out = vec![];
    for indices in [false, true] {
        let t = TopK {
            axis: 0,
            k,
            largest,
            indices,
        };
        out.extend(t.eval(&x, |i| i as i64).iter().map(|&v| fe(v as i128)));
    }
    out
}

const LANES: [&[i128]; 5] = [
    &[5, -3, 9, 9, 2],
    &[7, 7, 7, 7],
    &[-32768, 32767, -32768, 0, 32767],
    &[-1, -5, -1, -9, -5, 0],
    &[4, 1],
];

#[test]
fn honest_lanes_match_the_executor_for_every_k() {
    for lane in LANES {
        for k in 1..=lane.len() {
            for largest in [true, false] {
                let c = circuit(vec![lane.to_vec()], k, largest, None);
                c.assert_ok();
                assert_eq!(
                    c.publics(),
                    executor(lane, k, largest),
                    "{lane:?} k {k} largest {largest}"
                );
            }
        }
    }
    // Ties to the lower index, in both directions.
    let c = circuit(vec![vec![5, -3, 9, 9, 2]], 3, true, None);
    assert_eq!(c.publics(), [9, 9, 5, 2, 3, 0].map(fe).to_vec());
    let c = circuit(vec![vec![-1, -5, -1, -9, -5, 0]], 3, false, None);
    assert_eq!(c.publics(), [-9, -5, -5, 3, 1, 4].map(fe).to_vec());
}

#[test]
fn several_lanes_in_one_call() {
    let lanes: Vec<Vec<i128>> = vec![vec![3, 8, 1], vec![8, 3, 8], vec![0, 0, -1]];
    let c = circuit(lanes.clone(), 2, true, None);
    c.assert_ok();
    let want: Vec<Fr> = lanes.iter().flat_map(|l| executor(l, 2, true)).collect();
    assert_eq!(c.publics(), want);
}

#[test]
fn every_cell_matters() {
    // k < n with ties (count rows), k = n (no count), smallest, k = 1.
    for (lane, k, largest) in [
        (vec![5i128, -3, 9, 9, 2], 2, true),
        (vec![-1, 4, -1], 3, false),
        (vec![6, 6, -2], 1, false),
    ] {
        let c = circuit(vec![lane], k, largest, None);
        c.assert_ok();
        check_all_tampering(&c);
    }
}

/// A forger's witness for `lane`: these picks, the count bits `beta`.
fn forged(lane: &[i128], picks: &[usize], beta: Vec<i128>) -> LaneWitness {
    LaneWitness {
        picks: picks.iter().map(|&i| (i as i128, lane[i])).collect(),
        beta,
    }
}

/// Every count-bit vector of length `n`.
fn all_bits(n: usize) -> impl Iterator<Item = Vec<i128>> {
    (0..1u32 << n).map(move |m| (0..n).map(|i| i128::from(m >> i & 1 == 1)).collect())
}

/// Self-consistent wrong rankings (each pick's value is the lane's element at
/// its index) are rejected with the count bits they imply and with every
/// other choice of count bits.
#[test]
fn forged_rankings_fail_whatever_the_count_bits() {
    let lane = [5i128, -3, 9, 9, 2];
    // Honest top 3: indices 2, 3, 0 (values 9, 9, 5).
    let cases: [(&str, &[usize]); 6] = [
        ("wrong order", &[0, 2, 3]),
        ("tie broken the wrong way inside the output", &[3, 2, 0]),
        ("duplicated index", &[2, 2, 0]),
        ("the 4th element swapped in for the 3rd", &[2, 3, 4]),
        ("a skipped element", &[2, 0, 4]),
        ("the last pick below the true 3rd", &[2, 3, 1]),
    ];
    for (what, picks) in cases {
        for beta in all_bits(lane.len()) {
            let c = circuit(
                vec![lane.to_vec()],
                3,
                true,
                Some(vec![forged(&lane, picks, beta.clone())]),
            );
            assert!(
                c.mock().verify().is_err(),
                "{what} accepted with β {beta:?}"
            );
        }
    }
    // A tie at the boundary broken the wrong way: top 2 of [5, 9, 3, 9, 9]
    // is (1, 3); (1, 4) leaves index 3 above the last pick.
    let lane = [5i128, 9, 3, 9, 9];
    for beta in all_bits(lane.len()) {
        let c = circuit(
            vec![lane.to_vec()],
            2,
            true,
            Some(vec![forged(&lane, &[1, 4], beta.clone())]),
        );
        assert!(
            c.mock().verify().is_err(),
            "boundary tie accepted with β {beta:?}"
        );
    }
    // Smallest: the largest's answer, or ascending but a tie the wrong way.
    let lane = [-1i128, -5, -1, -9, -5, 0];
    for picks in [&[5usize, 0, 2][..], &[3, 4, 1]] {
        for beta in all_bits(lane.len()) {
            let c = circuit(
                vec![lane.to_vec()],
                3,
                false,
                Some(vec![forged(&lane, picks, beta.clone())]),
            );
            assert!(
                c.mock().verify().is_err(),
                "smallest {picks:?} accepted with β {beta:?}"
            );
        }
    }
    // k = n: a permutation in the wrong order, or a repeated index.
    let lane = [4i128, -1, 4];
    for picks in [&[2usize, 0, 1][..], &[0, 0, 1], &[0, 2, 2]] {
        let w = forged(&lane, picks, vec![0; 3]);
        let c = circuit(vec![lane.to_vec()], 3, true, Some(vec![w]));
        assert!(c.mock().verify().is_err(), "k = n {picks:?} accepted");
    }
}

/// The honest picks with any other count bits fail; the honest ones pass
/// through the same path.
#[test]
fn only_the_true_count_bits_pass() {
    let lane = [5i128, -3, 9, 9, 2];
    let honest = honest_witness(&lane, 3, true);
    for beta in all_bits(lane.len()) {
        let w = LaneWitness {
            beta: beta.clone(),
            ..honest.clone()
        };
        let ok = circuit(vec![lane.to_vec()], 3, true, Some(vec![w]))
            .mock()
            .verify()
            .is_ok();
        assert_eq!(ok, beta == honest.beta, "β {beta:?}");
    }
}

/// Picks that are not the lane's elements have no lookup entry: a value
/// not at its index, an index past the lane (or −1, a gather's wrapped
/// index), another lane's element at the same index.
#[test]
fn picks_outside_the_lane_fail() {
    let lanes = vec![vec![5i128, -3, 9, 9, 2], vec![1, 20, 3, 4, 0]];
    let honest: Vec<LaneWitness> = lanes.iter().map(|l| honest_witness(l, 2, true)).collect();
    circuit(lanes.clone(), 2, true, Some(honest.clone())).assert_ok();
    let bad_picks: [&[(i128, i128)]; 4] = [
        &[(2, 9), (3, 8)],
        &[(2, 9), (5, 9)],
        &[(2, 9), (-1, 2)],
        &[(1, 20), (2, 9)],
    ];
    for picks in bad_picks {
        let mut w = honest.clone();
        w[0] = LaneWitness {
            picks: picks.to_vec(),
            beta: count_bits(&lanes[0], picks, true),
        };
        let c = circuit(lanes.clone(), 2, true, Some(w));
        assert!(c.mock().verify().is_err(), "{picks:?} accepted");
    }
    // Lane 1 answered with lane 0's top element at its own index.
    let mut w = honest;
    w[1].picks[0] = (2, 9);
    w[1].beta = count_bits(&lanes[1], &w[1].picks, true);
    assert!(circuit(lanes, 2, true, Some(w)).mock().verify().is_err());
}

#[test]
fn form_bits_cover_the_widest_form() {
    // n = 5, 16-bit activations: |F| ≤ 5·(2^16 − 1) + 5 = 327 680 < 2^19.
    assert_eq!(form_bits(5, 16), 19);
    assert_eq!(form_bits(1, 8), 9);
}
