"""Writes the ONNX backend *node* test cases (one directory per case, with
model.onnx and test_data_set_0/{input,output}_*.pb) to the directory given as
the only argument. Called by scripts/gen-onnx-cases.sh, which handles caching
and atomic replacement.

The onnx wheel no longer ships its test data, and `backend-test-tools
generate-data` writes only the model-level cases, so we feed the node-case
collector to the same writer.
"""

import argparse
import sys

import onnx
import onnx.backend.test.case.node as node_test
from onnx.backend.test import cmd_tools


def main() -> None:
    out = sys.argv[1]
    # generate_data() writes whatever `model_test.collect_testcases()` returns,
    # under <out>/<case.kind>/<case.name>; node cases have kind "node".
    cmd_tools.model_test.collect_testcases = node_test.collect_testcases
    cmd_tools.generate_data(argparse.Namespace(output=out))
    print(f"onnx {onnx.__version__}: node cases written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
