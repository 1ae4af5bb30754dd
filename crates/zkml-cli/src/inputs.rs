//! Input, calibration and data-set files.
//!
//! * Input: JSON `{"input_data": [[…], …]}`, one flattened row-major list per
//!   model input (nested lists are flattened), or a zkml msgpack input list.
//! * Calibration: JSON `{"inputs": [sample, …]}` where a sample is one
//!   flattened list (single-input models) or a list of lists; an input file is
//!   accepted too (one sample).
//! * Data set: JSON `{"inputs": [sample, …], "labels": [class, …]}`.
//! * Any of these may carry `"input_shapes": [[…], …]`, one full shape per
//!   model input: it sizes inputs declared with symbolic dimensions.

use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use crate::model::LoadedModel;

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading `{}`", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("`{}` is not valid JSON", path.display()))
}

fn flatten_into(v: &Value, out: &mut Vec<f32>, path: &Path) -> Result<()> {
    match v {
        Value::Array(items) => items.iter().try_for_each(|x| flatten_into(x, out, path)),
        Value::Number(n) => {
            out.push(n.as_f64().map(|x| x as f32).unwrap_or(f32::NAN));
            Ok(())
        }
        // Boolean model inputs.
        Value::Bool(b) => {
            out.push(f32::from(u8::from(*b)));
            Ok(())
        }
        // JSON has no NaN/inf literals; accept the usual spellings so they get a clear error later.
        Value::String(s)
            if matches!(
                s.as_str(),
                "NaN" | "nan" | "inf" | "-inf" | "Infinity" | "-Infinity"
            ) =>
        {
            out.push(s.parse::<f32>().unwrap_or(f32::NAN));
            Ok(())
        }
        other => bail!("`{}`: expected numbers, found {other}", path.display()),
    }
}

/// One sample: a flat list per model input.
fn sample_from(v: &Value, n_inputs: usize, path: &Path) -> Result<Vec<Vec<f32>>> {
    let items = v
        .as_array()
        .with_context(|| format!("`{}`: a sample must be a list", path.display()))?;
    let nested = items.first().is_some_and(Value::is_array);
    if n_inputs == 1 && !nested {
        let mut flat = Vec::new();
        flatten_into(v, &mut flat, path)?;
        return Ok(vec![flat]);
    }
    let mut lists = items
        .iter()
        .map(|x| {
            let mut flat = Vec::new();
            flatten_into(x, &mut flat, path)?;
            Ok(flat)
        })
        .collect::<Result<Vec<_>>>()?;
    no_inputs(&mut lists, n_inputs);
    Ok(lists)
}

/// What a JSON input, calibration or data-set file says about the model's
/// input shapes: its `"input_shapes"` (positional shapes), and the length of
/// each input's data (of the first sample). Nothing for msgpack files.
pub fn shape_hints(path: &Path) -> Result<zkml_onnx::LoadOptions> {
    if is_msgpack(path) {
        return Ok(zkml_onnx::LoadOptions::default());
    }
    let v = read_json(path)?;
    let shapes = match v.get("input_shapes") {
        None => vec![],
        Some(s) => serde_json::from_value::<Vec<Vec<usize>>>(s.clone()).with_context(|| {
            format!(
                "`{}`: \"input_shapes\" must be a list of shapes, one per model input, such \
                 as [[1, 3, 48, 192]]",
                path.display()
            )
        })?,
    };
    let sample = v
        .get("input_data")
        .or_else(|| v.get("inputs").and_then(|s| s.get(0)));
    let counts = match sample.and_then(Value::as_array) {
        Some(items) if items.iter().all(Value::is_number) => vec![Some(items.len())],
        Some(items) => items
            .iter()
            .map(|x| {
                let mut flat = Vec::new();
                flatten_into(x, &mut flat, path).ok().map(|()| flat.len())
            })
            .collect(),
        None => vec![],
    };
    Ok(zkml_onnx::LoadOptions {
        named_shapes: vec![],
        positional_shapes: shapes,
        element_counts: counts,
    })
}

/// Reads one input file for `model`.
pub fn read_input(path: &Path, model: &LoadedModel) -> Result<Vec<Vec<f32>>> {
    let g = &model.graph;
    let names: Vec<&str> = g
        .inputs
        .iter()
        .map(|&i| g.values[i].name.as_str())
        .collect();
    read_input_named(path, names.len(), &names, model.msgpack.as_ref())
}

/// Whether `path` names a msgpack input.
pub fn is_msgpack(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()) == Some("msgpack")
}

/// Reads one input file for a model with `n` inputs (`msgpack`: the model, needed for msgpack inputs).
pub fn read_input_for(
    path: &Path,
    n: usize,
    msgpack: Option<&zkml_msgpack::MsgpackModel>,
) -> Result<Vec<Vec<f32>>> {
    read_input_named(path, n, &[], msgpack)
}

