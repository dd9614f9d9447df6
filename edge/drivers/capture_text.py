"""The text capture format both device decoders read: one chunk per line.

A line is ``HEX`` or ``MILLISECONDS HEX``. The hex may be spaced out in
bytes (``c0 01 02``), as other tools export it; ``#`` starts a comment and
blank lines are skipped. The first of several words is a time when it is all
digits and not two characters long: two characters are a byte of a
spaced-out line. Pure: text in, bytes out.
"""

from __future__ import annotations

# A line longer than this is not a notification or a serial read.
MAX_LINE_CHARS = 64 * 1024
_SHOWN = 40


def parse_line(line: str) -> tuple[int | None, bytes] | str | None:
    """(time, bytes) of one line, None for a blank or comment, or why it is bad."""
    if len(line) > MAX_LINE_CHARS:
        return f"line longer than {MAX_LINE_CHARS} characters"
    words = line.split("#", 1)[0].split()
    if not words:
        return None
    t_ms = None
    first = words[0]
    if len(words) > 1 and first.isascii() and first.isdigit() and len(first) != 2:
        t_ms = int(words.pop(0))
    text = "".join(words)
    try:
        return t_ms, bytes.fromhex(text)
    except ValueError:
        return f"not hex: {text[:_SHOWN]!r}"
