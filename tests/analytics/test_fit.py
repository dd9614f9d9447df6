"""BKT fitting recovers planted parameters from simulated answer sequences.

Tolerance: with 600 students and 10 answers each, every fitted parameter is
within 0.06 of the planted one (measured spread over seeds: about 0.03).
"""

from __future__ import annotations

import numpy as np
import pytest

from edge.analytics.bkt import BktParams
from edge.analytics.fit import fit_knowledge_points, fit_sequences, shrink

TOLERANCE = 0.06
PLANTED = [
    BktParams(prior=0.25, learn=0.15, guess=0.2, slip=0.08),
    BktParams(prior=0.5, learn=0.05, guess=0.25, slip=0.1),
    BktParams(prior=0.1, learn=0.3, guess=0.15, slip=0.05),
]


def simulate(
    p: BktParams,
    students: int,
    steps: int,
    rng: np.random.Generator,
    noise: float = 0.0,
) -> list[list[tuple[float, float]]]:
    """Answer sequences; with noise, a share of readings is flipped and marked uncertain."""
    sequences = []
    for _ in range(students):
        known = rng.random() < p.prior
        seq = []
        for _ in range(steps):
            right = rng.random() < ((1 - p.slip) if known else p.guess)
            weight = 1.0
            if rng.random() < noise:
                right = not right if rng.random() < 0.5 else right
                weight = 0.2
            seq.append((float(right), weight))
            known = known or rng.random() < p.learn
        sequences.append(seq)
    return sequences


def _worst(a: BktParams, b: BktParams) -> float:
    da, db = a.as_dict(), b.as_dict()
    return max(abs(da[k] - db[k]) for k in ("prior", "learn", "guess", "slip"))


@pytest.mark.parametrize("planted", PLANTED, ids=["typical", "slow", "fast"])
def test_em_recovers_planted_parameters(planted: BktParams) -> None:
    rng = np.random.default_rng(11)
    fit = fit_sequences(simulate(planted, 600, 10, rng))
    assert _worst(fit.params, planted) < TOLERANCE, (fit.params, planted)
    assert fit.n_sequences == 600 and fit.n_answers == 6000


def test_uncertain_readings_weighted_down_keep_the_fit_close() -> None:
    planted = PLANTED[0]
    rng = np.random.default_rng(5)
    noisy = simulate(planted, 600, 10, rng, noise=0.3)
    weighted = fit_sequences(noisy)
    ignored = fit_sequences([[(c, 1.0) for c, _ in seq] for seq in noisy])
    assert _worst(weighted.params, planted) < TOLERANCE
    assert _worst(weighted.params, planted) < _worst(ignored.params, planted)


def test_new_knowledge_point_gets_pooled_parameters() -> None:
    rng = np.random.default_rng(3)
    planted = PLANTED[0]
    data = {
        "K1": simulate(planted, 300, 8, rng),
        "K2": simulate(planted, 300, 8, rng),
        "NEW": simulate(planted, 3, 2, rng),
    }
    pooled, fits = fit_knowledge_points(data, defaults=BktParams())
    assert fits["NEW"].source == "pooled" and fits["NEW"].params == pooled
    assert fits["K1"].source == "fitted"
    assert _worst(pooled, planted) < TOLERANCE


def test_no_data_falls_back_to_defaults() -> None:
    defaults = BktParams(prior=0.4)
    pooled, fits = fit_knowledge_points({"K": [[(1.0, 1.0)]]}, defaults=defaults)
    assert pooled == defaults and fits["K"].params == defaults
    assert fit_sequences([]).source == "default"


def test_shrink_moves_toward_the_pool_with_little_evidence() -> None:
    fitted, pooled = BktParams(prior=0.8), BktParams(prior=0.2)
    assert shrink(fitted, pooled, 0.0, 40.0).prior == pytest.approx(0.2)
    assert shrink(fitted, pooled, 40.0, 40.0).prior == pytest.approx(0.5)
    assert shrink(fitted, pooled, 4000.0, 40.0).prior > 0.79
