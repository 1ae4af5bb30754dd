#!/usr/bin/env python3
"""Benchmarks zkml against EZKL on the same models, in one run, and writes
BENCHMARKS.md.

    python3 scripts/bench.py [--repeat N] [--shared ../shared] [--ezkl-python PY] [--out BENCHMARKS.md]

Models: the ONNX benchmark models written by SHARED/bench/make_models.py (mlp,
lenet, cifar_cnn), the bundled examples/mnist_cnn, and the earlier zkml's
MNIST msgpack model (SHARED/anchors/zkml-examples/mnist). zkml runs as
`zkml time MODEL INPUT --json --input private --precision fixed` (the
default quantization widths, as in every table here; every step: load, quantize, setup, prove,
verify), once per backend: plonk (halo2/KZG) and sumcheck (zero-knowledge
sumcheck/GKR with Hyrax commitments, transparent). EZKL runs through SHARED/bench/ezkl_run.py when PY can `import
ezkl` (e.g. a venv with `pip install ezkl onnx numpy`). Peak RSS is each
process's own maximum resident set (wait4). Medians over --repeat runs.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, cwd=ROOT, env=None):
    """Runs cmd; returns (stdout, stderr, returncode, wall seconds)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.communicate()
    wall = time.perf_counter() - t
    return out.decode(), err.decode(), p.returncode, wall


def run_rss(cmd, cwd=ROOT, env=None):
    """Like run, but also returns the process tree's peak RSS in MiB (GNU time's %M)."""
    timer = shutil.which("time") or "/usr/bin/time"
    tmp = os.path.join(ROOT, "target", "bench", f"rss.{os.getpid()}")
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    out, err, rc, wall = run([timer, "-f", "%M", "-o", tmp] + cmd, cwd, env)
    try:
        rss = int(open(tmp).read().strip().splitlines()[-1]) / 1024.0
    except (OSError, ValueError, IndexError):
        rss = None
    return out, err, rc, wall, rss


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def zkml_time(zkml, model, inp, extra, repeat):
    runs = []
    for _ in range(repeat):
        out, err, rc, wall, rss = run_rss([zkml, "time", model, inp, "--json"] + extra)
        if rc != 0:
            return {"error": err.strip().splitlines()[-1] if err.strip() else f"exit {rc}"}
        r = json.loads(out)
        r["peak_rss_mib"] = rss
        runs.append(r)
    best = dict(runs[0])
    for key in ("setup", "prove", "verify"):
        best["seconds"][key] = median([r["seconds"].get(key) for r in runs])
    best["peak_rss_mib"] = median([r["peak_rss_mib"] for r in runs])
    return best


def ezkl_time(py, runner, model_dir, repeat):
    runs = []
    for _ in range(repeat):
        work = os.path.join(model_dir, "ezkl")
        # Keep the SRS between runs (generating it is not proving), drop the rest.
        if os.path.isdir(work):
            for f in os.listdir(work):
                if not f.endswith(".srs"):
                    os.remove(os.path.join(work, f))
        out, err, rc, wall, rss = run_rss([py, runner, model_dir, "--params", "fixed"])
        if rc != 0:
            return {"error": (err.strip().splitlines() or [f"exit {rc}"])[-1]}
        r = json.loads(out.strip().splitlines()[-1])
        r["peak_rss_mib"] = rss
        runs.append(r)
    best = dict(runs[0])
    for key in ("setup", "prove", "verify"):
        best["seconds"][key] = median([r["seconds"].get(key) for r in runs])
    best["peak_rss_mib"] = median([r["peak_rss_mib"] for r in runs])
    return best


