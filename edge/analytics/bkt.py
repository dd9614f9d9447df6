"""Bayesian knowledge tracing: parameters and the per-answer update.

The update is the reference the ONNX model is tested against. An answer's
evidence is soft: ``credit`` is the share of the points earned (1 right, 0
wrong, between for partial credit) and ``weight`` says how far the reading
and verdict can be trusted (1 for a teacher-reviewed answer, the recognizer's
confidence otherwise). Weight 0 leaves the estimate where it was apart from
the learning step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Self

import numpy as np
from numpy.typing import NDArray

from edge.analytics.errors import AnalyticsError

# Beck and Chang (2007): without bounds, guess and slip trade places with
# mastery and the fit finds "students who know it answer wrong". Keeping both
# below these bounds keeps P(correct | mastered) > P(correct | not mastered).
MAX_GUESS = 0.4
MAX_SLIP = 0.3

Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BktParams:
    """The five numbers of one knowledge point's BKT model."""

    prior: float = 0.3
    learn: float = 0.1
    guess: float = 0.2
    slip: float = 0.1
    forget: float = 0.0

    def __post_init__(self) -> None:
        for name in ("prior", "learn", "guess", "slip", "forget"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise AnalyticsError(f"BKT {name} must be within 0..1, got {value}")
        if self.guess > MAX_GUESS or self.slip > MAX_SLIP:
            raise AnalyticsError(
                f"BKT guess {self.guess} or slip {self.slip} above the bounds "
                f"{MAX_GUESS}/{MAX_SLIP}"
            )

    @classmethod
    def bounded(
        cls,
        prior: float,
        learn: float,
        guess: float,
        slip: float,
        forget: float = 0.0,
    ) -> Self:
        """Parameters clipped into their valid ranges (for fitted values)."""
        return cls(
            prior=_clip(prior, 0.001, 0.999),
            learn=_clip(learn, 0.0, 0.999),
            guess=_clip(guess, 0.001, MAX_GUESS),
            slip=_clip(slip, 0.001, MAX_SLIP),
            forget=_clip(forget, 0.0, 0.5),
        )

    def as_dict(self) -> dict[str, float]:
        """The parameters as a plain mapping."""
        return {
            "prior": self.prior,
            "learn": self.learn,
            "guess": self.guess,
            "slip": self.slip,
            "forget": self.forget,
        }

    def with_guess(self, guess: float) -> BktParams:
        """A copy with another guess rate (for example 1/options)."""
        return replace(self, guess=_clip(guess, 0.001, MAX_GUESS))


def _clip(value: float, low: float, high: float) -> float:
    return float(min(max(value, low), high))


def emission(
    credit: Floats, weight: Floats, guess: Floats, slip: Floats
) -> tuple[Floats, Floats]:
    """Likelihood of an answer if mastered and if not, softened by its weight."""
    like_known = credit * (1.0 - slip) + (1.0 - credit) * slip
    like_unknown = credit * guess + (1.0 - credit) * (1.0 - guess)
    soft_known = weight * like_known + (1.0 - weight)
    soft_unknown = weight * like_unknown + (1.0 - weight)
    return soft_known, soft_unknown


def update_arrays(
    p_known: Floats,
    credit: Floats,
    weight: Floats,
    guess: Floats,
    slip: Floats,
    learn: Floats,
    forget: Floats,
) -> tuple[Floats, Floats, Floats]:
    """Vectorised update: (posterior, P(mastered) next, P(correct) next)."""
    like_known, like_unknown = emission(credit, weight, guess, slip)
    joint_known = p_known * like_known
    posterior = joint_known / (joint_known + (1.0 - p_known) * like_unknown)
    p_next = posterior * (1.0 - forget) + (1.0 - posterior) * learn
    p_correct = p_next * (1.0 - slip) + (1.0 - p_next) * guess
    return posterior, p_next, p_correct


def update(p_known: float, credit: float, weight: float, params: BktParams) -> float:
    """P(mastered) after one answer with the given credit and weight."""
    credit = _clip(credit, 0.0, 1.0)
    weight = _clip(weight, 0.0, 1.0)
    like_known = credit * (1.0 - params.slip) + (1.0 - credit) * params.slip
    like_unknown = credit * params.guess + (1.0 - credit) * (1.0 - params.guess)
    joint_known = p_known * (weight * like_known + 1.0 - weight)
    joint_unknown = (1.0 - p_known) * (weight * like_unknown + 1.0 - weight)
    posterior = joint_known / (joint_known + joint_unknown)
    return posterior * (1.0 - params.forget) + (1.0 - posterior) * params.learn


def trace(answers: list[tuple[float, float]], params: BktParams) -> float:
    """P(mastered) after a sequence of (credit, weight) answers from the prior."""
    p = params.prior
    for credit, weight in answers:
        p = update(p, credit, weight, params)
    return p
