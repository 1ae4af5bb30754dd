//! The zero-knowledge model verifier (see the [module doc](super)): the
//! walk over the nodes here, then the closing phases (the value commitments,
//! the batched lookups and the openings) in [`closing`].

mod closing;

use closing::{value_commitments, verify_lookups, verify_openings};

use std::collections::HashMap;

use super::lookups::LookupPlan;
use super::msg::{ZkModelProof, ZkNodeProof};
use super::packed::{self, Layout, Slot};
use crate::error::{expect_len, reject, Error, Result};
use crate::field::{Field, Fr};
use crate::hyrax::HyraxCommitment;
use crate::int_eval::{IntMatrix, PublicTable};
use crate::matmul::{self, MatMulDims};
use crate::mle::Mle;
use crate::model::verifier::{aligned_broadcast, known_values};
use crate::model::{absorb_statement, block_indicator, is_const, known_in, num_vars};
use crate::model::{const_vars, hidden_const, layout, layout_shape, table_of, Key};
use crate::transcript::Transcript;
use crate::zk::{verify_zero, Checks, Lc};
use zkml_core::backend::{PublicValues, Vis};
use zkml_core::quant::QValueKind;
use zkml_core::QOp;

pub(super) use crate::error::malformed;

/// A claim on a committed table (commitment, variables, point, `Com(value)`)
/// or on a known value (value id, point, `Com(value)`); `Com(value)` as the
/// verifier holds it, a combination of proof points (never formed).
pub(super) enum Pending<'a> {
    Committed(&'a HyraxCommitment, usize, Vec<Fr>, Lc),
    Known(usize, Vec<Fr>, Lc),
}

/// Where the verifier's claims on committed tables go: a hidden constant's
/// own commitment, the packed commitment `F` at `p ‖ b_k`
/// ([`super::packed`]), or the key's fixed weights `W` ([`super::fixed`]).
pub(super) struct Tabs<'a> {
    /// Per value: a hidden constant's commitment (the key's or the proof's).
    pub consts: &'a [Option<HyraxCommitment>],
    /// `F`'s commitment.
    pub packed: Option<&'a HyraxCommitment>,
    /// `F`'s layout (the model's).
    pub layout: &'a Layout,
    /// `W`'s commitment (the key's) and layout.
    pub fixed: (Option<&'a HyraxCommitment>, &'a Layout),
}

impl<'a> Tabs<'a> {
    /// A claim `Com(ṽ(point))` on value `id` (`nv` variables): on its own
    /// commitment, on `F`, or on a known value.
    pub fn value(&self, id: usize, nv: usize, point: Vec<Fr>, com: Lc) -> Result<Pending<'a>> {
        let consts = self.consts;
        if let Some(c) = consts[id].as_ref() {
            return Ok(Pending::Committed(c, nv, point, com));
        }
        if self.layout.block(Slot::Value(id)).is_some() {
            return self.on_packed(Slot::Value(id), &point, com);
        }
        let (w, wl) = self.fixed;
        match (w, wl.num_vars, wl.block(Slot::Value(id))) {
            (Some(w), Some(n), Some(_)) => {
                let p = wl
                    .point(Slot::Value(id), &point)
                    .map_err(|_| malformed("fixed weights claim"))?;
                Ok(Pending::Committed(w, n, p, com))
            }
            _ => Ok(Pending::Known(id, point, com)),
        }
    }

    /// A claim `Com(r̃(point))` on node `i`'s auxiliary table, on `F`.
    pub fn aux(&self, i: usize, point: Vec<Fr>, com: Lc) -> Result<Pending<'a>> {
        self.on_packed(Slot::Aux(i), &point, com)
    }

    fn on_packed(&self, s: Slot, point: &[Fr], com: Lc) -> Result<Pending<'a>> {
        let (f, n) = self
            .packed
            .zip(self.layout.num_vars)
            .ok_or_else(|| malformed("packed commitment"))?;
        let p = self
            .layout
            .point(s, point)
            .map_err(|_| malformed("packed claim"))?;
        Ok(Pending::Committed(f, n, p, com))
    }
}

