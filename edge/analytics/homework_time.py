"""Homework time from pen timestamps: the figures the homework publicity needs.

Active writing time is the time the pen was on paper plus the gaps between
strokes that are shorter than a pause threshold; a longer gap (dinner, a
break, another subject) is not counted. Days are local calendar days at the
configured UTC offset, and a stroke counts on the day it started.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from edge.analytics.records import StrokeSpan
from edge.analytics.types import DayLoad, HomeworkTimeSection, StudentTime

MINUTE_MS = 60_000


def daily_limit_minutes(grade: int) -> float | None:
    """The daily written-homework limit of the Double Reduction rules by grade."""
    if 1 <= grade <= 2:
        return 0.0  # no written take-home homework at all
    if 3 <= grade <= 6:
        return 60.0
    if 7 <= grade <= 9:
        return 90.0
    return None  # senior high and unknown grades: no national figure


def active_ms(spans: Iterable[StrokeSpan], pause_ms: int) -> int:
    """Writing time of one student's strokes, pauses over ``pause_ms`` left out."""
    total = 0
    last_end: int | None = None
    for span in sorted(spans, key=lambda s: (s.start_ms, s.end_ms)):
        start, end = span.start_ms, max(span.end_ms, span.start_ms)
        if last_end is not None:
            gap = start - last_end
            if gap <= 0:  # overlaps (two pens, clock skew): count time once
                start = last_end
            elif gap <= pause_ms:
                total += gap
        if end > start:
            total += end - start
        last_end = end if last_end is None else max(last_end, end)
    return total


def local_day(ms: int, utc_offset_minutes: int) -> str:
    """ISO date of a timestamp in local time."""
    moment = datetime.fromtimestamp(ms / 1000, UTC) + timedelta(
        minutes=utc_offset_minutes
    )
    return moment.date().isoformat()


def _by_student(spans: Iterable[StrokeSpan]) -> dict[str, list[StrokeSpan]]:
    grouped: dict[str, list[StrokeSpan]] = defaultdict(list)
    for span in spans:
        grouped[span.student_id].append(span)
    return grouped


def student_times(spans: Sequence[StrokeSpan], pause_ms: int) -> list[StudentTime]:
    """Active and first-to-last minutes per student."""
    rows = []
    for student, own in sorted(_by_student(spans).items()):
        first = min(s.start_ms for s in own)
        last = max(s.end_ms for s in own)
        rows.append(
            StudentTime(
                student_id=student,
                active_minutes=round(active_ms(own, pause_ms) / MINUTE_MS, 2),
                span_minutes=round((last - first) / MINUTE_MS, 2),
                n_strokes=len(own),
                first_ms=first,
                last_ms=last,
            )
        )
    return rows


def day_loads(
    spans: Sequence[StrokeSpan],
    *,
    pause_ms: int,
    utc_offset_minutes: int,
    estimates: Mapping[str, float],
    limit_minutes: float | None,
) -> list[DayLoad]:
    """Per local day: each student's total over all assignments against the limit."""
    per_day: dict[str, list[StrokeSpan]] = defaultdict(list)
    for span in spans:
        per_day[local_day(span.start_ms, utc_offset_minutes)].append(span)

    loads = []
    for day, day_spans in sorted(per_day.items()):
        totals = [
            active_ms(own, pause_ms) / MINUTE_MS
            for own in _by_student(day_spans).values()
        ]
        assignments = sorted({s.assignment_id for s in day_spans})
        estimated = sum(estimates.get(a, 0.0) for a in assignments)
        median = statistics.median(totals)
        over = sum(1 for t in totals if limit_minutes is not None and t > limit_minutes)
        loads.append(
            DayLoad(
                date=day,
                assignments=assignments,
                n_students=len(totals),
                median_total_minutes=round(median, 2),
                max_total_minutes=round(max(totals), 2),
                estimated_total_minutes=round(estimated, 2),
                limit_minutes=limit_minutes,
                students_over_limit=over,
                measured_exceeded=limit_minutes is not None and median > limit_minutes,
                estimated_exceeded=limit_minutes is not None
                and estimated > limit_minutes,
            )
        )
    return loads


def homework_time(
    assignment_id: str,
    *,
    grade: int,
    estimated_minutes: float,
    assignment_spans: Sequence[StrokeSpan],
    day_spans: Sequence[StrokeSpan],
    estimates: Mapping[str, float],
    pause_ms: int,
    utc_offset_minutes: int,
) -> HomeworkTimeSection:
    """Homework time of one assignment and the daily loads of its days."""
    students = student_times(assignment_spans, pause_ms)
    actives = [s["active_minutes"] for s in students]
    median = statistics.median(actives) if actives else None
    p90 = _quantile(actives, 0.9)
    ratio = None
    if median is not None and estimated_minutes > 0:
        ratio = round(median / estimated_minutes, 2)
    days = {local_day(s.start_ms, utc_offset_minutes) for s in assignment_spans}
    loads = day_loads(
        [s for s in day_spans if local_day(s.start_ms, utc_offset_minutes) in days],
        pause_ms=pause_ms,
        utc_offset_minutes=utc_offset_minutes,
        estimates=estimates,
        limit_minutes=daily_limit_minutes(grade),
    )
    return HomeworkTimeSection(
        assignment_id=assignment_id,
        estimated_minutes=estimated_minutes,
        pause_threshold_s=pause_ms // 1000,
        n_students=len(students),
        median_minutes=None if median is None else round(median, 2),
        p90_minutes=p90,
        median_vs_estimate=ratio,
        over_estimate=ratio is not None and ratio > 1.0,
        students=students,
        days=loads,
    )


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return round(value, 2)
