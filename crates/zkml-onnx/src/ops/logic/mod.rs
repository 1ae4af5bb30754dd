//! Comparisons (Less, Greater, LessOrEqual, GreaterOrEqual, Equal), logic
//! (Not, And, Or, Xor) and Where. On constants they are evaluated at load
//! time keeping the element type ([`super::consts::elementwise`]); on run-time
//! values they become the IR's `Op::Compare`, `Op::Logic` and `Op::Where`
//! (one op per mechanism, the ONNX name a parameter).

pub mod compare;
pub mod logic_op;
pub mod where_op;

use super::Registry;

/// Registers the family.
pub fn register(r: &mut Registry) {
    for op in ["Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Equal"] {
        r.insert(op, compare::compare);
    }
    for op in ["Not", "And", "Or", "Xor"] {
        r.insert(op, logic_op::logic);
    }
    r.insert("Where", where_op::where_);
}
