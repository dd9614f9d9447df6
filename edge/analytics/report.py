"""The analytics report of one assignment, assembled from the local store.

``build_report`` is what the command line, the teacher page and the uplink
call. It reads the store and writes nothing: mastery is replayed from the
whole answer history in memory, so re-graded answers are reflected.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from edge.analytics.config import AnalyticsConfig
from edge.analytics.diagnosis import ClassMastery, diagnose
from edge.analytics.errors import AnalyticsError
from edge.analytics.graph import KnowledgeGraph
from edge.analytics.homework_time import homework_time
from edge.analytics.items import analyse_items
from edge.analytics.mastery import MasteryTracker
from edge.analytics.onnx_mastery import SHIPPED_MODEL
from edge.analytics.practice import plan_practice
from edge.analytics.records import AnswerRecord, MasteryEstimate
from edge.analytics.sheets import LibraryItem, assignment_from_body, readable_sheets
from edge.analytics.sources import load_graph, load_library
from edge.analytics.suggestions import suggestions
from edge.analytics.types import (
    AssignmentInfo,
    ClassKp,
    HomeworkTimeSection,
    ItemSection,
    KpLevel,
    MasterySection,
    Report,
    StudentMastery,
)
from edge.models import Assignment
from edge.store import analytics as queries
from edge.store.store import Store

DAY_MS = 86_400_000


def status_of(e: MasteryEstimate, config: AnalyticsConfig) -> str:
    """``mastered``, ``weak``, ``learning`` or ``unknown`` (too little evidence)."""
    if e.evidence < config.min_evidence:
        return "unknown"
    if e.p_mastered >= config.mastered_threshold:
        return "mastered"
    if e.p_mastered < config.weak_threshold:
        return "weak"
    return "learning"


def mastery_section(
    mastery: ClassMastery,
    kps: Sequence[str],
    names: Mapping[str, str],
    graph: KnowledgeGraph,
    engine: str,
) -> MasterySection:
    """Class summary per knowledge point and each student's levels."""
    config = mastery.config
    class_rows = []
    for kp in kps:
        known = mastery.with_evidence(kp)
        if not known:
            continue
        class_rows.append(
            ClassKp(
                knowledge_point=kp,
                name=graph.name(kp),
                n_students=len(known),
                mean_p=round(statistics.fmean(e.p_mastered for e in known), 3),
                share_mastered=round(
                    sum(e.p_mastered >= config.mastered_threshold for e in known)
                    / len(known),
                    3,
                ),
                share_weak=round(
                    sum(e.p_mastered < config.weak_threshold for e in known)
                    / len(known),
                    3,
                ),
                mean_evidence=round(statistics.fmean(e.evidence for e in known), 2),
            )
        )
    students = [
        StudentMastery(
            student_id=s,
            name=names.get(s, ""),
            knowledge_points=[
                _level(e, config)
                for kp in kps
                if (e := mastery.by_pair.get((s, kp))) is not None
            ],
        )
        for s in mastery.students
    ]
    return MasterySection(
        engine=engine,
        mastered_threshold=config.mastered_threshold,
        weak_threshold=config.weak_threshold,
        knowledge_points=class_rows,
        students=students,
    )


def _level(e: MasteryEstimate, config: AnalyticsConfig) -> KpLevel:
    return KpLevel(
        knowledge_point=e.knowledge_point,
        p_mastered=round(e.p_mastered, 3),
        evidence=round(e.evidence, 2),
        n_answers=e.n_answers,
        status=status_of(e, config),
    )


def report_knowledge_points(
    sheet: Assignment, estimates: Sequence[MasteryEstimate], graph: KnowledgeGraph
) -> list[str]:
    """The sheet's knowledge points and their prerequisites that have evidence."""
    own = list(dict.fromkeys(kp for q in sheet.questions for kp in q.knowledge_points))
    measured = {e.knowledge_point for e in estimates}
    extra = [
        pre
        for kp in own
        for pre, _ in graph.ancestors(kp)
        if pre in measured and pre not in own
    ]
    return own + sorted(set(extra))


