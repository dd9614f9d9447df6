"""Putting the gateway together: store, assignments, reader, grader, page.

``run`` and ``demo`` both build a ``GatewayService``; they differ only in
where configuration and devices come from.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from edge import heap
from edge.config import Config
from edge.errors import ConfigError, EdgeError
from edge.events import EventBus
from edge.gateway import Gateway, InkReader
from edge.models import Answer, Assignment, Question
from edge.store import Store
from edge.web import create_app
from edge.web.server import WebServer
from edge.web.services import WebServices

log = logging.getLogger(__name__)

STREAM_GRACE_S = 0.2
# The same default as the uplink's; checked twice a minute, as the uplink does.
DEFAULT_DISK_CAP_MB = 512
DISK_UPKEEP_S = 30.0


@dataclass
class Credentials:
    """The teacher's password hash, the API token hash and the session key."""

    password_hash: str
    token_hash: str
    secret_key: str


def load_library_into(store: Store) -> None:
    """Make the standard homework library known to a store that lacks it.

    Validating a sheet grades every key against itself, which takes a few
    hundred milliseconds, so files whose content the store has already taken
    are not read again.
    """
    from edge.homework import library_paths, load_assignment

    known = {body.get("id") for body in store.assignment_bodies()}
    for path in library_paths():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if store.meta(f"library:{path.name}") == digest:
            continue
        assignment, document = load_assignment(path)
        if assignment.id not in known:
            store.save_assignment(assignment, document)
        store.set_meta(f"library:{path.name}", digest)


def assignment_from_document(document: dict[str, Any]) -> Assignment:
    """Validate and build an assignment from its source document."""
    from edge.homework.build import build_assignment
    from edge.homework.checks import check_assignment
    from edge.homework.loader import validate_document

    origin = f"stored assignment {document.get('id', '?')}"
    validate_document(origin, document)
    assignment = build_assignment(origin, document)
    check_assignment(origin, assignment, document)
    return assignment


def stored_assignments(store: Store) -> dict[str, Assignment]:
    """Every assignment in the store, by id; unreadable ones are logged.

    Documents were validated in full before they were stored, so they are
    only built here.
    """
    from edge.homework.build import build_assignment

    result: dict[str, Assignment] = {}
    for document in store.assignment_bodies():
        origin = f"stored assignment {document.get('id', '?')}"
        try:
            assignment = build_assignment(origin, document)
        except (EdgeError, KeyError, TypeError, ValueError) as exc:
            log.warning("skipping an unreadable stored assignment: %s", exc)
            continue
        result[assignment.id] = assignment
    return result


def default_reader(config: Config) -> InkReader:
    """The recognizer the city last installed, else the one shipped."""
    from edge.inference.recognition import Recognizer
    from edge.updates import current_dir, models_root_for, recover_all

    root = models_root_for(config)
    for name in recover_all(root):
        log.warning("rolled back an interrupted update of model %s", name)
    installed = current_dir(root, "recognizer")
    return Recognizer.load(installed) if installed else Recognizer.load()


def default_grader() -> Callable[..., Any]:
    from edge.inference.grading import grade

    return grade


