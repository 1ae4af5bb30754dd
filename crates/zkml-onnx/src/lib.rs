//! zkml-onnx (under construction).