/// Checks a zero-knowledge `proof` against `public` for the key's model:
/// every group equation is collected and checked at the end in one MSM
/// under random weights ([`crate::zk::deferred`]).
pub fn verify(key: &Key, public: &PublicValues, proof: &ZkModelProof) -> Result<()> {
    // On one of rayon's threads: the walk and the deferred final equations
    // it spawns then share the pool's threads (one per core) instead of the
    // caller's thread competing with them for a core.
    let hooks = crate::branch::Hooks::capture();
    rayon::scope(|_| {
        let _h = hooks.install();
        let mut checks = Checks::new();
        verify_into(key, public, proof, &mut checks)?;
        checks.finish(&key.gens)
    })
}

/// [`verify`] without the final MSM: every transcript and shape check is
/// done, the group equations are left in `checks`.
pub(crate) fn verify_into(
    key: &Key,
    public: &PublicValues,
    proof: &ZkModelProof,
    checks: &mut Checks,
) -> Result<()> {
    let q = &key.q;
    let gens = &key.gens;
    let vis = &key.visibility;
    let input_public = vis.input == Vis::Public;
    let hidden = |id: usize| hidden_const(q, vis, id);
    // The fixed weights in `W` are claims on the key's commitment, not
    // values the verifier evaluates (`super::fixed`).
    let fixed_layout = super::fixed::layout_of(q, vis);
    let in_w = |id: usize| fixed_layout.block(Slot::Value(id)).is_some();
    let known = |id: usize| known_in(q, input_public, id) && !hidden(id) && !in_w(id);
    let _s = crate::profile::span("v/total");
    let mut values = known_values(q, public, input_public)?;
    // A hidden constant is never read (the key holds zeros in its place).
    values.retain(|&id, _| !hidden(id));
    let vcoms = value_commitments(key, public, proof)?;
    let mut t = Transcript::new(b"zkml-sumcheck/zkmodel");
    absorb_statement(&mut t, key, public);

    expect_len("node proofs", proof.nodes.len(), q.nodes.len())?;
    // Every unknown value's table and every auxiliary table are packed in
    // one commitment (`super::packed`); hidden constants keep theirs.
    let packing = Layout::of_key(key)?;
    packed::absorb_commitments(
        &packing,
        (&vcoms, proof.packed.as_ref()),
        hidden,
        key.gens.g.len(),
        &mut t,
    )?;
    let tabs = Tabs {
        consts: &vcoms,
        packed: proof.packed.as_ref(),
        layout: &packing,
        fixed: (key.fixed.as_ref(), &fixed_layout),
    };
    let mut tables: HashMap<usize, Mle> = HashMap::new();
    let mut table = |id: usize| -> Result<Mle> {
        if let Some(m) = tables.get(&id) {
            return Ok(m.clone());
        }
        let v = values.get(&id).ok_or_else(|| malformed("known value"))?;
        let m = table_of(&layout_shape(q, id), v)?;
        tables.insert(id, m.clone());
        Ok(m)
    };
    let mut pending: Vec<Pending> = vec![];
    let mut conv_bias = proof.conv_bias.iter();
    let mut mul_consts = proof.mul_consts.iter();
    let plan = LookupPlan::of(key)?;
    let mut branches = Vec::with_capacity(q.nodes.len() + 1);
    let nv = |id: usize| {
        if hidden(id) || in_w(id) {
            const_vars(q, id)
        } else {
            num_vars(&layout_shape(q, id))
        }
    };
    // Hidden weights: their padding is zero (`super::weights`).
    for (id, point, com) in super::weights::verify_padding(q, vis, &proof.padding, &mut t, checks)?
    {
        pending.push(tabs.value(id, nv(id), point, com)?);
    }
    // Hidden weights wider than one range table: their limbs.
    closing::verify_limbs(key, (proof, &vcoms), &mut pending, &mut t)?;

    // The lookups' branch reads nothing of the nodes' (both fork from the
    // trunk here): it is checked beside the node walk, with its own
    // equations and claims, appended after the nodes' (the prover's order).
    let lookup_t = t.fork(b"model/lookups", 0);
    let hooks = crate::branch::Hooks::capture();
    let (walked, looked) = rayon::join(
        || -> Result<()> {
            for (i, (node, np)) in q.nodes.iter().zip(&proof.nodes).enumerate() {
                let out = node.output;
                let nv_out = num_vars(&q.values[out].shape);
                checks.context(format!("node `{}` ({})", node.name, node.op.name()));
                // Each node on its own transcript branch (`Transcript::fork`).
                let mut tb = t.fork(b"model/node", i as u64);
                match (&node.op, np) {
                    (
                        op @ (QOp::Conv { .. }
                        | QOp::Reshape { .. }
                        | QOp::AveragePool(_)
                        | QOp::ReduceMean { .. }
                        | QOp::Gather(_)
                        | QOp::Transpose { .. }),
                        ZkNodeProof::MatMul {
                            y_com,
                            r_com,
                            matmul: mm,
                        }
                        | ZkNodeProof::Conv {
                            y_com,
                            r_com,
                            matmul: mm,
                            ..
                        },
                    ) if !matches!(op, QOp::Reshape { .. })
                        || crate::model::gathers(q, input_public, i) =>
                    {
                        if matches!(op, QOp::Conv { .. }) != matches!(np, ZkNodeProof::Conv { .. })
                        {
                            return Err(malformed("conv weight sumcheck (Conv nodes only)"));
                        }
                        let d = crate::model::divisor(q, i);
                        // Σ_a x(a)·G_ρ(a) = 2^s·y + r − offset, committed (crate::conv).
                        let x = node.inputs[0];
                        let rho = tb.challenges(b"model/rho", nv_out);
                        tb.absorb_points(b"model/y_com", &[*y_com]);
                        let mut target = Lc::default();
                        match (d, r_com) {
                            (None, None) => target.add_point(Fr::ONE, *y_com),
                            (Some(d), Some(r)) => {
                                tb.absorb_points(b"model/r_com", &[*r]);
                                target.add_point(Fr::from(d), *y_com);
                                target.add_point(Fr::ONE, *r);
                            }
                            _ => return Err(malformed("conv remainder commitment")),
                        };
                        let s = crate::profile::span("v/dual");
                        // A Conv's G̃_ρ(r) is a committed factor, proved by the weight
                        // sumcheck (crate::conv::weights); the others' G_ρ is public.
                        let conv = match op {
                            QOp::Conv { .. } => Some(crate::model::conv_parts(q, i)?),
                            _ => None,
                        };
                        // A conv's offset (bias and rounding) is computed later, with
                        // the sumcheck's final equation (`zk::verify_sumcheck_later`).
                        let (g, offset) = match &conv {
                            Some(_) => (None, Fr::ZERO),
                            None => {
                                let (g, offset) = crate::model::dual_at(q, i, &rho)?;
                                (Some(Mle::new(g)?), offset)
                            }
                        };
                        let later_offset = {
                            let c = conv.as_ref().map(|c| {
                                (
                                    c.geom.clone(),
                                    c.bias.as_deref().map(<[i64]>::to_vec),
                                    c.half,
                                    rho.clone(),
                                )
                            });
                            move || match c {
                                Some((geom, bias, half, rho)) => {
                                    geom.offset(bias.as_deref(), half, &rho)
                                }
                                None => Ok(Fr::ZERO),
                            }
                        };
                        drop(s);
                        // A hidden conv bias: − Com(v) (`super::weights`).
                        if super::weights::hidden_bias(q, vis, i).is_some() {
                            let bp = conv_bias
                                .next()
                                .ok_or_else(|| malformed("conv bias proof"))?;
                            let (pt, c) =
                                super::weights::verify_conv_bias(q, i, bp, &rho, &mut tb, checks)?;
                            target.add_point(-Fr::ONE, bp.com);
                            let b = node.inputs[2];
                            pending.push(tabs.value(b, nv(b), pt, c)?);
                        }
                        let nv_x = g.as_ref().map_or(nv(x), |g| g.num_vars);
                        let x_pub = if known(x) { Some(table(x)?) } else { None };
                        let public = [x_pub.is_some(), g.is_some()];
                        target.u -= offset;
                        let sub = crate::zk::verify_sumcheck_later(
                            nv_x,
                            &[(Fr::ONE, vec![0, 1])],
                            &public,
                            (&target, later_offset),
                            mm,
                            move |pt| {
                                let mut v = vec![];
                                if let Some(a) = &x_pub {
                                    v.push(a.evaluate(pt)?);
                                }
                                if let Some(g) = &g {
                                    v.push(g.evaluate(pt)?);
                                }
                                Ok(v)
                            },
                            &mut tb,
                            checks,
                        )?;
                        if let (Some(c), ZkNodeProof::Conv { weights, .. }) = (&conv, np) {
                            let _s = crate::profile::span("v/conv_weights");
                            let g_com =
                                sub.factor_coms[1].ok_or_else(|| malformed("conv G̃_ρ(r)"))?;
                            let pts = (&rho[..], &sub.point[..]);
                            let wid = node.inputs[1];
                            let ws = crate::conv::weights::verify_zk(
                                &c.geom,
                                pts,
                                &Lc::from(g_com),
                                (!hidden(wid) && !in_w(wid)).then_some(&c.w[..]),
                                weights,
                                &mut tb,
                                checks,
                            )?;
                            // A hidden or packed kernel: Com(w̃(κ)), opened with the rest.
                            if hidden(wid) || in_w(wid) {
                                let wc = ws.factor_coms[0].ok_or_else(|| malformed("conv w̃(κ)"))?;
                                pending.push(tabs.value(wid, nv(wid), ws.point, wc.into())?);
                            }
                        }
                        // The output's claim, and with a shift the remainder's.
                        pending.push(tabs.value(out, nv(out), rho.clone(), (*y_com).into())?);
                        if let Some(r) = r_com {
                            pending.push(tabs.aux(i, rho.clone(), (*r).into())?);
                        }
                        if let Some(c) = sub.factor_coms[0] {
                            pending.push(tabs.value(x, nv(x), sub.point, c.into())?);
                        }
                    }
                    (
                        QOp::MatMul { shift },
                        ZkNodeProof::MatMul {
                            y_com,
                            r_com,
                            matmul: mm,
                        },
                    ) => {
                        let (x, w) = (node.inputs[0], node.inputs[1]);
                        let dims = MatMulDims::of(&q.values[x].shape, &q.values[w].shape)?;
                        let rho = tb.challenges(b"model/rho", nv_out);
                        let (rc, rr) = rho.split_at(dims.col_vars());
                        tb.absorb_points(b"model/y_com", &[*y_com]);
                        let mut target = Lc::default();
                        match (shift, r_com) {
                            (0, None) => target.add_point(Fr::ONE, *y_com),
                            (s, Some(r)) if *s > 0 => {
                                tb.absorb_points(b"model/r_com", &[*r]);
                                let half = Fr::from(1u64 << (s - 1))
                                    * block_indicator(dims.m, dims.n, &rho);
                                target.add_point(Fr::from(1u64 << s), *y_com);
                                target.add_point(Fr::ONE, *r);
                                target.u -= half;
                            }
                            _ => return Err(malformed("matmul remainder commitment")),
                        };
                        // A known operand (a fixed weight matrix, a public input) is
                        // evaluated from its integers (crate::int_eval).
                        let int_table = |id: usize| -> Result<Option<IntMatrix<'_>>> {
                            if !known(id) {
                                return Ok(None);
                            }
                            let v = values.get(&id).ok_or_else(|| malformed("known value"))?;
                            IntMatrix::new(v, layout(&layout_shape(q, id))).map(Some)
                        };
                        let (a_pub, b_pub) = (int_table(x)?, int_table(w)?);
                        let mc = matmul::verify_zk(
                            dims,
                            (rr, rc),
                            a_pub.as_ref().map(|m| m as &dyn PublicTable),
                            b_pub.as_ref().map(|m| m as &dyn PublicTable),
                            &target,
                            mm,
                            &mut tb,
                            checks,
                        )?;
                        // The output's claim, and with a shift the remainder's.
                        pending.push(tabs.value(out, nv(out), rho.clone(), (*y_com).into())?);
                        if let Some(r) = r_com {
                            pending.push(tabs.aux(i, rho.clone(), (*r).into())?);
                        }
                        if let Some(c) = mc.a_com {
                            pending.push(tabs.value(x, nv(x), mc.a_point, c.into())?);
                        }
                        if let Some(c) = mc.b_com {
                            pending.push(tabs.value(w, nv(w), mc.b_point, c.into())?);
                        }
                    }
                    (
                        QOp::MaxPool(_),
                        ZkNodeProof::MaxPool {
                            coms,
                            selected,
                            gather,
                        },
                    ) => {
                        use crate::model::maxpool as mp;
                        let x = node.inputs[0];
                        let nv_aux = crate::model::aux_vars(q, i)?;
                        let rho = tb.challenges(b"model/rho", nv_out);
                        let sigma = tb.challenges(b"maxpool/sigma", nv_aux - nv_out - 1);
                        let (pd, ps) = mp::claim_points(&rho, &sigma);
                        tb.absorb_points(b"maxpool/coms", coms);
                        // One selected slot per output: 2^kv·C_s − Ĩ(ρ)·U commits to zero.
                        let (rows, cols) = crate::model::layout(&q.values[out].shape);
                        let ind = block_indicator(rows, cols, &rho);
                        let mut rel = Lc::public(-ind);
                        rel.add_point(mp::slot_count(q, i)?, coms[2]);
                        verify_zero(&rel, selected, &mut tb, checks);
                        // Σ_a x(a)·G(a) = ỹ(ρ) − R̃(ρ, σ, 0), committed.
                        let g = Mle::new(mp::gather_table(q, i, &rho, &sigma)?)?;
                        let x_pub = if known(x) { Some(table(x)?) } else { None };
                        let public = [x_pub.is_some(), true];
                        let target = Lc::from(coms[0]) - &Lc::from(coms[1]);
                        let sub = crate::zk::verify_sumcheck_later(
                            g.num_vars,
                            &[(Fr::ONE, vec![0, 1])],
                            &public,
                            (&target, || Ok(Fr::ZERO)),
                            gather,
                            move |pt| {
                                let mut v = vec![];
                                if let Some(a) = &x_pub {
                                    v.push(a.evaluate(pt)?);
                                }
                                v.push(g.evaluate(pt)?);
                                Ok(v)
                            },
                            &mut tb,
                            checks,
                        )?;
                        pending.push(tabs.value(out, nv(out), rho.clone(), coms[0].into())?);
                        pending.push(tabs.aux(i, pd, coms[1].into())?);
                        pending.push(tabs.aux(i, ps, coms[2].into())?);
                        if let Some(c) = sub.factor_coms[0] {
                            pending.push(tabs.value(x, nv(x), sub.point, c.into())?);
                        }
                    }
                    (QOp::Reshape { .. }, ZkNodeProof::Derived) if known(node.inputs[0]) => {}
                    (
                        QOp::Add { .. } | QOp::Sub { .. } | QOp::Reshape { .. },
                        ZkNodeProof::Linear {
                            out_com,
                            operand_coms,
                            relation,
                        },
                    ) if !matches!(node.op, QOp::Reshape { .. })
                        || !known(node.inputs[0]) && !crate::model::gathers(q, input_public, i) =>
                    {
                        let (al, sign) = crate::model::linear_form(&node.op);
                        let out_shape = &q.values[out].shape;
                        let rho = tb.challenges(b"model/rho", nv_out);
                        let n_act = node
                            .inputs
                            .iter()
                            .filter(|&&a| !is_const(q, a) || hidden(a))
                            .count();
                        expect_len("linear operand commitments", operand_coms.len(), n_act)?;
                        tb.absorb_points(b"model/out_com", &[*out_com]);
                        tb.absorb_points(b"model/operand_coms", operand_coms);
                        let mut rel = Lc::from(*out_com);
                        let mut acts = operand_coms.iter();
                        let mut operands = vec![];
                        for (k, &a) in node.inputs.iter().enumerate() {
                            let coeff = if k == 0 { Fr::ONE } else { sign };
                            if hidden(a) {
                                // Com(c̃(point)), with its factor (`super::weights`).
                                let (pt, f) = super::weights::operand_point(
                                    &q.values[a].shape,
                                    out_shape,
                                    &rho,
                                )
                                .ok_or_else(|| {
                                    Error::Invalid(format!(
                                        "node `{}`: the hidden constant does not broadcast",
                                        node.name
                                    ))
                                })?;
                                let c = *acts.next().ok_or_else(|| malformed("linear operand"))?;
                                rel.add_point(-(coeff * f * Fr::from(1u64 << al[k].max(0))), c);
                                operands.push((a, c, pt));
                            } else if let QValueKind::Const(c) = &q.values[a].kind {
                                let v =
                                    aligned_broadcast(c, al[k], out_shape).ok_or_else(|| {
                                        Error::Invalid(format!(
                                            "node `{}`: constant does not broadcast",
                                            node.name
                                        ))
                                    })?;
                                let cv = coeff * table_of(out_shape, &v)?.evaluate(&rho)?;
                                rel.u -= cv;
                            } else {
                                let c = *acts.next().ok_or_else(|| malformed("linear operand"))?;
                                rel.add_point(-(coeff * Fr::from(1u64 << al[k].max(0))), c);
                                operands.push((a, c, rho.clone()));
                            }
                        }
                        verify_zero(&rel, relation, &mut tb, checks);
                        pending.push(tabs.value(out, nv(out), rho.clone(), (*out_com).into())?);
                        for (a, c, pt) in operands {
                            pending.push(tabs.value(a, nv(a), pt, c.into())?);
                        }
                    }
                    (QOp::Relu | QOp::Clip { .. } | QOp::Table { .. }, ZkNodeProof::Lookup) => {}
                    (
                        QOp::Mul { .. },
                        ZkNodeProof::MatMul {
                            y_com,
                            r_com,
                            matmul,
                        },
                    ) => {
                        let has_rem = crate::model::has_aux(q, i);
                        let coms = (y_com, r_com.as_ref());
                        for (tg, point, c) in super::product::verify(
                            key,
                            i,
                            coms,
                            has_rem,
                            (matmul, &mut mul_consts),
                            &mut table,
                            &mut tb,
                            checks,
                        )? {
                            pending.push(match tg {
                                Ok(id) => tabs.value(id, nv(id), point, c.into())?,
                                Err(_) => tabs.aux(i, point, c.into())?,
                            });
                        }
                    }
                    (
                        QOp::Softmax { .. },
                        ZkNodeProof::Softmax {
                            coms,
                            relation,
                            product,
                        },
                    ) => {
                        let parts = (&coms[..], relation, &**product);
                        let cl =
                            super::softmax::verify(key, i, parts, &mut table, &mut tb, checks)?;
                        for (tg, point, c) in cl {
                            pending.push(match tg {
                                Ok(id) => tabs.value(id, nv(id), point, c)?,
                                Err(_) => tabs.aux(i, point, c)?,
                            });
                        }
                    }
                    (op, _) => {
                        return Err(reject(
                            "node proof kind matches the model's op",
                            format!("node `{}` ({})", node.name, op.name()),
                        ))
                    }
                }
                branches.push(tb);
            }
            if conv_bias.next().is_some() || mul_consts.next().is_some() {
                return Err(malformed("hidden constant proofs past the last one"));
            }
            Ok(())
        },
        || -> Result<(Checks, Vec<Pending>, Transcript)> {
            let _h = hooks.install();
            let (mut lc, mut lp, mut lt) = (Checks::new(), vec![], lookup_t);
            lc.context("the lookups");
            verify_lookups(key, &plan, (proof, &tabs), &mut lp, &mut lt, &mut lc)?;
            Ok((lc, lp, lt))
        },
    );
    walked?;
    let (lc, lp, lt) = looked?;
    checks.append(lc);
    pending.extend(lp);
    branches.push(lt);
    t.join(b"model/branches", branches);
    verify_openings(gens, &pending, proof, &mut table, &mut t, checks)
}
