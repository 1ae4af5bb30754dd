#!/usr/bin/env python3
"""Measures the cost of `committed` against `private` weights and prints a
Markdown table (the "Committed vs private weights" section of BENCHMARKS.md).

    python3 scripts/bench_committed.py [--repeat N] [--shared ../shared] [--models mlp lenet …]

Same statement for every row except the weights: input private, output
public. zkml runs as `zkml time MODEL INPUT --json --input private --weights
W` (every step: setup, prove with a fresh weights blinding, verify), through
scripts/bench.py's helpers (peak RSS of the process, medians over --repeat).
Models: SHARED/bench/make_models.py (mlp, lenet, cifar_cnn) and the bundled
examples/mnist_cnn. The load average before and after each row is printed
with it: the machine is shared.
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (helpers: run, zkml_time, fmt)

ROOT = bench.ROOT


def load():
    return os.getloadavg()[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--models", nargs="*", default=["mlp", "lenet", "cifar_cnn", "mnist_cnn"])
    args = ap.parse_args()
    _, err, rc, _ = bench.run(["cargo", "build", "--release", "-p", "zkml-cli"])
    if rc != 0:
        sys.exit(err)
    zkml = os.path.join(ROOT, "target", "release", "zkml")
    tmp = tempfile.mkdtemp(prefix="zkml-bench-committed-")
    py = os.path.join(ROOT, ".venv", "bin", "python")
    subprocess.run([py if os.path.exists(py) else sys.executable,
                    os.path.join(args.shared, "bench", "make_models.py"), tmp], check=True,
                   stdout=subprocess.DEVNULL)
    paths = {m: (os.path.join(tmp, m, "model.onnx"), os.path.join(tmp, m, "input.json"))
             for m in ("mlp", "lenet", "cifar_cnn")}
    paths["mnist_cnn"] = (os.path.join(ROOT, "examples/mnist_cnn/model.onnx"),
                          os.path.join(ROOT, "examples/mnist_cnn/input_0.json"))
    lines = [
        "| model | weights | k | columns | rows | setup s | prove s | verify ms | peak RSS MiB | proof bytes | load before/after |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in args.models:
        model, inp = paths[m]
        for w in ("private", "committed"):
            before = load()
            z = bench.zkml_time(zkml, model, inp, ["--input", "private", "--weights", w], args.repeat)
            after = load()
            if "error" in z:
                lines.append(f"| {m} | {w} | error: {z['error']} |||||||||")
                continue
            s = z["seconds"]
            lines.append(
                f"| {m} | {w} | {z['k']} | {z['columns']} | {z['rows']} | {bench.fmt(s['setup'])} "
                f"| {bench.fmt(s['prove'])} | {bench.fmt(1000 * s['verify'], 1)} "
                f"| {bench.fmt(z.get('peak_rss_mib'), 0)} | {z['proof_bytes']} | {before:.2f} / {after:.2f} |")
            print(lines[-1], flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
