"""``edge-gateway provision``: set up a classroom gateway, or change one thing.

Interactive unless ``--no-input`` or ``--answers`` is given; every question
can also be answered with a flag, and flags win over the answers file.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from edge.doctor import Finding, Status, render_text, self_test
from edge.provision import (
    Layout,
    ProvisionError,
    Request,
    fields,
    provision,
    request_from_file,
)
from edge.provision.apply import LivePairing, Report
from edge.provision.configdoc import read_document
from edge.provision.interactive import (
    ask_bindings,
    ask_choice,
    ask_password,
    ask_request,
)
from edge.provision.pairing import DeviceSource, pair_live

ASK = "\0ask"


def register(subparsers: Any) -> None:
    """Add the ``provision`` subcommand."""
    p = subparsers.add_parser(
        "provision",
        help="set up this gateway for a classroom (safe to run again)",
        description="Provision the gateway: identity, broker and certificates, "
        "teacher password, roster, pens and clickers, then a self-test. Asks "
        "for what is missing unless --no-input or --answers is given.",
    )
    p.add_argument("--root", type=Path, default=Path("/"), help="install root")
    p.add_argument("--answers", type=Path, help="answers file (.toml or .yaml)")
    p.add_argument("--no-input", action="store_true", help="never ask questions")
    room = p.add_argument_group("classroom")
    room.add_argument("--city", help="city code, e.g. shenzhen")
    room.add_argument("--school", help="school code, e.g. nanshan-03")
    room.add_argument("--grade", help="grade 1-12")
    room.add_argument("--class", dest="klass", help="class within the grade")
    room.add_argument("--gateway-id", help="id issued by the city, if any")
    link = p.add_argument_group("city broker")
    link.add_argument("--broker", help="mqtts://host:8883")
    link.add_argument("--ca", type=Path, help="city CA certificate file")
    link.add_argument("--certificate", type=Path, help="certificate the city signed")
    link.add_argument("--downlink-key", type=Path, action="append", default=[])
    link.add_argument("--new-key", action="store_true", help="replace the key pair")
    web = p.add_argument_group("teacher page")
    web.add_argument(
        "--teacher-password",
        nargs="?",
        const=ASK,
        help="set the password (without a value: ask for it, even with --no-input)",
    )
    web.add_argument("--web-host", help="address to listen on (0.0.0.0: the LAN)")
    web.add_argument("--web-port", help="port of the teacher page")
    web.add_argument("--new-api-token", action="store_true", help="print a new token")
    devices = p.add_argument_group("roster and devices")
    devices.add_argument("--roster", type=Path, help="roster CSV: seat,id,name")
    devices.add_argument("--pen", action="append", default=[], metavar="SEAT=ADDR")
    devices.add_argument("--clicker", action="append", default=[], metavar="SEAT=ID")
    devices.add_argument("--unbind", action="append", default=[], metavar="DEVICE")
    devices.add_argument("--pair-pens", choices=["scan"], help="pair pens live")
    devices.add_argument("--pair-clickers", choices=["press"], help="pair live")
    devices.add_argument("--pair-timeout", type=float, default=30.0)
    p.add_argument("--no-self-test", action="store_true")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run_provision)


class TerminalConsole:
    """Questions on the terminal (or on stdin, as tests drive it)."""

    def ask(self, prompt: str) -> str:
        """One line from the installer."""
        try:
            return input(prompt)
        except EOFError:
            raise ProvisionError(
                "input ended before every question was answered"
            ) from None

    def secret(self, prompt: str) -> str:
        """One line typed without echo (plain input when stdin is not a terminal)."""
        if not sys.stdin.isatty():
            return self.ask(prompt)
        try:
            return getpass.getpass(prompt)
        except EOFError:
            raise ProvisionError(
                "input ended before every question was answered"
            ) from None

    def say(self, text: str) -> None:
        """Show a line."""
        print(text, flush=True)


def request_from_args(args: argparse.Namespace) -> Request:
    """The request the flags make (fields left out stay None)."""

    def opt(value: Any, check: Any) -> Any:
        """The checked value of a flag that was given."""
        return None if value is None else check(value)

    password = args.teacher_password
    return Request(
        city=opt(args.city, lambda v: fields.code("city", v)),
        school=opt(args.school, lambda v: fields.code("school", v)),
        grade=opt(args.grade, fields.grade),
        klass=opt(args.klass, fields.class_name),
        gateway_id=opt(args.gateway_id, fields.gateway_id),
        broker=opt(args.broker, fields.broker),
        ca_file=args.ca,
        certificate=args.certificate,
        downlink_keys=tuple(args.downlink_key),
        new_key=args.new_key,
        teacher_password=opt(
            None if password == ASK else password, fields.teacher_password
        ),
        web_host=opt(args.web_host, fields.web_host),
        web_port=opt(args.web_port, fields.web_port),
        new_api_token=args.new_api_token,
        roster_csv=args.roster,
        pens=tuple(fields.binding(v, "pen", "pen") for v in args.pen),
        clickers=tuple(fields.binding(v, "clicker", "clicker") for v in args.clicker),
        unbind=tuple(_device(v) for v in args.unbind),
    )


def _device(text: str) -> str:
    try:
        return fields.pen_address(text, "unbind")
    except ProvisionError:
        return fields.clicker_id(text, "unbind")


def run_provision(args: argparse.Namespace) -> int:
    """Provision, print what changed and the self-test; 1 if the test failed."""
    interactive = not (args.no_input or args.answers)
    if args.json and interactive:
        raise ProvisionError("--json needs --no-input or --answers")
    layout = Layout(args.root)
    request = request_from_file(args.answers) if args.answers else Request()
    request = request.merged(request_from_args(args))
    console = TerminalConsole()
    if args.teacher_password == ASK:
        # Asked for by name, so asked for even with --no-input; typing it
        # beats putting it on a command line that others can read.
        password = ask_password(console, is_set=False)
        request = request.merged(Request(teacher_password=password))
    if interactive:
        request = ask_request(console, read_document(layout.config_file), request)
        request, args = _ask_pairing(console, request, args)
    live = _live_pairing(args, console, layout)
    report = provision(
        request,
        layout,
        live_pairing=live,
        self_test=None if args.no_self_test else self_test,
    )
    _print_report(report, args.json)
    return 1 if report.failed else 0


def _ask_pairing(
    console: TerminalConsole, request: Request, args: argparse.Namespace
) -> tuple[Request, argparse.Namespace]:
    if not request.pens and not args.pair_pens:
        how = ask_choice(console, "Pair pens now?", ("skip", "scan", "type"))
        if how == "type":
            request = request.merged(Request(pens=tuple(ask_bindings(console, "pen"))))
        elif how == "scan":
            args.pair_pens = "scan"
    if not request.clickers and not args.pair_clickers:
        how = ask_choice(console, "Pair clickers now?", ("skip", "press", "type"))
        if how == "type":
            found = tuple(ask_bindings(console, "clicker"))
            request = request.merged(Request(clickers=found))
        elif how == "press":
            args.pair_clickers = "press"
    return request, args


def _live_pairing(
    args: argparse.Namespace, console: TerminalConsole, layout: Layout
) -> LivePairing | None:
    if not (args.pair_pens or args.pair_clickers):
        return None

    def pair(students: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        """Pens and clickers found live, as (seat, device) pairs."""
        pens = clickers = []
        if args.pair_pens:
            from edge.provision.live import pen_scan_source

            pens = _pair(students, "pen", pen_scan_source(), console, args.pair_timeout)
        if args.pair_clickers:
            from edge.provision.live import ClickerPressSource

            section = read_document(layout.config_file).get("clicker", {})
            with ClickerPressSource(section) as source:
                clickers = _pair(
                    students, "clicker", source, console, args.pair_timeout
                )
        return pens, clickers

    return pair


def _pair(
    students: Sequence[Any],
    kind: str,
    source: DeviceSource,
    console: TerminalConsole,
    timeout_s: float,
) -> list[tuple[int, str]]:
    return pair_live(kind, students, source, console.say, timeout_s)


def _print_report(report: Report, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
        return
    print(f"Gateway {report.gateway_id} under {report.root}:")
    for step in report.steps:
        mark = "changed" if step.changed else "       "
        print(f"  {mark}  {step.name:<20} {step.detail}")
    for note in report.notes:
        print(f"  note: {note}")
    if report.api_token:
        print(f"  API token (shown once, keep it safe): {report.api_token}")
    if report.self_test:
        findings = [
            Finding(f["check"], Status(f["status"]), f["summary"], f["fix"])
            for f in report.self_test
        ]
        print("Self-test:")
        print(render_text(findings))
