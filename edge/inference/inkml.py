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

import math
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
    "himetric": 0.01,
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


def _id(elem: ET.Element) -> str:
    return elem.get("{http://www.w3.org/XML/1998/namespace}id") or elem.get("id") or ""


def _ref(elem: ET.Element, attribute: str) -> str:
    return (elem.get(attribute) or "").strip().lstrip("#")


@dataclass(frozen=True, slots=True)
class _Format:
    """A trace format: the channels every point has, then the optional ones."""

    regular: tuple[_Channel, ...]
    intermittent: tuple[_Channel, ...] = ()

    @property
    def channels(self) -> tuple[_Channel, ...]:
        return self.regular + self.intermittent


_XY = _Format((_Channel("X", 1.0, False), _Channel("Y", 1.0, False)))
# Contexts may refer to contexts; a cycle or a very deep chain is refused.
_MAX_REF_DEPTH = 8


class _Formats:
    """Resolves which trace format a trace is written in.

    A format comes from a ``traceFormat`` (at the top of the document, inside
    a ``context`` or its ``inkSource``, or named by ``traceFormatRef``), from
    a context named by ``contextRef`` on the trace or its ``traceGroup``, or
    from the last ``context`` or ``traceFormat`` met at the top of the
    document before the trace; with none of these, InkML's default (X, Y).
    """

    def __init__(self, root: ET.Element, name: str) -> None:
        self.name = name
        self.by_id = {_id(e): e for e in root.iter() if _id(e)}

    def of(self, elem: ET.Element, depth: int = 0) -> _Format | None:
        """The format a traceFormat, inkSource, context or trace names, if any."""
        if depth > _MAX_REF_DEPTH:
            raise RecognitionError(f"{self.name}: context references nest too deep")
        kind = _local(elem.tag)
        if kind == "traceFormat":
            return self._channels(elem)
        if kind in {"context", "inkSource"}:
            inside = [c for c in elem.iter() if _local(c.tag) == "traceFormat"]
            if inside:
                return self._channels(inside[0])
        for attribute in ("traceFormatRef", "inkSourceRef", "contextRef"):
            target = self.by_id.get(_ref(elem, attribute))
            if target is not None and target is not elem:
                found = self.of(target, depth + 1)
                if found is not None:
                    return found
        return None

    def _channels(self, fmt: ET.Element) -> _Format:
        regular = [_channel(c, self.name) for c in fmt if _local(c.tag) == "channel"]
        extra = [
            _channel(c, self.name)
            for group in fmt
            if _local(group.tag) == "intermittentChannels"
            for c in group
            if _local(c.tag) == "channel"
        ]
        return _Format(tuple(regular), tuple(extra))


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


def _decode_point_values(text: str, fmt: _Format, name: str) -> list[list[float]]:
    """Rows of channel values, with InkML difference encodings undone.

    Intermittent channels a point leaves out are NaN in its row.
    """
    least, width = len(fmt.regular), len(fmt.channels)
    rows: list[list[float]] = []
    modes = ["!"] * width
    last = [0.0] * width
    speed = [0.0] * width
    for n, chunk in enumerate(text.split(",")):
        if not chunk.strip():
            raise RecognitionError(f"{name}: empty point {n + 1} in a trace")
        found = _VALUE.findall(chunk)
        if not least <= len(found) <= width or _VALUE.sub("", chunk).strip():
            expected = str(width) if least == width else f"{least} to {width}"
            raise RecognitionError(
                f"{name}: point {n + 1} has {len(found)} values, expected {expected}"
            )
        row = [math.nan] * width
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
            row[i] = value
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
    strokes = _strokes(root, _Formats(root, name), name)
    if not strokes:
        raise RecognitionError(f"{name}: no ink (no trace with points)")
    return InkFile(tuple(strokes), _truth(root))


def _strokes(root: ET.Element, formats: _Formats, name: str) -> list[Stroke]:
    strokes: list[Stroke] = []
    current = [_XY]  # the document's current format, changed by top-level ones

    def visit(elem: ET.Element, inherited: _Format | None) -> None:
        for child in elem:
            kind = _local(child.tag)
            if kind in {"traceFormat", "context"} and elem is root:
                current[0] = formats.of(child) or current[0]
            elif kind == "traceGroup":
                visit(child, formats.of(child) or inherited)
            elif kind == "trace":
                fmt = formats.of(child) or inherited or current[0]
                stroke = _trace_stroke(child, fmt, len(strokes), name)
                if stroke is not None:
                    strokes.append(stroke)
                    if sum(len(s.dots) for s in strokes) > MAX_POINTS:
                        raise RecognitionError(f"{name}: more than {MAX_POINTS} points")

    visit(root, None)
    return strokes


def _trace_stroke(
    trace: ET.Element, fmt: _Format, index: int, name: str
) -> Stroke | None:
    names = [c.name for c in fmt.regular]
    if "X" not in names or "Y" not in names:
        raise RecognitionError(f"{name}: trace format has no X and Y channels")
    text = (trace.text or "").strip()
    if not text:
        return None
    if len(text) > MAX_BYTES:
        raise RecognitionError(f"{name}: trace longer than {MAX_BYTES} characters")
    return _stroke(_decode_point_values(text, fmt, name), fmt.channels, index)


def _stroke(rows: list[list[float]], chans: tuple[_Channel, ...], index: int) -> Stroke:
    pos = {c.name: i for i, c in enumerate(chans)}
    cx, cy = chans[pos["X"]], chans[pos["Y"]]
    dots = []
    for n, row in enumerate(rows):
        x = row[pos["X"]] * cx.scale * (-1 if cx.flip else 1)
        y = row[pos["Y"]] * cy.scale * (-1 if cy.flip else 1)
        t = row[pos["T"]] * chans[pos["T"]].scale if "T" in pos else math.nan
        if not math.isfinite(t):
            t = index * 1000 + n * 10  # no time recorded: a plausible pace
        force = row[pos["F"]] if "F" in pos else 0.0
        dots.append(Dot(x, y, int(force) if math.isfinite(force) else 0, int(t)))
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
