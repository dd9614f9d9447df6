"""Train the handwritten symbol classifier and export it to ONNX.

Deterministic for a given seed. Data:

- the pen-based digits training writers in ``../shared/data/pendigits-train.csv``
  (split by writer block: see ``WRITER_SPLITS``; the calibration and test
  blocks are never trained on);
- synthetic ink of every class from Hershey glyphs and hand-drawn variants,
  written by random writer styles (``edge.sim.handwriting``);
- optional teacher-confirmed ink exported from the store (``--extra DIR``,
  format in docs/recognition.md).

Needs the ``train`` extra: torch 2.13 (CPU), onnx and onnxscript. Run:

    .venv/bin/python scripts/train_recognizer.py --epochs 14
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from edge.inference.recognition import glyphs  # noqa: E402
from edge.inference.recognition.features import FEATURES, RASTER, symbol_inputs  # noqa: E402
from edge.inference.recognition.ink import Ink  # noqa: E402
from edge.inference.recognition.symbols import CLASS_INDEX, CLASSES, DIGITS  # noqa: E402
from edge.sim.handwriting import WriterStyle, _catmull_rom, symbol_strokes  # noqa: E402

log = logging.getLogger("train_recognizer")

PENDIGITS = ROOT.parent / "shared" / "data" / "pendigits-train.csv"
MODEL_DIR = ROOT / "edge" / "inference" / "models"
GLYPH_FILE = ROOT / "edge" / "inference" / "recognition" / "data" / "hershey.json"

# The file lists about 250 digits per writer in writer order. Blocks are cut
# with a 250-row gap between them so no writer lands in two blocks.
WRITER_SPLITS = {"train": (0, 5250), "calib": (5500, 6250), "test": (6500, 7494)}
# Synthetic writers: seeds of each split never overlap.
STYLE_SEEDS = {"train": 0, "calib": 10_000_000, "test": 20_000_000}

_SHRINKABLE = frozenset((*DIGITS, "+", "-", "(", ")", "=", "√", "×", "/"))


HERSHEY_TEXT = "0123456789ABCDEFHJLNPVWabcdghkmnstvxyz+-=()./<>%,"
HERSHEY_MATH = {
    "#": "×",
    "x": "÷",
    "`": "°",
    "!": "±",
    "&": "≤",
    "'": "≥",
    "?": "≠",
    "+": "+",
    "-": "-",
    "=": "=",
    "(": "(",
    ")": ")",
    "<": "<",
    ">": ">",
}
HERSHEY_FONTS = {
    "futural": HERSHEY_TEXT,
    "rowmans": HERSHEY_TEXT,
    "scripts": "ABCDEFHJLNPVWabcdghkmnstvxyz",
}


def extract_hershey(wheel: Path, out: Path) -> None:
    """Write the glyphs the recognizer uses from a Hershey-Fonts wheel (MIT) as JSON."""
    import importlib.util
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        source = zf.read("HersheyFonts/HersheyFonts.py")
    spec = importlib.util.spec_from_loader("hershey_fonts", loader=None)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    exec(compile(source, "HersheyFonts.py", "exec"), module.__dict__)
    data = {}
    for font, chars in [*HERSHEY_FONTS.items(), ("mathlow", None)]:
        fonts = module.HersheyFonts()
        fonts.load_default_font(font)
        mapping = HERSHEY_MATH if chars is None else {c: c for c in chars}
        data[font] = {
            name: [
                [[int(x), int(y)] for x, y in s]
                for s in next(iter(fonts.glyphs_for_text(code))).strokes
            ]
            for code, name in mapping.items()
        }
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    out.write_text(text + "\n", encoding="utf-8")


def load_pendigits(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Labels and (n, 8, 2) points, y downward in 0..1, of one writer split."""
    raw = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    lo, hi = WRITER_SPLITS[split]
    rows = raw[lo:hi]
    points = rows[:, 1:].reshape(-1, 8, 2) / 100.0
    points[:, :, 1] = 1.0 - points[:, :, 1]
    return rows[:, 0].astype(np.int64), points


def pendigit_ink(label: int, points: np.ndarray, rng: random.Random) -> list[Ink]:
    """One stored pen-digit as ink, with the aspect ratio the data set dropped."""
    pts = points.copy()
    if rng.random() > 0.35:
        aspect = rng.uniform(0.05, 0.35) if label == 1 else rng.uniform(0.45, 0.9)
        pts[:, 0] *= aspect
    shear, turn = rng.gauss(0.0, 0.12), rng.gauss(0.0, 0.05)
    pts[:, 0] -= shear * (pts[:, 1] - 0.5)
    rot = np.array(
        [[math.cos(turn), math.sin(turn)], [-math.sin(turn), math.cos(turn)]]
    )
    pts = pts @ rot
    if rng.random() < 0.5:
        pts = _catmull_rom(pts, per_segment=8)
    return [pts * rng.uniform(0.85, 1.1)]


