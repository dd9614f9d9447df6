"""Synthetic handwriting: writer-styled pen ink for an answer in linear notation.

The demo's simulated students and the recognizer's training data both come
from here. A :class:`WriterStyle` fixes one writer's habits (size, slant,
width, wobble, speed, which way they write each symbol); :func:`write_answer`
lays an answer out in a box as a person would: stacked fractions, raised
exponents, a root sign over its radicand. Glyph shapes come from
:mod:`edge.inference.recognition.glyphs` (Hershey fonts plus hand variants).
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from edge.inference.recognition.glyphs import BASE, CAP, variants
from edge.models import Rect

log = logging.getLogger(__name__)

InkPath = list[tuple[float, float, int]]
SymbolSource = Callable[[str, random.Random], "list[np.ndarray] | None"]
"""Recorded ink for a symbol (line-height units, base line y=0, left x=0), or None."""

_EM = BASE - CAP  # glyph units per line height
_MS_PER_EM = 260.0  # pen travel time for one line height at speed 1.0
_DOTS_PER_S = 100.0  # pen sampling rate


@dataclass(frozen=True, slots=True)
class WriterStyle:
    """One writer's habits; draw a new one with :meth:`random`."""

    slant: float = 0.0
    width: float = 1.0
    wobble: float = 0.02
    spacing: float = 0.18
    size: float = 0.6
    speed: float = 1.0
    stacked_fractions: bool = True
    seed: int = 0
    picks: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    hand: SymbolSource | None = field(default=None, compare=False, hash=False)

    @classmethod
    def random(cls, rng: random.Random) -> WriterStyle:
        """A plausible writer drawn from ``rng``."""
        return cls(
            slant=rng.gauss(0.08, 0.12),
            width=rng.uniform(0.8, 1.25),
            wobble=rng.uniform(0.01, 0.045),
            spacing=rng.uniform(0.08, 0.35),
            size=rng.uniform(0.45, 0.7),
            speed=rng.uniform(0.7, 1.5),
            stacked_fractions=rng.random() < 0.8,
            seed=rng.randrange(1 << 30),
        )

    def variant(self, symbol: str) -> int:
        """Which glyph variant this writer uses for ``symbol`` (stable per writer)."""
        if symbol in self.picks:
            return self.picks[symbol]
        count = len(variants(symbol))
        return random.Random(f"{self.seed}:{symbol}").randrange(count)


def _catmull_rom(points: np.ndarray, per_segment: int = 6) -> np.ndarray:
    """A smooth curve through the control points."""
    if len(points) < 3:
        return points
    padded = np.concatenate([points[:1], points, points[-1:]])
    t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[:, None]
    pieces = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        pieces.append(
            0.5
            * (
                2 * p1
                + (p2 - p0) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (3 * p1 - p0 - 3 * p2 + p3) * t**3
            )
        )
    pieces.append(points[-1:])
    return np.concatenate(pieces)


def _wobble(points: np.ndarray, amount: float, rng: random.Random) -> np.ndarray:
    """The points pushed by a smooth random displacement field (a shaky hand)."""
    out = points.copy()
    for axis in (0, 1):
        for _ in range(2):
            freq = rng.uniform(1.0, 4.0)
            phase_x, phase_y = rng.uniform(0, 6.3), rng.uniform(0, 6.3)
            out[:, axis] += (
                amount
                * np.sin(freq * points[:, 0] + phase_x)
                * np.cos(freq * points[:, 1] + phase_y)
            )
    return out


def symbol_strokes(
    symbol: str, style: WriterStyle, rng: random.Random, variant: int | None = None
) -> list[np.ndarray]:
    """One handwritten ``symbol`` in line-height units, base line at y=0, x from 0."""
    options = variants(symbol)
    glyph, smooth = options[style.variant(symbol) if variant is None else variant]
    shear = style.slant + rng.gauss(0.0, 0.05)
    sx = style.width * rng.uniform(0.9, 1.1)
    sy = rng.uniform(0.92, 1.08)
    turn = rng.gauss(0.0, 0.04)
    strokes = []
    for stroke in glyph:
        pts = (np.asarray(stroke, dtype=np.float64) - (0.0, BASE)) / _EM
        pts = _catmull_rom(pts) if smooth else pts
        pts = np.stack([pts[:, 0] * sx, pts[:, 1] * sy], axis=1)
        pts = pts @ np.array(
            [[math.cos(turn), math.sin(turn)], [-math.sin(turn), math.cos(turn)]]
        )
        pts[:, 0] -= shear * pts[:, 1]
        strokes.append(_wobble(pts, style.wobble, rng))
    left = min(float(s[:, 0].min()) for s in strokes)
    return [s - (left, 0.0) for s in strokes]


