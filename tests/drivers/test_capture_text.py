"""The capture line format shared by the pen and clicker decoders."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from edge.drivers.capture_text import MAX_LINE_CHARS, parse_line


@given(st.text(max_size=300))
def test_any_text_gives_bytes_a_skip_or_a_reason(text: str) -> None:
    parsed = parse_line(text)
    assert parsed is None or isinstance(parsed, str | tuple)


@given(st.binary(min_size=1, max_size=200), st.none() | st.integers(100, 10**13))
def test_written_lines_read_back(data: bytes, t_ms: int | None) -> None:
    line = data.hex() if t_ms is None else f"{t_ms} {data.hex()}"
    assert parse_line(line) == (t_ms, data)
    spaced = " ".join(f"{b:02x}" for b in data)
    assert parse_line(spaced if t_ms is None else f"{t_ms} {spaced}") == (t_ms, data)


def test_digits_of_other_scripts_are_not_a_time() -> None:
    assert parse_line("²³ c0c1") == "not hex: '²³c0c1'"


def test_an_oversized_line_is_refused_without_parsing() -> None:
    assert "longer" in str(parse_line("c0" * MAX_LINE_CHARS))
