"""The printed seating chart: which pen and clicker sit at which seat.

The installer prints it and tapes it to the teacher's desk; when a pen is
swapped or a student moves, the chart shows what provisioning must change.
Pure: seats in, SVG or HTML text out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape

from edge.models import Student

CELL_W = 150
CELL_H = 84
GAP = 12
MARGIN = 20
FRONT_H = 40


@dataclass(frozen=True, slots=True)
class Seat:
    """One seat of the chart, with what is bound to it."""

    number: int
    student_id: str | None = None
    name: str | None = None
    pen: str | None = None
    clicker: str | None = None


def seats_from(
    students: Iterable[Student],
    pens: Mapping[str, str],
    clickers: Mapping[str, str],
) -> list[Seat]:
    """Seats in order from the roster and device bindings (address -> student)."""
    pen_of = {sid: address for address, sid in pens.items()}
    clicker_of = {sid: cid for cid, sid in clickers.items()}
    seats = [
        Seat(s.seat, s.id, s.name, pen_of.get(s.id), clicker_of.get(s.id))
        for s in students
        if s.seat is not None
    ]
    return sorted(seats, key=lambda seat: seat.number)


def chart_svg(seats: list[Seat], columns: int = 6, title: str = "") -> str:
    """The chart as a standalone SVG, front of the room at the top."""
    rows = max(1, -(-max((s.number for s in seats), default=1) // columns))
    width = 2 * MARGIN + columns * CELL_W + (columns - 1) * GAP
    height = 2 * MARGIN + FRONT_H + rows * (CELL_H + GAP)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f"<title>{escape(title or 'Seating chart')}</title>",
        f'<rect x="{MARGIN}" y="{MARGIN}" width="{width - 2 * MARGIN}" height="24"'
        ' fill="#333"/>',
        f'<text x="{width / 2}" y="{MARGIN + 17}" fill="#fff" text-anchor="middle">'
        "Front of the room / 讲台</text>",
    ]
    parts.extend(_cell(seat, columns) for seat in seats)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _cell(seat: Seat, columns: int) -> str:
    row, col = divmod(seat.number - 1, columns)
    x = MARGIN + col * (CELL_W + GAP)
    y = MARGIN + FRONT_H + row * (CELL_H + GAP)
    fill = "#fff" if seat.pen or seat.clicker else "#f4f4f4"
    lines = [
        f"{seat.number}. {seat.name or '(empty)'}",
        f"pen {_short_pen(seat.pen)}",
        f"clicker {seat.clicker or '—'}",
    ]
    weights = ["bold", "normal", "normal"]
    texts = "".join(
        f'<text x="{x + 8}" y="{y + 22 + 20 * i}" font-weight="{weights[i]}">'
        f"{escape(line)}</text>"
        for i, line in enumerate(lines)
    )
    return (
        f'<g id="seat-{seat.number}"><rect x="{x}" y="{y}" width="{CELL_W}"'
        f' height="{CELL_H}" rx="6" fill="{fill}" stroke="#555"/>{texts}</g>'
    )


def _short_pen(address: str | None) -> str:
    # The last three bytes are what is printed on a pen's barrel label.
    return address[-8:] if address else "—"


def chart_html(seats: list[Seat], columns: int = 6, title: str = "") -> str:
    """A printable page: the chart and a table of every binding."""
    rows = "\n".join(
        f"<tr><td>{s.number}</td><td>{escape(s.name or '')}</td>"
        f"<td>{escape(s.student_id or '')}</td><td>{escape(s.pen or '')}</td>"
        f"<td>{escape(s.clicker or '')}</td></tr>"
        for s in seats
    )
    heading = escape(title or "Seating chart")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{heading}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
table {{ border-collapse: collapse; margin-top: 1em; }}
td, th {{ border: 1px solid #999; padding: 2px 8px; }}
@media print {{ body {{ margin: 0; }} }}
</style></head>
<body><h1>{heading}</h1>
{chart_svg(seats, columns, title)}
<table><thead><tr><th>Seat</th><th>Name</th><th>Student id</th><th>Pen</th>
<th>Clicker</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