/// As [`read_input_for`]; `names` (the model's input names, if known) go into
/// the error when the number of lists is wrong.
fn read_input_named(
    path: &Path,
    n: usize,
    names: &[&str],
    msgpack: Option<&zkml_msgpack::MsgpackModel>,
) -> Result<Vec<Vec<f32>>> {
    if is_msgpack(path) {
        let m = msgpack.context(
            "a msgpack input file goes with a msgpack model; for ONNX models use JSON {\"input_data\": [[…]]}",
        )?;
        return zkml_msgpack::load_input(path, m)
            .with_context(|| format!("reading msgpack input `{}`", path.display()));
    }
    let v = read_json(path)?;
    let data = v.get("input_data").with_context(|| {
        format!(
            "`{}` has no \"input_data\" field; expected {{\"input_data\": [[…], …]}}",
            path.display()
        )
    })?;
    let mut lists = data
        .as_array()
        .with_context(|| {
            format!(
                "`{}`: \"input_data\" must be a list of lists",
                path.display()
            )
        })?
        .iter()
        .map(|x| {
            let mut flat = Vec::new();
            flatten_into(x, &mut flat, path)?;
            Ok(flat)
        })
        .collect::<Result<Vec<_>>>()?;
    // A single flat list for a single-input model is accepted too.
    if n == 1
        && lists.len() > 1
        && data
            .as_array()
            .is_some_and(|a| a.iter().all(Value::is_number))
    {
        lists = vec![lists.concat()];
    }
    no_inputs(&mut lists, n);
    let named = if names.is_empty() {
        String::new()
    } else {
        let q: Vec<String> = names.iter().map(|s| format!("`{s}`")).collect();
        format!(" ({})", q.join(", "))
    };
    ensure!(
        lists.len() == n,
        "`{}` holds {} input list(s) but the model takes {n} input(s){named}{}",
        path.display(),
        lists.len(),
        if n == 0 {
            " (a model without inputs reads {\"input_data\": [[]]}: one empty list, or none)"
        } else if lists.len() > n {
            ": one list per graph input, in the model's order; an exporter may have dropped \
             inputs the model does not use (torch.onnx does): keep only the lists of the inputs \
             named here"
        } else {
            ""
        }
    );
    Ok(lists)
}

/// A model without inputs takes one empty list (EZKL's `[[]]`) as no lists.
fn no_inputs(lists: &mut Vec<Vec<f32>>, n: usize) {
    if n == 0 && lists.len() == 1 && lists[0].is_empty() {
        lists.clear();
    }
}

/// Reads calibration samples (see the module doc).
pub fn read_calibration(path: &Path, model: &LoadedModel) -> Result<Vec<Vec<Vec<f32>>>> {
    if path.extension().and_then(|e| e.to_str()) == Some("msgpack") {
        return Ok(vec![read_input(path, model)?]);
    }
    let v = read_json(path)?;
    if v.get("input_data").is_some() {
        return Ok(vec![read_input(path, model)?]);
    }
    let samples = v.get("inputs").and_then(Value::as_array).with_context(|| {
        format!(
            "`{}`: expected {{\"inputs\": [sample, …]}} or an input file",
            path.display()
        )
    })?;
    ensure!(
        !samples.is_empty(),
        "`{}` holds no calibration samples",
        path.display()
    );
    let samples = samples
        .iter()
        .map(|s| sample_from(s, model.graph.inputs.len(), path))
        .collect::<Result<Vec<_>>>()?;
    for (i, s) in samples.iter().enumerate() {
        zkml_core::float::shape_inputs(&model.graph, s).with_context(|| {
            format!(
                "`{}`: calibration sample {i} does not fit the model",
                path.display()
            )
        })?;
    }
    Ok(samples)
}

/// A labelled data set.
pub struct Dataset {
    /// Samples, each a flat list per model input.
    pub inputs: Vec<Vec<Vec<f32>>>,
    /// Class of each sample.
    pub labels: Vec<usize>,
}

/// Reads a labelled data set.
pub fn read_dataset(path: &Path, model: &LoadedModel) -> Result<Dataset> {
    let v = read_json(path)?;
    let samples = v.get("inputs").and_then(Value::as_array).with_context(|| {
        format!(
            "`{}`: expected {{\"inputs\": [...], \"labels\": [...]}}",
            path.display()
        )
    })?;
    let labels = v
        .get("labels")
        .and_then(Value::as_array)
        .with_context(|| format!("`{}` has no \"labels\" list", path.display()))?;
    ensure!(
        samples.len() == labels.len(),
        "`{}`: {} inputs but {} labels",
        path.display(),
        samples.len(),
        labels.len()
    );
    let inputs = samples
        .iter()
        .map(|s| sample_from(s, model.graph.inputs.len(), path))
        .collect::<Result<_>>()?;
    let labels = labels
        .iter()
        .map(|l| {
            l.as_u64()
                .map(|x| x as usize)
                .with_context(|| format!("label {l} is not a class index"))
        })
        .collect::<Result<_>>()?;
    Ok(Dataset { inputs, labels })
}
