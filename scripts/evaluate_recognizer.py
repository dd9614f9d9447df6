"""Evaluate the recognizer on held-out writers; fit its confidence calibration.

Answers of eight kinds (digits, integers, negatives, decimals, fractions,
expressions, units, letters) are written as ink: every digit is a real
pen-digit of one held-out writer block of the UCI pen-based digits file, the
other symbols are synthetic ink of held-out synthetic writers. The
calibration writers fit the confidence model and choose the auto-grade
threshold; the test writers, never used for anything else, give the figures.

    .venv/bin/python scripts/evaluate_recognizer.py            # fit + report
    .venv/bin/python scripts/evaluate_recognizer.py --pendigits-test FILE

``--pendigits-test`` takes a file in the same CSV format (for example the
data set's reserved writers, kept by whoever runs the final check) and uses
its digits in the test answers instead of the test block.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_recognizer import (  # noqa: E402
    MODEL_DIR,
    PENDIGITS,
    STYLE_SEEDS,
    WRITER_SPLITS,
    _jobs,
    build_set,
)

from edge.inference.recognition.calibrate import Calibration, evidence  # noqa: E402
from edge.inference.recognition.classifier import SymbolClassifier  # noqa: E402
from edge.inference.recognition.features import symbol_inputs  # noqa: E402
from edge.inference.recognition.recognizer import (  # noqa: E402
    Recognizer,
    capped,
    prepare,
)
from edge.inference.recognition.symbols import CLASSES  # noqa: E402
from edge.models import Rect  # noqa: E402
from edge.sim.handwriting import WriterStyle, _catmull_rom, write_answer  # noqa: E402

log = logging.getLogger("evaluate_recognizer")

KIND_HINTS = {
    "digits": "numeric",
    "integers": "numeric",
    "negatives": "numeric",
    "decimals": "numeric",
    "fractions": "numeric",
    "expressions": "expression",
    "units": "quantity",
    "letters": "choice",
    # Last, so that adding it left the other kinds' answers as they were.
    "percentages": "numeric",
}
NUMERIC_KINDS = (
    "digits",
    "integers",
    "negatives",
    "decimals",
    "fractions",
    "percentages",
)
UNITS = (
    "m",
    "s",
    "kg",
    "N",
    "Pa",
    "J",
    "W",
    "g",
    "cm",
    "km/h",
    "m/s",
    "℃",
    "%",
    "N/kg",
    "kg/m³",
    "g/cm³",
    "mL",
    "Hz",
    "kW",
    "°",
)
EXPRESSIONS = (
    "{a}x+{b}",
    "{a}x-{b}",
    "x^2",
    "(x+{b})^2",
    "{a}√{b}",
    "x={a}.{b}",
    "√{b}/{a}",
    "y=-{a}x+{b}",
    "a^{b}",
    "{a}(x-{b})",
    "{a}/{b}",
    "x={a}",
    "{a}×10^{b}",
    "(a+{b})(a-{b})",
    "x<{a}",
    "{a}a",
)


def answer_text(kind: str, rng: random.Random) -> str:
    """A random correct-looking answer of ``kind``."""
    n = lambda lo, hi: str(rng.randint(lo, hi))  # noqa: E731
    if kind == "digits":
        return n(0, 9)
    if kind == "integers":
        return n(10, 9999)
    if kind == "negatives":
        return "-" + n(1, 999)
    if kind == "decimals":
        return rng.choice(["", "-"]) * (rng.random() < 0.2) + f"{n(0, 99)}.{n(0, 99)}"
    if kind == "fractions":
        return rng.choice(["", "-"]) + f"{n(1, 19)}/{n(2, 29)}"
    if kind == "percentages":
        return rng.choice([n(1, 100), f"{n(0, 99)}.{n(1, 9)}"]) + "%"
    if kind == "expressions":
        return rng.choice(EXPRESSIONS).format(a=n(2, 9), b=n(1, 9))
    if kind == "units":
        value = rng.choice([n(1, 999), f"{n(0, 99)}.{n(0, 9)}"])
        return value + rng.choice(UNITS)
    letters = rng.sample("ABCD", rng.choice([1, 1, 1, 2, 3]))
    return "".join(sorted(letters))


class DigitSource:
    """Real pen-digits of one split, grouped into writer blocks of 250 rows."""

    def __init__(self, path: Path, rows: tuple[int, int] | None) -> None:
        raw = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
        raw = raw[rows[0] : rows[1]] if rows else raw
        self.blocks = [raw[i : i + 250] for i in range(0, len(raw), 250)]

    def writer(self, rng: random.Random) -> Callable[[str, random.Random], list | None]:
        """A symbol source giving digits of one randomly chosen writer block."""
        block = rng.choice(self.blocks)
        by_digit = defaultdict(list)
        for row in block:
            by_digit[str(int(row[0]))].append(row[1:])

        def source(symbol: str, r: random.Random) -> list | None:
            if symbol not in by_digit:
                return None
            pts = r.choice(by_digit[symbol]).reshape(8, 2) / 100.0
            pts = np.stack([pts[:, 0], 1.0 - pts[:, 1]], axis=1)
            if r.random() > 0.35:
                pts[:, 0] *= (
                    r.uniform(0.05, 0.35) if symbol == "1" else r.uniform(0.45, 0.85)
                )
            pts = _catmull_rom(pts, 8) if r.random() < 0.5 else pts
            return [(pts - (pts[:, 0].min(), 1.0)) * r.uniform(0.9, 1.05)]

        return source


def make_answers(
    split: str, digits: DigitSource, per_kind: int, seed: int
) -> list[dict]:
    """Written answers of every kind by writers of ``split``."""
    rng = random.Random(f"{split}:{seed}")
    answers = []
    for k, kind in enumerate(KIND_HINTS):
        for i in range(per_kind):
            style_rng = random.Random(STYLE_SEEDS[split] + 7919 * i + 104_729 * k)
            style = WriterStyle.random(style_rng)
            style = WriterStyle(**{**_fields(style), "hand": digits.writer(rng)})
            text = answer_text(kind, rng)
            paths = write_answer(text, Rect(0.0, 0.0, 30.0, 4.0), rng, style)
            answers.append({"kind": kind, "text": text, "paths": paths})
    return answers


def _fields(style: WriterStyle) -> dict:
    return {f: getattr(style, f) for f in style.__dataclass_fields__}


def normal_form(text: str) -> str:
    """Text with notation variants merged (``*`` and ``×``, ``°C`` and ``℃``)."""
    return text.replace("*", "×").replace("°C", "℃").replace(" ", "")


def run_answers(recognizer: Recognizer, answers: list[dict]) -> list[dict]:
    """Each answer read, with its features, confidence and correctness."""
    results = []
    for a in answers:
        inks = prepare([[(x, y) for x, y, _ in p] for p in a["paths"]])
        started = time.perf_counter()
        decoded = recognizer.decode(inks, KIND_HINTS[a["kind"]])
        elapsed = time.perf_counter() - started
        hyps = decoded.hyps
        best = hyps[0].text if hyps else ""
        feats = (
            evidence(hyps, decoded.symbols) if hyps else [-20.0, 0.0, -20.0, 0.0, 0.0]
        )
        top = [normal_form(h.text) for h in hyps[:5]]
        results.append(
            {
                "kind": a["kind"],
                "truth": a["text"],
                "read": best,
                "right": normal_form(best) == normal_form(a["text"]),
                "in_top5": normal_form(a["text"]) in top,
                "features": feats,
                "symbols": decoded.symbols,
                "in_alphabet": decoded.in_alphabet,
                "ms": elapsed * 1000.0,
            }
        )
    return results


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1e-2
) -> tuple[np.ndarray, float]:
    """Logistic regression by Newton's method (standardised inside, raw weights out)."""
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.concatenate([(x - mu) / sd, np.ones((len(x), 1))], axis=1)
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -40, 40)))
        grad = z.T @ (p - y) + l2 * np.r_[w[:-1], 0.0]
        hess = (z * (p * (1 - p))[:, None]).T @ z + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    weights = w[:-1] / sd
    bias = w[-1] - float((w[:-1] * mu / sd).sum())
    return weights, float(bias)