def synthetic_ink(symbol: str, seed: int, rng: random.Random) -> list[Ink]:
    """One synthetic symbol in line-height units from a fresh writer style."""
    style = WriterStyle.random(random.Random(seed))
    variant = rng.randrange(len(glyphs.variants(symbol)))
    strokes = symbol_strokes(symbol, style, rng, variant=variant)
    if symbol == ".":
        strokes = [s[: rng.randint(1, len(s))] for s in strokes]
    if symbol in _SHRINKABLE and rng.random() < 0.2:
        strokes = [s * rng.uniform(0.55, 0.8) for s in strokes]
    return strokes


def _jobs(split: str, per_class: int, pen_copies: int, seed: int) -> list[tuple]:
    jobs: list[tuple] = []
    if pen_copies:
        labels, points = load_pendigits(PENDIGITS, split)
        for k in range(pen_copies):
            jobs.extend(
                ("pen", int(lab), pts, seed + k * 100_003 + i)
                for i, (lab, pts) in enumerate(zip(labels, points, strict=True))
            )
    base = STYLE_SEEDS[split] + seed * 1_000_003
    for ci, symbol in enumerate(CLASSES):
        count = per_class // 2 if symbol in DIGITS else per_class
        jobs.extend(("syn", symbol, None, base + ci * 10_007 + j) for j in range(count))
    return jobs


def _render(job: tuple) -> tuple[np.ndarray, np.ndarray, int]:
    kind, label, pts, seed = job
    rng = random.Random(seed)
    if kind == "pen":
        strokes, name = pendigit_ink(label, pts, rng), str(label)
    elif kind == "syn":
        strokes, name = synthetic_ink(label, seed, rng), label
    else:
        strokes, name = [np.asarray(s, dtype=np.float64) for s in pts], label
    ref = rng.uniform(0.85, 1.2) if kind != "extra" else 1.0
    image, vector = symbol_inputs(strokes, ref)
    return image, vector, CLASS_INDEX[name]


def extra_jobs(folder: Path, model_dir: Path) -> list[tuple]:
    """Teacher-confirmed symbols and answers from JSONL files in ``folder``.

    A line with ``label`` is one symbol; a line with ``text`` is a whole
    reviewed answer, cut into labelled symbols by aligning the text with the
    readings of the model in ``model_dir`` (answers that do not align are
    skipped). Format in docs/recognition.md.
    """
    from edge.inference.recognition import Recognizer
    from edge.inference.recognition.corrections import label_symbols
    from edge.inference.recognition.recognizer import prepare
    from edge.inference.recognition.segment import line_height

    recognizer = Recognizer.load(model_dir)
    jobs: list[tuple] = []
    skipped = 0
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
            strokes = [[(p[0], p[1]) for p in s] for s in record["strokes"]]
            if "label" in record:
                jobs.extend(
                    _symbol_job(record["label"], strokes, record, f"{path}:{n}")
                )
                continue
            inks = prepare(strokes)
            labels = label_symbols(recognizer, inks, record["text"], record.get("kind"))
            if labels is None:
                skipped += 1
                continue
            ref = line_height(inks)
            for group, label in labels:
                scaled = [[(x / ref, y / ref) for x, y in inks[j]] for j in group]
                jobs.append(("extra", label, scaled, n))
    log.info("extra data: %d symbols, %d answers not aligned", len(jobs), skipped)
    return jobs


def _symbol_job(label: str, strokes: list, record: dict, where: str) -> list[tuple]:
    if label not in CLASS_INDEX:
        log.warning("%s: unknown symbol %r skipped", where, label)
        return []
    height = _ink_height(strokes, record.get("line_height"))
    scaled = [[(x / height, y / height) for x, y in s] for s in strokes]
    return [("extra", label, scaled, 0)]


def _ink_height(strokes: list[list[tuple[float, float]]], given: float | None) -> float:
    if given:
        return float(given)
    ys = [y for s in strokes for _, y in s]
    return max(max(ys) - min(ys), 1e-3)


