"""Algebraic equivalence of two expressions, cheap checks first.

1. identical trees;
2. values at a few random points (as WeBWorK does): one clear difference
   settles "not equivalent";
3. exact rational-function arithmetic over Q(√k), bounded in work, confirms
   equivalence. Only when the exact form has opaque parts (roots of
   variables, symbolic exponents) does the numeric test decide alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from edge.inference.grading import nodes as n
from edge.inference.grading.errors import LimitError
from edge.inference.grading.evaluate import EvalError, Exact, numeric
from edge.inference.grading.forms import walk

SAMPLE_POINTS = 6
MAX_TRIES = 24
ABS_TOL = 1e-9
REL_TOL = 1e-7


@dataclass(frozen=True, slots=True)
class Equivalence:
    """Outcome of an equivalence test and the method that settled it."""

    equal: bool
    method: str


def names(node: n.Node) -> set[str]:
    """The variable names in a tree."""
    return {x.name for x in walk(node) if isinstance(x, n.Name)}


def equivalent(a: n.Node, b: n.Node) -> Equivalence:
    """Whether two expressions are equal as functions of their variables."""
    if a == b:
        return Equivalence(True, "identical")
    sampled = _sample(a, b)
    if sampled is False:
        return Equivalence(False, "numeric")
    exact = _exact_equal(a, b)
    if exact is not None:
        return Equivalence(exact, "exact")
    if sampled is None:
        return Equivalence(False, "undecided")
    return Equivalence(True, "numeric")


def _sample(a: n.Node, b: n.Node) -> bool | None:
    """False at the first point where the values differ; None if never evaluable."""
    variables = sorted(names(a) | names(b))
    rng = random.Random(20240901)
    agreed = 0
    for _ in range(MAX_TRIES):
        env = {v: complex(_coordinate(rng)) for v in variables}
        try:
            va, vb = numeric(a, env), numeric(b, env)
        except EvalError:
            continue
        if abs(va - vb) > ABS_TOL + REL_TOL * max(abs(va), abs(vb)):
            return False
        agreed += 1
        if agreed >= SAMPLE_POINTS:
            return True
    return True if agreed else None


def _coordinate(rng: random.Random) -> float:
    value = rng.uniform(0.1, 2.0)
    return value if rng.random() < 0.5 else -value


def _exact_equal(a: n.Node, b: n.Node) -> bool | None:
    """Exact comparison, or None if the exact forms are opaque or too large."""
    exact = Exact()
    try:
        equal = exact(a).equals(exact(b))
    except (EvalError, LimitError):
        return None
    if exact.opaque and not equal:
        return None
    return equal
