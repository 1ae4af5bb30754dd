"""Writes the ONNX backend *node* test cases to the directory given as the only
argument, one directory per case:

    <case>/model.onnx                         the case as ONNX ships it
    <case>/model_consts.onnx                  (cases with 2+ inputs) see below
    <case>/test_data_set_0/input_*.pb, output_*.pb
    index.txt                                 `<case> <op>` per line, see below

Called by scripts/gen-onnx-cases.sh, which handles caching and atomic
replacement. The onnx wheel no longer ships its test data, and
`backend-test-tools generate-data` writes only the model-level cases, so we
feed the node-case collector to the same writer.

`model_consts.onnx`: in the node cases every operand is a graph input, even
the ones a real model stores as initializers (Conv/Gemm weights, Reshape's
shape, Pad's pads, Clip's bounds, BatchNormalization's statistics, reduce
axes). zkml needs those static. This variant keeps input 0 as the only graph
input and turns inputs 1.. into initializers holding test_data_set_0's values
(the same data, so the expected outputs are unchanged). The conformance
manifest says per case which model it runs.

`index.txt` names the ONNX op each case tests: the op of its single node, or
for a multi-node case (`_expanded` variants) the op of the case it expands.
The conformance test uses it to fail when the manifest misses a case of an
op it covers (e.g. after an onnx upgrade).
"""

import argparse
import os
import re
import sys

import onnx
import onnx.backend.test.case.node as node_test
from onnx.backend.test import cmd_tools


def write_consts_variant(case_dir: str) -> None:
    model = onnx.load(os.path.join(case_dir, "model.onnx"))
    graph = model.graph
    if len(graph.input) < 2:
        return
    data = os.path.join(case_dir, "test_data_set_0")
    for j in range(1, len(graph.input)):
        if not graph.input[j].type.HasField("tensor_type"):
            return  # sequences, optionals: nothing to bake
    for j in range(1, len(graph.input)):
        t = onnx.TensorProto()
        with open(os.path.join(data, f"input_{j}.pb"), "rb") as f:
            t.ParseFromString(f.read())
        t.name = graph.input[j].name
        graph.initializer.append(t)
    kept = graph.input[0]
    del graph.input[:]
    graph.input.append(kept)
    onnx.save(model, os.path.join(case_dir, "model_consts.onnx"))


def case_op(node_dir: str, name: str) -> str:
    """The op a case tests (see the module doc), or "" when unknown."""
    for base in (name, re.sub(r"_expanded(_ver\d+)?$", "", name)):
        path = os.path.join(node_dir, base, "model.onnx")
        if os.path.exists(path):
            nodes = onnx.load(path).graph.node
            if len(nodes) == 1:
                return nodes[0].op_type
    return ""


def main() -> None:
    out = sys.argv[1]
    # generate_data() writes whatever `model_test.collect_testcases()` returns,
    # under <out>/<case.kind>/<case.name>; node cases have kind "node".
    cmd_tools.model_test.collect_testcases = node_test.collect_testcases
    cmd_tools.generate_data(argparse.Namespace(output=out))
    node_dir = os.path.join(out, "node")
    names = sorted(os.listdir(node_dir))
    for name in names:
        write_consts_variant(os.path.join(node_dir, name))
    with open(os.path.join(node_dir, "index.txt"), "w") as f:
        for name in names:
            f.write(f"{name} {case_op(node_dir, name) or '?'}\n")
    print(f"onnx {onnx.__version__}: node cases written to {node_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
