"""Stroke assembly from live events, and the live traffic emulator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.drivers.pen.codec import EventGap, PenDecoder, PenMessage
from edge.drivers.pen.emulate import LivePen, live_notifications
from edge.drivers.pen.messages import DotEvent, HoverDot, Paper, PenDown, PenUp
from edge.drivers.pen.strokes import Issue, StrokeAssembler
from edge.models import Dot, PageAddress, Stroke

from .strategies import coord

T0 = 1_700_000_000_000
PAGE = PageAddress(3, 27, 603, 1)


def feed_all(assembler: StrokeAssembler, events: list[PenMessage]) -> list[Stroke]:
    return [s for e in events for s in assembler.feed(e)]


def test_a_live_stroke_gets_absolute_times_and_its_page() -> None:
    events: list[PenMessage] = [
        PenDown(0, T0),
        Paper(1, 3, 27, 603, 1),
        DotEvent(2, 5, 300, 10.5, 20.25),
        DotEvent(3, 10, 310, 11.0, 20.5),
        PenUp(4, T0 + 15, 2),
    ]
    (stroke,) = feed_all(StrokeAssembler("pen-1"), events)
    assert stroke == Stroke(
        "pen-1", PAGE, (Dot(10.5, 20.25, 300, T0 + 5), Dot(11.0, 20.5, 310, T0 + 15))
    )


def test_new_page_inside_a_stroke_splits_it() -> None:
    assembler = StrokeAssembler("p")
    events: list[PenMessage] = [
        PenDown(0, T0), Paper(1, 3, 27, 603, 1), DotEvent(2, 1, 1, 1.0, 1.0),
        Paper(3, 3, 27, 603, 2), DotEvent(4, 1, 1, 2.0, 2.0), PenUp(5, T0 + 2, 2),
    ]  # fmt: skip
    first, second = feed_all(assembler, events)
    assert first.page.page == 1
    assert second.page.page == 2
    assert second.dots[0].t_ms == T0 + 2
    assert assembler.issues == {Issue.CLOSED_BY_PAPER: 1}


def test_repeated_paper_for_the_same_page_does_not_split() -> None:
    assembler = StrokeAssembler("p")
    events: list[PenMessage] = [
        PenDown(0, T0), Paper(1, 3, 27, 603, 1), DotEvent(2, 1, 1, 1.0, 1.0),
        Paper(3, 3, 27, 603, 1), DotEvent(4, 1, 1, 2.0, 2.0), PenUp(5, T0 + 2, 2),
    ]  # fmt: skip
    (stroke,) = feed_all(assembler, events)
    assert len(stroke.dots) == 2


def test_disconnect_mid_stroke_keeps_the_dots_so_far() -> None:
    assembler = StrokeAssembler("p")
    feed_all(assembler, [PenDown(0, T0), Paper(1, 3, 27, 603, 1),
                         DotEvent(2, 3, 5, 1.0, 1.0)])  # fmt: skip
    (stroke,) = assembler.close()
    assert stroke.dots == (Dot(1.0, 1.0, 5, T0 + 3),)
    assert assembler.issues == {Issue.CLOSED_BY_DISCONNECT: 1}
    assert not assembler.open
    assert assembler.close() == []


def test_a_new_down_closes_a_stroke_that_lost_its_up() -> None:
    assembler = StrokeAssembler("p")
    events: list[PenMessage] = [
        PenDown(0, T0), Paper(1, 3, 27, 603, 1), DotEvent(2, 3, 5, 1.0, 1.0),
        PenDown(4, T0 + 100), DotEvent(5, 0, 5, 2.0, 2.0), PenUp(6, T0 + 100, 1),
    ]  # fmt: skip
    first, second = feed_all(assembler, events)
    assert (first.start_ms, second.start_ms) == (T0 + 3, T0 + 100)
    assert assembler.issues[Issue.CLOSED_BY_DOWN] == 1


def test_ups_without_ink_make_no_stroke_and_are_reported() -> None:
    assembler = StrokeAssembler("p")
    events: list[PenMessage] = [
        PenUp(0, T0), PenDown(1, T0), Paper(2, 3, 27, 603, 1), PenUp(3, T0),
    ]  # fmt: skip
    assert feed_all(assembler, events) == []
    assert assembler.issues == {Issue.UP_WITHOUT_DOWN: 1, Issue.EMPTY_STROKE: 1}


def test_dot_without_down_starts_a_stroke_on_the_gateway_clock() -> None:
    assembler = StrokeAssembler("p", now_ms=lambda: 5_000_000)
    events: list[PenMessage] = [
        Paper(0, 3, 27, 603, 1), DotEvent(1, 4, 9, 1.0, 1.0), PenUp(2, 0, 1),
    ]  # fmt: skip
    (stroke,) = feed_all(assembler, events)
    assert stroke.dots[0].t_ms == 5_000_004
    assert assembler.issues == {Issue.MISSING_DOWN: 1}


def test_dot_without_any_page_is_dropped() -> None:
    assembler = StrokeAssembler("p")
    events: list[PenMessage] = [PenDown(0, T0), DotEvent(1, 4, 9, 1.0, 1.0),
                                PenUp(2, T0, 1)]  # fmt: skip
    assert feed_all(assembler, events) == []
    assert assembler.issues[Issue.NO_PAGE] == 1


def test_unset_pen_clock_is_replaced_by_the_gateway_clock() -> None:
    assembler = StrokeAssembler("p", now_ms=lambda: T0)
    events: list[PenMessage] = [
        PenDown(0, 1_000), Paper(1, 3, 27, 603, 1), DotEvent(2, 4, 9, 1.0, 1.0),
        DotEvent(3, 6, 9, 1.0, 1.0), PenUp(4, 1_010, 2),
    ]  # fmt: skip
    (stroke,) = feed_all(assembler, events)
    assert [d.t_ms for d in stroke.dots] == [T0 + 4, T0 + 10]
    assert assembler.issues == {Issue.INVALID_CLOCK: 1}


def test_lost_dots_and_gaps_are_reported_but_the_stroke_is_kept() -> None:
    assembler = StrokeAssembler("p")
    events: list[PenMessage] = [
        PenDown(0, T0), Paper(1, 3, 27, 603, 1), DotEvent(2, 4, 9, 1.0, 1.0),
        EventGap(3, 4, 1), HoverDot(1, 5.0, 5.0), PenUp(4, T0 + 8, 2),
    ]  # fmt: skip
    (stroke,) = feed_all(assembler, events)
    assert len(stroke.dots) == 1
    assert assembler.issues == {Issue.EVENT_GAP: 1, Issue.DOTS_MISSING: 1}


def test_live_pen_refuses_dot_gaps_the_wire_cannot_carry() -> None:
    stroke = Stroke("p", PAGE, (Dot(1.0, 1.0, 1, T0), Dot(1.0, 1.0, 1, T0 + 300)))
    with pytest.raises(ValueError, match="300 ms"):
        live_notifications([stroke])


@st.composite
def strokes(draw: st.DrawFn) -> list[Stroke]:
    """Strokes of one pen in time order, dot gaps within one byte."""
    out, t = [], T0
    for _ in range(draw(st.integers(1, 6))):
        page = PageAddress(draw(st.integers(0, 255)), draw(st.integers(0, 2**24 - 1)),
                           draw(st.integers(0, 2**32 - 1)), draw(st.integers(0, 999)))  # fmt: skip
        dots = []
        for _ in range(draw(st.integers(1, 25))):
            t += draw(st.integers(0, 255))
            x, y = draw(coord), draw(coord)
            dots.append(Dot(x, y, draw(st.integers(0, 0xFFFF)), t))
        out.append(Stroke("pen", page, tuple(dots)))
        t += draw(st.integers(0, 5000))
    return out


@given(strokes(), st.integers(23, 247), st.booleans(), st.integers(0, 255))
def test_emulated_live_traffic_reassembles_into_the_same_strokes(
    sent: list[Stroke], mtu: int, packed: bool, first: int
) -> None:
    values = live_notifications(sent, mtu=mtu, packed=packed, first_count=first)
    assert all(len(v) <= mtu - 3 for v in values)
    decoder, assembler = PenDecoder(), StrokeAssembler("pen")
    got = [s for v in values for e in decoder.feed(v) for s in assembler.feed(e)]
    assert got == sent
    assert not assembler.issues
    assert decoder.stats.gaps == 0


@given(strokes(), st.data())
def test_a_link_cut_anywhere_keeps_every_finished_stroke(
    sent: list[Stroke], data: st.DataObject
) -> None:
    values = live_notifications(sent)
    cut = data.draw(st.integers(0, len(values)))
    decoder, assembler = PenDecoder(), StrokeAssembler("pen")
    got = [s for v in values[:cut] for e in decoder.feed(v) for s in assembler.feed(e)]
    decoder.flush()
    got += assembler.close()
    # Whole strokes first, then at most one prefix of the stroke that was cut.
    for i, stroke in enumerate(got):
        assert stroke.page == sent[i].page
        assert stroke.dots == sent[i].dots[: len(stroke.dots)]
    assert all(g == s for g, s in zip(got[:-1], sent, strict=False))


def test_live_pen_keeps_the_counter_across_calls() -> None:
    stroke = Stroke("p", PAGE, (Dot(1.0, 1.0, 1, T0),))
    pen, decoder = LivePen(first_count=250), PenDecoder()
    for _ in range(3):
        for value in pen.notifications([stroke]):
            decoder.feed(value)
    assert decoder.stats.gaps == 0
    assert pen.count == (250 + 3 * 4) & 0xFF
