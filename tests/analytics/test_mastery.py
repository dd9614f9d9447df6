"""MasteryTracker: per-answer updates persisted in the store, and replay."""

from __future__ import annotations

import pytest

from edge.analytics import bkt
from edge.analytics.bkt import BktParams
from edge.analytics.mastery import POOLED, MasteryTracker
from edge.analytics.records import AnswerRecord
from edge.models import Answer, Candidate, Question, QuestionType, Reading, Verdict
from edge.store import Store
from edge.store import analytics as queries
from tests.analytics.simclass import build_class


def test_update_persists_probability_and_evidence(store: Store) -> None:
    tracker = MasteryTracker(store, clock=lambda: 5_000)
    first = tracker.update("s1", ["K1", "K2"], True, 0.9)
    assert [e.knowledge_point for e in first] == ["K1", "K2"]

    tracker.update("s1", ["K1"], False, 1.0)
    stored = {e.knowledge_point: e for e in queries.load_mastery(store)}
    p = BktParams()
    expected = bkt.update(bkt.update(p.prior, 1.0, 0.9, p), 0.0, 1.0, p)
    assert stored["K1"].p_mastered == pytest.approx(expected, abs=1e-5)
    assert stored["K1"].evidence == pytest.approx(1.9)
    assert stored["K1"].n_answers == 2 and stored["K2"].n_answers == 1
    assert stored["K1"].updated_ms == 5_000


def test_uncertain_reading_moves_mastery_less(store: Store) -> None:
    tracker = MasteryTracker(store)
    sure = tracker.update("a", ["K"], True, 1.0)[0].p_mastered
    unsure = tracker.update("b", ["K"], True, 0.3)[0].p_mastered
    prior = BktParams().prior
    assert prior < unsure < sure


def test_reviewed_answer_counts_fully(store: Store) -> None:
    tracker = MasteryTracker(store)
    answer = AnswerRecord("A", "Q", "s", "3", 0.2, True, 1.0, 1.0, reviewed=True)
    [estimate] = tracker.update_answer(answer, ["K"])
    assert estimate.evidence == 1.0
    pending = AnswerRecord("A", "Q", "s", "3", 0.2, None)
    assert tracker.update_answer(pending, ["K"]) == []


def test_replay_matches_online_updates(store: Store) -> None:
    build_class(store, seed=3, n_students=6)
    online = MasteryTracker(store)
    history = queries.answer_history(store)
    kps = {
        (b["id"], q["id"]): q["knowledge_points"]
        for b in store.assignment_bodies()
        for q in b["questions"]
    }
    for a in history:
        online.update_answer(a, kps[(a.assignment_id, a.question_id)])
    stored = {(e.student_id, e.knowledge_point): e for e in queries.load_mastery(store)}

    replayed = MasteryTracker(store).replay(persist=False)
    assert len(replayed) == len(stored) == 6 * 6
    for e in replayed:
        s = stored[(e.student_id, e.knowledge_point)]
        assert e.p_mastered == pytest.approx(s.p_mastered, abs=1e-5)
        assert e.n_answers == s.n_answers == 8


def test_regrade_reaches_mastery_through_replay(store: Store) -> None:
    build_class(store, seed=4, n_students=3)
    tracker = MasteryTracker(store)
    before = {(e.student_id, e.knowledge_point): e for e in tracker.replay()}
    wrong = next(a for a in queries.answer_history(store) if a.correct is False)
    regraded = Answer(
        wrong.assignment_id,
        wrong.question_id,
        wrong.student_id,
        (),
        Reading((Candidate(wrong.reading, 1.0),)),
        Verdict(True, 1.0, 1.0, "", ""),
        finished_ms=wrong.finished_ms,
    )
    store.save_answer(regraded, None)
    after = {
        (e.student_id, e.knowledge_point): e for e in tracker.replay([wrong.student_id])
    }
    changed = [k for k, e in after.items() if e.p_mastered != before[k].p_mastered]
    assert changed and all(k[0] == wrong.student_id for k in changed)
    assert {
        (e.student_id, e.knowledge_point) for e in queries.load_mastery(store)
    } == set(before)


def test_refit_stores_parameters_and_pooled_default(store: Store) -> None:
    build_class(store, seed=5, n_students=40)
    tracker = MasteryTracker(store)
    fits = tracker.refit(now_ms=1)
    stored = queries.load_params(store)
    assert set(stored) == set(fits) | {POOLED}
    assert tracker.params_for("UNSEEN") == stored[POOLED][0]
    # The sim plants guess 0.15 and slip 0.08 on every knowledge point. The
    # pooled fit over the class (1,920 answers) lands within 0.04; one point's
    # 320 answers pin guess to within 0.08 and slip only to within 0.12.
    pooled = stored[POOLED][0]
    assert pooled.guess == pytest.approx(0.15, abs=0.04)
    assert pooled.slip == pytest.approx(0.08, abs=0.04)
    for kp, fit in fits.items():
        assert fit.params.guess == pytest.approx(0.15, abs=0.08), kp
        # M14.11 carries the planted bad distractor, which strong students take.
        if kp != "M14.11":
            assert fit.params.slip == pytest.approx(0.08, abs=0.12), kp


def test_set_params_from_elsewhere(store: Store) -> None:
    tracker = MasteryTracker(store)
    tracker.set_params({"K": BktParams(prior=0.9)}, "city")
    assert MasteryTracker(store).params_for("K").prior == 0.9
    assert queries.load_params(store)["K"][2] == "city"


def test_gateway_listener_applies_graded_answers(store: Store) -> None:
    tracker = MasteryTracker(store)
    question = Question("Q", QuestionType.NUMERIC, "1", knowledge_points=("K1", "K2"))
    half = Answer(
        "A",
        "Q",
        "s",
        (),
        Reading((Candidate("1", 0.8),)),
        Verdict(False, 1.0, 2.0, "", ""),
        finished_ms=7,
    )
    tracker.on_answer(half, question)
    tracker.on_answer(Answer("A", "Q", "t", (), Reading(()), None), question)
    stored = queries.load_mastery(store)
    assert [(e.student_id, e.knowledge_point) for e in stored] == [
        ("s", "K1"),
        ("s", "K2"),
    ]
    p = BktParams()
    assert stored[0].p_mastered == pytest.approx(
        bkt.update(p.prior, 0.5, 0.8, p), abs=1e-5
    )
    assert stored[0].updated_ms == 7 and stored[0].evidence == pytest.approx(0.8)