def time_section(
    store: Store, sheet: Assignment, config: AnalyticsConfig
) -> HomeworkTimeSection:
    """Homework time of the sheet and of the local days it was written on."""
    window = queries.assignment_time_window(store, sheet.id)
    day_spans = []
    if window is not None:
        offset = timedelta(minutes=config.utc_offset_minutes)
        first = datetime.fromtimestamp(window[0] / 1000, UTC) + offset
        midnight = first.replace(hour=0, minute=0, second=0, microsecond=0) - offset
        since = int(midnight.timestamp() * 1000)
        until = since + ((window[1] - since) // DAY_MS + 1) * DAY_MS
        day_spans = queries.stroke_spans(store, since_ms=since, until_ms=until)
    estimates = {
        a.id: a.estimated_minutes for a in readable_sheets(store.assignment_bodies())
    }
    return homework_time(
        sheet.id,
        grade=sheet.grade,
        estimated_minutes=sheet.estimated_minutes,
        assignment_spans=queries.stroke_spans(store, assignment_id=sheet.id),
        day_spans=day_spans,
        estimates=estimates,
        pause_ms=config.pause_threshold_s * 1000,
        utc_offset_minutes=config.utc_offset_minutes,
    )


def history_facts(
    history: Sequence[AnswerRecord],
) -> tuple[dict[str, set[str]], dict[str, float]]:
    """Library keys each student has answered, and each key's class facility."""
    seen: dict[str, set[str]] = defaultdict(set)
    credits: dict[str, list[float]] = defaultdict(list)
    for a in history:
        key = f"{a.assignment_id}/{a.question_id}"
        seen[a.student_id].add(key)
        credits[key].append(a.credit)
    return dict(seen), {k: statistics.fmean(v) for k, v in credits.items()}


def build_report(
    store: Store,
    assignment_id: str,
    now_ms: int,
    *,
    config: AnalyticsConfig | None = None,
    tracker: MasteryTracker | None = None,
    graph: KnowledgeGraph | None = None,
    library: Sequence[LibraryItem] | None = None,
) -> Report:
    """Every analysis of one assignment as one JSON-serialisable mapping."""
    config = config or AnalyticsConfig()
    body = queries.assignment_body(store, assignment_id)
    if body is None:
        raise AnalyticsError(f"no assignment {assignment_id!r} in the store")
    sheet = assignment_from_body(body)
    tracker = tracker or MasteryTracker(
        store, model_path=config.model_path or SHIPPED_MODEL
    )
    graph = graph if graph is not None else load_graph()

    answers = queries.assignment_answers(store, assignment_id)
    names = {s.id: s.name for s in store.students()}
    class_ids = sorted(set(names) | {a.student_id for a in answers})
    history = queries.answer_history(store, class_ids)
    estimates = tracker.from_history(history)
    mastery = ClassMastery.of(estimates, class_ids, config)
    seen, facility = history_facts(history)

    items = analyse_items(
        sheet.questions, answers, group_fraction=config.group_fraction
    )
    diagnosis = diagnose(mastery, items, graph, names)
    pool = library if library is not None else load_library(store)
    practice = plan_practice(
        mastery, pool, graph, names=names, seen=seen, facility=facility
    )
    time = time_section(store, sheet, config)
    zh, en = suggestions(diagnosis, items, time, graph, sheet.grade)

    kps = report_knowledge_points(sheet, estimates, graph)
    return Report(
        assignment=_info(sheet, answers),
        generated_ms=now_ms,
        mastery=mastery_section(mastery, kps, names, graph, tracker.engine),
        items=items,
        diagnosis=diagnosis,
        practice=practice,
        homework_time=time,
        suggestions_zh=zh,
        suggestions_en=en,
        notes=_notes(items, answers, graph),
    )


def _info(sheet: Assignment, answers: Sequence[AnswerRecord]) -> AssignmentInfo:
    return AssignmentInfo(
        id=sheet.id,
        title=sheet.title,
        subject=sheet.subject,
        grade=sheet.grade,
        estimated_minutes=sheet.estimated_minutes,
        n_questions=len(sheet.questions),
        n_answers=len(answers),
        n_pending_review=sum(1 for a in answers if not a.graded),
    )


def _notes(
    items: ItemSection, answers: Sequence[AnswerRecord], graph: KnowledgeGraph
) -> list[str]:
    notes = []
    pending = sum(1 for a in answers if not a.graded)
    if pending:
        notes.append(f"{pending} answers await review and are left out of the figures.")
    methods = {i["wrong_grouping"] for i in items["items"]}
    if "normalised_text" in methods:
        notes.append(
            "Wrong answers are grouped by normalised text (grader not available)."
        )
    if not graph.prerequisites:
        notes.append("No knowledge graph loaded: prerequisite gaps are not analysed.")
    return notes
