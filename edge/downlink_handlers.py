"""What the gateway does with verified downlink messages from the city.

The uplink has already checked each message's Ed25519 signature, target and
expiry; these handlers check the content, apply it atomically and keep what
the gateway had when the content is bad.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from edge.errors import EdgeError
from edge.models import Assignment, Student

log = logging.getLogger(__name__)

# Roster fields the city may set; names stay on the gateway once there.
ROSTER_LIMIT = 200


class DownlinkContentError(EdgeError):
    """A verified downlink message whose content cannot be applied."""


class DownlinkHandlers:
    """Applies assignments, answer keys, rosters, models and live settings."""

    def __init__(self, service: Any, models_root: Path) -> None:
        self.service = service
        self.models_root = models_root
        self.applied: dict[str, int] = {}

    def register(
        self, on_downlink: Callable[[str, Callable[[Any], None]], None]
    ) -> None:
        """Register every handler with the uplink."""
        on_downlink("assignment", self.assignment)
        on_downlink("answer_key", self.assignment)
        on_downlink("roster", self.roster)
        on_downlink("model", self.model)
        on_downlink("config", self.config)

    def _done(self, kind: str) -> None:
        self.applied[kind] = self.applied.get(kind, 0) + 1

    def assignment(self, message: Any) -> None:
        """A new or corrected assignment (an answer key is a corrected assignment)."""
        from edge.service import assignment_from_document

        if not isinstance(message.data, Mapping):
            raise DownlinkContentError("assignment data must be an object")
        assignment: Assignment = assignment_from_document(dict(message.data))
        self.service.store.save_assignment(assignment, dict(message.data))
        self.service.services.assignments[assignment.id] = assignment
        self.service.gateway.set_assignments(self.service.services.assignments.values())
        log.info("assignment %s installed from the city", assignment.id)
        self._done(message.kind)

    def roster(self, message: Any) -> None:
        """Students of the class: id, name, pseudonym and seat."""
        entries = (
            message.data.get("students") if isinstance(message.data, Mapping) else None
        )
        if not isinstance(entries, list) or not 0 < len(entries) <= ROSTER_LIMIT:
            raise DownlinkContentError(f"roster needs 1..{ROSTER_LIMIT} students")
        students = [_student(entry, i) for i, entry in enumerate(entries)]
        self.service.store.save_students(students)
        self.service.gateway.reload_bindings()
        log.info("roster of %s students installed from the city", len(students))
        self._done("roster")

    def model(self, message: Any) -> None:
        """A new model version: staged, self-tested, switched, or rolled back."""
        from edge.updates import install_model, model_update_from_downlink

        update = model_update_from_downlink(message.data)
        result = install_model(
            self.models_root,
            update,
            self._self_test(update.name),
            reload=self._reload(update.name),
        )
        log.info("model %s %s: %s", update.name, update.version, result.outcome)
        self._done("model")

    def _self_test(self, name: str) -> Callable[[Path], None]:
        from edge.updates import onnx_self_test

        if name != "recognizer":
            return onnx_self_test

        def recognizer_test(folder: Path) -> None:
            onnx_self_test(folder)
            recognizer_self_test(folder)

        return recognizer_test

    def _reload(self, name: str) -> Callable[[Path], None] | None:
        if name != "recognizer":
            return None

        def reload(folder: Path) -> None:
            from edge.inference.recognition import Recognizer

            self.service.gateway.reader = Recognizer.load(folder)

        return reload

    def config(self, message: Any) -> None:
        """Live settings: the end-of-answer wait and the review threshold."""
        data = message.data if isinstance(message.data, Mapping) else None
        answers = data.get("answers") if data else None
        if not isinstance(answers, Mapping) or not answers:
            raise DownlinkContentError("config supports only an 'answers' table")
        unknown = set(answers) - {"idle_ms", "review_threshold"}
        if unknown:
            raise DownlinkContentError(
                f"unknown answers setting {sorted(unknown)[0]!r}"
            )
        idle = answers.get("idle_ms")
        threshold = answers.get("review_threshold")
        if idle is not None and not (isinstance(idle, int) and 200 <= idle <= 60_000):
            raise DownlinkContentError("answers.idle_ms must be 200..60000")
        if threshold is not None and not (
            isinstance(threshold, int | float) and 0 <= threshold <= 1
        ):
            raise DownlinkContentError("answers.review_threshold must be 0..1")
        self.service.gateway.apply_settings(idle_ms=idle, review_threshold=threshold)
        self._done("config")


def _student(entry: Any, index: int) -> Student:
    if not isinstance(entry, Mapping):
        raise DownlinkContentError(f"roster entry {index + 1} is not an object")
    try:
        seat = entry.get("seat")
        student = Student(
            str(entry["id"]),
            str(entry["name"]),
            str(entry["pseudonym"]),
            None if seat is None else int(seat),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DownlinkContentError(f"roster entry {index + 1}: {exc}") from exc
    if not student.id or not student.pseudonym:
        raise DownlinkContentError(f"roster entry {index + 1}: empty id or pseudonym")
    return student


def recognizer_self_test(folder: Path) -> None:
    """A candidate recognizer must read a synthetic answer correctly."""
    import random

    from edge.inference.recognition import Recognizer
    from edge.models import Dot, PageAddress, Rect, Stroke
    from edge.sim.handwriting import write_answer

    box = Rect(0, 0, 14, 5)
    recognizer = Recognizer.load(folder)
    for text in ("12", "-3/4", "0.5"):
        points = write_answer(text, box, random.Random(7), 7)
        strokes = [
            Stroke(
                "self-test",
                PageAddress(0, 0, 0, 0),
                tuple(Dot(x, y, 500, dt) for x, y, dt in s),
            )
            for s in points
        ]
        reading = recognizer.read(strokes, box=box, kind_hint="numeric")
        if reading.text != text:
            raise DownlinkContentError(
                f"self-test: read {reading.text!r} for {text!r}; keeping the old model"
            )
