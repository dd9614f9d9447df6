"""Running a provisioning request against a gateway root, step by step.

Every step compares what is there with what was asked and writes only the
difference, so running the same request twice changes nothing the second
time, and a request that names one thing touches only that thing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from edge.models import Student
from edge.provision import configdoc, tls
from edge.provision.errors import ProvisionError
from edge.provision.layout import Layout, share_with_service, write_atomic
from edge.provision.pairing import BindingChange, plan_bindings
from edge.provision.request import Request
from edge.provision.roster import read_roster
from edge.provision.seating import chart_html, chart_svg, seats_from
from edge.provision.tomlwrite import dump_toml
from edge.store import Store
from edge.store.maintenance import create_empty
from edge.web.security import hash_password, hash_token, new_secret

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Step:
    """One step's outcome: what changed, or that nothing needed to."""

    name: str
    changed: bool
    detail: str


@dataclass
class Report:
    """Everything one provisioning run did, for the installer and for --json."""

    root: str
    gateway_id: str = ""
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    api_token: str | None = None
    self_test: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, change: str | None, unchanged: str = "unchanged") -> None:
        """Record a step from the change it made (None: nothing to do)."""
        self.steps.append(Step(name, change is not None, change or unchanged))

    @property
    def changed(self) -> bool:
        """True if any step wrote something."""
        return any(step.changed for step in self.steps)

    @property
    def failed(self) -> bool:
        """True if the final self-test found a fault."""
        return any(f["status"] == "fail" for f in self.self_test)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "root": self.root,
            "gateway_id": self.gateway_id,
            "changed": self.changed,
            "steps": [
                {"name": s.name, "changed": s.changed, "detail": s.detail}
                for s in self.steps
            ],
            "notes": self.notes,
            "api_token": self.api_token,
            "self_test": self.self_test,
        }


# Called with the roster after it is stored; gives (pens, clickers) as
# (seat, device) pairs found by live pairing.
LivePairing = Callable[
    [Sequence[Student]], tuple[Sequence[tuple[int, str]], Sequence[tuple[int, str]]]
]
SelfTest = Callable[[Layout], list[dict[str, Any]]]


