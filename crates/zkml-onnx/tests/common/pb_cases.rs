//! The ONNX backend test-case layout shared by the node conformance cases and
//! the model-level cases: `test_data_set_0/input_N.pb`, `output_N.pb`.

use std::path::{Path, PathBuf};

/// The case's `<prefix>N.pb` files in `dir`, in order of `N` (none when `dir`
/// cannot be read).
pub fn pb_files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<(usize, PathBuf)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    let idx = name
                        .strip_prefix(prefix)?
                        .strip_suffix(".pb")?
                        .parse()
                        .ok()?;
                    Some((idx, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}
