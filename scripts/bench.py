#!/usr/bin/env python3
"""Benchmarks zkml's two backends against EZKL on the same models, in one
run, and writes the tables (default target/bench/bench.md; BENCHMARKS.md's
sections are written by hand from them, with the load).

    python3 scripts/bench.py [--repeat N] [--shared ../shared] [--ezkl-python PY] [--mobilenet DIR] [--out FILE]

Models: the ONNX benchmark models written by SHARED/bench/make_models.py (mlp,
lenet, cifar_cnn), the bundled examples/mnist_cnn, and the earlier zkml's
MNIST msgpack model (SHARED/anchors/zkml-examples/mnist). zkml runs as
`zkml time MODEL INPUT --json --input private --precision fixed` (the
default quantization widths, as in every table here; every step: load, quantize, setup, prove,
verify), once per backend: plonk (halo2/KZG) and sumcheck (zero-knowledge
sumcheck/GKR with Hyrax commitments, transparent). EZKL runs through SHARED/bench/ezkl_run.py when PY can `import
ezkl` (e.g. a venv with `pip install ezkl onnx numpy`). Peak RSS is each
process's own maximum resident set (GNU time). Medians over --repeat runs:
wall and CPU seconds per step, the whole process's CPU, and the load
average before and after each row. The last table checks issue 12's
targets (the earlier zkml's MNIST prove <= 0.3 s, LeNet >= 20x plonk and
>= 50x EZKL, cifar_cnn <= 3 s / 2 GB / 200 KB, MobileNetV2-224 <= 5 min,
verify <= 100 ms).
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
    """Like run, but also returns the peak RSS in MiB and the CPU seconds
    (user + sys) of the whole process, from GNU time (%M, %U, %S)."""
    timer = shutil.which("time") or "/usr/bin/time"
    tmp = os.path.join(ROOT, "target", "bench", f"rss.{os.getpid()}")
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    out, err, rc, wall = run([timer, "-f", "%M %U %S", "-o", tmp] + cmd, cwd, env)
    rss = cpu = None
    try:
        m, u, s = open(tmp).read().strip().splitlines()[-1].split()
        rss, cpu = int(m) / 1024.0, float(u) + float(s)
    except (OSError, ValueError, IndexError):
        pass
    return out, err, rc, wall, rss, cpu


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def load1():
    return os.getloadavg()[0]


def zkml_time(zkml, model, inp, extra, repeat, env=None, stderr_to=None):
    """`zkml time --json` `repeat` times: medians of each step's wall and
    CPU seconds (in process), of the whole process's CPU seconds and peak
    RSS; the load average before the first run and after the last."""
    runs = []
    load_start = load1()
    for _ in range(repeat):
        out, err, rc, wall, rss, cpu = run_rss([zkml, "time", model, inp, "--json"] + extra, env=env)
        if stderr_to:
            with open(stderr_to, "w") as f:
                f.write(err)
        if rc != 0:
            return {"error": err.strip().splitlines()[-1] if err.strip() else f"exit {rc}"}
        r = json.loads(out)
        r["peak_rss_mib"] = rss
        r["process_cpu_seconds"] = cpu
        runs.append(r)
    best = dict(runs[0])
    best["repeat"] = repeat
    best["load"] = [load_start, load1()]
    best["seconds"] = {k: median([r["seconds"].get(k) for r in runs]) for k in ("setup", "prove", "verify")}
    best["cpu_seconds"] = {k: median([(r.get("cpu_seconds") or {}).get(k) for r in runs])
                           for k in ("setup", "prove", "verify")}
    best["all_seconds"] = {k: [r["seconds"].get(k) for r in runs] for k in ("prove", "verify")}
    best["peak_rss_mib"] = median([r["peak_rss_mib"] for r in runs])
    best["process_cpu_seconds"] = median([r["process_cpu_seconds"] for r in runs])
    best["at"] = f"{datetime.datetime.now(datetime.timezone.utc):%H:%M}"
    return best


def ezkl_time(py, runner, model_dir, repeat):
    """ezkl_run.py `repeat` times (wall seconds per step from the runner, the
    whole process's CPU seconds and peak RSS from GNU time)."""
    runs = []
    load_start = load1()
    for _ in range(repeat):
        work = os.path.join(model_dir, "ezkl")
        # Keep the SRS between runs (generating it is not proving), drop the rest.
        if os.path.isdir(work):
            for f in os.listdir(work):
                if not f.endswith(".srs"):
                    os.remove(os.path.join(work, f))
        out, err, rc, wall, rss, cpu = run_rss([py, runner, model_dir, "--params", "fixed"])
        if rc != 0:
            return {"error": (err.strip().splitlines() or [f"exit {rc}"])[-1]}
        r = json.loads(out.strip().splitlines()[-1])
        r["peak_rss_mib"] = rss
        r["process_cpu_seconds"] = cpu
        runs.append(r)
    best = dict(runs[0])
    best["repeat"] = repeat
    best["load"] = [load_start, load1()]
    best["process_cpu_seconds"] = median([r["process_cpu_seconds"] for r in runs])
    best["at"] = f"{datetime.datetime.now(datetime.timezone.utc):%H:%M}"
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


def ratio(a, b):
    return a / b if a and b else None


def fx(x):
    return "–" if x is None else f"{x:.1f}×"


def targets(results, mnv2):
    """Issue 12's targets against this run: (target, measured, met)."""
    by = {r["name"].split()[0]: r for r in results}

    def sc(name):
        r = by.get(name)
        z = r and r.get("zkml_sumcheck")
        return z if z and "error" not in z else None

    def get(z, *path):
        for p in path:
            z = (z or {}).get(p)
        return z

    rows = []
    zm = sc("zkml")  # "zkml mnist (msgpack)"
    p, c = get(zm, "seconds", "prove"), get(zm, "cpu_seconds", "prove")
    rows.append(("the earlier zkml's MNIST CNN: prove ≤ 0.3 s",
                 f"{fmt(p, 3)} s wall, {fmt(c, 3)} CPU s" if zm else "not run", le_(p, 0.3), le_(c, 0.3)))
    le = by.get("lenet", {})
    s_le, pl, ez = sc("lenet"), le.get("zkml"), le.get("ezkl")
    pl = pl if pl and "error" not in pl else None
    ez = ez if ez and "error" not in ez else None
    w = ratio(get(pl, "seconds", "prove"), get(s_le, "seconds", "prove"))
    cr = ratio(get(pl, "cpu_seconds", "prove"), get(s_le, "cpu_seconds", "prove"))
    rows.append(("LeNet ≥ 20× faster than plonk (prove)", f"{fx(w)} wall, {fx(cr)} CPU", ge_(w, 20), ge_(cr, 20)))
    w = ratio(get(ez, "seconds", "prove"), get(s_le, "seconds", "prove"))
    cr = ratio(get(ez, "process_cpu_seconds"), get(s_le, "process_cpu_seconds"))
    rows.append(("LeNet ≥ 50× faster than EZKL (prove)",
                 f"{fx(w)} wall (prove), {fx(cr)} CPU (whole process: EZKL's runner gives no per-step CPU)",
                 ge_(w, 50), ge_(cr, 50)))
    ci = sc("cifar_cnn")
    p, m, b = get(ci, "seconds", "prove"), get(ci, "peak_rss_mib"), get(ci, "proof_bytes")
    rows.append(("cifar_cnn prove ≤ 3 s and ≤ 2 GB",
                 f"{fmt(p)} s wall ({fmt(get(ci, 'cpu_seconds', 'prove'))} CPU s), peak {fmt(m, 0)} MiB",
                 le_(p, 3) and le_(m, 2048), le_(get(ci, "cpu_seconds", "prove"), 3) and le_(m, 2048)))
    rows.append(("cifar_cnn proof ≤ 200 KB", f"{b} bytes" if b else "not run", le_(b, 200_000), le_(b, 200_000)))
    mz = mnv2 if mnv2 and "error" not in mnv2 else None
    p = get(mz, "seconds", "prove")
    rows.append(("MobileNetV2-224 ≤ 5 min in one proof",
                 f"{fmt(p, 1)} s wall ({fmt(get(mz, 'cpu_seconds', 'prove'), 1)} CPU s), peak {fmt(get(mz, 'peak_rss_mib'), 0)} MiB, "
                 f"{get(mz, 'proof_bytes')} bytes" if mz else (mnv2 or {}).get("error", "not run"),
                 le_(p, 300), le_(get(mz, "cpu_seconds", "prove"), 300)))
    ver = [(r["name"], sc(r["name"].split()[0])) for r in results]
    ver = [(n, get(z, "seconds", "verify"), get(z, "cpu_seconds", "verify")) for n, z in ver if z]
    worst = max((v for _, v, _ in ver if v is not None), default=None)
    worst_cpu = max((c for _, _, c in ver if c is not None), default=None)
    rows.append(("verify ≤ 100 ms (every benchmark model)",
                 "; ".join(f"{n} {fmt(1000 * v, 0)} ms ({fmt(1000 * c, 0) if c is not None else '–'} CPU ms)"
                           for n, v, c in ver if v is not None),
                 le_(worst, 0.1), le_(worst_cpu, 0.1)))
    return rows


def le_(x, limit):
    """x <= limit, or None when x was not measured."""
    return None if x is None else x <= limit


def ge_(x, limit):
    return None if x is None else x >= limit


def met(ok):
    return "not measured" if ok is None else ("yes" if ok else "**no**")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--ezkl-python", default=os.path.join(ROOT, ".venv-bench", "bin", "python"))
    ap.add_argument("--repeat", type=int, default=3, help="zkml sumcheck runs per model")
    ap.add_argument("--plonk-repeat", type=int, help="zkml plonk runs per model (default: --repeat)")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "bench", "bench.md"),
                    help="where the tables go; a file with the marker line "
                         "'<!-- bench.py: notes below are kept -->' keeps what follows it")
    ap.add_argument("--only", nargs="*", help="model names to run (default: all)")
    ap.add_argument("--ezkl-models", nargs="*", default=["mlp", "lenet"],
                    help="models to run EZKL on (cifar_cnn needs k=22: EZKL cannot set it up in 24 GB)")
    ap.add_argument("--ezkl-repeat", type=int, default=1, help="EZKL runs per model (minutes each)")
    ap.add_argument("--zkml", help="a built zkml binary to measure (default: build target/release/zkml)")
    ap.add_argument("--no-plonk", action="store_true", help="skip the plonk backend's rows")
    ap.add_argument("--plonk-models", nargs="*", help="models to run the plonk backend on (default: all)")
    ap.add_argument("--no-sumcheck", action="store_true",
                    help="skip the sumcheck backend's rows")
    ap.add_argument("--mac-baseline", action="store_true",
                    help="add a plonk run per model with --no-matrix-check (multiply-accumulate rows only)")
    ap.add_argument("--mobilenet", metavar="DIR",
                    help="also prove MobileNetV2-224 with the sumcheck backend, once (DIR/model.onnx and "
                         "DIR/input.json, written by scripts/gen_mobilenetv2.py DIR when missing; "
                         "~3 GB peak: a heavy run)")
    ap.add_argument("--ezkl-from", metavar="RESULTS_JSON",
                    help="take the EZKL rows from an earlier run's target/bench/results.json (labelled with their"
                         " time and load) instead of running EZKL")
    ap.add_argument("--combine", nargs="+", metavar="RESULTS_JSON",
                    help="run nothing: render the tables from saved results.json files (e.g. the small models'"
                         " run and a MobileNetV2-224 run under the heavy-run lock)")
    args = ap.parse_args()
    if args.combine:
        return combine(args.combine, args.out)
    plonk_repeat = args.plonk_repeat or args.repeat

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
    t_start = datetime.datetime.now(datetime.timezone.utc)
    common = ["--input", "private", "--precision", "fixed"]
    results = []
    for name, model, inp, onnx_dir in cases:
        z = mac = sc = e = None
        if not args.no_plonk and (args.plonk_models is None or name.split()[0] in args.plonk_models):
            print(f"zkml plonk: {name}", file=sys.stderr)
            z = zkml_time(zkml, model, inp, common, plonk_repeat)
            if args.mac_baseline:
                mac = zkml_time(zkml, model, inp, common + ["--no-matrix-check"], plonk_repeat)
        if not args.no_sumcheck:
            print(f"zkml sumcheck: {name}", file=sys.stderr)
            sc = zkml_time(zkml, model, inp, common + ["--backend", "sumcheck"], args.repeat)
        if args.ezkl_from:
            earlier = json.load(open(args.ezkl_from))
            e = next((r.get("ezkl") for r in earlier["results"] if r["name"] == name), None)
        elif has_ezkl and onnx_dir and name in args.ezkl_models:
            print(f"ezkl: {name}", file=sys.stderr)
            e = ezkl_time(args.ezkl_python, runner, onnx_dir, args.ezkl_repeat)
        results.append({"name": name, "zkml": z or {}, "zkml_mac": mac, "zkml_sumcheck": sc, "ezkl": e})
    mnv2 = None
    if args.mobilenet:
        d = os.path.abspath(args.mobilenet)
        if not os.path.exists(os.path.join(d, "model.onnx")):
            subprocess.run([py, os.path.join(ROOT, "scripts", "gen_mobilenetv2.py"), d], cwd=ROOT, check=True,
                           capture_output=True)
        print("zkml sumcheck: MobileNetV2-224", file=sys.stderr)
        # With the backend's phase profile (stderr, kept beside results.json).
        mnv2 = zkml_time(zkml, os.path.join(d, "model.onnx"), os.path.join(d, "input.json"),
                         common + ["--backend", "sumcheck"], 1, env=dict(os.environ, ZKML_SUMCHECK_PROFILE="1"),
                         stderr_to=os.path.join(ROOT, "target", "bench", "mobilenetv2_profile.txt"))
    load_after = os.getloadavg()
    os.makedirs(os.path.join(ROOT, "target", "bench"), exist_ok=True)
    with open(os.path.join(ROOT, "target", "bench", "results.json"), "w") as f:
        json.dump({"load": [load, load_after], "start": f"{t_start:%Y-%m-%d %H:%M}",
                   "end": f"{datetime.datetime.now(datetime.timezone.utc):%H:%M}",
                   "results": results, "mobilenetv2": mnv2}, f, indent=1)

    when = f"{t_start:%Y-%m-%d %H:%M}–{datetime.datetime.now(datetime.timezone.utc):%H:%M}"
    how = f"--repeat {args.repeat} --plonk-repeat {plonk_repeat} --ezkl-repeat {args.ezkl_repeat}"
    render(results, mnv2, load, load_after, when, how, args.out)


