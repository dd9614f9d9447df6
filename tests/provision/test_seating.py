"""The printed seating chart: well-formed, complete, and safe with any name."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from edge.models import Student
from edge.provision.seating import Seat, chart_html, chart_svg, seats_from

SVG = "{http://www.w3.org/2000/svg}"


def test_seats_join_roster_and_bindings() -> None:
    students = [
        Student("s02", "王芳", "p-2", 2),
        Student("s01", "李华", "p-1", 1),
        Student("s09", "无座", "p-9", None),
    ]
    seats = seats_from(students, {"9C:7B:D2:00:00:01": "s01"}, {"0010002A": "s02"})
    assert seats == [
        Seat(1, "s01", "李华", "9C:7B:D2:00:00:01", None),
        Seat(2, "s02", "王芳", None, "0010002A"),
    ]


def test_svg_is_well_formed_and_escapes_names() -> None:
    seats = [Seat(1, "s01", "<script>&", "9C:7B:D2:00:00:01", "0010002A"), Seat(8)]
    root = ET.fromstring(chart_svg(seats, columns=6, title="8-2 & co"))
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g")}
    assert set(groups) == {"seat-1", "seat-8"}
    texts = [t.text for t in groups["seat-1"].iter(f"{SVG}text")]
    assert texts == ["1. <script>&", "pen 00:00:01", "clicker 0010002A"]
    # Seat 8 is in the second row of six.
    rect = groups["seat-8"].find(f"{SVG}rect")
    first = groups["seat-1"].find(f"{SVG}rect")
    assert rect is not None and first is not None
    assert float(rect.get("y", 0)) > float(first.get("y", 0))


def test_html_lists_every_binding() -> None:
    html = chart_html([Seat(1, "s01", "李华", "9C:7B:D2:00:00:01")], title="T")
    assert "<td>9C:7B:D2:00:00:01</td>" in html
    assert "<svg" in html and html.count("<tr>") == 2