@dataclass
class GatewayService:
    """A running gateway: ingest worker, teacher page and (optionally) uplink."""

    config: Config
    credentials: Credentials
    store: Store = field(init=False)
    gateway: Gateway = field(init=False)
    web: WebServer = field(init=False)
    services: WebServices = field(init=False)
    uplink: Any = None
    tracker: Any = None
    publisher: Any = None

    def start(self, reader: InkReader | None = None) -> None:
        """Open the store, load assignments, start the worker, page and uplink."""
        heap.limit_arenas()  # before the service's threads start
        self.config.db.parent.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.config.db, self.config.gateway_id)
        load_library_into(self.store)
        assignments = stored_assignments(self.store)
        bus = EventBus()

        self.gateway = Gateway(
            self.store,
            list(assignments.values()),
            reader or default_reader(self.config),
            default_grader(),
            idle_ms=self.config.answers.idle_ms,
            review_threshold=self.config.answers.review_threshold,
            bus=bus,
        )
        self.services = WebServices(
            store=self.store,
            bus=bus,
            assignments=assignments,
            teacher_password_hash=self.credentials.password_hash,
            api_token_hash=self.credentials.token_hash,
            secret_key=self.credentials.secret_key,
            gateway_id=self.config.gateway_id,
        )
        self.services.status_sources["ingest"] = self._ingest_status
        self._start_analytics()
        self.web = WebServer(
            create_app(self.services), self.config.web.host, self.config.web.port
        )
        self.gateway.start()
        self.web.start()
        self._start_uplink()
        self._every(heap.TRIM_INTERVAL_S, "heap-trim", heap.trim)

    def _every(self, interval_s: float, name: str, chore: Callable[[], Any]) -> None:
        """Run ``chore`` every ``interval_s`` on its own thread until stopping."""
        stop = self.services.stopping

        def loop() -> None:
            while not stop.wait(interval_s):
                try:
                    chore()
                except Exception:
                    log.exception("%s failed", name)

        threading.Thread(target=loop, name=name, daemon=True).start()

    def _start_analytics(self) -> None:
        """Mastery on every answer, the review desk and the analytics report."""
        from edge.analytics.config import AnalyticsConfig
        from edge.analytics.mastery import MasteryTracker
        from edge.analytics.report import build_report, time_section
        from edge.publisher import DEFAULT_INTERVAL_S, LearningDataPublisher
        from edge.review import ReviewDesk

        self.tracker = MasteryTracker(self.store)
        self.gateway.listeners.append(self.tracker.on_answer)
        desk = ReviewDesk(
            self.store,
            self.services.assignments,
            self.gateway.grader,
            self.gateway.bus,
            [self._after_review],
        )
        self.services.review = desk

        def report(assignment_id: str) -> dict[str, Any]:
            return dict(
                build_report(
                    self.store, assignment_id, self.store.clock(), tracker=self.tracker
                )
            )

        self.services.report = report

        def homework_time(assignment_id: str) -> dict[str, Any]:
            sheet = self.services.assignments[assignment_id]
            return dict(time_section(self.store, sheet, AnalyticsConfig()))

        self.services.homework_time = homework_time
        interval = self.config.section("publish").get("interval_s", DEFAULT_INTERVAL_S)
        if not isinstance(interval, int | float) or not 10 <= interval <= 86_400:
            raise ConfigError("publish.interval_s must be 10..86400 seconds")
        self.publisher = LearningDataPublisher(self.store, float(interval))
        self.publisher.start()

    def _after_review(self, answer: Answer, question: Question) -> None:
        # A teacher's re-grade replaces evidence already counted, which an
        # online update cannot undo: recompute that student's mastery.
        self.tracker.replay([answer.student_id])

    def _start_uplink(self) -> None:
        section = self.config.section("uplink")
        if not section.get("broker"):
            log.info("no broker configured: results wait in the outbox")
            self._start_disk_upkeep(section)
            return
        from edge.downlink_handlers import DownlinkHandlers
        from edge.updates import models_root_for
        from edge.uplink import Uplink, UplinkConfig

        self.uplink = Uplink(self.store, UplinkConfig.from_mapping(section))
        handlers = DownlinkHandlers(self, models_root_for(self.config))
        handlers.register(self.uplink.on_downlink)
        self.uplink.start()
        self.services.status_sources["uplink"] = self.uplink.stats

    def _start_disk_upkeep(self, section: Mapping[str, Any]) -> None:
        """Without an uplink, keep the disk cap here (the uplink does it otherwise)."""
        cap_mb = section.get("disk_cap_mb", DEFAULT_DISK_CAP_MB)
        if not isinstance(cap_mb, int | float) or cap_mb < 0:
            raise ConfigError("uplink.disk_cap_mb must be a number of megabytes >= 0")
        self.store.set_disk_cap(int(cap_mb * 1024 * 1024))
        self._every(DISK_UPKEEP_S, "disk-upkeep", self.store.make_room)

    def _ingest_status(self) -> dict[str, Any]:
        stats = self.gateway.stats
        return {
            "strokes": stats.strokes,
            "answers": stats.answers,
            "graded": stats.graded,
            "review": stats.review,
            "errors": stats.errors,
            "unknown_pens": sorted(stats.unknown_pens),
        }

    def stop(self) -> None:
        """Stop in the order that loses nothing: input, grading, page, uplink."""
        self.gateway.stop()
        if self.publisher is not None:
            self.publisher.stop()
        self.services.stopping.set()
        self.gateway.bus.publish("stopping", {})
        # Give open event streams a moment to end before their sockets close.
        time.sleep(STREAM_GRACE_S)
        self.web.stop()
        if self.uplink is not None:
            self.uplink.stop(timeout=5)
        self.store.close()