def choose_threshold(conf: np.ndarray, right: np.ndarray, max_error: float) -> float:
    """Lowest threshold whose auto-graded readings are at most ``max_error`` wrong."""
    order = np.argsort(-conf)
    wrong = np.cumsum(~right[order])
    counts = np.arange(1, len(order) + 1)
    ok = wrong / counts <= max_error
    # Pick the deepest cut where the error rate holds from there up.
    last = int(np.nonzero(ok)[0].max()) if ok.any() else 0
    return float(conf[order][last])


def summary(results: list[dict], threshold: float) -> dict:
    """Accuracy by kind, calibration error and the auto-grade split."""
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for r in results:
        by_kind[r["kind"]].append(r)
    conf = np.array([r["confidence"] for r in results])
    right = np.array([r["right"] for r in results])
    auto = conf >= threshold
    numeric = [r for r in results if r["kind"] in NUMERIC_KINDS]
    return {
        "answers": len(results),
        "accuracy": round(float(right.mean()), 4),
        "numeric_accuracy": round(float(np.mean([r["right"] for r in numeric])), 4),
        "by_kind": {
            k: {
                "n": len(v),
                "accuracy": round(float(np.mean([r["right"] for r in v])), 4),
                "top5": round(float(np.mean([r["in_top5"] for r in v])), 4),
            }
            for k, v in by_kind.items()
        },
        "threshold": round(threshold, 4),
        "review_share": round(float(1.0 - auto.mean()), 4),
        "auto_graded_wrong": round(
            float((~right[auto]).mean()) if auto.any() else 0.0, 4
        ),
        "ece": round(expected_calibration_error(conf, right), 4),
        "median_ms_per_answer": round(float(np.median([r["ms"] for r in results])), 3),
    }


