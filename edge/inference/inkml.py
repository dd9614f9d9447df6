"""InkML (W3C) reading and writing for answer ink.

Reads traces with X and Y channels in any declared unit (converted to Ncode
units), with or without T (time) and F (force), including InkML's difference
encodings (``'`` first and ``"`` second differences, ``!`` explicit values).
Anything that cannot be read raises :class:`~edge.errors.RecognitionError`
naming the file and the reason. The parser does no I/O beyond the bytes it is
given, refuses document type declarations (entity expansion), and bounds
the number of points.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from edge.errors import RecognitionError
from edge.models import Dot, PageAddress, Stroke

NS = "http://www.w3.org/2003/InkML"
MAX_POINTS = 200_000
MAX_BYTES = 16 * 1024 * 1024

NCODE_MM = 25.4 * 56.0 / 600.0  # one Ncode unit, in millimetres
_TO_MM = {
    "mm": 1.0,
    "cm": 10.0,
    "m": 1000.0,
    "um": 1e-3,
    "in": 25.4,
    "pt": 25.4 / 72.0,
    "pc": 25.4 / 6.0,
    "dev": None,
    "ncode": NCODE_MM,
}
_TO_MS = {"ms": 1.0, "s": 1000.0, "us": 1e-3}
_VALUE = re.compile(r"([!'\"]?)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[TF*?])")
_PAGE = PageAddress(0, 0, 0, 0)
# Boolean channel values and InkML's "unknown" markers.
_FLAGS = {"T": 1.0, "F": 0.0, "*": 0.0, "?": 0.0}


@dataclass(frozen=True, slots=True)
class InkFile:
    """The strokes of one InkML document and its truth annotation, if any."""

    strokes: tuple[Stroke, ...]
    truth: str | None


@dataclass(frozen=True, slots=True)
class _Channel:
    name: str
    scale: float
    flip: bool


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _channels(root: ET.Element, name: str) -> dict[str, list[_Channel]]:
    """Trace formats by context id ('' for the document default)."""
    formats: dict[str, list[_Channel]] = {}
    for ctx in root.iter():
        if _local(ctx.tag) not in {"context", "traceFormat"}:
            continue
        fmt = (
            ctx
            if _local(ctx.tag) == "traceFormat"
            else next((c for c in ctx if _local(c.tag) == "traceFormat"), None)
        )
        if fmt is None:
            continue
        chans = [_channel(c, name) for c in fmt.iter() if _local(c.tag) == "channel"]
        key = ctx.get("{http://www.w3.org/XML/1998/namespace}id") or ctx.get("id") or ""
        if _local(ctx.tag) == "traceFormat" and ctx in list(root):
            key = ""
        formats.setdefault(key, chans)
    return formats


def _channel(elem: ET.Element, name: str) -> _Channel:
    channel = (elem.get("name") or "").upper()
    units = (elem.get("units") or "").strip().lower()
    flip = (elem.get("orientation") or "+ve") == "-ve"
    if channel in {"X", "Y"}:
        mm = _TO_MM.get(units) if units else None
        if units and units not in _TO_MM:
            raise RecognitionError(
                f"{name}: unknown unit {units!r} on channel {channel}"
            )
        return _Channel(channel, mm / NCODE_MM if mm else 1.0, flip)
    if channel == "T":
        if units and units not in _TO_MS:
            raise RecognitionError(f"{name}: unknown time unit {units!r}")
        return _Channel(channel, _TO_MS.get(units, 1.0), False)
    return _Channel(channel, 1.0, False)


def _decode_point_values(text: str, width: int, name: str) -> list[list[float]]:
    """Rows of channel values, with InkML difference encodings undone."""
    rows: list[list[float]] = []
    modes = ["!"] * width
    last = [0.0] * width
    speed = [0.0] * width
    for n, chunk in enumerate(text.split(",")):
        if not chunk.strip():
            raise RecognitionError(f"{name}: empty point {n + 1} in a trace")
        found = _VALUE.findall(chunk)
        if len(found) != width or _VALUE.sub("", chunk).strip():
            raise RecognitionError(
                f"{name}: point {n + 1} has {len(found)} values, expected {width}"
            )
        row = []
        for i, (mode, raw) in enumerate(found):
            modes[i] = mode or modes[i]
            value = _FLAGS[raw] if raw in _FLAGS else float(raw)
            if modes[i] == "'":
                speed[i] = value
                value = last[i] + value
            elif modes[i] == '"':
                speed[i] += value
                value = last[i] + speed[i]
            else:
                speed[i] = value - last[i] if rows else 0.0
            last[i] = value
            row.append(value)
        rows.append(row)
    return rows


def parse_inkml(data: bytes, name: str = "<ink>") -> InkFile:
    """The strokes of an InkML document; ``name`` is used in error messages."""
    if len(data) > MAX_BYTES:
        raise RecognitionError(f"{name}: file larger than {MAX_BYTES} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise RecognitionError(f"{name}: document type declarations are not accepted")
    try:
        # Safe here: document type declarations were refused above, so no entities.
        root = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise RecognitionError(f"{name}: not well-formed XML ({exc})") from exc
    if _local(root.tag) != "ink":
        raise RecognitionError(
            f"{name}: root element is <{_local(root.tag)}>, not <ink>"
        )
    formats = _channels(root, name)
    strokes = _strokes(root, formats, name)
    if not strokes:
        raise RecognitionError(f"{name}: no ink (no trace with points)")
    return InkFile(tuple(strokes), _truth(root))


def _strokes(
    root: ET.Element, formats: dict[str, list[_Channel]], name: str
) -> list[Stroke]:
    default = formats.get("") or [_Channel("X", 1.0, False), _Channel("Y", 1.0, False)]
    strokes: list[Stroke] = []
    total = 0
    # Files without the InkML namespace are read the same way.
    for trace in (e for e in root.iter() if _local(e.tag) == "trace"):
        ref = (trace.get("contextRef") or trace.get("traceFormatRef") or "").lstrip("#")
        chans = formats.get(ref, default) if ref else default
        names = [c.name for c in chans]
        if "X" not in names or "Y" not in names:
            raise RecognitionError(f"{name}: trace format has no X and Y channels")
        text = (trace.text or "").strip()
        if not text:
            continue
        rows = _decode_point_values(text, len(chans), name)
        total += len(rows)
        if total > MAX_POINTS:
            raise RecognitionError(f"{name}: more than {MAX_POINTS} points")
        strokes.append(_stroke(rows, chans, len(strokes)))
    return strokes


def _stroke(rows: list[list[float]], chans: list[_Channel], index: int) -> Stroke:
    pos = {c.name: i for i, c in enumerate(chans)}
    cx, cy = chans[pos["X"]], chans[pos["Y"]]
    dots = []
    for n, row in enumerate(rows):
        x = row[pos["X"]] * cx.scale * (-1 if cx.flip else 1)
        y = row[pos["Y"]] * cy.scale * (-1 if cy.flip else 1)
        t = (
            row[pos["T"]] * chans[pos["T"]].scale
            if "T" in pos
            else (index * 1000 + n * 10)
        )
        force = int(row[pos["F"]]) if "F" in pos else 0
        dots.append(Dot(x, y, force, int(t)))
    return Stroke("inkml", _PAGE, tuple(dots))


def _truth(root: ET.Element) -> str | None:
    for ann in root:
        if _local(ann.tag) == "annotation" and ann.get("type") == "truth":
            return (ann.text or "").strip()
    return None


def write_inkml(strokes: Sequence[Stroke], truth: str | None = None) -> str:
    """An InkML document of ``strokes`` (X, Y in Ncode units, T in ms, F).

    Control characters, which XML cannot carry, are dropped from ``truth``.
    """
    lines = [
        f'<ink xmlns="{NS}">',
        "  <traceFormat>",
        '    <channel name="X" type="decimal" units="ncode"/>',
        '    <channel name="Y" type="decimal" units="ncode"/>',
        '    <channel name="T" type="integer" units="ms"/>',
        '    <channel name="F" type="integer"/>',
        "  </traceFormat>",
    ]
    if truth is not None:
        legal = "".join(c for c in truth if c >= " " or c in "\t\n\r")
        escaped = legal.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        # XML turns a raw carriage return into a line feed; a reference keeps it.
        escaped = escaped.replace("\r", "&#13;")
        lines.append(f'  <annotation type="truth">{escaped}</annotation>')
    for s in strokes:
        points = ", ".join(f"{d.x:g} {d.y:g} {d.t_ms} {d.force}" for d in s.dots)
        lines.append(f"  <trace>{points}</trace>")
    lines.append("</ink>")
    return "\n".join(lines) + "\n"
