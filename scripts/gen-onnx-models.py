"""Writes the ONNX backend *model-level* test suites that the onnx wheel ships
(`onnx/backend/test/data/`) to the directory given as the only argument:

    <suite>/<case>/model.onnx
    <suite>/<case>/test_data_set_0/input_*.pb, output_*.pb
    index.txt                      `<suite>/<case>` per line

Suites: `pytorch-converted` (PyTorch modules: Conv, pooling, BatchNorm,
PReLU, Embedding, ...), `pytorch-operator` (PyTorch functions), `simple`
(small hand-made graphs) and `light` (the architectures of nine ImageNet
classifiers, AlexNet to DenseNet-121, with their weights replaced by small
generated tensors). Third-party models of the kind users bring, with their
expected outputs.

The first three ship as case directories and are copied as they are. A
`light` model ships as `light_<name>.onnx` plus its expected
`light_<name>_output_0.pb`, with no input: the onnx test runner feeds a
deterministic input (`arange(n).reshape(shape) / n`, float32, symbolic
dimensions as 1); we write that input, made the same way, as `input_0.pb`.

Called by scripts/gen-onnx-models.sh, which handles caching and atomic
replacement. crates/zkml-onnx/tests/onnx_model_cases.rs reads the result.
"""

import os
import shutil
import sys

import numpy as np
import onnx
from onnx import numpy_helper

SUITES = ["pytorch-converted", "pytorch-operator", "simple", "light"]


def light_input(vi: onnx.ValueInfoProto) -> np.ndarray:
    """The input the onnx test runner generates for a `light` model
    (`Runner.generate_dummy_data(..., random=False)`)."""
    shape = tuple(
        d.dim_value if d.HasField("dim_value") else 1
        for d in vi.type.tensor_type.shape.dim
    )
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


def write_light(src: str, out: str) -> list[str]:
    names = []
    for f in sorted(os.listdir(src)):
        if not f.endswith(".onnx"):
            continue
        stem = f[: -len(".onnx")]
        name = "test_" + stem[len("light_"):]
        case = os.path.join(out, name)
        data = os.path.join(case, "test_data_set_0")
        os.makedirs(data)
        shutil.copy(os.path.join(src, f), os.path.join(case, "model.onnx"))
        model = onnx.load(os.path.join(src, f), load_external_data=False)
        inits = {t.name for t in model.graph.initializer}
        k = 0
        for vi in model.graph.input:
            if vi.name in inits:
                continue
            t = numpy_helper.from_array(light_input(vi), vi.name)
            with open(os.path.join(data, f"input_{k}.pb"), "wb") as fh:
                fh.write(t.SerializeToString())
            k += 1
        for i in range(len(model.graph.output)):
            pb = os.path.join(src, f"{stem}_output_{i}.pb")
            shutil.copy(pb, os.path.join(data, f"output_{i}.pb"))
        names.append(name)
    return names


def main() -> None:
    out = sys.argv[1]
    data = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
    index = []
    for suite in SUITES:
        src = os.path.join(data, suite)
        dst = os.path.join(out, suite)
        if suite == "light":
            os.makedirs(dst)
            names = write_light(src, dst)
        else:
            shutil.copytree(src, dst)
            names = sorted(
                n for n in os.listdir(dst) if os.path.exists(os.path.join(dst, n, "model.onnx"))
            )
        index += [f"{suite}/{n}" for n in names]
    with open(os.path.join(out, "index.txt"), "w") as f:
        f.write("".join(f"{c}\n" for c in index))
    print(f"onnx {onnx.__version__}: {len(index)} model cases written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