def expected_calibration_error(
    conf: np.ndarray, right: np.ndarray, bins: int = 10
) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins."""
    total = 0.0
    for lo in np.linspace(0.0, 1.0, bins, endpoint=False):
        inside = (conf >= lo) & (conf < lo + 1.0 / bins + (lo + 1.0 / bins >= 1.0))
        if inside.any():
            total += inside.mean() * abs(conf[inside].mean() - right[inside].mean())
    return float(total)


def symbol_accuracy(recognizer: Recognizer, per_class: int, seed: int) -> dict:
    """Isolated-symbol accuracy per class on the test writers (no kind restriction)."""
    jobs = _jobs("test", per_class, 1, seed)
    images, vectors, labels = build_set(jobs, 2)
    predicted = recognizer.classifier.probabilities(images, vectors).argmax(axis=1)
    per_class_acc = {
        name: round(float((predicted[labels == i] == i).mean()), 4)
        for i, name in enumerate(CLASSES)
        if (labels == i).any()
    }
    pen = np.array([j[0] == "pen" for j in jobs])
    return {
        "per_class": per_class_acc,
        "synthetic_symbols": round(float((predicted == labels)[~pen].mean()), 4),
        "pen_digits_augmented": round(float((predicted == labels)[pen].mean()), 4),
        "pen_digits_as_stored": pen_digits_as_stored(recognizer),
    }


def pen_digits_as_stored(recognizer: Recognizer) -> float:
    """Accuracy on the test block's pen-digits exactly as stored (8-point polylines)."""
    lo, hi = WRITER_SPLITS["test"]
    raw = np.loadtxt(PENDIGITS, delimiter=",", skiprows=1)[lo:hi]
    pts = raw[:, 1:].reshape(-1, 8, 2) / 100.0
    pts[:, :, 1] = 1.0 - pts[:, :, 1]
    inputs = [symbol_inputs([p], 1.0) for p in pts]
    images = np.stack([i[0] for i in inputs])[:, None]
    vectors = np.stack([i[1] for i in inputs])
    probs = recognizer.classifier.probabilities(images, vectors)[:, :10]
    return round(float((probs.argmax(axis=1) == raw[:, 0]).mean()), 4)


def write_card(report: dict, model_dir: Path) -> None:
    """Fill the measured figures into MODEL_CARD.md between its figure markers."""
    card = model_dir / "MODEL_CARD.md"
    if not card.exists():
        log.warning("no %s; figures not written", card)
        return
    text = card.read_text(encoding="utf-8")
    start, end = "<!-- figures:start -->", "<!-- figures:end -->"
    if start not in text or end not in text:
        log.warning("no figure markers in %s; card left as is", card)
        return
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    card.write_text(
        head + start + "\n" + render_figures(report) + end + tail, encoding="utf-8"
    )


