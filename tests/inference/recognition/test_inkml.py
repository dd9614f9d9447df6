"""InkML reading: units, channels, encodings, and every kind of bad input."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.errors import RecognitionError
from edge.inference.inkml import NCODE_MM, parse_inkml, write_inkml
from edge.models import Dot, PageAddress, Stroke

MM_DOC = b"""<?xml version="1.0"?>
<ink xmlns="http://www.w3.org/2003/InkML">
  <traceFormat>
    <channel name="X" type="decimal" units="mm"/>
    <channel name="Y" type="decimal" units="mm"/>
  </traceFormat>
  <annotation type="truth">-3/4</annotation>
  <trace>0 0, 23.707 0, 23.707 4.7414</trace>
  <trace>1 1</trace>
</ink>"""


def test_millimetres_become_ncode_units() -> None:
    ink = parse_inkml(MM_DOC)
    first = ink.strokes[0].dots
    assert [round(d.x, 2) for d in first] == [0.0, 10.0, 10.0]
    assert round(first[2].y, 2) == 2.0
    assert round(NCODE_MM, 4) == 2.3707
    assert ink.truth == "-3/4"
    assert len(ink.strokes) == 2


def test_time_and_force_channels_and_difference_encoding() -> None:
    doc = b"""<ink xmlns="http://www.w3.org/2003/InkML">
      <traceFormat><channel name="X"/><channel name="Y"/>
      <channel name="T" units="s"/><channel name="F"/></traceFormat>
      <trace>10 20 1.5 300, '1 '2 '0.01 '0, 1 2 0.01 0</trace></ink>"""
    dots = parse_inkml(doc).strokes[0].dots
    assert [(d.x, d.y, d.t_ms, d.force) for d in dots] == [
        (10.0, 20.0, 1500, 300),
        (11.0, 22.0, 1510, 300),
        (12.0, 24.0, 1520, 300),
    ]


def test_context_reference_and_flipped_y() -> None:
    doc = b"""<ink xmlns="http://www.w3.org/2003/InkML"><definitions>
      <context xml:id="c1"><traceFormat><channel name="Y" orientation="-ve"/>
      <channel name="X"/></traceFormat></context></definitions>
      <trace contextRef="#c1">5 1, 6 2</trace></ink>"""
    dots = parse_inkml(doc).strokes[0].dots
    assert (dots[0].x, dots[0].y) == (1.0, -5.0)


def test_default_format_is_x_then_y() -> None:
    doc = b'<ink xmlns="http://www.w3.org/2003/InkML"><trace>1 2, 3 4</trace></ink>'
    dots = parse_inkml(doc).strokes[0].dots
    assert [(d.x, d.y) for d in dots] == [(1.0, 2.0), (3.0, 4.0)]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "well-formed"),
        (b"<ink", "well-formed"),
        (b"<svg/>", "not <ink>"),
        (b'<ink xmlns="http://www.w3.org/2003/InkML"></ink>', "no ink"),
        (b'<ink xmlns="http://www.w3.org/2003/InkML"><trace> </trace></ink>', "no ink"),
        (
            b'<ink xmlns="http://www.w3.org/2003/InkML"><trace>1 2 3</trace></ink>',
            "3 values",
        ),
        (
            b'<ink xmlns="http://www.w3.org/2003/InkML"><trace>1 x</trace></ink>',
            "values",
        ),
        (
            b'<ink xmlns="http://www.w3.org/2003/InkML"><trace>1 2,,3 4</trace></ink>',
            "empty",
        ),
        (
            b'<ink xmlns="http://www.w3.org/2003/InkML"><traceFormat><channel name="X"/>'
            b'<channel name="T"/></traceFormat><trace>1 2</trace></ink>',
            "no X and Y",
        ),
        (
            b'<ink xmlns="http://www.w3.org/2003/InkML"><traceFormat>'
            b'<channel name="X" units="furlong"/><channel name="Y"/></traceFormat></ink>',
            "unknown unit",
        ),
        (b'<!DOCTYPE ink [<!ENTITY a "aa">]><ink>&a;</ink>', "document type"),
    ],
)
def test_bad_input_is_a_clear_error(data: bytes, reason: str) -> None:
    with pytest.raises(RecognitionError, match=reason) as info:
        parse_inkml(data, name="answer.inkml")
    assert "answer.inkml" in str(info.value)


def test_truncated_and_merged_documents_fail_cleanly() -> None:
    good = write_inkml([_stroke([(1.0, 2.0), (3.0, 4.0)])])
    encoded = good.encode()
    for cut in range(0, len(encoded), 7):
        with contextlib.suppress(RecognitionError):
            parse_inkml(encoded[:cut])
    with pytest.raises(RecognitionError):
        parse_inkml(encoded + encoded)


def _stroke(points: list[tuple[float, float]]) -> Stroke:
    dots = tuple(Dot(x, y, 200, 1000 + 10 * i) for i, (x, y) in enumerate(points))
    return Stroke("pen", PageAddress(0, 0, 0, 0), dots)


coordinate = st.floats(-500, 500, allow_nan=False).map(lambda v: round(v, 2))
strokes = st.lists(
    st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=30),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(strokes, st.one_of(st.none(), st.text(max_size=12)))
def test_written_ink_reads_back_the_same(paths: list, truth: str | None) -> None:
    original = [_stroke(p) for p in paths]
    ink = parse_inkml(write_inkml(original, truth).encode())
    assert [[(d.x, d.y, d.t_ms, d.force) for d in s.dots] for s in ink.strokes] == [
        [(d.x, d.y, d.t_ms, d.force) for d in s.dots] for s in original
    ]
    if truth is not None:
        legal = "".join(c for c in truth if c >= " " or c in "\t\n\r")
        assert ink.truth == legal.strip()


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    with contextlib.suppress(RecognitionError):
        parse_inkml(data)


def test_ink_without_the_namespace_is_read() -> None:
    dots = parse_inkml(b"<ink><trace>1 2, 3 4</trace></ink>").strokes[0].dots
    assert [(d.x, d.y) for d in dots] == [(1.0, 2.0), (3.0, 4.0)]


NS_OPEN = b'<ink xmlns="http://www.w3.org/2003/InkML">'


def points(doc: bytes) -> list[list[tuple[float, float, int]]]:
    return [[(d.x, d.y, d.force) for d in s.dots] for s in parse_inkml(doc).strokes]


def test_a_context_with_its_format_inside_an_ink_source() -> None:
    doc = (
        NS_OPEN
        + b"""<definitions><context xml:id="pen"><inkSource xml:id="s">
      <traceFormat><channel name="X" units="mm"/><channel name="Y" units="mm"/>
      <channel name="F"/></traceFormat></inkSource></context></definitions>
      <trace contextRef="#pen">0 0 100, 23.707 0 120</trace>
      <trace>1 2, 3 4</trace></ink>"""
    )
    first, second = points(doc)
    assert [(round(x, 2), y, f) for x, y, f in first] == [(0, 0, 100), (10, 0, 120)]
    assert second == [(1, 2, 0), (3, 4, 0)]  # no reference: InkML's default


def test_formats_named_by_reference_and_inherited_from_a_trace_group() -> None:
    doc = (
        NS_OPEN
        + b"""<definitions>
      <traceFormat xml:id="xyf"><channel name="X"/><channel name="Y"/>
      <channel name="F"/></traceFormat>
      <context xml:id="c" traceFormatRef="#xyf"/></definitions>
      <trace traceFormatRef="#xyf">1 2 3</trace>
      <traceGroup contextRef="#c"><trace>4 5 6</trace></traceGroup></ink>"""
    )
    assert points(doc) == [[(1, 2, 3)], [(4, 5, 6)]]


def test_a_top_level_context_changes_the_current_format() -> None:
    doc = (
        NS_OPEN
        + b"""<trace>1 2</trace>
      <context><traceFormat><channel name="Y"/><channel name="X"/>
      </traceFormat></context><trace>1 2</trace></ink>"""
    )
    assert points(doc) == [[(1, 2, 0)], [(2, 1, 0)]]


def test_intermittent_channels_may_be_left_out() -> None:
    doc = (
        NS_OPEN
        + b"""<traceFormat><channel name="X"/><channel name="Y"/>
      <intermittentChannels><channel name="F"/></intermittentChannels>
      </traceFormat><trace>1 2 50, 3 4, 5 6 70</trace></ink>"""
    )
    assert points(doc) == [[(1, 2, 50), (3, 4, 0), (5, 6, 70)]]
    with pytest.raises(RecognitionError, match="2 to 3"):
        parse_inkml(doc.replace(b"3 4,", b"3 4 5 6,"))


def test_himetric_units_and_reference_cycles() -> None:
    doc = (
        NS_OPEN
        + b"""<traceFormat><channel name="X" units="himetric"/>
      <channel name="Y" units="himetric"/></traceFormat><trace>2370.7 0</trace></ink>"""
    )
    assert round(points(doc)[0][0][0], 2) == 10.0
    cycle = (
        NS_OPEN
        + b"""<definitions><context xml:id="a" contextRef="#b"/>
      <context xml:id="b" contextRef="#a"/></definitions>
      <trace contextRef="#a">1 2</trace></ink>"""
    )
    with pytest.raises(RecognitionError, match="nest too deep"):
        parse_inkml(cycle)
