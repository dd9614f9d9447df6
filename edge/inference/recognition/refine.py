"""Second opinions on stroke grouping, decided by the classifier.

Grouping by overlap merges neighbours that touch (a ``+`` leaning into a
``6``) and splits symbols whose parts do not overlap (the circles of a ``%``).
Where the classifier is unsure of a group, its splits (in writing order) and
its merges with an unsure neighbour on the same line are classified too, and
the grouping whose symbols the classifier believes more is kept.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from edge.inference.recognition.segment import Fraction, Node, Radical, Symbol, union
from edge.inference.recognition.symbols import CLASS_INDEX

Classify = Callable[[list[Symbol]], NDArray[np.float32]]
Boxes = Sequence[tuple[float, float, float, float]]

UNSURE = 0.6  # a group whose best class is below this gets a second opinion
_NEAR = 0.05  # neighbours closer than this (line heights) may be one symbol
# A classifier without a "not a symbol" class is sure of junk too: a merge must
# be clearly better than the two symbols it replaces.
_MERGE_GAIN = 2.0
_HANG = 0.12  # a slash reaches this far (line heights) below the digits' base line
_TALL = 1.1  # and is this much taller than a line


def _symbol(strokes: Sequence[int], boxes: Boxes) -> Symbol:
    ordered = tuple(sorted(strokes))
    return Symbol(ordered, union([boxes[j] for j in ordered]))


def _splits(node: Symbol, boxes: Boxes, side_by_side: bool) -> list[list[Symbol]]:
    """Cuts of the group in writing order into two symbols.

    With ``side_by_side`` only cuts whose parts barely overlap horizontally:
    two neighbours that touch, never the strokes of one ``+`` or ``4``.
    """
    s = node.strokes
    cuts = [[_symbol(s[:k], boxes), _symbol(s[k:], boxes)] for k in range(1, len(s))]
    return [c for c in cuts if not side_by_side or _apart(c[0].box, c[1].box)]


def _apart(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float]
) -> bool:
    overlap = min(a[2], b[2]) - max(a[0], b[0])
    return overlap < 0.2 * min(a[2] - a[0], b[2] - b[0])


def _merges(line: Sequence[Node], sure: dict[int, float], ref: float, boxes: Boxes):  # type: ignore[no-untyped-def]
    """Pairs of neighbouring unsure symbols on one line, with their union."""
    for a, b in itertools.pairwise(line):
        if not (isinstance(a, Symbol) and isinstance(b, Symbol)):
            continue
        if min(sure[id(a)], sure[id(b)]) >= UNSURE or b.box[0] - a.box[2] > _NEAR * ref:
            continue
        yield a, b, _symbol((*a.strokes, *b.strokes), boxes)


def _lines(nodes: Sequence[Node]) -> list[Sequence[Node]]:
    found = [nodes]
    for n in nodes:
        if isinstance(n, Fraction):
            found += _lines(n.numerator) + _lines(n.denominator)
        elif isinstance(n, Radical):
            found += _lines(n.body)
    return found


def regroup(
    tree: tuple[Node, ...],
    symbols: list[Symbol],
    probs: NDArray[np.float32],
    classify: Classify,
    boxes: Boxes,
    ref: float,
) -> tuple[Node, ...] | None:
    """A better-grouped tree, or None when the first grouping stands."""
    sure = {id(s): float(p.max()) for s, p in zip(symbols, probs, strict=True)}
    options: list[tuple[list[Symbol], list[Symbol]]] = []
    for s in symbols:
        if 1 < len(s.strokes) <= 6:
            # A sure group may still hold a touching neighbour read past.
            parts = _splits(s, boxes, side_by_side=sure[id(s)] >= UNSURE)
            options += [([s], p) for p in parts]
    for line in _lines(tree):
        options += [
            ([a, b], [merged]) for a, b, merged in _merges(line, sure, ref, boxes)
        ]
    if not options:
        return None
    batch = [sym for _, new in options for sym in new]
    tops = classify(batch).max(axis=1)
    mapping = _choose(options, tops, sure)
    return _rebuild(tree, mapping) if mapping else None


def _choose(
    options: list[tuple[list[Symbol], list[Symbol]]],
    tops: NDArray[np.float32],
    sure: dict[int, float],
) -> dict[int, list[Symbol]]:
    """Replacements that raise the product of symbol confidences, best first."""
    scored = []
    at = 0
    for old, new in options:
        after = float(np.prod(tops[at : at + len(new)]))
        before = float(np.prod([sure[id(o)] for o in old]))
        at += len(new)
        gain = _MERGE_GAIN if len(new) < len(old) else 1.0
        if after > gain * before and after > 0.5 ** len(new):
            scored.append((after / before, old, new))
    mapping: dict[int, list[Symbol]] = {}
    for _, old, new in sorted(scored, key=lambda t: -t[0]):
        if any(id(o) in mapping for o in old):
            continue
        mapping[id(old[0])] = new
        for o in old[1:]:
            mapping[id(o)] = []
    return mapping


def _rebuild(
    nodes: Sequence[Node], mapping: dict[int, list[Symbol]]
) -> tuple[Node, ...]:
    out: list[Node] = []
    for n in nodes:
        if isinstance(n, Symbol):
            out += mapping.get(id(n), [n])
        elif isinstance(n, Fraction):
            num, den = _rebuild(n.numerator, mapping), _rebuild(n.denominator, mapping)
            out.append(Fraction(num, den, n.bar, n.box))
        else:
            out.append(Radical(n.sign, _rebuild(n.body, mapping), n.box))
    return tuple(sorted(out, key=lambda n: n.box[0] + n.box[2]))


def slash_for_one(
    tree: tuple[Node, ...], probs: NDArray[np.float32], ref: float
) -> NDArray[np.float32]:
    """Probabilities with a tall ``1`` that hangs below the line read as ``/``.

    An inline fraction's slash looks like a slanted 1 to the classifier, but
    it is taller than the digits and reaches below their base line, which a
    1 does not. Only for a single line (no stacked fraction or root).
    """
    if not all(isinstance(n, Symbol) for n in tree) or len(tree) < 3:
        return probs
    one, slash = CLASS_INDEX["1"], CLASS_INDEX["/"]
    digits = [
        n.box[3] for n, p in zip(tree, probs, strict=True) if int(p.argmax()) < 10
    ]
    if len(digits) < 2:
        return probs
    base = float(np.median(digits))
    out = probs.copy()
    for k, node in enumerate(tree):
        _, y0, _, y1 = node.box
        hangs = y1 > base + _HANG * ref and (y1 - y0) > _TALL * ref
        if hangs and out[k, slash] > 0.0 and out[k, one] > out[k, slash]:
            out[k, slash] += 0.9 * out[k, one]
            out[k, one] *= 0.1
    return out