# Layout of a linear answer: items are symbols or nested boxes.


@dataclass(slots=True)
class _Box:
    """Laid-out ink in line-height units: strokes, width, top and bottom (y down)."""

    strokes: list[np.ndarray]
    width: float
    top: float
    bottom: float

    def shifted(self, dx: float, dy: float, scale: float = 1.0) -> _Box:
        moved = [s * scale + (dx, dy) for s in self.strokes]
        return _Box(
            moved, self.width * scale, self.top * scale + dy, self.bottom * scale + dy
        )


def _hbox(boxes: list[_Box], gap: float) -> _Box:
    """Boxes placed left to right with ``gap`` between them."""
    strokes: list[np.ndarray] = []
    x = 0.0
    top, bottom = 0.0, 0.0
    for b in (b for b in boxes if b.strokes):
        moved = b.shifted(x, 0.0)
        strokes.extend(moved.strokes)
        top, bottom = min(top, b.top), max(bottom, b.bottom)
        x += b.width + gap
    return _Box(strokes, max(x - gap, 0.0), top, bottom)


class _Writer:
    """Turns linear notation into a box of strokes for one writer."""

    def __init__(self, text: str, style: WriterStyle, rng: random.Random) -> None:
        self.text = text.replace("*", "×").replace("℃", "°C").replace("²", "^2")
        self.text = self.text.replace("³", "^3").replace(" ", "")
        self.pos = 0
        self.style = style
        self.rng = rng

    def gap(self) -> float:
        return max(0.04, self.style.spacing + self.rng.gauss(0.0, 0.04))

    def symbol(self, ch: str) -> _Box:
        recorded = self.style.hand(ch, self.rng) if self.style.hand else None
        try:
            strokes = recorded or symbol_strokes(ch, self.style, self.rng)
        except KeyError:
            # No glyph (a Chinese word, a Greek letter): the simulated student
            # leaves it out, as the recognizer could not read it either.
            log.debug("no glyph for %r; left out", ch)
            return _Box([], 0.0, 0.0, 0.0)
        allp = np.concatenate(strokes)
        width = float(allp[:, 0].max())
        return _Box(strokes, width, float(allp[:, 1].min()), float(allp[:, 1].max()))

    def sequence(self, closer: str = "") -> _Box:
        items: list[_Box] = []
        while self.pos < len(self.text) and self.text[self.pos] != closer:
            items.append(self.item(items))
        return _hbox(items, self.gap()) if items else _Box([], 0.0, 0.0, 0.0)

    def item(self, before: list[_Box]) -> _Box:
        ch = self.text[self.pos]
        if (
            ch == "/"
            and before
            and self.style.stacked_fractions
            and not self.unit_slash()
        ):
            self.pos += 1
            return self.fraction(before.pop(), self.atom(bare=True))
        if ch == "^" and before:
            self.pos += 1
            return self.exponent(self.atom(bare=True, signed=True))
        if ch == "√":
            self.pos += 1
            return self.root(self.atom(bare=True))
        return self.atom(bare=False)

    def unit_slash(self) -> bool:
        """Whether the slash at ``pos`` divides units (km/h), written inline."""
        before = self.text[: self.pos]
        return (
            len(before) >= 2
            and before[-1].isalpha()
            and (before[-2].isalpha() or before[-2].isdigit())
        )

    def atom(self, bare: bool, signed: bool = False) -> _Box:
        """A number, a letter, or a bracketed group (brackets dropped when ``bare``)."""
        start = self.pos
        if self.pos >= len(self.text):
            return _Box([], 0.0, 0.0, 0.0)
        ch = self.text[self.pos]
        if ch == "(":
            self.pos += 1
            inner = self.sequence(")")
            self.pos += 1
            if bare:
                return inner
            parts = [self.symbol("("), inner, self.symbol(")")]
            return _hbox(parts, self.gap() * 0.5)
        if ch == "√":
            self.pos += 1
            return self.root(self.atom(bare=True))
        self.pos += 1
        if ch.isdigit() or (signed and ch == "-"):
            while self.pos < len(self.text) and (
                self.text[self.pos].isdigit() or self.text[self.pos] == "."
            ):
                self.pos += 1
        return _hbox([self.symbol(c) for c in self.text[start : self.pos]], self.gap())

    def fraction(self, top: _Box, bottom: _Box) -> _Box:
        width = max(top.width, bottom.width) + 0.3
        bar = _hbox([self.bar(width)], 0.0)
        lift = 0.5  # the bar sits at the maths axis, half a line above the base line
        up = top.shifted((width - top.width) / 2, -lift - 0.15 - top.bottom)
        down = bottom.shifted((width - bottom.width) / 2, -lift + 0.2 - bottom.top)
        bar = bar.shifted(0.0, -lift)
        return _Box(up.strokes + bar.strokes + down.strokes, width, up.top, down.bottom)

    def bar(self, width: float) -> _Box:
        xs = np.linspace(0.0, width, 12)
        ys = np.cumsum([self.rng.gauss(0.0, 0.01) for _ in xs]) + (
            xs * self.rng.gauss(0, 0.03)
        )
        return _Box([np.stack([xs, ys], axis=1)], width, -0.05, 0.05)

    def exponent(self, body: _Box) -> _Box:
        scale = self.rng.uniform(0.55, 0.7)
        return body.shifted(-0.05, -0.55, scale)

    def root(self, body: _Box) -> _Box:
        hook = symbol_strokes("√", self.style, self.rng, variant=1)
        allp = np.concatenate(hook)
        hook_w = float(allp[:, 0].max())
        top = min(-1.15, body.top - 0.15)
        scale_y = top / float(allp[:, 1].min())
        hook = [s * (1.0, scale_y) for s in hook]
        end = hook[-1][-1]
        over = np.stack(
            [np.linspace(end[0], hook_w + body.width + 0.15, 8), np.full(8, end[1])], 1
        )
        joined = [*hook[:-1], np.concatenate([hook[-1], over[1:]])]
        inside = body.shifted(hook_w + 0.08, 0.0)
        return _Box(
            joined + inside.strokes, hook_w + body.width + 0.2, top, inside.bottom
        )


