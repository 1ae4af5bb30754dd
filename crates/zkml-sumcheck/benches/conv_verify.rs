//! The conv verifier's own work per layer of MobileNetV2-224 (width 1.0,
//! batch 1, the 52 convolutions of `scripts/gen_mobilenetv2.py`), seeded
//! random weights: before (`conv::dual` builds `G_ρ` and the verifier
//! evaluates `G̃_ρ(r)`) and after (`ConvGeom::offset`, `ConvGeom::t_eval`,
//! `ConvGeom::weight_eval`: the weight sumcheck's final check), and the
//! prover's added tables (`t_table`, `weight_table`). Wall milliseconds
//! (rayon's threads as the run allows).
//!
//! `cargo bench -p zkml-sumcheck --bench conv_verify`

use std::time::Instant;

use zkml_core::ops::conv::Conv;
use zkml_sumcheck::conv::dual;
use zkml_sumcheck::conv::weights::ConvGeom;
use zkml_sumcheck::field::Fr;
use zkml_sumcheck::mle::Mle;
use zkml_sumcheck::model::num_vars;

fn conv(k: usize, s: usize, group: usize) -> Conv {
    Conv {
        kernel: [k, k],
        strides: [s, s],
        pads: [k / 2; 4],
        dilations: [1, 1],
        group,
    }
}

/// MobileNetV2-224's convolutions: `(conv, x shape, w shape)`.
fn layers() -> Vec<(Conv, [usize; 4], [usize; 4])> {
    let mut out = vec![(conv(3, 2, 1), [1, 3, 224, 224], [32, 3, 3, 3])];
    let (mut h, mut cin) = (112, 32);
    for (t, c, n, s) in [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ] {
        for k in 0..n {
            let st = if k == 0 { s } else { 1 };
            let hid = cin * t;
            if t != 1 {
                out.push((conv(1, 1, 1), [1, cin, h, h], [hid, cin, 1, 1]));
            }
            out.push((conv(3, st, hid), [1, hid, h, h], [hid, 1, 3, 3]));
            h = (h + 2 - 3) / st + 1;
            out.push((conv(1, 1, 1), [1, hid, h, h], [c, hid, 1, 1]));
            cin = c;
        }
    }
    out.push((conv(1, 1, 1), [1, 320, 7, 7], [1280, 320, 1, 1]));
    out
}

/// A deterministic point (a simple LCG; the values do not matter for timing).
fn point(n: usize, seed: u64) -> Vec<Fr> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            Fr::from(s >> 1)
        })
        .collect()
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let (mut old, mut new, mut prover) = (0.0, 0.0, 0.0);
    println!("layer x w | before ms (dual + G̃(r)) | after ms (offset + T̃ + w̃) | prover tables ms");
    for (i, (c, xs, ws)) in layers().into_iter().enumerate() {
        let os = c.output_shape(&xs, &ws, None).expect("shapes");
        let g = ConvGeom::new(&c, &xs, &ws, &os).expect("geometry");
        let n: usize = ws.iter().product();
        let w: Vec<i64> = (0..n as i64)
            .map(|k| (k * 37 + i as i64) % 255 - 127)
            .collect();
        let bias: Vec<i64> = (0..ws[0] as i64).map(|k| k * 5 - 300).collect();
        let rho = point(num_vars(&os), 1 + i as u64);
        let r = point(num_vars(&xs), 100 + i as u64);
        let kappa = point(g.weight_vars(), 200 + i as u64);
        let nv_x = num_vars(&xs);
        let t = Instant::now();
        let (gt, off) = dual(&c, &xs, nv_x, &w, &ws, Some(&bias), 64, &os, &rho);
        let g_r = Mle::new(gt).expect("table").evaluate(&r).expect("point");
        let before = ms(t);
        let t = Instant::now();
        let off2 = g.offset(Some(&bias), 64, &rho).expect("offset");
        let te = g.t_eval(&rho, &r, &kappa).expect("t");
        let we = g.weight_eval(&w, &kappa).expect("w");
        let after = ms(t);
        let t = Instant::now();
        let tt = g.t_table(&rho, &r).expect("t table");
        let wt = g.weight_table(&w).expect("w table");
        let tables = ms(t);
        assert_eq!(off, off2);
        std::hint::black_box((g_r, te, we, tt, wt));
        println!("{i:>2} {xs:?} {ws:?} | {before:9.2} | {after:7.3} | {tables:7.2}");
        old += before;
        new += after;
        prover += tables;
    }
    println!("total: before {old:.1} ms, after {new:.1} ms, prover's added tables {prover:.1} ms");
}
