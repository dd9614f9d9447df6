"""JSON shapes of the analytics report and its uplink payloads."""

from __future__ import annotations

from typing import TypedDict


class StudentTime(TypedDict):
    student_id: str
    active_minutes: float
    span_minutes: float
    n_strokes: int
    first_ms: int
    last_ms: int


class DayLoad(TypedDict):
    date: str
    assignments: list[str]
    n_students: int
    median_total_minutes: float
    max_total_minutes: float
    estimated_total_minutes: float
    limit_minutes: float | None
    students_over_limit: int
    measured_exceeded: bool
    estimated_exceeded: bool


class HomeworkTimeSection(TypedDict):
    assignment_id: str
    estimated_minutes: float
    pause_threshold_s: int
    n_students: int
    median_minutes: float | None
    p90_minutes: float | None
    median_vs_estimate: float | None
    over_estimate: bool
    students: list[StudentTime]
    days: list[DayLoad]


class OptionStats(TypedDict):
    option: str
    is_key: bool
    count: int
    share: float
    upper_share: float
    lower_share: float
    point_biserial: float | None
    mean_rest: float | None
    flags: list[str]


class WrongAnswer(TypedDict):
    answer: str
    count: int
    share: float
    variants: list[str]


class ItemStats(TypedDict):
    question_id: str
    type: str
    points: float
    knowledge_points: list[str]
    n_answered: int
    n_pending: int
    facility: float | None
    discrimination: float | None
    item_rest: float | None
    flags: list[str]
    options: list[OptionStats]
    wrong_answers: list[WrongAnswer]
    wrong_grouping: str


class TestStats(TypedDict):
    n_students: int
    n_items: int
    max_score: float
    mean: float | None
    median: float | None
    sd: float | None
    alpha: float | None
    sem: float | None


class ItemSection(TypedDict):
    group_fraction: float
    test: TestStats
    items: list[ItemStats]


class KpLevel(TypedDict):
    knowledge_point: str
    p_mastered: float
    evidence: float
    n_answers: int
    status: str


class StudentMastery(TypedDict):
    student_id: str
    name: str
    knowledge_points: list[KpLevel]


class ClassKp(TypedDict):
    knowledge_point: str
    name: str
    n_students: int
    mean_p: float
    share_mastered: float
    share_weak: float
    mean_evidence: float


class MasterySection(TypedDict):
    engine: str
    mastered_threshold: float
    weak_threshold: float
    knowledge_points: list[ClassKp]
    students: list[StudentMastery]


class QuestionToReview(TypedDict):
    question_id: str
    facility: float
    knowledge_points: list[str]
    top_wrong_answer: str | None
    top_wrong_share: float | None


class WeakKp(TypedDict):
    knowledge_point: str
    name: str
    mean_p: float
    share_weak: float
    n_students: int
    facility: float | None


class PrerequisiteGap(TypedDict):
    knowledge_point: str
    prerequisite: str
    distance: int
    students_weak_on_both: int
    students_weak_on_kp: int
    prerequisite_mean_p: float


class GroupMember(TypedDict):
    student_id: str
    name: str
    p_mastered: float


class HelpGroup(TypedDict):
    focus: str
    name: str
    mean_p: float
    students: list[GroupMember]


class DiagnosisSection(TypedDict):
    questions: list[QuestionToReview]
    knowledge_points: list[WeakKp]
    prerequisite_gaps: list[PrerequisiteGap]
    groups: list[HelpGroup]


class PracticeTarget(TypedDict):
    knowledge_point: str
    p_mastered: float


class PracticeItem(TypedDict):
    key: str
    assignment_id: str
    question_id: str
    knowledge_point: str
    layer: str
    minutes: float


class StudentPractice(TypedDict):
    student_id: str
    name: str
    targets: list[PracticeTarget]
    items: list[PracticeItem]
    minutes: float


class PracticeSection(TypedDict):
    budget_minutes: float
    students: list[StudentPractice]


class AssignmentInfo(TypedDict):
    id: str
    title: str
    subject: str
    grade: int
    estimated_minutes: float
    n_questions: int
    n_answers: int
    n_pending_review: int


class Report(TypedDict):
    assignment: AssignmentInfo
    generated_ms: int
    mastery: MasterySection
    items: ItemSection
    diagnosis: DiagnosisSection
    practice: PracticeSection
    homework_time: HomeworkTimeSection
    suggestions_zh: list[str]
    suggestions_en: list[str]
    notes: list[str]


class MasteryRecord(TypedDict):
    """One ``mastery`` uplink record: pseudonymous, no names."""

    student: str
    knowledge_point: str
    p_mastered: float
    evidence: float
    n_answers: int
    updated_ms: int


class StudentMinutes(TypedDict):
    student: str
    active_minutes: float


class HomeworkTimeRecord(TypedDict):
    """One ``homework_time`` uplink record: the publicity figures of a sheet."""

    assignment_id: str
    subject: str
    grade: int
    estimated_minutes: float
    n_students: int
    median_minutes: float | None
    p90_minutes: float | None
    pause_threshold_s: int
    days: list[DayLoad]
    students: list[StudentMinutes]
