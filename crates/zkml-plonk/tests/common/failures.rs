//! Pinning MockProver failures: which constraint, lookup or copy failed.

use halo2_axiom::{
    dev::{FailureLocation, VerifyFailure},
    plonk::Any,
};

/// Asserts every failure is a broken copy constraint and that at least one
/// is on the instance column: the public values disagree with the cells
/// they are bound to, and nothing else is wrong with the witness.
pub fn assert_only_instance_copy_failures(failures: &[VerifyFailure]) {
    assert!(!failures.is_empty());
    let mut instance = false;
    for f in failures {
        match f {
            VerifyFailure::Permutation { column, .. } => {
                instance |= column.column_type() == Any::Instance;
            }
            other => panic!("expected only copy-constraint failures, got {other}"),
        }
    }
    assert!(instance, "no failure on the instance column: {failures:#?}");
}

/// A failure in words: `gate/constraint` for a constraint, `lookup name`,
/// `copy <column type>`; without rows (layouts move, the kind must not).
pub fn kind(f: &VerifyFailure) -> String {
    match f {
        VerifyFailure::ConstraintNotSatisfied { constraint, .. } => {
            // `Constraint` displays as `Constraint <i> ('<name>') in gate <j> ('<name>')`.
            constraint.to_string()
        }
        VerifyFailure::Lookup { name, .. } => format!("lookup {name}"),
        VerifyFailure::Permutation { column, .. } => {
            format!("copy {:?}", column.column_type())
        }
        other => other.to_string(),
    }
}

/// The row of a failure, when it has one inside a region (offset) or outside.
pub fn row(f: &VerifyFailure) -> Option<usize> {
    let loc = match f {
        VerifyFailure::ConstraintNotSatisfied { location, .. }
        | VerifyFailure::Lookup { location, .. }
        | VerifyFailure::Permutation { location, .. } => location,
        _ => return None,
    };
    Some(match loc {
        FailureLocation::InRegion { offset, .. } => *offset,
        FailureLocation::OutsideRegion { row } => *row,
    })
}
