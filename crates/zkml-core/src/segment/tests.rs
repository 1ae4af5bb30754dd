use super::*;
use crate::exec::{execute, execute_int};
use crate::graph::Graph;
use crate::ops::Op;
use crate::quant::{calibrate, quantize, QuantConfig};
use crate::tensor::{FTensor, ITensor};

fn tensor(shape: &[usize], seed: u64, amp: f32) -> FTensor {
    let n: usize = shape.iter().product();
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let data = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) as f32 / (1u64 << 31) as f32 - 0.5) * 2.0 * amp
        })
        .collect();
    FTensor::from_shape_vec(shape.to_vec(), data).unwrap()
}

/// A graph with a fused product + bias, a residual connection crossing
/// several nodes, a concat of an early and a late tensor, a model input read
/// again near the end, and two outputs (one produced early).
fn odd_graph() -> (QGraph, Vec<FTensor>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 8]);
    let w1 = g.add_const("w1", tensor(&[8, 8], 1, 0.5));
    let b1 = g.add_const("b1", tensor(&[1, 8], 2, 0.5));
    let w2 = g.add_const("w2", tensor(&[8, 8], 3, 0.5));
    let w3 = g.add_const("w3", tensor(&[16, 4], 4, 0.5));
    let h1 = g.add_node("mm1", Op::MatMul, vec![x, w1], "h1").unwrap();
    let h1b = g.add_node("bias1", Op::Add, vec![h1, b1], "h1b").unwrap();
    let r1 = g.add_node("relu1", Op::Relu, vec![h1b], "r1").unwrap();
    let h2 = g.add_node("mm2", Op::MatMul, vec![r1, w2], "h2").unwrap();
    let s = g.add_node("res", Op::Add, vec![h2, r1], "s").unwrap();
    let r2 = g.add_node("relu2", Op::Relu, vec![s], "r2").unwrap();
    let m = g.add_node("gate", Op::Mul, vec![r2, x], "m").unwrap();
    let cat = g
        .add_node("cat", Op::Concat { axis: 1 }, vec![r1, m], "cat")
        .unwrap();
    let out = g.add_node("mm3", Op::MatMul, vec![cat, w3], "out").unwrap();
    g.add_output(out);
    g.add_output(r1);
    let input = vec![tensor(&[1, 8], 9, 1.0)];
    let cal = calibrate(&g, std::slice::from_ref(&input)).unwrap();
    (quantize(&g, &cal, &QuantConfig::default()).unwrap(), input)
}

/// Runs the segments in order, each on the previous one's outputs.
fn run_chain(segs: &[Segment], inputs: Vec<ITensor>) -> Vec<Trace> {
    let mut traces: Vec<Trace> = vec![];
    let mut next = inputs;
    for s in segs {
        let t = execute_int(&s.graph, next).unwrap();
        next = t.outputs(&s.graph);
        traces.push(t);
    }
    traces
}

fn all_cut_sets(q: &QGraph) -> Vec<Vec<usize>> {
    let allowed: Vec<usize> = (1..q.nodes.len()).filter(|&c| can_cut(q, c)).collect();
    (0u32..1 << allowed.len())
        .map(|m| {
            allowed
                .iter()
                .enumerate()
                .filter(|(i, _)| m >> i & 1 == 1)
                .map(|(_, &c)| c)
                .collect()
        })
        .collect()
}

/// Every allowed set of cuts: executing the segments in order reproduces the
/// whole trace exactly, segment outputs are the next inputs, and the last
/// segment's outputs are the model's.
#[test]
fn segments_in_order_reproduce_the_trace() {
    let (q, input) = odd_graph();
    let whole = execute(&q, &input).unwrap();
    let cut_sets = all_cut_sets(&q);
    assert!(cut_sets.len() >= 64, "{}", cut_sets.len());
    for cuts in cut_sets {
        let segs = q.segment(&cuts).unwrap();
        assert_eq!(segs.len(), cuts.len() + 1);
        let first_inputs: Vec<ITensor> =
            q.inputs.iter().map(|&i| whole.values[i].clone()).collect();
        let traces = run_chain(&segs, first_inputs);
        for (s, t) in segs.iter().zip(&traces) {
            assert_eq!(t, &whole.restrict(s), "cuts {cuts:?}, nodes {:?}", s.nodes);
        }
        for w in segs.windows(2) {
            let out: Vec<usize> = w[0].graph.outputs.iter().map(|&o| w[0].values[o]).collect();
            let inp: Vec<usize> = w[1].graph.inputs.iter().map(|&i| w[1].values[i]).collect();
            assert_eq!(out, inp, "cuts {cuts:?}");
        }
        let last = segs.last().unwrap();
        assert_eq!(
            traces.last().unwrap().outputs(&last.graph),
            whole.outputs(&q),
            "cuts {cuts:?}"
        );
        // Node ranges tile the graph.
        let covered: usize = segs.iter().map(|s| s.nodes.len()).sum();
        assert_eq!(covered, q.nodes.len());
    }
}

