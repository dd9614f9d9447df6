"""Class diagnosis: what to go over again, which gaps explain it, who needs what.

A student is weak on a knowledge point when P(mastered) is below the weak
threshold and rests on at least ``min_evidence`` answers' worth of evidence;
without evidence nothing is claimed. A knowledge point is weak for the class
when its mean P(mastered) is below the threshold or when at least
``weak_share`` of the students with evidence are weak on it.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from edge.analytics.config import AnalyticsConfig
from edge.analytics.graph import KnowledgeGraph
from edge.analytics.items import MIN_ANSWERED
from edge.analytics.records import MasteryEstimate
from edge.analytics.types import (
    DiagnosisSection,
    GroupMember,
    HelpGroup,
    ItemSection,
    ItemStats,
    PrerequisiteGap,
    QuestionToReview,
    WeakKp,
)

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class ClassMastery:
    """Mastery estimates of a class, looked up by (student, knowledge point)."""

    by_pair: Mapping[Pair, MasteryEstimate]
    students: tuple[str, ...]
    config: AnalyticsConfig

    @classmethod
    def of(
        cls,
        estimates: Sequence[MasteryEstimate],
        students: Sequence[str],
        config: AnalyticsConfig,
    ) -> ClassMastery:
        """Index the estimates of the given students."""
        wanted = set(students)
        pairs = {
            (e.student_id, e.knowledge_point): e
            for e in estimates
            if e.student_id in wanted
        }
        return cls(pairs, tuple(students), config)

    def known(self, student: str, kp: str) -> MasteryEstimate | None:
        """The estimate if it rests on enough evidence, else None."""
        e = self.by_pair.get((student, kp))
        return e if e is not None and e.evidence >= self.config.min_evidence else None

    def weak(self, student: str, kp: str) -> bool:
        """Whether the student is known to be weak on the knowledge point."""
        e = self.known(student, kp)
        return e is not None and e.p_mastered < self.config.weak_threshold

    def with_evidence(self, kp: str) -> list[MasteryEstimate]:
        """Estimates on a knowledge point that rest on enough evidence."""
        found = (self.known(s, kp) for s in self.students)
        return [e for e in found if e is not None]


def questions_to_review(
    items: ItemSection, config: AnalyticsConfig
) -> list[QuestionToReview]:
    """Questions with facility below the review line, hardest first."""
    rows = []
    for item in items["items"]:
        facility = item["facility"]
        if facility is None or facility >= config.review_facility:
            continue
        if item["n_answered"] < MIN_ANSWERED:
            continue
        top, share = _top_wrong(item)
        rows.append(
            QuestionToReview(
                question_id=item["question_id"],
                facility=facility,
                knowledge_points=item["knowledge_points"],
                top_wrong_answer=top,
                top_wrong_share=share,
            )
        )
    return sorted(rows, key=lambda r: (r["facility"], r["question_id"]))


def _top_wrong(item: ItemStats) -> tuple[str | None, float | None]:
    distractors = [o for o in item["options"] if not o["is_key"] and o["count"]]
    if distractors:
        best = max(distractors, key=lambda o: (o["count"], o["option"]))
        return best["option"], best["share"]
    if item["wrong_answers"]:
        return item["wrong_answers"][0]["answer"], item["wrong_answers"][0]["share"]
    return None, None


def kp_facility(items: ItemSection) -> dict[str, float]:
    """Mean facility of the questions tagged with each knowledge point."""
    values: dict[str, list[float]] = defaultdict(list)
    for item in items["items"]:
        if item["facility"] is not None:
            for kp in item["knowledge_points"]:
                values[kp].append(item["facility"])
    return {kp: round(statistics.fmean(v), 3) for kp, v in values.items()}


def weak_knowledge_points(
    mastery: ClassMastery,
    kps: Sequence[str],
    facility: Mapping[str, float],
    graph: KnowledgeGraph,
) -> list[WeakKp]:
    """Knowledge points the class as a whole has not mastered, weakest first."""
    config = mastery.config
    rows = []
    for kp in kps:
        known = mastery.with_evidence(kp)
        if not known:
            continue
        mean_p = statistics.fmean(e.p_mastered for e in known)
        share = sum(e.p_mastered < config.weak_threshold for e in known) / len(known)
        if mean_p < config.weak_threshold or share >= config.weak_share:
            rows.append(
                WeakKp(
                    knowledge_point=kp,
                    name=graph.name(kp),
                    mean_p=round(mean_p, 3),
                    share_weak=round(share, 3),
                    n_students=len(known),
                    facility=facility.get(kp),
                )
            )
    return sorted(rows, key=lambda r: (r["mean_p"], r["knowledge_point"]))


def prerequisite_gaps(
    mastery: ClassMastery, kps: Sequence[str], graph: KnowledgeGraph
) -> list[PrerequisiteGap]:
    """Prerequisites that most of the students weak on a point are weak on too."""
    rows = []
    for kp in kps:
        weak_here = [s for s in mastery.students if mastery.weak(s, kp)]
        if len(weak_here) < 2:
            continue
        for pre, distance in graph.ancestors(kp):
            both = [s for s in weak_here if mastery.weak(s, pre)]
            known = mastery.with_evidence(pre)
            # Half of the weak students sharing the gap: below that the
            # prerequisite explains too little of the failure to lead with it.
            if len(both) < 2 or len(both) < 0.5 * len(weak_here):
                continue
            rows.append(
                PrerequisiteGap(
                    knowledge_point=kp,
                    prerequisite=pre,
                    distance=distance,
                    students_weak_on_both=len(both),
                    students_weak_on_kp=len(weak_here),
                    prerequisite_mean_p=round(
                        statistics.fmean(e.p_mastered for e in known), 3
                    ),
                )
            )
    return sorted(rows, key=lambda r: (-r["students_weak_on_both"], r["distance"]))


def root_gap(
    mastery: ClassMastery, student: str, kp: str, graph: KnowledgeGraph
) -> str:
    """The deepest weak prerequisite under a weak point (the point itself if none)."""
    current, seen = kp, {kp}
    while True:
        below = [
            p
            for p in graph.requires(current)
            if p not in seen and mastery.weak(student, p)
        ]
        if not below:
            return current
        current = min(below, key=lambda p: mastery.by_pair[(student, p)].p_mastered)
        seen.add(current)


def help_groups(
    mastery: ClassMastery,
    kps: Sequence[str],
    graph: KnowledgeGraph,
    names: Mapping[str, str],
) -> list[HelpGroup]:
    """Students grouped by the one gap to work on first, largest group first."""
    members: dict[str, list[GroupMember]] = defaultdict(list)
    for student in mastery.students:
        weak = [kp for kp in kps if mastery.weak(student, kp)]
        if not weak:
            continue
        worst = min(weak, key=lambda k: (mastery.by_pair[(student, k)].p_mastered, k))
        focus = root_gap(mastery, student, worst, graph)
        p = mastery.by_pair[(student, focus)].p_mastered
        members[focus].append(
            GroupMember(
                student_id=student, name=names.get(student, ""), p_mastered=round(p, 3)
            )
        )
    groups = [
        HelpGroup(
            focus=kp,
            name=graph.name(kp),
            mean_p=round(statistics.fmean(m["p_mastered"] for m in ms), 3),
            students=sorted(ms, key=lambda m: m["p_mastered"]),
        )
        for kp, ms in members.items()
    ]
    return sorted(groups, key=lambda g: (-len(g["students"]), g["focus"]))


def diagnose(
    mastery: ClassMastery,
    items: ItemSection,
    graph: KnowledgeGraph,
    names: Mapping[str, str],
) -> DiagnosisSection:
    """The diagnosis section of the report."""
    kps = sorted({kp for item in items["items"] for kp in item["knowledge_points"]})
    return DiagnosisSection(
        questions=questions_to_review(items, mastery.config),
        knowledge_points=weak_knowledge_points(mastery, kps, kp_facility(items), graph),
        prerequisite_gaps=prerequisite_gaps(mastery, kps, graph),
        groups=help_groups(mastery, kps, graph, names),
    )
