"""Classifier inputs for one symbol: a raster image and a vector of shape features.

The raster keeps the symbol's aspect ratio and, for symbols smaller than
``_MIN_FILL`` of the line height, its size, so a dot stays a dot. The vector
holds the pen path as 8 points scaled per axis to 0..1 (the representation of
the UCI pen-based digits data, so those samples and live ink look alike), the
symbol's size relative to the line height and its stroke count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from edge.inference.recognition.ink import (
    Ink,
    _resample_packed,
    bounds,
    join,
    resample,
    resample_all,
    resample_packed,
)

RASTER = 32
FEATURES = 24
PATH_POINTS = 8

_INNER = 26.0  # pixels the larger side of a full-size symbol spans
_MIN_FILL = 0.4  # symbols smaller than this share of the line height keep their size
_STEP = 0.4  # pixels between deposited points
_DENSITY = 1.6 * _STEP  # makes a line's centre about 1.0 bright


def _splat(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Bilinear deposit of points into a (RASTER + 2)^2 grid with a one-pixel border."""
    side = RASTER + 2
    pos = np.clip(points + 0.5, 0.0, side - 1.001)
    ix, iy = pos[:, 0].astype(np.int64), pos[:, 1].astype(np.int64)
    fx, fy = pos[:, 0] - ix, pos[:, 1] - iy
    index = np.concatenate(
        [
            iy * side + ix,
            iy * side + ix + 1,
            (iy + 1) * side + ix,
            (iy + 1) * side + ix + 1,
        ]
    )
    weight = np.concatenate(
        [(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy]
    )
    grid = np.bincount(index, weight, minlength=side * side)
    return np.asarray(grid, dtype=np.float64).reshape(side, side)


def rasterise(strokes: Sequence[Ink], ref: float) -> NDArray[np.float32]:
    """The symbol drawn into a RASTER x RASTER image, values 0..1."""
    x0, y0, x1, y1 = bounds(strokes)
    extent = max(x1 - x0, y1 - y0, _MIN_FILL * ref, 1e-6)
    scale = _INNER / extent
    centre = np.array([0.5 * (x0 + x1), 0.5 * (y0 + y1)])
    placed = [(s - centre) * scale + RASTER / 2.0 for s in strokes]
    ink = _splat(resample_all(placed, _STEP) + 0.5)
    # A 1-2-1 blur in both directions gives the pen its width.
    ink = 0.25 * ink[:-2] + 0.5 * ink[1:-1] + 0.25 * ink[2:]
    ink = 0.25 * ink[:, :-2] + 0.5 * ink[:, 1:-1] + 0.25 * ink[:, 2:]
    return np.asarray(np.clip(ink * _DENSITY, 0.0, 1.0), dtype=np.float32)


def path_vector(strokes: Sequence[Ink]) -> NDArray[np.float32]:
    """The joined pen path as 8 points, each axis scaled to 0..1 on its own."""
    path = resample(join(strokes), PATH_POINTS)
    low = path.min(axis=0)
    span = np.maximum(path.max(axis=0) - low, 1e-6)
    return np.asarray(((path - low) / span).reshape(-1), dtype=np.float32)


def shape_vector(strokes: Sequence[Ink], ref: float) -> NDArray[np.float32]:
    """Size, aspect, stroke count and path length relative to the line height."""
    x0, y0, x1, y1 = bounds(strokes)
    w, h = max(x1 - x0, 1e-3 * ref), max(y1 - y0, 1e-3 * ref)
    length = sum(
        float(np.hypot(*np.diff(s, axis=0).T).sum()) for s in strokes if len(s) > 1
    )
    count = min(len(strokes), 4)
    onehot = [1.0 if count == k else 0.0 for k in (1, 2, 3, 4)]
    return np.array(
        [
            math.log(h / ref),
            math.log(w / ref),
            float(np.clip(math.log(w / h), -4.0, 4.0)),
            *onehot,
            math.log(max(length, 1e-3 * ref) / ref),
        ],
        dtype=np.float32,
    )


def symbol_inputs(
    strokes: Sequence[Ink], ref: float
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Raster image and feature vector of one symbol's strokes.

    The same numbers as :func:`rasterise`, :func:`path_vector` and
    :func:`shape_vector`, computed from one packed copy of the ink: this runs
    for every symbol of every answer.
    """
    points = np.concatenate(list(strokes))
    sizes = np.array([len(s) for s in strokes])
    low, high = points.min(axis=0), points.max(axis=0)
    seg = np.hypot(*np.diff(points, axis=0).T)
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    starts = np.cumsum(sizes)[:-1]
    pen_down = float(seg.sum() - seg[starts - 1].sum())

    # The joined path (pen-up jumps included) as 8 points, each axis 0..1.
    target = np.linspace(0.0, cum[-1], PATH_POINTS)
    path = np.stack(
        [np.interp(target, cum, points[:, 0]), np.interp(target, cum, points[:, 1])], 1
    )
    if cum[-1] <= 0.0:
        path = np.repeat(points[:1], PATH_POINTS, axis=0)
    path_low = path.min(axis=0)
    path = (path - path_low) / np.maximum(path.max(axis=0) - path_low, 1e-6)

    (x0, y0), (x1, y1) = low, high
    w, h = max(x1 - x0, 1e-3 * ref), max(y1 - y0, 1e-3 * ref)
    count = min(len(strokes), 4)
    shape = [
        math.log(h / ref),
        math.log(w / ref),
        float(np.clip(math.log(w / h), -4.0, 4.0)),
        *(1.0 if count == k else 0.0 for k in (1, 2, 3, 4)),
        math.log(max(pen_down, 1e-3 * ref) / ref),
    ]
    vector = np.concatenate([path.reshape(-1), shape]).astype(np.float32)

    extent = max(x1 - x0, y1 - y0, _MIN_FILL * ref, 1e-6)
    placed = (points - 0.5 * (low + high)) * (_INNER / extent) + RASTER / 2.0
    ink = _splat(resample_packed(placed, sizes, _STEP) + 0.5)
    ink = 0.25 * ink[:-2] + 0.5 * ink[1:-1] + 0.25 * ink[2:]
    ink = 0.25 * ink[:, :-2] + 0.5 * ink[:, 1:-1] + 0.25 * ink[:, 2:]
    image = np.asarray(np.clip(ink * _DENSITY, 0.0, 1.0), dtype=np.float32)
    return image, vector


def batch_inputs(
    groups: Sequence[Sequence[Ink]], ref: float
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """:func:`symbol_inputs` for many symbols at once: images (n, 1, R, R), vectors.

    Every symbol's strokes are packed into one array, so the work per answer
    is a fixed number of array operations instead of a number per symbol.
    """
    n = len(groups)
    strokes = [s for g in groups for s in g]
    stroke_sym = np.repeat(np.arange(n), [len(g) for g in groups])
    sizes = np.array([len(s) for s in strokes])
    points = np.concatenate(strokes)
    sym_sizes = np.bincount(stroke_sym, weights=sizes, minlength=n).astype(np.int64)
    sym_first = np.concatenate(([0], np.cumsum(sym_sizes)[:-1]))
    low = np.minimum.reduceat(points, sym_first, axis=0)
    high = np.maximum.reduceat(points, sym_first, axis=0)

    seg = np.concatenate(([0.0], np.hypot(*np.diff(points, axis=0).T)))
    seg[sym_first] = 0.0  # nothing joins one symbol to the next
    stroke_first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    pen_up = np.zeros(len(points), dtype=bool)
    pen_up[stroke_first] = True
    pen_down = np.add.reduceat(np.where(pen_up, 0.0, seg), sym_first)
    vectors = np.concatenate(
        [
            _paths(points, seg, sym_first, sym_sizes),
            _shapes(low, high, groups, pen_down, ref),
        ],
        axis=1,
    ).astype(np.float32)

    extent = np.maximum((high - low).max(axis=1), max(_MIN_FILL * ref, 1e-6))
    point_sym = np.repeat(np.arange(n), sym_sizes)
    centre = 0.5 * (low + high)
    placed = (points - centre[point_sym]) * (_INNER / extent)[
        point_sym, None
    ] + RASTER / 2.0
    out, counts = _resample_packed(placed, sizes, _STEP)
    ink = _splat_many(out + 0.5, np.repeat(stroke_sym, counts), n)
    ink = 0.25 * ink[:, :-2] + 0.5 * ink[:, 1:-1] + 0.25 * ink[:, 2:]
    ink = 0.25 * ink[:, :, :-2] + 0.5 * ink[:, :, 1:-1] + 0.25 * ink[:, :, 2:]
    images = np.clip(ink * _DENSITY, 0.0, 1.0).astype(np.float32)[:, None]
    return images, vectors


def _paths(
    points: Ink,
    seg: NDArray[np.float64],
    first: NDArray[np.int64],
    sizes: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Each symbol's joined path as 8 points, axes scaled 0..1 (see path_vector)."""
    within = np.cumsum(seg)
    lengths = within[first + sizes - 1] - within[first]
    gap = float(lengths.max(initial=0.0)) + 1.0
    offsets = np.concatenate(([0.0], np.cumsum(lengths + gap)[:-1]))
    cum = within - np.repeat(within[first] - offsets, sizes)
    target = (np.linspace(0.0, 1.0, PATH_POINTS)[None, :] * lengths[:, None]).ravel()
    target = target + np.repeat(offsets, PATH_POINTS)
    path = np.stack(
        [np.interp(target, cum, points[:, 0]), np.interp(target, cum, points[:, 1])], 1
    )
    path = path.reshape(len(sizes), PATH_POINTS, 2)
    flat = lengths <= 0.0
    path[flat] = points[first[flat]][:, None, :]
    low = path.min(axis=1, keepdims=True)
    span = np.maximum(path.max(axis=1, keepdims=True) - low, 1e-6)
    return np.asarray(((path - low) / span).reshape(len(sizes), -1), dtype=np.float64)


def _shapes(
    low: Ink,
    high: Ink,
    groups: Sequence[Sequence[Ink]],
    pen_down: NDArray[np.float64],
    ref: float,
) -> NDArray[np.float64]:
    """Size, aspect, stroke count and path length per symbol (see shape_vector)."""
    w = np.maximum(high[:, 0] - low[:, 0], 1e-3 * ref)
    h = np.maximum(high[:, 1] - low[:, 1], 1e-3 * ref)
    count = np.minimum([len(g) for g in groups], 4)
    onehot = (count[:, None] == np.arange(1, 5)[None, :]).astype(np.float64)
    return np.column_stack(
        [
            np.log(h / ref),
            np.log(w / ref),
            np.clip(np.log(w / h), -4.0, 4.0),
            onehot,
            np.log(np.maximum(pen_down, 1e-3 * ref) / ref),
        ]
    )


def _splat_many(points: Ink, owner: NDArray[np.int64], n: int) -> NDArray[np.float64]:
    """:func:`_splat` of each symbol's points into its own bordered grid."""
    side = RASTER + 2
    pos = np.clip(points + 0.5, 0.0, side - 1.001)
    ix, iy = pos[:, 0].astype(np.int64), pos[:, 1].astype(np.int64)
    fx, fy = pos[:, 0] - ix, pos[:, 1] - iy
    base = owner * side * side + iy * side + ix
    index = np.concatenate([base, base + 1, base + side, base + side + 1])
    weight = np.concatenate(
        [(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy]
    )
    grid = np.bincount(index, weight, minlength=n * side * side)
    return np.asarray(grid, dtype=np.float64).reshape(n, side, side)