def provision(
    request: Request,
    layout: Layout,
    live_pairing: LivePairing | None = None,
    self_test: SelfTest | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> Report:
    """Bring the gateway under ``layout`` to what ``request`` asks."""
    report = Report(str(layout.root))
    doc = _configure(request, layout, report, now())
    report.gateway_id = doc["gateway"]["id"]
    _store_steps(request, layout, report, live_pairing)
    if self_test is not None:
        report.self_test = self_test(layout)
    return report


def _configure(
    request: Request, layout: Layout, report: Report, now: dt.datetime
) -> dict[str, Any]:
    before = configdoc.read_document(layout.config_file)
    doc = configdoc.with_identity(before, request)
    doc = configdoc.with_paths(doc, layout)
    gateway_id = doc["gateway"]["id"]
    if before and configdoc.gateway_id_of(before) not in (None, gateway_id):
        report.notes.append(
            f"gateway id changed to {gateway_id}: the city must issue a certificate "
            "for the new id (send the new certificate request)"
        )

    _tls_steps(request, layout, report, doc, now)
    token = new_secret() if request.new_api_token else None
    report.api_token = token
    doc = configdoc.with_web(
        doc,
        request,
        hash_password(request.teacher_password) if request.teacher_password else None,
        hash_token(token) if token else None,
        new_secret(),
    )
    _, changes = tls.install_downlink_keys(layout, request)
    asked = "unchanged" if request.downlink_keys else "not asked"
    report.add("downlink keys", "; ".join(changes) or None, asked)
    doc = configdoc.with_uplink(doc, request, layout)
    report.add("configuration", _write_config(layout, before, doc))
    if request.teacher_password:
        report.add("teacher password", "teacher password set")
    return doc


def _tls_steps(
    request: Request,
    layout: Layout,
    report: Report,
    doc: dict[str, Any],
    now: dt.datetime,
) -> None:
    room, gateway_id = doc["classroom"], doc["gateway"]["id"]
    key, change = tls.ensure_key(layout, request.new_key)
    report.add("key pair", change)
    report.add("city CA", tls.install_ca(layout, request), "not asked")
    csr = tls.ensure_csr(layout, key, gateway_id, room["city"], room["school"])
    report.add("certificate request", csr)
    installed = tls.install_certificate(layout, request, key, gateway_id, now)
    report.add("certificate", installed, "not asked")
    if csr and not installed:
        report.notes.append(
            f"send {layout.csr_file} to the city CA, then run provision again "
            "with --certificate FILE"
        )


def _write_config(
    layout: Layout, before: dict[str, Any], doc: dict[str, Any]
) -> str | None:
    if doc == before:
        return None
    # The file holds the password hash and session key: not world-readable.
    write_atomic(layout.config_file, dump_toml(doc).encode(), mode=0o640)
    share_with_service(layout, layout.config_file)
    changed = sorted(k for k in doc if doc.get(k) != before.get(k))
    return f"{layout.config_file} written ({', '.join(changed)})"


def _store_steps(
    request: Request,
    layout: Layout,
    report: Report,
    live_pairing: LivePairing | None,
) -> None:
    created = not layout.db_file.exists()
    layout.state_dir.mkdir(parents=True, exist_ok=True)
    create_empty(layout.db_file)
    share_with_service(layout, layout.db_file, owner=True)
    report.add("database", f"created {layout.db_file}" if created else None)
    store = Store(layout.db_file, report.gateway_id)
    try:
        _roster_step(request, store, report)
        pens, clickers = request.pens, request.clickers
        if live_pairing is not None:
            found_pens, found_clickers = live_pairing(store.students())
            pens, clickers = (*pens, *found_pens), (*clickers, *found_clickers)
        _bind_step("pen", store, pens, request.unbind, report)
        _bind_step("clicker", store, clickers, request.unbind, report)
        _chart_step(layout, store, report)
    finally:
        store.close()


def _roster_step(request: Request, store: Store, report: Report) -> None:
    if request.roster_csv is None:
        report.add("roster", None, "not asked")
        return
    entries = read_roster(request.roster_csv)
    known = {s.id: s for s in store.students()}
    students = [e.student(getattr(known.get(e.id), "pseudonym", None)) for e in entries]
    changed = [s for s in students if known.get(s.id) != s]
    _check_seats_free(students, known)
    if changed:
        store.save_students(changed)
    left_out = sorted(set(known) - {s.id for s in students})
    if left_out:
        # Their answers and history stay; only a roster downlink removes them.
        report.notes.append(
            f"kept {len(left_out)} student(s) not in the new roster: "
            + ", ".join(left_out)
        )
    report.add(
        "roster",
        f"{len(changed)} of {len(students)} students added or updated"
        if changed
        else None,
    )


def _check_seats_free(students: list[Student], known: dict[str, Student]) -> None:
    new_ids = {s.id for s in students}
    taken = {s.seat: s.id for s in known.values() if s.id not in new_ids}
    for student in students:
        other = taken.get(student.seat)
        if other is not None:
            raise ProvisionError(
                f"seat {student.seat} is held by {other}, who is not in the new "
                "roster; give them another seat first",
                "roster",
            )


def _bind_step(
    kind: str,
    store: Store,
    wanted: Sequence[tuple[int, str]],
    unbind: Sequence[str],
    report: Report,
) -> None:
    current = store.device_bindings(kind)
    unbind_here = [d for d in unbind if d in current]
    changes = plan_bindings(kind, store.students(), current, wanted, unbind_here)
    _apply_bindings(store, changes)
    report.add(
        f"{kind}s",
        "; ".join(c.describe() for c in changes) if changes else None,
        "unchanged" if wanted or unbind_here else "not asked",
    )


def _apply_bindings(store: Store, changes: list[BindingChange]) -> None:
    with store.transaction():
        for change in changes:
            store.bind_device(change.device, change.kind, change.student_id)


def _chart_step(layout: Layout, store: Store, report: Report) -> None:
    seats = seats_from(
        store.students(), store.device_bindings("pen"), store.device_bindings("clicker")
    )
    title = f"Seating chart — {report.gateway_id}"
    changes = []
    for path, text in (
        (layout.chart_svg, chart_svg(seats, title=title)),
        (layout.chart_html, chart_html(seats, title=title)),
    ):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            write_atomic(path, text.encode())
            changes.append(str(path))
    report.add("seating chart", ", ".join(changes) if changes else None)
