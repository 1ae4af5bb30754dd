//! Static shapes for the model's graph inputs.
//!
//! An ONNX graph input declares each dimension as a number, a named symbol
//! (`dim_param`, e.g. `"batch"`, `"p2o.DynamicDimension.0"`) or nothing at
//! all (`-1`/`'?'` in tools' printouts). zkml builds a circuit for one static
//! shape, so every symbolic dimension must be bound to a size. Where the
//! sizes come from, in order of precedence:
//!
//! 1. a shape given for the input by name ([`LoadOptions::named_shapes`],
//!    the CLI's `--input-shape x=1x3x48x192`);
//! 2. a shape given for the input by position ([`LoadOptions::positional_shapes`],
//!    an input file's `"input_shapes": [[1, 3, 48, 192]]`; shapes past the
//!    model's inputs are ignored);
//! 3. a named symbol already bound by another input's given shape (two inputs
//!    that share `"batch"` get the same size);
//! 4. the input's element count ([`LoadOptions::element_counts`], the length
//!    of the data the user supplies), which binds the one remaining symbolic
//!    dimension when there is exactly one and the count is a multiple of the
//!    product of the others.
//!
//! A given shape must have the declared rank and agree with every declared
//! numeric dimension, with one allowance: a shape given by position (an input
//! file's `"input_shapes"`) may leave out a leading batch dimension that the
//! model declares symbolic or 1 (EZKL's input files list `[3, 5, 5]` for a
//! `[batch, 3, 5, 5]` input); that dimension is then 1. A symbolic dimension that none of these binds is an
//! [`OnnxError::SymbolicDim`] naming the input and the dimension: never a
//! silent 1.

use std::collections::{HashMap, HashSet};

use crate::error::OnnxError;

/// How the loader sizes graph inputs; the default binds nothing, so a model
/// with symbolic input dimensions is refused with an error that names them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Full shapes of graph inputs, by input name.
    pub named_shapes: Vec<(String, Vec<usize>)>,
    /// Full shapes of the graph inputs in order (the model's inputs that are
    /// not initializers), for those not in `named_shapes`.
    pub positional_shapes: Vec<Vec<usize>>,
    /// Number of elements of each graph input in order, where known (the
    /// length of the data the user will feed it).
    pub element_counts: Vec<Option<usize>>,
}

/// One declared dimension of a graph input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dim {
    /// A fixed size.
    Fixed(usize),
    /// A symbol: its name (`dim_param`), or `None` when the export left the
    /// dimension unnamed.
    Symbolic(Option<String>),
}

