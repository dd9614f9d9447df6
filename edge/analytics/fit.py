"""Fitting BKT parameters per knowledge point by expectation maximisation.

Each student's answers on one knowledge point form a sequence of
(credit, weight) pairs in time order. The fit is Baum-Welch on the two-state
hidden Markov model behind BKT, run from several starting points at once
(arrays carry a leading "start" axis), keeping the best likelihood. Soft
evidence enters the emission as ``weight * P(answer | state) + 1 - weight``
(as in the online update) and the M-step counts each answer by its weight,
so an uncertain reading moves guess and slip less than a reviewed one.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from edge.analytics.bkt import MAX_GUESS, MAX_SLIP, BktParams, Floats

log = logging.getLogger(__name__)

AnswerSeq = Sequence[tuple[float, float]]

# Starting points: low and high values of each parameter. Eight corners are
# enough to leave the degenerate basins (everything learned at once, or
# guess and slip swapped) that single starts fall into on small classes.
_STARTS = list(itertools.product((0.2, 0.6), (0.05, 0.25), (0.15,), (0.05, 0.2)))


@dataclass(frozen=True, slots=True)
class FitResult:
    """Fitted parameters of one knowledge point and the data behind them."""

    params: BktParams
    log_likelihood: float
    n_sequences: int
    n_answers: float
    iterations: int
    source: str


@dataclass(frozen=True, slots=True)
class _Padded:
    credit: Floats
    weight: Floats
    mask: Floats


def _pad(sequences: Sequence[AnswerSeq]) -> _Padded:
    length = max(len(s) for s in sequences)
    credit = np.zeros((len(sequences), length))
    weight = np.zeros((len(sequences), length))
    mask = np.zeros((len(sequences), length))
    for row, seq in enumerate(sequences):
        if seq:
            pairs = np.clip(np.asarray(seq, dtype=np.float64), 0.0, 1.0)
            credit[row, : len(seq)] = pairs[:, 0]
            weight[row, : len(seq)] = pairs[:, 1]
            mask[row, : len(seq)] = 1.0
    return _Padded(credit, weight, mask)


def _emissions(
    data: _Padded, guess: Floats, slip: Floats
) -> tuple[Floats, Floats, Floats, Floats, Floats, Floats]:
    """Per (start, student, step): emission of each state and its parts."""
    c, w = data.credit[None], data.weight[None]
    g, s = guess[:, None, None], slip[:, None, None]
    right_unknown, wrong_unknown = w * c * g, w * (1 - c) * (1 - g)
    right_known, wrong_known = w * c * (1 - s), w * (1 - c) * s
    # Masked steps emit 1 in both states: no evidence, likelihood unchanged.
    e0 = right_unknown + wrong_unknown + (1 - w)
    e1 = right_known + wrong_known + (1 - w)
    return e0, e1, right_unknown, wrong_unknown, right_known, wrong_known


def _forward_backward(
    data: _Padded, theta: Floats
) -> tuple[Floats, Floats, Floats, Floats, tuple[Floats, ...]]:
    """Posterior state and transition counts for each start; theta is (R, 5)."""
    prior, learn, guess, slip, forget = (theta[:, i] for i in range(5))
    emit = _emissions(data, guess, slip)
    e0, e1 = emit[0], emit[1]
    steps = e0.shape[2]
    a00, a01 = (1 - learn)[:, None], learn[:, None]
    a10, a11 = forget[:, None], (1 - forget)[:, None]

    alpha = np.empty((2, *e0.shape))
    scale = np.empty(e0.shape)
    f0, f1 = (1 - prior)[:, None] * e0[:, :, 0], prior[:, None] * e1[:, :, 0]
    for t in range(steps):
        if t:
            p0, p1 = alpha[0, :, :, t - 1], alpha[1, :, :, t - 1]
            f0 = (p0 * a00 + p1 * a10) * e0[:, :, t]
            f1 = (p0 * a01 + p1 * a11) * e1[:, :, t]
        scale[:, :, t] = f0 + f1
        alpha[0, :, :, t], alpha[1, :, :, t] = f0 / scale[..., t], f1 / scale[..., t]

    beta = np.ones_like(alpha)
    for t in range(steps - 2, -1, -1):
        n0 = e0[:, :, t + 1] * beta[0, :, :, t + 1] / scale[:, :, t + 1]
        n1 = e1[:, :, t + 1] * beta[1, :, :, t + 1] / scale[:, :, t + 1]
        beta[0, :, :, t] = a00 * n0 + a01 * n1
        beta[1, :, :, t] = a10 * n0 + a11 * n1

    gamma = alpha * beta
    nxt0 = e0[:, :, 1:] * beta[0, :, :, 1:] / scale[:, :, 1:]
    nxt1 = e1[:, :, 1:] * beta[1, :, :, 1:] / scale[:, :, 1:]
    xi01 = alpha[0, :, :, :-1] * a01[..., None] * nxt1
    xi10 = alpha[1, :, :, :-1] * a10[..., None] * nxt0
    log_lik = np.log(scale).sum(axis=(1, 2))
    return gamma, xi01, xi10, log_lik, emit


def _m_step(
    data: _Padded,
    gamma: Floats,
    xi01: Floats,
    xi10: Floats,
    emit: tuple[Floats, ...],
    fit_forget: bool,
) -> Floats:
    mask = data.mask[None]
    trans_mask = data.mask[None, :, 1:]
    g0, g1 = gamma[0] * mask, gamma[1] * mask
    prior = gamma[1, :, :, 0].mean(axis=1)

    learn = _ratio(
        (xi01 * trans_mask).sum((1, 2)), (g0[..., :-1] * trans_mask).sum((1, 2))
    )
    forget = np.zeros_like(learn)
    if fit_forget:
        forget = _ratio(
            (xi10 * trans_mask).sum((1, 2)), (g1[..., :-1] * trans_mask).sum((1, 2))
        )

    # Each answer counts by its weight in the guess and slip rates (weighted
    # likelihood): responsibilities would discount the rare outcome of each
    # state and pull guess and slip towards 0 even on clean readings.
    w, c = data.weight[None], data.credit[None]
    right_u, wrong_u = (g0 * w * c).sum((1, 2)), (g0 * w * (1 - c)).sum((1, 2))
    right_k, wrong_k = (g1 * w * c).sum((1, 2)), (g1 * w * (1 - c)).sum((1, 2))
    guess = _ratio(right_u, right_u + wrong_u)
    slip = _ratio(wrong_k, right_k + wrong_k)
    return np.stack(
        [
            np.clip(prior, 0.001, 0.999),
            np.clip(learn, 0.0, 0.999),
            np.clip(guess, 0.001, MAX_GUESS),
            np.clip(slip, 0.001, MAX_SLIP),
            np.clip(forget, 0.0, 0.5),
        ],
        axis=1,
    )


def _ratio(num: Floats, den: Floats) -> Floats:
    return np.where(den > 1e-12, num / np.maximum(den, 1e-12), 0.0)


def fit_sequences(
    sequences: Sequence[AnswerSeq],
    *,
    fit_forget: bool = False,
    max_iter: int = 200,
    tol: float = 1e-6,
) -> FitResult:
    """Fit one knowledge point's BKT parameters to students' answer sequences."""
    sequences = [s for s in sequences if len(s)]
    if not sequences:
        return FitResult(BktParams(), 0.0, 0, 0.0, 0, "default")
    data = _pad(sequences)
    theta = np.array([[p, lr, g, s, 0.0] for p, lr, g, s in _STARTS])

    previous = np.full(len(theta), -np.inf)
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported below)
        gamma, xi01, xi10, log_lik, emit = _forward_backward(data, theta)
        theta = _m_step(data, gamma, xi01, xi10, emit, fit_forget)
        if np.all(np.abs(log_lik - previous) < tol):
            break
        previous = log_lik

    best = int(np.argmax(log_lik))
    params = BktParams.bounded(*(float(v) for v in theta[best]))
    n_answers = float((data.weight * data.mask).sum())
    return FitResult(
        params, float(log_lik[best]), len(sequences), n_answers, iterations, "fitted"
    )


def shrink(
    fitted: BktParams, pooled: BktParams, n_answers: float, strength: float
) -> BktParams:
    """Blend a knowledge point's fit with the pooled one by the evidence it has."""
    share = n_answers / (n_answers + strength) if n_answers + strength > 0 else 0.0
    mix = {
        name: share * value + (1 - share) * pooled.as_dict()[name]
        for name, value in fitted.as_dict().items()
    }
    return BktParams.bounded(**mix)