/// The residual `r1` and the model input `x` cross every cut up to their last
/// use, passing through the segments in between.
#[test]
fn residuals_and_inputs_pass_through() {
    let (q, _) = odd_graph();
    let id = |n: &str| q.values.iter().position(|v| v.name == n).unwrap();
    let (x, r1) = (id("x"), id("r1"));
    // Cut after relu1 (node 3 = mm2) and after relu2 (node 6 = gate).
    let segs = q.segment(&[3, 6]).unwrap();
    let mid = &segs[1];
    let names = |ids: &[usize], s: &Segment| -> Vec<String> {
        ids.iter()
            .map(|&i| s.graph.values[i].name.clone())
            .collect()
    };
    assert_eq!(names(&mid.graph.inputs, mid), ["x", "r1"]);
    assert_eq!(names(&mid.graph.outputs, mid), ["x", "r1", "r2"]);
    assert_eq!(boundary(&q, 3), vec![x, r1]);
    // r1 is a model output: it crosses to the end.
    assert!(boundary(&q, q.nodes.len() - 1).contains(&r1));
    let last = &segs[2];
    assert_eq!(names(&last.graph.outputs, last), ["out", "r1"]);
}

#[test]
fn boundary_sizes_count_boundary_elements() {
    let (q, _) = odd_graph();
    let sizes = boundary_sizes(&q);
    assert_eq!(sizes.len(), q.nodes.len() + 1);
    for (c, &size) in sizes.iter().enumerate().skip(1) {
        let numel: usize = boundary(&q, c)
            .iter()
            .map(|&v| q.values[v].shape.iter().product::<usize>())
            .sum();
        assert_eq!(size, numel, "cut {c}");
    }
}

#[test]
fn bad_cuts_are_refused_by_name() {
    let (q, _) = odd_graph();
    let err = |cuts: &[usize]| q.segment(cuts).unwrap_err().to_string();
    // mm1 + bias1 are fused: no cut between them.
    assert!(!can_cut(&q, 1));
    let e = err(&[1]);
    assert!(e.contains("`mm1`") && e.contains("`bias1`"), "{e}");
    assert!(err(&[0]).contains("outside"), "{}", err(&[0]));
    assert!(err(&[q.nodes.len()]).contains("outside"));
    assert!(err(&[4, 3]).contains("increasing"));
    assert!(err(&[3, 3]).contains("increasing"));
    assert_eq!(q.segment(&[]).unwrap()[0].graph, q);
}

/// The chooser keeps every segment within the budget (rows of its nodes plus
/// its boundaries on both sides), never cuts inside a fused pair, and names
/// the node that cannot fit.
#[test]
fn chosen_cuts_respect_the_budget() {
    let (q, _) = odd_graph();
    let rows: Vec<usize> = (0..q.nodes.len()).map(|j| 10 + 7 * j).collect();
    let sizes = boundary_sizes(&q);
    for budget in [100usize, 120, 200, 400, 10_000] {
        let cuts = choose_cuts(&q, &rows, budget, 1.0).unwrap();
        let segs = q.segment(&cuts).unwrap();
        for s in &segs {
            let (a, b) = (s.nodes.start, s.nodes.end);
            let edge = |c: usize| {
                if c == 0 || c == q.nodes.len() {
                    0
                } else {
                    sizes[c]
                }
            };
            let used = edge(a) + rows[a..b].iter().sum::<usize>() + edge(b);
            assert!(used <= budget, "budget {budget}: {a}..{b} uses {used}");
        }
        if budget == 10_000 {
            assert!(cuts.is_empty());
        }
    }
    let e = choose_cuts(&q, &rows, 20, 1.0).unwrap_err().to_string();
    assert!(e.contains("`mm1`") && e.contains("rows"), "{e}");
}

/// The chooser never cuts between the values and the indices node of one
/// TopK with k > 1 (they share one gadget; a cut there would lay it twice),
/// though an explicit cut there is still legal.
#[test]
fn chosen_cuts_keep_a_top_k_pair_together() {
    use crate::ops::TopK;
    let mut g = Graph::new();
    let x = g.add_input("x", vec![2, 6]);
    let r = g.add_node("relu", Op::Relu, vec![x], "r").unwrap();
    let top = |indices| {
        Op::TopK(TopK {
            axis: 1,
            k: 3,
            largest: true,
            indices,
        })
    };
    let v = g.add_node("top_v", top(false), vec![r], "v").unwrap();
    let i = g.add_node("top_i", top(true), vec![r], "i").unwrap();
    let o = g.add_node("relu2", Op::Relu, vec![v], "o").unwrap();
    // Reading `r` again after the pair makes the boundary between the pair
    // the smallest one, where the chooser would cut if it could.
    let o2 = g.add_node("relu3", Op::Relu, vec![r], "o2").unwrap();
    g.add_output(o);
    g.add_output(i);
    g.add_output(o2);
    let input = vec![tensor(&[2, 6], 5, 1.0)];
    let cal = calibrate(&g, std::slice::from_ref(&input)).unwrap();
    let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
    let pair = q.nodes.iter().position(|n| n.name == "top_i").unwrap();
    assert!(shares_layout_with_previous(&q, pair));
    assert!(!shares_layout_with_previous(&q, pair - 1));
    // Rows as a layout plan gives them: the pair's on its first node.
    let mut rows = vec![10usize; q.nodes.len()];
    rows[pair - 1] = 20;
    rows[pair] = 0;
    let mut cut_somewhere = 0;
    for budget in 30..80 {
        if let Ok(cuts) = choose_cuts(&q, &rows, budget, 0.25) {
            assert!(!cuts.contains(&pair), "budget {budget}: cuts {cuts:?}");
            cut_somewhere += usize::from(!cuts.is_empty());
        }
    }
    assert!(cut_somewhere > 0);
    // An explicit cut there is legal (each segment lays its own gadget).
    assert!(q.segment(&[pair]).is_ok());
}