/// Formats a declared shape as `[batch, 3, ?, ?]`.
pub fn fmt_declared(dims: &[Dim]) -> String {
    let parts: Vec<String> = dims
        .iter()
        .map(|d| match d {
            Dim::Fixed(n) => n.to_string(),
            Dim::Symbolic(Some(s)) => s.clone(),
            Dim::Symbolic(None) => "?".into(),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// Formats a concrete shape as `1x3x48x192` (the `--input-shape` syntax).
pub fn fmt_shape(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(usize::to_string).collect();
    parts.join("x")
}

/// A graph input as declared in the model.
pub struct Declared<'a> {
    /// The input's name.
    pub name: &'a str,
    /// Its declared dimensions.
    pub dims: Vec<Dim>,
}

fn shape_err(input: &str, reason: String) -> OnnxError {
    OnnxError::InputShape {
        input: input.to_string(),
        reason,
    }
}

/// Checks a given shape against the declared one: same rank, same fixed dims.
fn check_given(d: &Declared<'_>, given: &[usize], from: &str) -> Result<(), OnnxError> {
    if given.len() != d.dims.len() {
        return Err(shape_err(
            d.name,
            format!(
                "{from} gives {} ({} dimension(s)) but the model declares {} dimension(s) {}",
                fmt_shape(given),
                given.len(),
                d.dims.len(),
                fmt_declared(&d.dims)
            ),
        ));
    }
    for (i, (dim, &g)) in d.dims.iter().zip(given).enumerate() {
        if let Dim::Fixed(n) = dim {
            if *n != g {
                return Err(shape_err(
                    d.name,
                    format!(
                        "{from} gives {} but dimension {i} is fixed at {n} in the model's {}",
                        fmt_shape(given),
                        fmt_declared(&d.dims)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A positional shape one dimension short of the declared rank, whose
/// declared leading dimension is symbolic or 1: the shape with a batch of 1
/// in front (the EZKL input-file convention). `None` otherwise.
fn with_implied_batch(d: &Declared<'_>, given: &[usize]) -> Option<Vec<usize>> {
    let leading_batch = matches!(d.dims.first(), Some(Dim::Symbolic(_)) | Some(Dim::Fixed(1)));
    (given.len() + 1 == d.dims.len() && leading_batch).then(|| {
        let mut s = Vec::with_capacity(d.dims.len());
        s.push(1);
        s.extend_from_slice(given);
        s
    })
}

/// The static shape of every declared input, in order (see the module doc).
pub fn resolve(
    declared: &[Declared<'_>],
    opts: &LoadOptions,
) -> Result<Vec<Vec<usize>>, OnnxError> {
    let names: HashSet<&str> = declared.iter().map(|d| d.name).collect();
    let mut named: HashMap<&str, &[usize]> = HashMap::new();
    for (n, s) in &opts.named_shapes {
        if !names.contains(n.as_str()) {
            let all: Vec<String> = declared
                .iter()
                .map(|d| format!("`{}` {}", d.name, fmt_declared(&d.dims)))
                .collect();
            return Err(shape_err(
                n,
                format!(
                    "a shape is given for `{n}`, which is not a graph input of this model; its \
                     inputs are {}",
                    all.join(", ")
                ),
            ));
        }
        if named
            .insert(n.as_str(), s.as_slice())
            .is_some_and(|prev| prev != s.as_slice())
        {
            return Err(shape_err(n, "two different shapes are given for it".into()));
        }
    }
    // Shapes past the model's inputs are ignored: EZKL's input files often
    // list one shape per output too (or the same shape three times).
    // Pass 1: inputs with a given shape; collect the symbols they bind.
    let mut out: Vec<Option<Vec<usize>>> = vec![None; declared.len()];
    let mut symbols: HashMap<&str, (usize, &str)> = HashMap::new();
    for (i, d) in declared.iter().enumerate() {
        let given = match named.get(d.name) {
            Some(s) => Some((*s, "the shape given by name")),
            None => opts
                .positional_shapes
                .get(i)
                .map(|s| (s.as_slice(), "the input file's \"input_shapes\"")),
        };
        let Some((given, from)) = given else { continue };
        let batched;
        let given = if named.contains_key(d.name) {
            given
        } else {
            batched = with_implied_batch(d, given);
            batched.as_deref().unwrap_or(given)
        };
        check_given(d, given, from)?;
        for (dim, &g) in d.dims.iter().zip(given) {
            if let Dim::Symbolic(Some(sym)) = dim {
                match symbols.get(sym.as_str()) {
                    Some(&(v, other)) if v != g => {
                        return Err(shape_err(
                            d.name,
                            format!(
                                "symbol `{sym}` is {g} here but {v} in input `{other}`; the \
                                 model says they are the same size"
                            ),
                        ))
                    }
                    _ => {
                        symbols.insert(sym.as_str(), (g, d.name));
                    }
                }
            }
        }
        out[i] = Some(given.to_vec());
    }

    // Pass 2: the others, from bound symbols and element counts.
    for (i, d) in declared.iter().enumerate() {
        if out[i].is_some() {
            continue;
        }
        let mut shape: Vec<Option<usize>> = d
            .dims
            .iter()
            .map(|dim| match dim {
                Dim::Fixed(n) => Some(*n),
                Dim::Symbolic(Some(s)) => symbols.get(s.as_str()).map(|&(v, _)| v),
                Dim::Symbolic(None) => None,
            })
            .collect();
        let open: Vec<usize> = (0..shape.len()).filter(|&j| shape[j].is_none()).collect();
        let count = opts.element_counts.get(i).copied().flatten();
        if let ([j], Some(count)) = (open.as_slice(), count) {
            let rest: usize = shape.iter().flatten().product();
            if rest > 0 && count % rest == 0 && count > 0 {
                shape[*j] = Some(count / rest);
            } else {
                return Err(shape_err(
                    d.name,
                    format!(
                        "its data holds {count} value(s), which no size of symbolic dimension \
                         {j} makes fit the declared shape {} (the other dimensions hold {rest} \
                         per step)",
                        fmt_declared(&d.dims)
                    ),
                ));
            }
        }
        if let Some(j) = shape.iter().position(Option::is_none) {
            let symbol = match &d.dims[j] {
                Dim::Symbolic(Some(s)) => s.clone(),
                _ => "?".into(),
            };
            let example: Vec<String> = shape
                .iter()
                .map(|s| s.map_or("N".to_string(), |v| v.to_string()))
                .collect();
            return Err(OnnxError::SymbolicDim {
                input: d.name.to_string(),
                dim: j,
                symbol,
                declared: fmt_declared(&d.dims),
                example: example.join("x"),
            });
        }
        out[i] = Some(shape.into_iter().flatten().collect());
    }
    Ok(out.into_iter().flatten().collect())
}
