"""The analytics report as readable plain text for the command line."""

from __future__ import annotations

from collections.abc import Iterator

from edge.analytics.types import (
    DiagnosisSection,
    HomeworkTimeSection,
    ItemSection,
    MasterySection,
    PracticeSection,
    Report,
)

WIDTH = 88


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _heading(title: str) -> Iterator[str]:
    yield ""
    yield title
    yield "-" * len(title)


def suggestion_lines(report: Report, lang: str) -> Iterator[str]:
    """Numbered suggestions in one or both languages."""
    yield from _heading("Suggestions / 教学建议")
    pairs = zip(report["suggestions_zh"], report["suggestions_en"], strict=True)
    for n, (zh, en) in enumerate(pairs, start=1):
        if lang in ("en", "both"):
            yield f"{n:2}. {en}"
        if lang in ("zh", "both"):
            yield f"{n:2}. {zh}" if lang == "zh" else f"    {zh}"


def item_lines(items: ItemSection) -> Iterator[str]:
    """The item table, then distractors and wrong answers worth a look."""
    test = items["test"]
    yield from _heading("Items")
    yield (
        f"{test['n_students']} students, {test['n_items']} items, mean "
        f"{_num(test['mean'])}/{test['max_score']:g}, SD {_num(test['sd'])}, "
        f"alpha {_num(test['alpha'])}, SEM {_num(test['sem'])}"
    )
    yield f"{'question':<10}{'n':>4}{'facility':>10}{'D':>8}{'r(rest)':>9}  flags"
    for i in items["items"]:
        yield (
            f"{i['question_id']:<10}{i['n_answered']:>4}{_num(i['facility']):>10}"
            f"{_num(i['discrimination']):>8}{_num(i['item_rest']):>9}  "
            + ", ".join(i["flags"])
        )
    for i in items["items"]:
        for o in i["options"]:
            if o["flags"] and not o["is_key"]:
                yield (
                    f"  {i['question_id']} option {o['option']}: {o['count']} chose it "
                    f"(upper {o['upper_share']:.0%}, lower {o['lower_share']:.0%}, "
                    f"r {_num(o['point_biserial'])}) {', '.join(o['flags'])}"
                )
        if i["wrong_answers"]:
            top = "; ".join(
                f"{w['answer']} ×{w['count']}" for w in i["wrong_answers"][:3]
            )
            yield f"  {i['question_id']} common wrong answers: {top}"


def mastery_lines(mastery: MasterySection) -> Iterator[str]:
    """Class mastery per knowledge point."""
    yield from _heading(f"Mastery (BKT, {mastery['engine']})")
    yield f"{'knowledge point':<48}{'n':>4}{'mean P':>8}{'mastered':>10}{'weak':>7}"
    for kp in mastery["knowledge_points"]:
        yield (
            f"{kp['name'][:47]:<48}{kp['n_students']:>4}{kp['mean_p']:>8.2f}"
            f"{kp['share_mastered']:>10.0%}{kp['share_weak']:>7.0%}"
        )


def diagnosis_lines(diagnosis: DiagnosisSection) -> Iterator[str]:
    """Groups of students for the same help, by name (teacher's screen only)."""
    yield from _heading("Groups for the same help")
    for g in diagnosis["groups"]:
        names = ", ".join(m["name"] or m["student_id"] for m in g["students"])
        yield f"{g['name'][:40]} ({len(g['students'])}): {names}"


def practice_lines(practice: PracticeSection) -> Iterator[str]:
    """Each student's practice set."""
    yield from _heading(f"Practice (up to {practice['budget_minutes']:g} minutes each)")
    for s in practice["students"]:
        items = ", ".join(f"{i['key']} [{i['layer']}]" for i in s["items"])
        yield f"{s['name'] or s['student_id']} ({s['minutes']:g} min): {items}"


def time_lines(time: HomeworkTimeSection) -> Iterator[str]:
    """Writing time against the estimate and the daily limit."""
    yield from _heading("Homework time")
    yield (
        f"{time['n_students']} students, median {_num(time['median_minutes'], 1)} min, "
        f"90th percentile {_num(time['p90_minutes'], 1)} min, estimate "
        f"{time['estimated_minutes']:g} min (pauses over {time['pause_threshold_s']} s "
        "not counted)"
    )
    for d in time["days"]:
        limit = (
            "no limit"
            if d["limit_minutes"] is None
            else f"limit {d['limit_minutes']:g}"
        )
        flag = " EXCEEDED" if d["measured_exceeded"] or d["estimated_exceeded"] else ""
        yield (
            f"{d['date']}: median total {d['median_total_minutes']:.1f} min, estimated "
            f"{d['estimated_total_minutes']:g}, {limit}, {d['students_over_limit']} "
            f"students over{flag}"
        )


def render_text(report: Report, lang: str = "both") -> str:
    """The whole report as plain text."""
    a = report["assignment"]
    lines = [
        f"{a['id']}: {a['title']} ({a['subject']}, grade {a['grade']})",
        f"{a['n_answers']} answers, {a['n_pending_review']} awaiting review",
        *suggestion_lines(report, lang),
        *item_lines(report["items"]),
        *mastery_lines(report["mastery"]),
        *diagnosis_lines(report["diagnosis"]),
        *practice_lines(report["practice"]),
        *time_lines(report["homework_time"]),
    ]
    if report["notes"]:
        lines += ["", *(f"Note: {n}" for n in report["notes"])]
    return "\n".join(lines) + "\n"