def render_figures(report: dict) -> str:
    """Markdown tables of one evaluation report."""
    lines = [
        "| answer kind | answers | exact reading | right answer in top 5 |",
        "|---|---|---|---|",
    ]
    for kind, row in report["by_kind"].items():
        lines.append(
            f"| {kind} | {row['n']} | {row['accuracy']:.1%} | {row['top5']:.1%} |"
        )
    lines += [
        "",
        f"- All answers: {report['accuracy']:.1%} exact; numeric kinds"
        f" ({', '.join(NUMERIC_KINDS)}): {report['numeric_accuracy']:.1%}.",
        f"- Auto-grade threshold {report['threshold']}: "
        f"{report['review_share']:.1%} of "
        f"answers sent to review, {report['auto_graded_wrong']:.2%} wrong among the "
        "auto-graded.",
        f"- Expected calibration error (10 bins): {report['ece']:.3f}.",
        f"- Median time per answer inside this evaluation: "
        f"{report['median_ms_per_answer']} ms.",
        "",
        "| class | accuracy | class | accuracy | class | accuracy |",
        "|---|---|---|---|---|---|",
    ]
    cells = list(report["symbols"]["per_class"].items())
    for i in range(0, len(cells), 3):
        row = cells[i : i + 3] + [("", None)] * (3 - len(cells[i : i + 3]))
        lines.append(
            "| "
            + " | ".join(f"`{n}` | {a:.1%}" if a is not None else " | " for n, a in row)
            + " |"
        )
    sym = report["symbols"]
    lines += [
        "",
        f"- Isolated synthetic symbols of held-out writer styles: "
        f"{sym['synthetic_symbols']:.1%}.",
        f"- Held-out pen-digit writers, augmented as in training: "
        f"{sym['pen_digits_augmented']:.1%}; exactly as stored (8-point polylines, "
        f"digits only): {sym['pen_digits_as_stored']:.1%}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--per-kind", type=int, default=400)
    parser.add_argument(
        "--max-error",
        type=float,
        default=0.004,
        help="auto-graded error rate the threshold aims for on calibration",
    )
    parser.add_argument("--pendigits-test", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-fit", action="store_true", help="keep calibration.json as is"
    )
    parser.add_argument("--report", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    # Fitting starts from no calibration: the old file may not fit the features.
    models = sorted(args.model_dir.glob("symbols*.onnx"))
    recognizer = (
        Recognizer.load(args.model_dir)
        if args.no_fit
        else Recognizer(SymbolClassifier(models), Calibration())
    )
    cal_path = args.model_dir / "calibration.json"

    if not args.no_fit:
        calib = run_answers(
            recognizer,
            make_answers(
                "calib",
                DigitSource(PENDIGITS, WRITER_SPLITS["calib"]),
                args.per_kind,
                args.seed,
            ),
        )
        x = np.array([r["features"] for r in calib])
        y = np.array([r["right"] for r in calib], dtype=np.float64)
        weights, bias = fit_logistic(x, y)
        fitted = Calibration(tuple(float(w) for w in weights), bias, 0.5)
        conf = np.array(
            [capped(fitted.confidence(r["features"]), r["in_alphabet"]) for r in calib]
        )
        threshold = choose_threshold(conf, y.astype(bool), args.max_error)
        calibration = Calibration(fitted.weights, bias, round(threshold, 4))
        calibration.save(
            cal_path, {"fitted_on": "calibration writers", "answers": len(calib)}
        )
        recognizer = Recognizer.load(args.model_dir)
        log.info("calibration: threshold %.4f on %d answers", threshold, len(calib))

    rows = None if args.pendigits_test else WRITER_SPLITS["test"]
    digits = DigitSource(args.pendigits_test or PENDIGITS, rows)
    test = run_answers(
        recognizer, make_answers("test", digits, args.per_kind, args.seed)
    )
    for r in test:
        r["confidence"] = capped(
            recognizer.calibration.confidence(r["features"]), r["in_alphabet"]
        )
    report = summary(test, recognizer.confidence_threshold)
    report["symbols"] = symbol_accuracy(recognizer, 100, args.seed)
    report["wrong_examples"] = [
        (r["truth"], r["read"], round(r["confidence"], 3))
        for r in test
        if not r["right"]
    ][:40]
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.report:
        args.report.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    if not args.no_fit:
        write_card(report, args.model_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
