//! zkml's halo2 backend (work in progress): gadgets on the main gate.
pub mod gadgets;
