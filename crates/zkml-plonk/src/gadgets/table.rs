//! Function tables: Sigmoid and Tanh.
//!
//! Relation: `y = table_int(f, x, s_in, s_out)` (`zkml_core::ops::activation`),
//! for `x` an activation, `x ∈ [−2^(b−1), 2^(b−1))`.
//!
//! Row: `x_0 = x` (copy), `acc = y`, `q_tab = i` (the table's 1-based index).
//! Lookup: `(q_tab, q_tab·x_0, q_tab·acc) ∈ {(0, 0, 0)} ∪ {(i, i·x, i·f_i(x))}`.
//! Soundness: table `i` holds exactly one pair per `x`, so `acc = f_i(x)`; an `x`
//! outside the activation range has no entry (the executor rejects it too).
//! Degree 4 (the lookup inputs are degree 2). The tables are `2^b` rows each,
//! so `k > b`: fine for 12-bit activations, costly for 16-bit ones.

use super::{Adv, Builder, Fix, TableSpec, Wire};

/// Function-table instructions.
pub trait TableInstructions {
    /// `table_int(spec, x)`.
    fn table_fn(&mut self, x: &Wire, spec: TableSpec) -> Wire;
}

impl TableInstructions for Builder<'_> {
    fn table_fn(&mut self, x: &Wire, spec: TableSpec) -> Wire {
        let idx = match self.shape.tables.iter().position(|s| *s == spec) {
            Some(i) => i,
            None => {
                if !self.tables.contains(&spec) {
                    self.tables.push(spec);
                }
                assert!(
                    self.planning,
                    "function table {spec:?} not planned (planner bug)"
                );
                self.tables.iter().position(|s| *s == spec).unwrap()
            }
        };
        let row = self.next_row();
        let xw = self.copy_in(x, Adv::X(0), row);
        let y = xw.val.map(|v| {
            zkml_core::ops::activation::table_int(
                spec.func,
                v as i64,
                spec.in_scale,
                spec.out_scale,
            ) as i128
        });
        if !self.planning {
            self.seti(Fix::QTab, row, idx as i128 + 1);
        }
        self.put(Adv::Acc, row, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gadgets::{
        arith::ArithInstructions,
        fe,
        test_utils::{check_all_tampering, GadgetCircuit},
    };
    use zkml_core::ops::{activation::table_int, TableFn};

    #[test]
    fn sigmoid_tanh_match_and_every_cell_matters() {
        let sig = TableSpec {
            func: TableFn::Sigmoid,
            in_scale: 4,
            out_scale: 6,
        };
        let tanh = TableSpec {
            func: TableFn::Tanh,
            in_scale: 4,
            out_scale: 6,
        };
        let c = GadgetCircuit::with_shape(
            move |b| {
                for v in [-128i128, -17, 0, 5, 127] {
                    let x = b.input(Some(v), true);
                    let y = b.table_fn(&x, sig);
                    b.make_public(&y);
                    let z = b.table_fn(&x, tanh);
                    b.make_public(&z);
                }
            },
            2,
            8,
            8,
        );
        assert_eq!(c.shape.tables, vec![sig, tanh]);
        c.assert_ok();
        let p = c.publics();
        assert_eq!(p[1], fe(table_int(TableFn::Sigmoid, -128, 4, 6) as i128));
        assert_eq!(p[2], fe(table_int(TableFn::Tanh, -128, 4, 6) as i128));
        check_all_tampering(&c);
    }
}
