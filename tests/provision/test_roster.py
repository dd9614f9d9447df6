"""Roster CSV: every bad line is named, good files in any common encoding load."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.provision import ProvisionError, RosterError
from edge.provision.roster import parse_roster, read_roster

GOOD = "seat,id,name,pseudonym\n1,s01,李华,p-0001\n2,s02,王芳,\n"


def test_good_roster() -> None:
    entries = parse_roster(GOOD, "r.csv")
    assert [(e.seat, e.id, e.name, e.pseudonym) for e in entries] == [
        (1, "s01", "李华", "p-0001"),
        (2, "s02", "王芳", None),
    ]


def test_columns_in_any_order_with_extras_and_blank_lines() -> None:
    text = "Name , Notes, ID,Seat\n李华,front row,s01,1\n\n,,,\n王芳,,s02,2\n"
    entries = parse_roster(text)
    assert [(e.seat, e.id, e.name) for e in entries] == [
        (1, "s01", "李华"),
        (2, "s02", "王芳"),
    ]


def test_known_pseudonym_is_kept_over_a_new_one() -> None:
    entry = parse_roster("seat,id,name\n1,s01,李华\n")[0]
    assert entry.student("p-kept").pseudonym == "p-kept"
    assert entry.student().pseudonym != entry.student().pseudonym


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "the file is empty"),
        ("id,name\n", 1, "missing seat"),
        ("seat,id,name\n", 2, "no students"),
        ("seat,id,name\n1,s01,李华\nx,s02,王芳\n", 3, "seat 'x' must be a seat number"),
        ("seat,id,name\n1,s01,李华\n201,s02,王芳\n", 3, "seat '201'"),
        (
            "seat,id,name\n1,s01,李华\n1,s02,王芳\n",
            3,
            "seat 1 is already used on line 2",
        ),
        ("seat,id,name\n1,s01,李华\n2,s01,王芳\n", 3, "id 's01' is already used"),
        ("seat,id,name\n1,s 01,李华\n", 2, "id 's 01' must be"),
        ("seat,id,name\n1,s01,\n", 2, "name must be"),
        ("seat,id,name\n1,s01," + "长" * 65 + "\n", 2, "name must be"),
        ("seat,id,name\n1,s01,a\tb\n", 2, "name must be"),
        ("seat,id,name\n1,s01\n", 2, "has 2 columns"),
        ("seat,id,name,pseudonym\n1,s01,李华,p\n", 2, "pseudonym 'p' must be"),
        (
            "seat,id,name,pseudonym\n1,s01,李华,p-1111\n2,s02,王芳,p-1111\n",
            3,
            "pseudonym 'p-1111' is already used",
        ),
        ('seat,id,name,notes\n1,s01,李华,"front\nrow"\n2,s02,\n', 4, "name must be"),
        ('seat,id,name\n1,s01,"李\n华"\n', 3, "name must be"),
        ('seat,id,name\n1,s01,"unclosed\n', 2, "not CSV"),
    ],
)
def test_bad_lines_are_named(text: str, line: int, message: str) -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster(text, "class.csv")
    assert caught.value.line == line, str(caught.value)
    assert str(caught.value).startswith(f"class.csv line {line}: ")
    assert message in str(caught.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_spreadsheet_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(GOOD.encode(encoding))
    assert [e.name for e in read_roster(path)] == ["李华", "王芳"]


def test_binary_junk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xff\xfe\x00\x00" * 10 + b"\x80")
    with pytest.raises(ProvisionError):
        read_roster(path)
    path.write_bytes(b"seat,id,name\n" * 100_000)
    with pytest.raises(ProvisionError, match="too large"):
        read_roster(path)


@given(st.text(max_size=300))
def test_any_text_gives_entries_or_a_roster_error(text: str) -> None:
    try:
        entries = parse_roster(text)
    except RosterError as exc:
        line = exc.line
        entries = []
    else:
        line = 1
    assert line >= 1
    assert len({e.seat for e in entries}) == len(entries)
