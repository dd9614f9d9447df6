"""The reference BKT update: Bayes rule, soft evidence and the learning step."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.analytics.bkt import MAX_GUESS, MAX_SLIP, BktParams, trace, update
from edge.analytics.errors import AnalyticsError

share = st.floats(0.0, 1.0)
params = st.builds(
    BktParams,
    prior=st.floats(0.01, 0.99),
    learn=st.floats(0.0, 0.5),
    guess=st.floats(0.01, MAX_GUESS),
    slip=st.floats(0.01, MAX_SLIP),
    forget=st.floats(0.0, 0.2),
)


def test_correct_answer_by_hand() -> None:
    p = BktParams(prior=0.3, learn=0.1, guess=0.2, slip=0.1)
    # posterior = 0.3*0.9 / (0.3*0.9 + 0.7*0.2) = 0.27/0.41
    posterior = 0.27 / 0.41
    assert update(0.3, 1.0, 1.0, p) == pytest.approx(posterior + (1 - posterior) * 0.1)


def test_wrong_answer_by_hand() -> None:
    p = BktParams(prior=0.3, learn=0.1, guess=0.2, slip=0.1)
    posterior = 0.03 / (0.03 + 0.7 * 0.8)
    assert update(0.3, 0.0, 1.0, p) == pytest.approx(posterior + (1 - posterior) * 0.1)


@given(share, share, share, params)
def test_update_stays_a_probability(
    p: float, credit: float, weight: float, prm: BktParams
) -> None:
    assert 0.0 <= update(p, credit, weight, prm) <= 1.0


@given(st.floats(0.01, 0.99), params)
def test_weight_zero_only_learns(p: float, prm: BktParams) -> None:
    expected = p * (1 - prm.forget) + (1 - p) * prm.learn
    assert update(p, 1.0, 0.0, prm) == pytest.approx(expected)
    assert update(p, 0.0, 0.0, prm) == pytest.approx(expected)


@given(st.floats(0.05, 0.95), st.floats(0.0, 1.0), params)
def test_less_weight_moves_less(p: float, weight: float, prm: BktParams) -> None:
    no_learning = BktParams(prm.prior, 0.0, prm.guess, prm.slip, 0.0)
    full = update(p, 1.0, 1.0, no_learning) - p
    partial = update(p, 1.0, weight, no_learning) - p
    assert 0.0 <= partial <= full + 1e-12


def test_mastery_rises_with_right_answers_and_falls_with_wrong() -> None:
    p = BktParams()
    assert trace([(1.0, 1.0)] * 4, p) > 0.95
    assert trace([(0.0, 1.0)] * 4, p) < p.prior


def test_partial_credit_lies_between() -> None:
    p = BktParams()
    right, half, wrong = (update(0.5, c, 1.0, p) for c in (1.0, 0.5, 0.0))
    assert wrong < half < right


@pytest.mark.parametrize("field", ["prior", "learn", "guess", "slip", "forget"])
def test_out_of_range_is_refused(field: str) -> None:
    with pytest.raises(AnalyticsError, match=field):
        BktParams(**{field: 1.5})


def test_guess_and_slip_are_bounded() -> None:
    with pytest.raises(AnalyticsError):
        BktParams(guess=0.6)
    clipped = BktParams.bounded(0.5, 0.1, 0.9, 0.9)
    assert clipped.guess == MAX_GUESS and clipped.slip == MAX_SLIP
    assert not math.isnan(clipped.prior)