def _timed(
    strokes: list[np.ndarray], style: WriterStyle, rng: random.Random
) -> list[InkPath]:
    """Strokes as dots sampled at the pen's rate, time in ms from the first dot."""
    out: list[InkPath] = []
    clock = 0.0
    for s in strokes:
        seg = np.hypot(*np.diff(s, axis=0).T) if len(s) > 1 else np.zeros(0)
        cum = np.concatenate(([0.0], np.cumsum(seg)))
        duration = max(cum[-1] * _MS_PER_EM / style.speed, 40.0)
        count = max(2, int(duration * _DOTS_PER_S / 1000.0))
        times = np.linspace(0.0, duration, count)
        # Pens slow down at both ends of a stroke: ease in and out along the path.
        where = cum[-1] * (0.5 - 0.5 * np.cos(np.pi * times / duration))
        xs, ys = np.interp(where, cum, s[:, 0]), np.interp(where, cum, s[:, 1])
        out.append(
            [
                (float(x), float(y), int(clock + t))
                for x, y, t in zip(xs, ys, times, strict=True)
            ]
        )
        clock += duration + rng.uniform(120.0, 400.0)
    return out


def write_answer(
    text: str,
    box: Rect,
    rng: random.Random,
    writer_style: WriterStyle | int | None = None,
) -> list[list[tuple[float, float, int]]]:
    """Pen strokes of ``text`` written in ``box``: (x, y, ms since first dot).

    ``writer_style`` is a style, or a seed that always gives the same writer
    (a simulated student keeps one hand), or None for a new random writer.
    """
    if isinstance(writer_style, int):
        style = WriterStyle.random(random.Random(writer_style))
    else:
        style = writer_style or WriterStyle.random(rng)
    laid = _Writer(text, style, rng).sequence()
    if not laid.strokes:
        return []
    height = style.size * box.height
    scale = min(
        height,
        0.9 * box.width / max(laid.width, 1e-6),
        0.9 * box.height / max(laid.bottom - laid.top, 1e-6),
    )
    left = box.x + 0.05 * box.width + rng.uniform(0.0, 0.05) * box.width
    middle = box.y + box.height / 2
    base = middle + scale * (-(laid.top + laid.bottom) / 2)
    timed = _timed(laid.strokes, style, rng)
    return [
        [
            (round(x * scale + left, 2), round(y * scale + base, 2), t)
            for x, y, t in path
        ]
        for path in timed
    ]
