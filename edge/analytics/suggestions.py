"""Teaching suggestions in plain Chinese and English, built from the numbers.

Each finding yields one sentence in each language, most urgent first; the
two lists run in parallel. Sentences name questions, knowledge points and
counts of students, never students: the report lists the groups by name on
the teacher's own screen, and these sentences may be read out in class.
"""

from __future__ import annotations

from collections.abc import Iterator

from edge.analytics.graph import KnowledgeGraph
from edge.analytics.types import (
    DiagnosisSection,
    HomeworkTimeSection,
    ItemSection,
    TestStats,
)

MAX_PER_KIND = 3
LOW_ALPHA = 0.5

Pair = tuple[str, str]


def _pct(share: float) -> str:
    return f"{round(share * 100)}%"


def review_questions(diagnosis: DiagnosisSection) -> Iterator[Pair]:
    """Questions to go over again."""
    for q in diagnosis["questions"][:MAX_PER_KIND]:
        zh = f"建议重讲第{q['question_id']}题：全班得分率{_pct(q['facility'])}"
        en = (
            f"Go over question {q['question_id']} again: facility {_pct(q['facility'])}"
        )
        if q["top_wrong_answer"] is not None and q["top_wrong_share"]:
            share = _pct(q["top_wrong_share"])
            zh += f"，最常见的错误答案是“{q['top_wrong_answer']}”（{share}）"
            top = q["top_wrong_answer"]
            en += f'; the most common wrong answer was "{top}" ({share})'
        yield zh + "。", en + "."


def weak_points(diagnosis: DiagnosisSection, graph: KnowledgeGraph) -> Iterator[Pair]:
    """Knowledge points the class has not mastered."""
    for kp in diagnosis["knowledge_points"][:MAX_PER_KIND]:
        k = kp["knowledge_point"]
        yield (
            f"知识点{graph.name(k, 'zh')}掌握薄弱：平均掌握概率{kp['mean_p']:.2f}，"
            f"{kp['n_students']}名有作答记录的学生中{_pct(kp['share_weak'])}未达标。",
            f"Knowledge point {graph.name(k)} is weak: mean P(mastered) "
            f"{kp['mean_p']:.2f}, {_pct(kp['share_weak'])} of the {kp['n_students']} "
            "students with answers are below the line.",
        )


def gaps(diagnosis: DiagnosisSection, graph: KnowledgeGraph) -> Iterator[Pair]:
    """Prerequisite gaps that explain failures."""
    for g in diagnosis["prerequisite_gaps"][:MAX_PER_KIND]:
        kp, pre = g["knowledge_point"], g["prerequisite"]
        both, weak = g["students_weak_on_both"], g["students_weak_on_kp"]
        yield (
            f"{kp}的失分可追溯到前置知识{graph.name(pre, 'zh')}："
            f"在{kp}薄弱的{weak}名学生中"
            f"有{both}人{pre}也薄弱，建议先复习{pre}。",
            f"Failures on {kp} trace back to the prerequisite {graph.name(pre)}: "
            f"{both} of the {weak} students weak on {kp} are weak on {pre} too; "
            f"revisit {pre} first.",
        )


def groups(diagnosis: DiagnosisSection, graph: KnowledgeGraph) -> Iterator[Pair]:
    """Groups of students who need the same help."""
    shown = [g for g in diagnosis["groups"] if len(g["students"]) >= 2]
    for number, g in enumerate(shown[:MAX_PER_KIND], start=1):
        n = len(g["students"])
        yield (
            f"第{number}组：{n}名学生需要在{graph.name(g['focus'], 'zh')}上"
            "得到同样的辅导，"
            "可集中讲解。",
            f"Group {number}: {n} students need the same help on "
            f"{graph.name(g['focus'])}; teach them together.",
        )


def item_quality(items: ItemSection) -> Iterator[Pair]:
    """Items whose options or key look wrong."""
    for item in items["items"]:
        q = item["question_id"]
        if "negative_discrimination" in item["flags"]:
            d = item["discrimination"]
            yield (
                f"第{q}题区分度为负（D = {d:.2f}），高分学生反而答错更多，请核对答案。",
                f"Question {q} discriminates negatively (D = {d:.2f}): "
                "stronger students "
                "did worse on it; check the answer key.",
            )
        for o in item["options"]:
            if "attracts_strong" in o["flags"]:
                up, low = _pct(o["upper_share"]), _pct(o["lower_share"])
                yield (
                    f"第{q}题选项{o['option']}吸引了高分学生（高分组选择率{up}，"
                    f"低分组{low}），请检查该选项的表述和答案。",
                    f"Option {o['option']} of question {q} attracts strong students "
                    f"(upper group {up}, lower group {low}); "
                    "check its wording and the key.",
                )


def reliability(test: TestStats) -> Iterator[Pair]:
    """A warning when the sheet's totals are unreliable."""
    alpha = test["alpha"]
    if alpha is not None and alpha < LOW_ALPHA:
        yield (
            f"本次作业的信度较低（α = {alpha:.2f}），总分只宜作参考。",
            f"The sheet's reliability is low (alpha = {alpha:.2f}); "
            "read totals with care.",
        )


def homework_load(time: HomeworkTimeSection, grade: int) -> Iterator[Pair]:
    """Writing time against the estimate and the daily limit."""
    ratio, median = time["median_vs_estimate"], time["median_minutes"]
    if time["over_estimate"] and ratio is not None and median is not None:
        est = time["estimated_minutes"]
        yield (
            f"作业用时中位数{median:.0f}分钟，超过预计的{est:.0f}分钟（{ratio:.1f}倍），"
            "建议调整题量或预计时间。",
            f"Median writing time was {median:.0f} minutes against an estimate of "
            f"{est:.0f} ({ratio:.1f}×); adjust the amount or the estimate.",
        )
    for day in time["days"]:
        if day["measured_exceeded"] or day["estimated_exceeded"]:
            limit = day["limit_minutes"]
            yield (
                f"{day['date']}全班书面作业总时长中位数{day['median_total_minutes']:.0f}分钟"
                f"（预计{day['estimated_total_minutes']:.0f}分钟），超过{grade}年级每天"
                f"{limit:.0f}分钟的上限；{day['students_over_limit']}名学生超过上限。",
                f"On {day['date']} the class's median total writing time was "
                f"{day['median_total_minutes']:.0f} minutes (estimated "
                f"{day['estimated_total_minutes']:.0f}), above the {limit:.0f}-minute "
                f"daily limit for grade {grade}; {day['students_over_limit']} students "
                "exceeded it.",
            )


def suggestions(
    diagnosis: DiagnosisSection,
    items: ItemSection,
    time: HomeworkTimeSection,
    graph: KnowledgeGraph,
    grade: int,
) -> tuple[list[str], list[str]]:
    """Parallel lists of Chinese and English sentences, most urgent first."""
    pairs = [
        *review_questions(diagnosis),
        *gaps(diagnosis, graph),
        *weak_points(diagnosis, graph),
        *groups(diagnosis, graph),
        *item_quality(items),
        *reliability(items["test"]),
        *homework_load(time, grade),
    ]
    if not pairs:
        pairs.append(
            (
                "本次作业未发现需要重讲的内容。",
                "Nothing in this assignment needs going over again.",
            )
        )
    return [zh for zh, _ in pairs], [en for _, en in pairs]