def fit_knowledge_points(
    sequences_by_kp: Mapping[str, Sequence[AnswerSeq]],
    *,
    defaults: BktParams,
    min_answers: float = 60.0,
    strength: float = 40.0,
    fit_forget: bool = False,
) -> tuple[BktParams, dict[str, FitResult]]:
    """Pooled parameters and one fit per knowledge point, shrunk to the pool."""
    everything = [s for seqs in sequences_by_kp.values() for s in seqs if len(s)]
    pooled_fit = fit_sequences(everything, fit_forget=fit_forget)
    pooled = pooled_fit.params if pooled_fit.n_answers >= min_answers else defaults
    log.info(
        "pooled BKT fit over %s answers: %s", pooled_fit.n_answers, pooled.as_dict()
    )

    results: dict[str, FitResult] = {}
    for kp, seqs in sorted(sequences_by_kp.items()):
        fit = fit_sequences(seqs, fit_forget=fit_forget)
        if fit.n_answers < min_answers:
            results[kp] = FitResult(
                pooled, fit.log_likelihood, fit.n_sequences, fit.n_answers, 0, "pooled"
            )
            continue
        params = shrink(fit.params, pooled, fit.n_answers, strength)
        results[kp] = FitResult(
            params,
            fit.log_likelihood,
            fit.n_sequences,
            fit.n_answers,
            fit.iterations,
            "fitted",
        )
    return pooled, results
