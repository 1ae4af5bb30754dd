//! `T` and `T̃` by the factored formulas against brute force on odd
//! layouts, the weight layout, and the sumcheck (both ends, clear and
//! committed) on honest and tampered messages.

use super::*;
use crate::conv::{dual, table_index};
use crate::error::Error;
use crate::test_utils::odd_conv_layouts;
use crate::transcript::Transcript;
use rand_chacha03::rand_core::SeedableRng;
use rand_chacha03::ChaCha20Rng;

fn rand_point(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
    (0..n).map(|_| Fr::random(&mut *rng)).collect()
}

struct Case {
    g: ConvGeom,
    w: Vec<i64>,
    rho: Vec<Fr>,
    r: Vec<Fr>,
}

fn case(t: usize, rng: &mut ChaCha20Rng) -> Case {
    let (conv, xs, ws) = odd_conv_layouts()[t].clone();
    let os = conv.output_shape(&xs, &ws, None).unwrap();
    let g = ConvGeom::new(&conv, &xs, &ws, &os).unwrap();
    let w: Vec<i64> = (0..ws.iter().product::<usize>() as i64)
        .map(|i| (i * 13 % 11) - 5)
        .collect();
    let rho = rand_point(rng, crate::model::num_vars(&os));
    let r = rand_point(rng, crate::model::num_vars(&xs));
    Case { g, w, rho, r }
}

/// Per-dimension table index of row-major weight entry `f`.
fn weight_index(g: &ConvGeom, f: usize) -> usize {
    let [_, c, u, v] = g.w;
    let [_, nc, nu, nv] = g.weight_dim_vars();
    let (vv, r) = (f % v, f / v);
    let (uu, r) = (r % u, r / u);
    let (cc, mm) = (r % c, r / c);
    (((((mm << nc) | cc) << nu) | uu) << nv) | vv
}

/// `T` by its definition: one product per tap of every output.
fn t_brute(g: &ConvGeom, rho: &[Fr], r: &[Fr]) -> Vec<Fr> {
    let (eo, ei) = (eq_table(rho), eq_table(r));
    let mut t = vec![Fr::ZERO; 1 << g.weight_vars()];
    let mut k = 0usize;
    g.conv.for_each_output(&g.x, &g.w, |_, taps| {
        let e = eo[table_index(&g.out, k)];
        k += 1;
        for &(xi, wi) in taps {
            t[weight_index(g, wi)] += e * ei[table_index(&g.x, xi)];
        }
    });
    t
}

#[test]
fn t_table_and_t_eval_are_the_brute_force_t() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for t in 0..odd_conv_layouts().len() {
        let c = case(t, &mut rng);
        let brute = t_brute(&c.g, &c.rho, &c.r);
        assert_eq!(c.g.t_table(&c.rho, &c.r).unwrap(), brute, "case {t}");
        let kappa = rand_point(&mut rng, c.g.weight_vars());
        let want = Mle::new(brute).unwrap().evaluate(&kappa).unwrap();
        assert_eq!(c.g.t_eval(&c.rho, &c.r, &kappa).unwrap(), want, "case {t}");
    }
}

#[test]
fn the_weight_sum_is_the_dual_at_r_and_the_offset_is_duals() {
    // Σ_k w(k)·T(k) = G̃_ρ(r) with G_ρ from crate::conv::dual, and
    // w̃(κ) without the table is the table's.
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    for t in 0..odd_conv_layouts().len() {
        let c = case(t, &mut rng);
        let bias: Vec<i64> = (0..c.g.w[0] as i64).map(|i| 3 * i - 4).collect();
        let nv_x = crate::model::num_vars(&c.g.x);
        let (gd, off) = dual(
            &c.g.conv,
            &c.g.x,
            nv_x,
            &c.w,
            &c.g.w,
            Some(&bias),
            8,
            &c.g.out,
            &c.rho,
        );
        let g_r = Mle::new(gd).unwrap().evaluate(&c.r).unwrap();
        let wt = c.g.weight_table(&c.w).unwrap();
        let tt = c.g.t_table(&c.rho, &c.r).unwrap();
        let sum: Fr = wt.evals.iter().zip(&tt).map(|(a, b)| *a * b).sum();
        assert_eq!(sum, g_r, "case {t}");
        assert_eq!(c.g.offset(Some(&bias), 8, &c.rho).unwrap(), off, "case {t}");
        let kappa = rand_point(&mut rng, c.g.weight_vars());
        assert_eq!(
            c.g.weight_eval(&c.w, &kappa).unwrap(),
            wt.evaluate(&kappa).unwrap(),
            "case {t}"
        );
    }
}

#[test]
fn t_ignores_the_weight_padding() {
    // Padding entries of the weight table are outside every tap: T is zero there.
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    for t in 0..odd_conv_layouts().len() {
        let c = case(t, &mut rng);
        let tt = c.g.t_table(&c.rho, &c.r).unwrap();
        let real: std::collections::HashSet<usize> =
            (0..c.w.len()).map(|f| weight_index(&c.g, f)).collect();
        for (k, v) in tt.iter().enumerate() {
            assert!(
                real.contains(&k) || bool::from(v.is_zero()),
                "case {t}, entry {k}"
            );
        }
    }
}

fn honest_claim(c: &Case) -> Fr {
    let wt = c.g.weight_table(&c.w).unwrap();
    let tt = c.g.t_table(&c.rho, &c.r).unwrap();
    wt.evals.iter().zip(&tt).map(|(a, b)| *a * b).sum()
}

