"""Reading a class roster from CSV, with errors that name the bad line.

Columns (header required, any order, extra columns ignored): ``seat``,
``id``, ``name`` and optionally ``pseudonym``, the id the city platform
issued for the student. Without one the gateway makes a random pseudonym,
which the city can replace later through a roster downlink.

Spreadsheet programs in Chinese locales often save CSV as GBK; a file that
is not UTF-8 is read as GB 18030, a superset of GBK.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge.models import Student
from edge.provision import fields
from edge.provision.errors import ProvisionError, RosterError

REQUIRED = ("seat", "id", "name")
_STUDENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_PSEUDONYM = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
MAX_NAME = 64
MAX_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One student line of a roster file; ``pseudonym`` None if not given."""

    seat: int
    id: str
    name: str
    pseudonym: str | None

    def student(self, known_pseudonym: str | None = None) -> Student:
        """The student record, keeping a pseudonym the gateway already uses."""
        pseudonym = self.pseudonym or known_pseudonym or new_pseudonym()
        return Student(self.id, self.name, pseudonym, self.seat)


def new_pseudonym() -> str:
    """A random pseudonym, until the city issues one."""
    return f"p-{secrets.token_hex(8)}"


def decode_roster(data: bytes, source: str) -> str:
    """The roster's text, from UTF-8 (with or without BOM) or GB 18030."""
    if len(data) > MAX_BYTES:
        raise ProvisionError(f"{len(data)} bytes is too large for a roster", source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ProvisionError("is neither UTF-8 nor GBK text", source) from exc


def read_roster(path: Path) -> list[RosterEntry]:
    """The students listed in a roster CSV file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProvisionError(f"cannot read roster: {exc}", str(path)) from exc
    return parse_roster(decode_roster(data, str(path)), str(path))


def parse_roster(text: str, source: str = "roster") -> list[RosterEntry]:
    """Validate roster CSV text; raises RosterError naming the line at fault."""
    # strict: an unclosed quote is an error, not a name that eats the file.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise RosterError(source, 1, "the file is empty") from None
    except csv.Error as exc:
        raise RosterError(source, 1, f"not CSV: {exc}") from None
    columns = _columns(header, source)
    students = _rows(reader, columns, source)
    if not students:
        raise RosterError(source, 2, "no students after the header line")
    return students


def _columns(header: list[str], source: str) -> dict[str, int]:
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise RosterError(
            source,
            1,
            f"header needs columns {', '.join(REQUIRED)}; missing {', '.join(missing)}"
            f" (found {', '.join(repr(n) for n in names) or 'nothing'})",
        )
    wanted = (*REQUIRED, "pseudonym")
    return {n: names.index(n) for n in wanted if n in names}


def _rows(reader: Any, columns: dict[str, int], source: str) -> list[RosterEntry]:
    # ``reader`` is a csv reader: its line_num counts physical lines, so a
    # quoted name that spans lines still gives the right line number.
    students: list[RosterEntry] = []
    seen: dict[str, dict[object, int]] = {"seat": {}, "id": {}, "pseudonym": {}}
    line = reader.line_num
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            student = _student(row, columns, source, line)
            _unique(seen, student, source, line)
            students.append(student)
    except csv.Error as exc:
        raise RosterError(source, reader.line_num, f"not CSV: {exc}") from None
    return students


def _student(
    row: list[str], columns: dict[str, int], source: str, line: int
) -> RosterEntry:
    if len(row) <= max(columns.values()):
        raise RosterError(source, line, f"has {len(row)} columns, the header has more")
    cell = {name: row[i].strip() for name, i in columns.items()}
    try:
        seat = fields.seat(cell["seat"])
    except ProvisionError as exc:
        raise RosterError(source, line, f"seat {exc.reason}") from None
    if not _STUDENT_ID.fullmatch(cell["id"]):
        raise RosterError(
            source, line, f"id {cell['id']!r} must be 1-32 letters, digits, '-' or '_'"
        )
    name = cell["name"]
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise RosterError(
            source, line, f"name must be 1-{MAX_NAME} printable characters"
        )
    pseudonym = cell.get("pseudonym") or None
    if pseudonym is not None and not _PSEUDONYM.fullmatch(pseudonym):
        raise RosterError(
            source,
            line,
            f"pseudonym {pseudonym!r} must be 4-64 letters, digits, - or _",
        )
    return RosterEntry(seat, cell["id"], name, pseudonym)


def _unique(
    seen: dict[str, dict[object, int]], student: RosterEntry, source: str, line: int
) -> None:
    for key, value in (
        ("seat", student.seat),
        ("id", student.id),
        ("pseudonym", student.pseudonym),
    ):
        if value is None:
            continue
        first = seen[key].setdefault(value, line)
        if first != line:
            raise RosterError(
                source, line, f"{key} {value!r} is already used on line {first}"
            )
