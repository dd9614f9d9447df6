"""Personal practice: a short layered set of library questions per student.

Targets are the student's weakest knowledge points (with evidence, below the
mastered threshold) whose prerequisites are not known to be weak: practising
a point whose foundation is missing wastes the student's evening, so the
foundation becomes the target instead. Questions the student has already
answered are not set again, and the set stays within a time budget.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence

from edge.analytics.diagnosis import ClassMastery
from edge.analytics.graph import KnowledgeGraph
from edge.analytics.sheets import LibraryItem
from edge.analytics.types import (
    PracticeItem,
    PracticeSection,
    PracticeTarget,
    StudentPractice,
)

LAYERS = ("basic", "improving", "extending")

_LAYER_WORDS = {
    "basic": ("a", "basic", "基础", "必做"),
    "improving": ("b", "improving", "提高", "选做"),
    "extending": ("c", "extending", "拓展", "挑战"),
}


def item_layer(item: LibraryItem, facility: Mapping[str, float]) -> str:
    """The layer of a library question: its tag, else measured or expected facility."""
    tag = (item.question.layer or "").strip().lower()
    for layer, words in _LAYER_WORDS.items():
        if tag in words:
            return layer
    if item.key in facility:
        return _by_share(facility[item.key])
    # ``difficulty`` is the expected facility (难度系数): 1 is easy.
    if item.question.difficulty is not None:
        return _by_share(item.question.difficulty)
    return "improving"


def _by_share(share_right: float) -> str:
    # Facility bands of section 4: 0.8 and up counts as easy.
    if share_right >= 0.8:
        return "basic"
    if share_right >= 0.5:
        return "improving"
    return "extending"


def start_layer(p_mastered: float) -> int:
    """Where a student's set starts: basic when far from mastery."""
    if p_mastered < 0.4:
        return 0
    if p_mastered < 0.7:
        return 1
    return 2


def targets(
    mastery: ClassMastery,
    student: str,
    candidates: Collection[str],
    graph: KnowledgeGraph,
    limit: int,
) -> list[PracticeTarget]:
    """The weakest practicable knowledge points whose prerequisites hold."""
    config = mastery.config
    rows = []
    for kp in candidates:
        e = mastery.known(student, kp)
        if e is None or e.p_mastered >= config.mastered_threshold:
            continue
        blocked = any(
            (pre_e := mastery.known(student, pre)) is not None
            and pre_e.p_mastered < config.prerequisite_threshold
            for pre in graph.requires(kp)
        )
        if not blocked:
            rows.append(
                PracticeTarget(knowledge_point=kp, p_mastered=round(e.p_mastered, 3))
            )
    rows.sort(key=lambda t: (t["p_mastered"], t["knowledge_point"]))
    return rows[:limit]


def plan_student(
    student: str,
    name: str,
    mastery: ClassMastery,
    graph: KnowledgeGraph,
    by_kp: Mapping[str, Sequence[tuple[str, LibraryItem]]],
    seen: Collection[str],
) -> StudentPractice:
    """One student's practice set within the time budget."""
    config = mastery.config
    chosen_targets = targets(
        mastery, student, by_kp.keys(), graph, config.practice_targets
    )
    queues = [
        _queue(by_kp[t["knowledge_point"]], start_layer(t["p_mastered"]), seen)
        for t in chosen_targets
    ]
    items: list[PracticeItem] = []
    minutes = 0.0
    taken: set[str] = set()
    # Round robin over targets so that every target gets its first question
    # before any target gets a second.
    while any(queues) and len(items) < config.practice_max_items:
        for target, queue in zip(chosen_targets, queues, strict=True):
            while queue and queue[0][1].key in taken:
                queue.pop(0)
            if not queue or len(items) >= config.practice_max_items:
                continue
            layer, item = queue.pop(0)
            if minutes + item.minutes > config.practice_minutes:
                continue
            taken.add(item.key)
            minutes += item.minutes
            items.append(_practice_item(item, target["knowledge_point"], layer))
    items.sort(key=lambda i: (LAYERS.index(i["layer"]), i["knowledge_point"]))
    return StudentPractice(
        student_id=student,
        name=name,
        targets=chosen_targets,
        items=items,
        minutes=round(minutes, 1),
    )


def _queue(
    pool: Sequence[tuple[str, LibraryItem]], start: int, seen: Collection[str]
) -> list[tuple[str, LibraryItem]]:
    # The start layer first, one layer up next, then the easier layers; never
    # two layers above where the student stands.
    order = [start, start + 1, *range(start - 1, -1, -1)]
    order = [i for i in order if i < len(LAYERS)]
    fresh = [
        (layer, item)
        for layer, item in pool
        if item.key not in seen and LAYERS.index(layer) in order
    ]
    return sorted(fresh, key=lambda li: (order.index(LAYERS.index(li[0])), li[1].key))


def _practice_item(item: LibraryItem, kp: str, layer: str) -> PracticeItem:
    return PracticeItem(
        key=item.key,
        assignment_id=item.assignment_id,
        question_id=item.question.id,
        knowledge_point=kp,
        layer=layer,
        minutes=round(item.minutes, 1),
    )


def plan_practice(
    mastery: ClassMastery,
    library: Sequence[LibraryItem],
    graph: KnowledgeGraph,
    *,
    names: Mapping[str, str],
    seen: Mapping[str, Collection[str]],
    facility: Mapping[str, float],
) -> PracticeSection:
    """Practice sets for every student of the class."""
    by_kp: dict[str, list[tuple[str, LibraryItem]]] = defaultdict(list)
    for item in library:
        for kp in item.question.knowledge_points:
            by_kp[kp].append((item_layer(item, facility), item))
    students = [
        plan_student(s, names.get(s, ""), mastery, graph, by_kp, seen.get(s, ()))
        for s in mastery.students
    ]
    return PracticeSection(
        budget_minutes=mastery.config.practice_minutes,
        students=[s for s in students if s["items"]],
    )
