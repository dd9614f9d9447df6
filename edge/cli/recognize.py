"""``edge-gateway recognize``: read InkML files and print their readings."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from edge.errors import RecognitionError
from edge.inference.inkml import parse_inkml
from edge.inference.recognition import Recognizer
from edge.inference.recognition.symbols import KIND_ALPHABETS


def register(subparsers: Any) -> None:
    """Add the ``recognize`` subcommand."""
    parser = subparsers.add_parser(
        "recognize",
        help="read handwritten answers from InkML files",
        description=(
            "Print the best reading of each InkML FILE in linear answer notation, its "
            "confidence and the next candidates. A file that cannot be read gets an "
            "error line and the others are still read; the exit status is 1 if any "
            "file failed."
        ),
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", type=Path, help="InkML file"
    )
    parser.add_argument(
        "--kind",
        choices=sorted(KIND_ALPHABETS),
        help="question type, which narrows the symbols looked for",
    )
    parser.add_argument("--model-dir", type=Path, help="folder with symbols.onnx")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.set_defaults(func=run)


def read_file(recognizer: Recognizer, path: Path, kind: str | None) -> dict[str, Any]:
    """The reading of one file as a JSON-ready record (``error`` set on failure)."""
    try:
        ink = parse_inkml(path.read_bytes(), name=str(path))
        reading = recognizer.read(ink.strokes, kind_hint=kind)
    except (RecognitionError, OSError) as exc:
        return {"file": str(path), "ok": False, "error": str(exc)}
    if not reading.candidates:
        return {"file": str(path), "ok": False, "error": f"{path}: no symbols found"}
    return {
        "file": str(path),
        "ok": True,
        "text": reading.text,
        "confidence": reading.confidence,
        "auto_grade": reading.confidence >= recognizer.confidence_threshold,
        "truth": ink.truth,
        "candidates": [
            {"text": c.text, "confidence": c.confidence} for c in reading.candidates
        ],
    }


def _line(record: dict[str, Any]) -> str:
    if not record["ok"]:
        return f"error: {record['error']}"
    rest = ", ".join(
        f"{c['text']} {c['confidence']:.3f}" for c in record["candidates"][1:]
    )
    review = "" if record["auto_grade"] else "  [review]"
    return f"{record['file']}: {record['text']}  {record['confidence']:.3f}{review}" + (
        f"  next: {rest}" if rest else ""
    )


def run(args: argparse.Namespace) -> int:
    """Read every file; exit 1 if any could not be read."""
    recognizer = Recognizer.load(args.model_dir)
    records = [read_file(recognizer, path, args.kind) for path in args.files]
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        for record in records:
            stream = sys.stdout if record["ok"] else sys.stderr
            print(_line(record), file=stream)
    return 0 if all(r["ok"] for r in records) else 1