def combine(paths, out):
    """Renders the tables from saved results.json files (later files fill what earlier ones lack)."""
    results, mnv2, loads, whens = [], None, [], []
    for p in paths:
        d = json.load(open(p))
        loads += d["load"]
        whens.append(f"{d.get('start', '?')}–{d.get('end', '?')}")
        mnv2 = mnv2 or d.get("mobilenetv2")
        for r in d["results"]:
            have = next((x for x in results if x["name"] == r["name"]), None)
            if have is None:
                results.append(r)
            else:
                for k, v in r.items():
                    if v and not have.get(k):
                        have[k] = v
    render(results, mnv2, loads[0], loads[-1], ", ".join(whens),
           "… --out FILE` runs combined by `--combine " + " ".join(os.path.basename(p) for p in paths), out)


def render(results, mnv2, load, load_after, when, how, out):
    """Writes the tables for `results` (and MobileNetV2-224's `mnv2`) to `out`."""
    lines = [
        "# Benchmarks",
        "",
        f"Measured {when} UTC by `scripts/bench.py {how}`"
        f" on {platform.machine()} with {os.cpu_count()} cores; load average (1 min) {load[0]:.2f} at the start,"
        f" {load_after[0]:.2f} at the end; each row gives its own (start→end)."
        f" Medians of the repeats; zkml plonk, zkml sumcheck and EZKL measured in the same run, one after the other.",
        "Same statement for all: input private, weights fixed (constants bound by the verifying key), output public."
        " zkml plonk: halo2-axiom, KZG on BN254, SHPLONK. zkml sumcheck: `--backend sumcheck` (zero-knowledge"
        " sumcheck/GKR, Hyrax commitments on BN254, no trusted setup; k = log2 of its widest table; setup derives"
        " generators, no SRS). EZKL: `ezkl_run.py --params fixed` (`--target resources`).",
        "Wall seconds are `zkml time`'s in-process steps; CPU seconds are the same steps' CPU time (user + system,"
        " all threads, `cpu_seconds` in `zkml time --json`); \"process CPU\" is the whole process under GNU time"
        " (load, quantize, setup, prove, verify; for EZKL its whole runner). Peak RSS: the whole process."
        " On a shared machine wall seconds grow with the load; CPU seconds are the load-independent figure.",
        "",
        "| model | system | k | setup s | prove s | prove CPU s | verify ms | verify CPU ms | process CPU s | peak RSS MiB | proof bytes | accuracy vs float | load |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def row(name, system, z):
        if not z:
            return
        if "error" in z:
            lines.append(f"| {name} | {system} | error: {z['error']} |||||||||||")
            return
        s, c = z.get("seconds", {}), z.get("cpu_seconds") or {}
        ms = lambda x: fmt(1000 * x, 1) if x is not None else "–"
        acc = (f"argmax {'agrees' if z.get('argmax_agree') else 'differs'}, err {100 * z.get('relative_error', 0):.2f}%"
               if "relative_error" in z else f"scale 2^-{z.get('scale')}")
        ld = z.get("load") or [None, None]
        lines.append(f"| {name} | {system} | {z.get('k', z.get('logrows'))} | {fmt(s.get('setup'))} | {fmt(s.get('prove'), 3)} "
                     f"| {fmt(c.get('prove'), 3)} | {ms(s.get('verify'))} | {ms(c.get('verify'))} "
                     f"| {fmt(z.get('process_cpu_seconds'))} | {fmt(z.get('peak_rss_mib'), 0)} | {z.get('proof_bytes')} "
                     f"| {acc} | {fmt(ld[0])}→{fmt(ld[1])} |")

    for r in results:
        row(r["name"], f"zkml plonk ×{(r['zkml'] or {}).get('repeat', '')}", r["zkml"])
        row(r["name"], f"zkml plonk, MAC rows only ×{(r.get('zkml_mac') or {}).get('repeat', '')}", r.get("zkml_mac"))
        row(r["name"], f"zkml sumcheck ×{(r.get('zkml_sumcheck') or {}).get('repeat', '')}", r.get("zkml_sumcheck"))
        e = r.get("ezkl")
        row(r["name"], f"EZKL ×{(e or {}).get('repeat', '')}" + (f" (at {e.get('at')} UTC)" if e and e.get("at") else ""), e)
    row("MobileNetV2-224", "zkml sumcheck ×1" + (f" (at {mnv2.get('at')} UTC)" if mnv2 and mnv2.get("at") else ""), mnv2)

    lines += ["", "Prove ratios (same run):", "",
              "| model | plonk / sumcheck, wall | plonk / sumcheck, CPU | EZKL / sumcheck, wall | EZKL / sumcheck, process CPU |",
              "| --- | --- | --- | --- | --- |"]
    for r in results:
        sc, z, e = r.get("zkml_sumcheck"), r.get("zkml"), r.get("ezkl")
        if not sc or "error" in sc:
            continue
        z = z if z and "error" not in z else {}
        e = e if e and "error" not in e else {}
        g = lambda d, a, b: (d.get(a) or {}).get(b)
        lines.append(f"| {r['name']} | {fx(ratio(g(z, 'seconds', 'prove'), g(sc, 'seconds', 'prove')))} "
                     f"| {fx(ratio(g(z, 'cpu_seconds', 'prove'), g(sc, 'cpu_seconds', 'prove')))} "
                     f"| {fx(ratio(g(e, 'seconds', 'prove'), g(sc, 'seconds', 'prove')))} "
                     f"| {fx(ratio(e.get('process_cpu_seconds'), sc.get('process_cpu_seconds')))} |")
    lines += ["", "Issue 12's targets in this run (\"met\": the wall figure at this run's load; \"met in CPU\": the same"
              " figure in CPU seconds or CPU ratios, what the steps cost whatever the load):", "",
              "| target | measured | met | met in CPU |", "| --- | --- | --- | --- |"]
    for t, m, ok, ok_cpu in targets(results, mnv2):
        lines.append(f"| {t} | {m} | {met(ok)} | {met(ok_cpu)} |")
    lines.append("")
    text = "\n".join(lines)
    print(text)
    marker = "<!-- bench.py: notes below are kept -->"
    notes = ""
    if os.path.exists(out):
        old = open(out).read()
        if marker in old:
            notes = old[old.index(marker):]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n" + (notes or marker + "\n"))
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
