"""Mastery per student and knowledge point, updated on every graded answer.

``MasteryTracker`` keeps one BKT estimate per (student, knowledge point) in
the store, runs the update through the ONNX model (falling back to the
reference update if the model file is refused), and can replay the whole
answer history, which is how a teacher's re-grade reaches the estimates.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.analytics.bkt import BktParams
from edge.analytics.errors import MasteryModelError
from edge.analytics.fit import FitResult, fit_knowledge_points
from edge.analytics.onnx_mastery import (
    SHIPPED_MODEL,
    MasteryBatch,
    MasteryModel,
    reference,
)
from edge.analytics.records import AnswerRecord, MasteryEstimate
from edge.analytics.sheets import readable_sheets
from edge.models import Answer, Question
from edge.store import analytics as queries
from edge.store.store import Store, wall_clock_ms

log = logging.getLogger(__name__)

POOLED = "*"
"""Key of the pooled parameters, used for knowledge points without a fit."""

KpMap = Mapping[tuple[str, str], Sequence[str]]


@dataclass(frozen=True, slots=True)
class Observation:
    """One piece of evidence on one knowledge point of one student."""

    student_id: str
    knowledge_point: str
    credit: float
    weight: float
    at_ms: int


def observations_from_answers(
    answers: Iterable[AnswerRecord], kps_by_question: KpMap
) -> list[Observation]:
    """Evidence from graded answers, one per knowledge point of each question."""
    out = []
    for a in answers:
        if not a.graded:
            continue
        for kp in kps_by_question.get((a.assignment_id, a.question_id), ()):
            out.append(Observation(a.student_id, kp, a.credit, a.weight, a.finished_ms))
    return out


def knowledge_point_map(store: Store) -> dict[tuple[str, str], tuple[str, ...]]:
    """(assignment, question) to knowledge points, for every stored assignment."""
    mapping = {}
    for sheet in readable_sheets(store.assignment_bodies()):
        for q in sheet.questions:
            mapping[(sheet.id, q.id)] = q.knowledge_points
    return mapping


class MasteryTracker:
    """BKT mastery of every student, persisted in the store."""

    def __init__(
        self,
        store: Store,
        *,
        defaults: BktParams | None = None,
        model_path: Path | str | None = SHIPPED_MODEL,
        clock: Callable[[], int] = wall_clock_ms,
    ) -> None:
        self.store = store
        self.defaults = defaults or BktParams()
        self.clock = clock
        self.model_failures = 0
        self.model: MasteryModel | None = None
        if model_path is not None:
            self._load_model(Path(model_path))
        self._params = {kp: p for kp, (p, _, _) in queries.load_params(store).items()}

    @property
    def engine(self) -> str:
        """Which update runs: ``onnx`` or ``reference``."""
        return "onnx" if self.model is not None else "reference"

    def _load_model(self, path: Path) -> None:
        try:
            self.model = MasteryModel(path)
        except MasteryModelError as exc:
            self.model_failures += 1
            log.error(  # noqa: TRY400 (the reason is the whole story; no traceback)
                "%s; mastery falls back to the reference update", exc
            )

    def params_for(self, knowledge_point: str) -> BktParams:
        """The BKT parameters used for a knowledge point."""
        found = self._params.get(knowledge_point) or self._params.get(POOLED)
        return found or self.defaults

    def update(
        self,
        student_id: str,
        knowledge_points: Sequence[str],
        correct: bool | float,
        confidence: float,
        *,
        now_ms: int | None = None,
    ) -> list[MasteryEstimate]:
        """Apply one graded answer (credit 0..1, evidence weight 0..1) and persist."""
        at = self.clock() if now_ms is None else now_ms
        observations = [
            Observation(student_id, kp, float(correct), confidence, at)
            for kp in dict.fromkeys(knowledge_points)
        ]
        return self.apply(observations)

    def update_answer(
        self, answer: AnswerRecord, knowledge_points: Sequence[str]
    ) -> list[MasteryEstimate]:
        """Apply a stored answer; a teacher-reviewed one counts as full evidence."""
        if not answer.graded:
            return []
        return self.update(
            answer.student_id,
            knowledge_points,
            answer.credit,
            answer.weight,
            now_ms=answer.finished_ms or None,
        )

    def on_answer(self, answer: Answer, question: Question) -> None:
        """Gateway answer listener: apply a graded answer as soft evidence."""
        verdict = answer.verdict
        if verdict is None or not question.knowledge_points:
            return
        max_score = verdict.max_score
        credit = verdict.score / max_score if max_score else float(verdict.correct)
        self.update(
            answer.student_id,
            question.knowledge_points,
            credit,
            answer.reading.confidence,
            now_ms=answer.finished_ms or None,
        )

    def apply(self, observations: Sequence[Observation]) -> list[MasteryEstimate]:
        """Apply observations in order on top of the stored estimates and persist."""
        students = {o.student_id for o in observations}
        start = {
            (e.student_id, e.knowledge_point): e
            for e in queries.load_mastery(self.store, students)
        }
        result = self.run(observations, start)
        queries.save_mastery(self.store, result)
        return result

    def replay(
        self, student_ids: Iterable[str] | None = None, *, persist: bool = True
    ) -> list[MasteryEstimate]:
        """Recompute estimates from the full answer history (after re-grades)."""
        ids = None if student_ids is None else sorted(set(student_ids))
        result = self.from_history(queries.answer_history(self.store, ids))
        if persist:
            touched = ids if ids is not None else [s.id for s in self.store.students()]
            touched = sorted(set(touched) | {e.student_id for e in result})
            queries.replace_mastery(self.store, result, touched)
        return result

    def from_history(self, history: Sequence[AnswerRecord]) -> list[MasteryEstimate]:
        """Estimates from the prior through the given graded answers (no persisting)."""
        kps = knowledge_point_map(self.store)
        return self.run(observations_from_answers(history, kps), {})

    def run(
        self,
        observations: Sequence[Observation],
        start: Mapping[tuple[str, str], MasteryEstimate],
    ) -> list[MasteryEstimate]:
        """Estimates after the observations, from the given start (no persisting)."""
        queues: dict[tuple[str, str], list[Observation]] = defaultdict(list)
        for o in observations:
            queues[(o.student_id, o.knowledge_point)].append(o)
        state = {
            pair: start.get(pair)
            or MasteryEstimate(*pair, self.params_for(pair[1]).prior, 0.0, 0, 0)
            for pair in queues
        }
        # Answers on the same pair are applied in order, so the batch goes in
        # waves: wave i holds the i-th observation of every pair.
        depth = max((len(q) for q in queues.values()), default=0)
        for i in range(depth):
            wave = [(pair, q[i]) for pair, q in queues.items() if len(q) > i]
            self._apply_wave(wave, state)
        return [state[pair] for pair in sorted(state)]

    def _apply_wave(
        self,
        wave: list[tuple[tuple[str, str], Observation]],
        state: dict[tuple[str, str], MasteryEstimate],
    ) -> None:
        params = [self.params_for(pair[1]) for pair, _ in wave]
        batch = MasteryBatch(
            p_known=np.array([state[pair].p_mastered for pair, _ in wave]),
            credit=np.clip([o.credit for _, o in wave], 0.0, 1.0),
            weight=np.clip([o.weight for _, o in wave], 0.0, 1.0),
            guess=np.array([p.guess for p in params]),
            slip=np.array([p.slip for p in params]),
            learn=np.array([p.learn for p in params]),
            forget=np.array([p.forget for p in params]),
        )
        p_next = self._compute(batch)
        for (pair, obs), p, weight in zip(wave, p_next, batch.weight, strict=True):
            old = state[pair]
            state[pair] = MasteryEstimate(
                pair[0],
                pair[1],
                float(p),
                old.evidence + float(weight),
                old.n_answers + 1,
                max(old.updated_ms, obs.at_ms),
            )

    def _compute(self, batch: MasteryBatch) -> np.ndarray:
        if self.model is not None:
            try:
                return self.model.run(batch)[1]
            except MasteryModelError as exc:
                self.model_failures += 1
                log.warning("%s; using the reference update for this batch", exc)
        return reference(batch)[1]

    def refit(self, *, now_ms: int | None = None) -> dict[str, FitResult]:
        """Fit parameters per knowledge point on the stored answers and keep them."""
        history = queries.answer_history(self.store)
        observations = observations_from_answers(
            history, knowledge_point_map(self.store)
        )
        sequences: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(dict)
        for o in observations:
            sequences[o.knowledge_point].setdefault(o.student_id, []).append(
                (o.credit, o.weight)
            )
        by_kp = {kp: list(seqs.values()) for kp, seqs in sequences.items()}
        pooled, fits = fit_knowledge_points(by_kp, defaults=self.defaults)

        rows = {kp: (f.params, f.n_answers, f.source) for kp, f in fits.items()}
        pooled_n = sum(f.n_answers for f in fits.values())
        rows[POOLED] = (pooled, pooled_n, "pooled")
        queries.save_params(
            self.store, rows, self.clock() if now_ms is None else now_ms
        )
        self._params = {kp: p for kp, (p, _, _) in rows.items()}
        return fits

    def set_params(self, params: Mapping[str, BktParams], source: str) -> None:
        """Keep parameters from elsewhere (the city's pooled fit, say)."""
        rows = {kp: (p, 0.0, source) for kp, p in params.items()}
        queries.save_params(self.store, rows, self.clock())
        self._params.update(params)
