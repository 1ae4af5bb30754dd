//! The README's ONNX op table lists exactly the loader's registry
//! (`zkml_onnx::supported_ops`): adding a loader op without documenting it,
//! or documenting one the loader lacks, fails here.

use std::collections::BTreeSet;

#[test]
fn readme_op_table_matches_the_registry() {
    let readme = include_str!("../../../README.md");
    let begin = readme
        .find("<!-- ops-table:begin -->")
        .expect("README.md has no `<!-- ops-table:begin -->` marker");
    let end = readme
        .find("<!-- ops-table:end -->")
        .expect("README.md has no `<!-- ops-table:end -->` marker");
    let mut documented = BTreeSet::new();
    for line in readme[begin..end].lines().skip(3) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(ops) = cells.get(2) else { continue };
        for op in ops.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            assert!(documented.insert(op.to_string()), "`{op}` listed twice");
        }
    }
    let registry: BTreeSet<String> = zkml_onnx::supported_ops()
        .into_iter()
        .map(String::from)
        .collect();
    let missing: Vec<_> = registry.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&registry).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README op table vs loader registry: missing from the README {missing:?}; \
         in the README but not loaded {extra:?}"
    );
}
