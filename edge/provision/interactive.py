"""Asking an installer, question by question, for what a file or flags left out.

Each question shows what the gateway has now in brackets; pressing Enter
keeps it. A wrong answer is explained and asked again, so one typo never
throws away the answers before it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from edge.provision import fields
from edge.provision.configdoc import LAN_HOST
from edge.provision.errors import ProvisionError
from edge.provision.request import Request

T = TypeVar("T")
ATTEMPTS = 5


class Console(Protocol):
    """Where questions go and answers come from (a terminal, or stdin in tests)."""

    def ask(self, prompt: str) -> str:
        """One line of answer, without its newline."""
        ...

    def secret(self, prompt: str) -> str:
        """One line typed without echo."""
        ...

    def say(self, text: str) -> None:
        """Show a line to the installer."""
        ...


def _ask(
    console: Console, label: str, current: Any, check: Callable[[str], T]
) -> T | None:
    """Ask until the answer passes ``check``; Enter keeps ``current`` (None)."""
    hint = f" [{current}]" if current not in (None, "") else ""
    for _ in range(ATTEMPTS):
        answer = console.ask(f"{label}{hint}: ").strip()
        if not answer:
            if current in (None, ""):
                console.say("  needed: please type a value")
                continue
            return None
        try:
            return check(answer)
        except ProvisionError as exc:
            console.say(f"  {exc.reason}")
    raise ProvisionError(f"no valid answer after {ATTEMPTS} tries", label)


def _ask_optional(
    console: Console, label: str, current: Any, check: Callable[[str], T]
) -> T | None:
    """Like :func:`_ask`, but Enter with nothing set is fine too."""
    hint = f" [{current}]" if current not in (None, "") else " [none]"
    for _ in range(ATTEMPTS):
        answer = console.ask(f"{label}{hint}: ").strip()
        if not answer:
            return None
        try:
            return check(answer)
        except ProvisionError as exc:
            console.say(f"  {exc.reason}")
    raise ProvisionError(f"no valid answer after {ATTEMPTS} tries", label)


def _existing_file(field: str) -> Callable[[str], Path]:
    def check(text: str) -> Path:
        """The path typed, if it names a file."""
        path = Path(text).expanduser()
        if not path.is_file():
            raise ProvisionError(f"{path} is not a file", field)
        return path

    return check


def ask_request(
    console: Console, current: Mapping[str, Any], given: Request
) -> Request:
    """Fill in what ``given`` leaves open by asking; ``current`` is the config."""
    room = current.get("classroom", {})
    web = current.get("web", {})
    uplink = current.get("uplink", {})
    console.say("Classroom gateway set-up. Press Enter to keep the value in [ ].")
    answers: dict[str, Any] = {
        "city": given.city
        or _ask(
            console, "City code", room.get("city"), lambda v: fields.code("city", v)
        ),
        "school": given.school
        or _ask(
            console,
            "School code",
            room.get("school"),
            lambda v: fields.code("school", v),
        ),
        "grade": given.grade or _ask(console, "Grade", room.get("grade"), fields.grade),
        "klass": given.klass
        or _ask(console, "Class", room.get("class"), fields.class_name),
        "web_host": given.web_host or _ask_host(console, web.get("host")),
    }
    answers["broker"] = given.broker or _ask_optional(
        console, "City broker (mqtts://host:8883)", uplink.get("broker"), fields.broker
    )
    answers.update(
        _ask_files(console, given, answers["broker"] or uplink.get("broker"))
    )
    answers["teacher_password"] = given.teacher_password or ask_password(
        console, bool(web.get("teacher_password_hash"))
    )
    answers["roster_csv"] = given.roster_csv or _ask_optional(
        console, "Roster CSV file", None, _existing_file("roster")
    )
    return replace(given, **{k: v for k, v in answers.items() if v is not None})


def _ask_host(console: Console, current: str | None) -> str | None:
    answer = _ask(console, "Teacher page address", current or LAN_HOST, fields.web_host)
    return answer or (LAN_HOST if current is None else None)


def _ask_files(console: Console, given: Request, broker: Any) -> dict[str, Any]:
    if not broker:
        return {}
    return {
        "ca_file": given.ca_file
        or _ask_optional(console, "City CA file", None, _existing_file("ca")),
        "certificate": given.certificate
        or _ask_optional(
            console,
            "Gateway certificate from the city (Enter if not yet issued)",
            None,
            _existing_file("certificate"),
        ),
    }


def ask_password(console: Console, is_set: bool) -> str | None:
    """A new teacher password typed twice; None keeps the current one."""
    note = " (Enter keeps the current one)" if is_set else ""
    for _ in range(ATTEMPTS):
        first = console.secret(f"Teacher password{note}: ")
        if not first and is_set:
            return None
        try:
            password = fields.teacher_password(first)
        except ProvisionError as exc:
            console.say(f"  {exc.reason}")
            continue
        if console.secret("Type it again: ") == password:
            return password
        console.say("  the two passwords differ")
    raise ProvisionError(f"no valid answer after {ATTEMPTS} tries", "teacher_password")


def ask_choice(console: Console, label: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (the first is the default)."""
    options = "/".join(choices)
    for _ in range(ATTEMPTS):
        answer = console.ask(f"{label} ({options}) [{choices[0]}]: ").strip().lower()
        if not answer:
            return choices[0]
        if answer in choices:
            return answer
        console.say(f"  answer one of {options}")
    raise ProvisionError(f"no valid answer after {ATTEMPTS} tries", label)


def ask_bindings(console: Console, kind: str) -> list[tuple[int, str]]:
    """SEAT=DEVICE lines typed by the installer, until an empty line."""
    console.say(f"Type one SEAT={kind.upper()} per line (empty line to finish).")
    found: list[tuple[int, str]] = []
    while True:
        line = console.ask(f"{kind}> ").strip()
        if not line:
            return found
        try:
            found.append(fields.binding(line, kind, f"{kind}s"))
        except ProvisionError as exc:
            console.say(f"  {exc.reason}")