#[test]
fn the_clear_sumcheck_accepts_the_honest_claim_and_rejects_tampering() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    for t in [0, 2, 5] {
        let c = case(t, &mut rng);
        let claim = honest_claim(&c);
        let pts = (&c.rho[..], &c.r[..]);
        let mut tp = Transcript::new(b"test");
        let (proof, kappa) = prove(&c.g, &c.w, pts, &claim, &mut tp).unwrap();
        let check = |claim: &Fr, w: Option<&[i64]>, p: &ConvWeightsProof| {
            verify(&c.g, pts, claim, w, p, &mut Transcript::new(b"test"))
        };
        let wc = check(&claim, Some(&c.w), &proof).unwrap();
        assert_eq!(wc.point, kappa);
        // Hidden weights: the claim is left to the caller, and is true.
        let wc = check(&claim, None, &proof).unwrap();
        assert_eq!(c.g.weight_eval(&c.w, &wc.point).unwrap(), wc.value);
        // A wrong G̃_ρ(r) with the honest rounds.
        let err = check(&(claim + Fr::ONE), Some(&c.w), &proof).unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "{err}");
        // A wrong G̃_ρ(r) proved by the honest prover's machinery.
        let mut tp = Transcript::new(b"test");
        let (bad, _) = prove(&c.g, &c.w, pts, &(claim + Fr::ONE), &mut tp).unwrap();
        assert!(check(&(claim + Fr::ONE), Some(&c.w), &bad).is_err());
        // A tampered round, kept consistent (g(0) + g(1) unchanged).
        let mut p = proof.clone();
        p.sumcheck.rounds[1].evals[0] += Fr::ONE;
        p.sumcheck.rounds[1].evals[1] -= Fr::ONE;
        assert!(check(&claim, Some(&c.w), &p).is_err());
        // A wrong weight claim: rejected against the known weights; with
        // hidden weights the final check fails.
        let mut p = proof.clone();
        p.w_eval += Fr::ONE;
        assert!(check(&claim, Some(&c.w), &p).is_err());
        assert!(check(&claim, None, &p).is_err());
        // Other weights with the honest transcript otherwise: the sum holds
        // for them, the known weights refuse their evaluation.
        let w2: Vec<i64> = c.w.iter().map(|v| v + 1).collect();
        let c2 = Case {
            g: c.g.clone(),
            w: w2,
            rho: c.rho.clone(),
            r: c.r.clone(),
        };
        let claim2 = honest_claim(&c2);
        let mut tp = Transcript::new(b"test");
        let (p2, _) = prove(&c2.g, &c2.w, pts, &claim2, &mut tp).unwrap();
        check(&claim2, Some(&c2.w), &p2).unwrap();
        let err = check(&claim2, Some(&c.w), &p2).unwrap_err();
        assert!(matches!(err, Error::Rejected { .. }), "{err}");
    }
}

#[test]
fn the_committed_sumcheck_accepts_the_honest_claim_and_rejects_tampering() {
    use crate::field::Curve;
    use crate::zk::{Checks, Lc, Opening};
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let gens = crate::hyrax::Generators::new(b"test", 4);
    let c = case(5, &mut rng);
    let pts = (&c.rho[..], &c.r[..]);
    let claim = Opening::random(honest_claim(&c), &mut rng);
    let com = claim.commit(&gens).to_affine();
    let run = |com: crate::field::G1Affine, w: Option<&[i64]>, p: &crate::zk::ZkSumcheckProof| {
        let mut t = Transcript::new(b"test");
        t.absorb_points(b"claim", &[com]);
        let mut checks = Checks::new();
        verify_zk(&c.g, pts, &Lc::from(com), w, p, &mut t, &mut checks)?;
        checks.finish(&gens)
    };
    for w_public in [true, false] {
        let mut t = Transcript::new(b"test");
        t.absorb_points(b"claim", &[com]);
        let o = prove_zk(&gens, &c.g, &c.w, w_public, pts, &claim, &mut t, &mut rng).unwrap();
        let w = w_public.then_some(&c.w[..]);
        run(com, w, &o.proof).unwrap();
        if !w_public {
            // The committed factor is w̃(κ) in the per-dimension layout.
            let f = o.factor_openings[0].unwrap();
            assert_eq!(f.value, c.g.weight_eval(&c.w, &o.point).unwrap());
        }
        // A wrong G̃_ρ(r): the commitment moved by U.
        let bad = (com + gens.u).to_affine();
        assert!(run(bad, w, &o.proof).is_err());
        // A tampered round.
        let mut p = o.proof.clone();
        p.rounds[0].evals[0] = (p.rounds[0].evals[0] + gens.u).to_affine();
        assert!(run(com, w, &p).is_err());
    }
    // Other weights, honest otherwise: their sum is proved, the known
    // weights reject it.
    let w2: Vec<i64> = c.w.iter().map(|v| v + 1).collect();
    let c2 = Case {
        g: c.g.clone(),
        w: w2,
        rho: c.rho.clone(),
        r: c.r.clone(),
    };
    let claim2 = Opening::random(honest_claim(&c2), &mut rng);
    let com2 = claim2.commit(&gens).to_affine();
    let mut t = Transcript::new(b"test");
    t.absorb_points(b"claim", &[com2]);
    let o = prove_zk(&gens, &c.g, &c2.w, true, pts, &claim2, &mut t, &mut rng).unwrap();
    run(com2, Some(&c2.w), &o.proof).unwrap();
    assert!(run(com2, Some(&c.w), &o.proof).is_err());
}