def fmt(x, digits=2):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--ezkl-python", default=os.path.join(ROOT, ".venv-bench", "bin", "python"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    ap.add_argument("--only", nargs="*", help="model names to run (default: all)")
    ap.add_argument("--ezkl-models", nargs="*", default=["mlp", "lenet", "cifar_cnn"],
                    help="models to run EZKL on (cifar_cnn needs k=22: ~30 GB·min of SRS and setup)")
    ap.add_argument("--ezkl-repeat", type=int, default=1, help="EZKL runs per model (minutes each)")
    ap.add_argument("--zkml", help="a built zkml binary to measure (default: build target/release/zkml)")
    ap.add_argument("--no-sumcheck", action="store_true",
                    help="skip the sumcheck backend's rows")
    ap.add_argument("--no-mac-baseline", action="store_true",
                    help="skip the extra zkml run per model with --no-matrix-check (multiply-accumulate rows only)")
    args = ap.parse_args()

    if args.zkml:
        zkml = os.path.abspath(args.zkml)
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "zkml-cli"], cwd=ROOT, check=True)
        zkml = os.path.join(ROOT, "target", "release", "zkml")
    py = subprocess.run([os.path.join(ROOT, "scripts", "pyenv.sh")], cwd=ROOT, check=True,
                        capture_output=True, text=True).stdout.strip()
    models_dir = os.path.join(ROOT, "target", "bench", "models")
    make = os.path.join(args.shared, "bench", "make_models.py")
    runner = os.path.join(args.shared, "bench", "ezkl_run.py")
    cases = []  # (name, model, input, onnx dir for EZKL or None)
    if os.path.exists(make):
        subprocess.run([py, make, models_dir], cwd=ROOT, check=True, capture_output=True)
        for name in ("mlp", "lenet", "cifar_cnn"):
            d = os.path.join(models_dir, name)
            cases.append((name, os.path.join(d, "model.onnx"), os.path.join(d, "input.json"), d))
    cases.append(("mnist_cnn (bundled)", "examples/mnist_cnn/model.onnx", "examples/mnist_cnn/input_0.json", None))
    mn = os.path.join(args.shared, "anchors", "zkml-examples", "mnist")
    if os.path.isdir(mn):
        cases.append(("zkml mnist (msgpack)", os.path.join(mn, "model.msgpack"), os.path.join(mn, "inp.msgpack"), None))
    if args.only:
        cases = [c for c in cases if c[0].split()[0] in args.only]

    has_ezkl = os.path.exists(args.ezkl_python) and subprocess.run(
        [args.ezkl_python, "-c", "import ezkl"], capture_output=True).returncode == 0 and os.path.exists(runner)
    load = os.getloadavg()
    results = []
    for name, model, inp, onnx_dir in cases:
        print(f"zkml: {name}", file=sys.stderr)
        z = zkml_time(zkml, model, inp, ["--input", "private", "--precision", "fixed"], args.repeat)
        mac = None
        if not args.no_mac_baseline:
            mac = zkml_time(zkml, model, inp, ["--input", "private", "--precision", "fixed", "--no-matrix-check"], args.repeat)
        sc = None
        if not args.no_sumcheck:
            print(f"zkml sumcheck: {name}", file=sys.stderr)
            sc = zkml_time(zkml, model, inp, ["--input", "private", "--precision", "fixed", "--backend", "sumcheck"], args.repeat)
        e = None
        if has_ezkl and onnx_dir and name in args.ezkl_models:
            print(f"ezkl: {name}", file=sys.stderr)
            e = ezkl_time(args.ezkl_python, runner, onnx_dir, args.ezkl_repeat)
        results.append({"name": name, "zkml": z, "zkml_mac": mac, "zkml_sumcheck": sc, "ezkl": e})
    load_after = os.getloadavg()
    os.makedirs(os.path.join(ROOT, "target", "bench"), exist_ok=True)
    with open(os.path.join(ROOT, "target", "bench", "results.json"), "w") as f:
        json.dump(results, f, indent=1)

    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by `scripts/bench.py --repeat {args.repeat} --ezkl-repeat {args.ezkl_repeat}`"
        f" on {platform.machine()} with {os.cpu_count()} cores; load average {load[0]:.2f} before, {load_after[0]:.2f} after."
        f" Medians of the repeats (zkml {args.repeat}, EZKL {args.ezkl_repeat}); zkml and EZKL measured in the same run, one after the other.",
        "Same statement for both: input private, weights fixed (constants bound by the verifying key), output public."
        " zkml: halo2-axiom, KZG on BN254, SHPLONK. EZKL 23: `ezkl_run.py --params fixed` (`--target resources`).",
        "Peak RSS is the whole process's maximum resident set. Setup excludes SRS generation for both."
        " \"zkml\" uses the randomized matrix check where the planner finds it saves rows; \"MAC rows only\" is `--no-matrix-check`."
        " \"zkml sumcheck\" is `--backend sumcheck` (zero-knowledge sumcheck/GKR, Hyrax commitments on BN254, no trusted setup;"
        " k = log2 of its widest table, no columns; its setup derives generators and needs no SRS).",
        "",
        "| model | system | k | columns | setup s | prove s | verify ms | peak RSS MiB | proof bytes | accuracy vs float | prove ratio (EZKL / zkml; sumcheck rows: (plonk / sumcheck)) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        z, e = r["zkml"], r["ezkl"]
        rows = [("zkml", z)]
        if r.get("zkml_mac"):
            rows.append(("zkml, MAC rows only", r["zkml_mac"]))
        if r.get("zkml_sumcheck"):
            rows.append(("zkml sumcheck", r["zkml_sumcheck"]))
        for system, z in rows:
            if "error" in z:
                lines.append(f"| {r['name']} | {system} | error: {z['error']} |||||||||")
                continue
            s = z["seconds"]
            acc = f"argmax {'agrees' if z.get('argmax_agree') else 'differs'}, err {100 * z.get('relative_error', 0):.2f}%"
            ratio = ""
            if e and "error" not in e and s.get("prove"):
                ratio = f"{e['seconds']['prove'] / s['prove']:.1f}×"
            plonk = r["zkml"].get("seconds", {}).get("prove")
            if system == "zkml sumcheck" and plonk and s.get("prove"):
                # The same run's plonk row against this one.
                ratio = f"{ratio} (plonk {plonk / s['prove']:.1f}×)".strip()
            lines.append(f"| {r['name']} | {system} | {z.get('k')} | {z.get('columns') or '–'} | {fmt(s.get('setup'))} | {fmt(s.get('prove'))} "
                         f"| {fmt(1000 * s['verify'] if s.get('verify') is not None else None, 1)} | {fmt(z.get('peak_rss_mib'), 0)} "
                         f"| {z.get('proof_bytes')} | {acc} | {ratio} |")
        if e:
            if "error" in e:
                lines.append(f"| {r['name']} | EZKL | error: {e['error']} |||||||||")
            else:
                s = e["seconds"]
                lines.append(f"| {r['name']} | EZKL | {e.get('logrows')} | – | {fmt(s.get('setup'))} | {fmt(s.get('prove'))} "
                             f"| {fmt(1000 * s['verify'], 1)} | {fmt(e.get('peak_rss_mib'), 0)} | {e.get('proof_bytes')} | scale 2^-{e.get('scale')} | |")
    lines.append("")
    text = "\n".join(lines)
    print(text)
    marker = "<!-- bench.py: notes below are kept -->"
    notes = ""
    if os.path.exists(args.out):
        old = open(args.out).read()
        if marker in old:
            notes = old[old.index(marker):]
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n" + (notes or marker + "\n"))
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
