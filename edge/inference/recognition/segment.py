"""Strokes to a layout tree: root signs, stacked fractions, and symbol groups.

Works on normalised strokes (float arrays, y down) and the line height ``ref``.
Root signs and fraction bars are found first because they decide which
strokes belong together; the remaining strokes are grouped into symbols when
their horizontal extents overlap (a ``4`` or ``+`` in two strokes, ``=``,
``÷``, ``%``). Dots never join a symbol except the two dots of ``÷``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edge.inference.recognition.ink import Ink

Box = tuple[float, float, float, float]

_DOT = 0.16  # strokes smaller than this share of the line height are dots
_FLAT = 0.22  # height/width below this is a horizontal line
_OVERLAP = 0.35  # share of the narrower width two strokes must share to group
_GROUP_GAP = 0.55  # vertical gap (line heights) beyond which strokes stay apart
_TOUCH = 0.08  # strokes closer than this (line heights) touch


@dataclass(frozen=True, slots=True)
class Symbol:
    """Strokes believed to form one symbol."""

    strokes: tuple[int, ...]
    box: Box


@dataclass(frozen=True, slots=True)
class Fraction:
    """A stacked fraction: a bar with ink above and below."""

    numerator: tuple[Node, ...]
    denominator: tuple[Node, ...]
    bar: int
    box: Box


@dataclass(frozen=True, slots=True)
class Radical:
    """A root sign and the ink under its overline."""

    sign: int
    body: tuple[Node, ...]
    box: Box


Node = Symbol | Fraction | Radical


def stroke_box(stroke: Ink) -> Box:
    """Bounding box of one stroke."""
    x0, y0 = stroke.min(axis=0)
    x1, y1 = stroke.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def union(boxes: Sequence[Box]) -> Box:
    """The smallest box around all ``boxes``."""
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def line_height(strokes: Sequence[Ink]) -> float:
    """Estimated height of full-size symbols in this ink."""
    boxes = [stroke_box(s) for s in strokes]
    heights = [b[3] - b[1] for b in boxes]
    tall = sorted(h for h in heights if h >= 0.45 * max(heights))
    # The 75th percentile, interpolated between neighbours.
    pos = 0.75 * (len(tall) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(tall) - 1)
    ref = tall[lo] + (tall[hi] - tall[lo]) * (pos - lo)
    # Ink of only flat strokes (a lone minus) has no height to go by.
    return max(ref, 0.35 * max(b[2] - b[0] for b in boxes), 1e-3)


class _Parser:
    """Recursive layout parser over one answer's strokes."""

    def __init__(self, strokes: Sequence[Ink], ref: float, nested: bool = True) -> None:
        self.strokes = strokes
        self.ref = ref
        self.nested = nested
        self.boxes = [stroke_box(s) for s in strokes]

    def is_dot(self, i: int) -> bool:
        x0, y0, x1, y1 = self.boxes[i]
        return max(x1 - x0, y1 - y0) < _DOT * self.ref

    def is_flat(self, i: int) -> bool:
        x0, y0, x1, y1 = self.boxes[i]
        return (y1 - y0) < _FLAT * (x1 - x0) and (x1 - x0) > 0.25 * self.ref

    def parse(self, indices: Sequence[int]) -> tuple[Node, ...]:
        """Layout nodes of the strokes ``indices``, left to right."""
        if not indices:
            return ()
        found = self.outermost(indices) if self.nested else None
        if found is not None:
            node, used = found
            rest = [i for i in indices if i not in used]
            nodes = [*self.parse(rest), node]
        else:
            nodes = list(self.group(indices))
        return tuple(sorted(nodes, key=lambda n: n.box[0] + n.box[2]))

    def outermost(self, indices: Sequence[int]) -> tuple[Node, set[int]] | None:
        """The wider of the widest root and the widest fraction: it holds the other."""
        root, frac = self.radical(indices), self.fraction(indices)
        if root is None or frac is None:
            return root or frac
        if isinstance(frac[0], Fraction) and frac[0].bar in root[1]:
            return root
        if isinstance(root[0], Radical) and root[0].sign in frac[1]:
            return frac
        root_width = root[0].box[2] - root[0].box[0]
        return root if root_width >= frac[0].box[2] - frac[0].box[0] else frac

    def radical(self, indices: Sequence[int]) -> tuple[Node, set[int]] | None:
        """The widest root sign among ``indices`` with the ink it covers."""
        best: tuple[float, int, list[int]] | None = None
        for i in indices:
            covered = self.covered_by_root(i, indices)
            width = self.boxes[i][2] - self.boxes[i][0]
            if covered and (best is None or width > best[0]):
                best = (width, i, covered)
        if best is None:
            return None
        _, sign, body = best
        node = Radical(
            sign, self.parse(body), union([self.boxes[j] for j in [sign, *body]])
        )
        return node, {sign, *body}

    def covered_by_root(self, i: int, indices: Sequence[int]) -> list[int]:
        """Strokes under the overline of stroke ``i`` if it is shaped like a root."""
        s = self.strokes[i]
        x0, y0, x1, y1 = self.boxes[i]
        w, h = x1 - x0, y1 - y0
        if len(s) < 3 or w < 0.7 * self.ref or h < 0.5 * self.ref:
            return []
        low = int(np.argmax(s[:, 1]))
        end = s[-1]
        # A root sign reaches its lowest point early and ends with an overline.
        if not (
            s[low, 0] < x0 + 0.45 * w
            and end[0] > x0 + 0.75 * w
            and end[1] < y0 + 0.2 * h
            and self.overline(s, w) > 0.2 * self.ref
        ):
            return []
        tick_right = s[low, 0]
        inside = []
        for j in indices:
            if j == i:
                continue
            bx0, by0, bx1, by1 = self.boxes[j]
            cx, cy = 0.5 * (bx0 + bx1), 0.5 * (by0 + by1)
            # On the base line: the foot of a 1 belongs inside, a fraction bar
            # under the whole root (√7 over 9) does not.
            short = bx1 - bx0 < 0.6 * self.ref
            low_ok = cy < y1 or (cy < y1 + 0.1 * h and short)
            if tick_right < cx < x1 + 0.1 * self.ref and by0 > y0 - 0.15 * h and low_ok:
                inside.append(j)
        return inside

    @staticmethod
    def overline(s: Ink, width: float) -> float:
        """Length of the near-horizontal rightward run that ends the stroke."""
        d = np.diff(s[::-1], axis=0)  # walking back from the end
        flat = (d[:, 0] < 0) & (np.abs(d[:, 1]) < 0.45 * np.abs(d[:, 0]))
        run = len(flat) if flat.all() else int(np.argmin(flat))
        return float(-d[:run, 0].sum())

    def fraction(self, indices: Sequence[int]) -> tuple[Node, set[int]] | None:
        """The widest fraction bar among ``indices`` with the ink above and below."""
        order = sorted(indices, key=lambda i: self.boxes[i][0] - self.boxes[i][2])
        for bar in order:
            if not self.is_flat(bar):
                continue
            above, below = self.stacked_on(bar, indices)
            if self.has_body(above) and self.has_body(below):
                node = Fraction(
                    self.parse(above),
                    self.parse(below),
                    bar,
                    union([self.boxes[j] for j in [bar, *above, *below]]),
                )
                return node, {bar, *above, *below}
        return None

    def stacked_on(
        self, bar: int, indices: Sequence[int]
    ) -> tuple[list[int], list[int]]:
        """Strokes above and below the bar, within its horizontal span."""
        x0, y0, x1, y1 = self.boxes[bar]
        margin = 0.1 * (x1 - x0)
        y_bar = 0.5 * (y0 + y1)
        above: list[int] = []
        below: list[int] = []
        for j in indices:
            if j == bar:
                continue
            bx0, by0, bx1, by1 = self.boxes[j]
            cx, cy = 0.5 * (bx0 + bx1), 0.5 * (by0 + by1)
            if not x0 - margin <= cx <= x1 + margin or abs(cy - y_bar) > 2.5 * self.ref:
                continue
            reach = 0.15 * self.ref
            if by0 < y_bar - reach and by1 > y_bar + reach:
                # Ink through the line: the bar of an H or a +, not a fraction.
                return [], []
            (above if cy < y_bar else below).append(j)
        return above, below

    def has_body(self, group: list[int]) -> bool:
        """Whether ``group`` holds ink other than dots and horizontal lines."""
        return any(not self.is_dot(j) and not self.is_flat(j) for j in group)

    def group(self, indices: Sequence[int]) -> list[Symbol]:
        """Plain strokes grouped into symbols by horizontal overlap."""
        groups: list[list[int]] = []
        for i in sorted(indices):
            joined = [g for g in groups if self.joins(i, g)]
            if not joined:
                groups.append([i])
                continue
            # A stroke that joins two symbols bridges them (the bar of an H).
            merged = sorted({j for g in joined for j in g} | {i})
            groups = [g for g in groups if g not in joined]
            groups.append(merged)
        groups.sort(key=lambda g: g[0])
        return [Symbol(tuple(g), union([self.boxes[j] for j in g])) for g in groups]

    def joins(self, i: int, group: list[int]) -> bool:
        """Whether stroke ``i`` belongs to the symbol ``group``."""
        gx0, gy0, gx1, gy1 = union([self.boxes[j] for j in group])
        x0, y0, x1, y1 = self.boxes[i]
        if x0 > gx1 + _TOUCH * self.ref or x1 < gx0 - _TOUCH * self.ref:
            return False  # side by side: the common case, settled cheaply
        dots = [j for j in group if self.is_dot(j)]
        if self.is_dot(i) or dots:
            # Only the dots of a division sign join another stroke.
            return self.division_dots(i, group)
        # A pen-width margin lets a thin stem (of B, D, H) overlap its bowls.
        margin = 0.06 * self.ref
        overlap = min(x1, gx1) - max(x0, gx0) + 2 * margin
        narrow = min(x1 - x0, gx1 - gx0) + 2 * margin
        gap = max(y0 - gy1, gy0 - y1, 0.0)
        if self.raised_over(i, group):
            return False
        if overlap >= _OVERLAP * narrow and gap < _GROUP_GAP * self.ref:
            return True
        # Strokes that meet (the two legs of an A, a k's arm) are one symbol.
        near = overlap > 2 * margin - _TOUCH * self.ref
        return near and i - group[-1] == 1 and self.touches(i, group[-1])

    def raised_over(self, i: int, group: list[int]) -> bool:
        """Whether stroke ``i`` is a small mark in the upper part of ``group``.

        That is an exponent written close to its base (``)²``), not part of
        the base symbol; horizontal bars (the top of a 5) are not.
        """
        if self.is_flat(i):
            return False
        gx0, gy0, gx1, gy1 = union([self.boxes[j] for j in group])
        x0, y0, x1, y1 = self.boxes[i]
        small = (y1 - y0) < 0.75 * (gy1 - gy0)
        right = x1 > gx1 and x0 + x1 > gx0 + gx1
        return small and right and y1 < gy0 + 0.5 * (gy1 - gy0)

    def touches(self, i: int, j: int) -> bool:
        """Whether strokes ``i`` and ``j`` come within a pen width of each other."""
        a, b = (
            self.strokes[i][:: max(1, len(self.strokes[i]) // 40)],
            self.strokes[j][:: max(1, len(self.strokes[j]) // 40)],
        )
        d2 = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
        return float(d2.min()) < (_TOUCH * self.ref) ** 2

    def division_dots(self, i: int, group: list[int]) -> bool:
        """Whether ``i`` and ``group`` are a bar and the dots of a ``÷`` sign."""
        members = [*group, i]
        bars = [j for j in members if self.is_flat(j)]
        if len(bars) != 1 or len(members) > 3:
            return False
        bx0, by0, bx1, by1 = self.boxes[bars[0]]
        for j in members:
            if j == bars[0]:
                continue
            if not self.is_dot(j):
                return False
            cx = 0.5 * (self.boxes[j][0] + self.boxes[j][2])
            cy = 0.5 * (self.boxes[j][1] + self.boxes[j][3])
            if not bx0 <= cx <= bx1 or abs(cy - 0.5 * (by0 + by1)) > 0.6 * self.ref:
                return False
        return True


def parse_layout(
    strokes: Sequence[Ink], ref: float, nested: bool = True
) -> tuple[Node, ...]:
    """The layout tree of an answer's strokes, left to right.

    ``nested=False`` looks for no roots or fractions (choice letters have none).
    """
    return _Parser(strokes, ref, nested).parse(list(range(len(strokes))))