def build_set(
    jobs: list[tuple], workers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images, feature vectors and labels for ``jobs``, in job order."""
    with ProcessPoolExecutor(workers) as pool:
        out = list(pool.map(_render, jobs, chunksize=256))
    images = np.stack([o[0] for o in out])[:, None]
    vectors = np.stack([o[1] for o in out])
    labels = np.array([o[2] for o in out], dtype=np.int64)
    return images, vectors, labels


def make_model():  # type: ignore[no-untyped-def]
    """The two-branch network: a small CNN on the raster, an MLP on the features."""
    import torch
    from torch import nn

    class SymbolNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1),
                nn.BatchNorm2d(16),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1),
                nn.BatchNorm2d(32),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding=1),
                nn.BatchNorm2d(64),
                nn.ReLU(),
                nn.MaxPool2d(2),
            )
            self.image_fc = nn.Linear(64 * (RASTER // 8) ** 2, 128)
            self.feature_fc = nn.Sequential(nn.Linear(FEATURES, 64), nn.ReLU())
            self.head = nn.Sequential(
                nn.ReLU(),
                nn.Dropout(0.2),
                nn.Linear(192, 128),
                nn.ReLU(),
                nn.Linear(128, len(CLASSES)),
            )

        def forward(self, image: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
            a = self.image_fc(self.conv(image).flatten(1))
            b = self.feature_fc(features)
            return self.head(torch.cat([a, b], dim=1))

    return SymbolNet()


def batches(n: int, size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    order = rng.permutation(n)
    for i in range(0, n, size):
        yield order[i : i + size]


def train(  # type: ignore[no-untyped-def]
    sets: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    epochs: int,
    seed: int,
    checkpoint: Path | None = None,
):
    """Train on the prepared sets (one per epoch, cycled); returns the model."""
    import torch

    torch.manual_seed(seed)
    torch.set_flush_denormal(True)
    torch.use_deterministic_algorithms(True)
    model = make_model()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = epochs * math.ceil(len(sets[0][2]) / 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=3e-3, total_steps=steps + 10
    )
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.05)
    rng = np.random.default_rng(seed)
    for epoch in range(epochs):
        images, vectors, labels = sets[epoch % len(sets)]
        model.train()
        total, correct, started = 0.0, 0, time.perf_counter()
        for idx in batches(len(labels), 128, rng):
            x, f, y = (torch.from_numpy(a[idx]) for a in (images, vectors, labels))
            opt.zero_grad()
            logits = model(x, f)
            loss = loss_fn(logits, y)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == y).sum())
        log.info(
            "epoch %d loss %.4f train acc %.4f (%.0f s)",
            epoch + 1,
            total / len(labels),
            correct / len(labels),
            time.perf_counter() - started,
        )
        if checkpoint is not None:
            export(model, checkpoint)
    return model


def accuracy(model, data: tuple[np.ndarray, np.ndarray, np.ndarray]) -> float:  # type: ignore[no-untyped-def]
    import torch

    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(data[0]), torch.from_numpy(data[1]))
    return float((logits.argmax(1).numpy() == data[2]).mean())


def export(model, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Write the model as ONNX (opset 17, dynamic batch axis)."""
    import torch

    model.eval()
    dummy = (torch.zeros(1, 1, RASTER, RASTER), torch.zeros(1, FEATURES))
    torch.onnx.export(
        model,
        dummy,
        str(path),
        input_names=["image", "features"],
        output_names=["logits"],
        opset_version=17,
        dynamo=False,
        dynamic_axes={"image": {0: "n"}, "features": {0: "n"}, "logits": {0: "n"}},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=14)
    parser.add_argument(
        "--per-class",
        type=int,
        default=900,
        help="synthetic samples per class and epoch variant",
    )
    parser.add_argument(
        "--pen-copies",
        type=int,
        default=2,
        help="augmented copies of each pen-digit per variant",
    )
    parser.add_argument(
        "--variants",
        type=int,
        default=2,
        help="differently augmented training sets, cycled per epoch",
    )
    parser.add_argument(
        "--extra", type=Path, help="folder of teacher-confirmed JSONL ink"
    )
    parser.add_argument(
        "--extra-weight",
        type=int,
        default=4,
        help="how many times each extra sample is repeated",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument(
        "--name",
        default="symbols",
        help="model file stem; every symbols*.onnx joins the ensemble",
    )
    parser.add_argument(
        "--extract-hershey",
        type=Path,
        metavar="WHEEL",
        help="only rewrite the glyph file from a Hershey-Fonts wheel",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.extract_hershey:
        extract_hershey(args.extract_hershey, GLYPH_FILE)
        return 0
    started = time.perf_counter()

    extra = extra_jobs(args.extra, MODEL_DIR) * args.extra_weight if args.extra else []
    sets = []
    for v in range(args.variants):
        jobs = _jobs("train", args.per_class, args.pen_copies, args.seed + v) + extra
        sets.append(build_set(jobs, args.workers))
        log.info("training set %d: %d samples", v + 1, len(sets[-1][2]))
    calib = build_set(_jobs("calib", 60, 1, args.seed), args.workers)

    import torch

    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    partial = args.out / f"partial-{args.name}.onnx"  # not picked up as a model
    model = train(sets, args.epochs, args.seed, partial)
    held_out = accuracy(model, calib)
    log.info("calibration-writer symbol accuracy %.4f", held_out)
    args.out.mkdir(parents=True, exist_ok=True)
    export(model, args.out / f"{args.name}.onnx")
    partial.unlink(missing_ok=True)
    meta = {
        "classes": list(CLASSES),
        "epochs": args.epochs,
        "seed": args.seed,
        "per_class": args.per_class,
        "pen_copies": args.pen_copies,
        "variants": args.variants,
        "train_samples": len(sets[0][2]),
        "extra_samples": len(extra),
        "calib_symbol_accuracy": round(held_out, 4),
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    (args.out / f"training-{args.name}.json").write_text(
        json.dumps(meta, indent=2) + "\n"
    )
    log.info("wrote %s", args.out / f"{args.name}.onnx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
