"""Loading question and assignment files: YAML, checked against the JSON Schema.

Every error names the file, the question (by id and position) and the field,
so a teacher can fix a key without reading a traceback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Hashable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from edge.homework.build import build_assignment, build_questions
from edge.homework.checks import check_assignment, check_questions
from edge.homework.errors import HomeworkFileError
from edge.models import Assignment, Question

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000
"""Largest question file read; a 40-question assignment is about 20 kB."""


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader without aliases: an alias bomb would make validation exponential."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        """A node, refusing aliases."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None,
                None,
                "anchors and aliases (*name) are not allowed",
                event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """A mapping, refusing a key written twice (YAML would keep the last)."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is written twice", key_node.start_mark
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep)


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of question and assignment files."""
    text = resources.files("edge.homework").joinpath("schema/homework.schema.json")
    loaded: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return loaded


def _validator(kind: str) -> Draft202012Validator:
    root = schema()
    return Draft202012Validator({"$ref": f"#/$defs/{kind}", "$defs": root["$defs"]})


def read_document(path: Path | str) -> dict[str, Any]:
    """The YAML document of a question file, validated against the schema."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise HomeworkFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise HomeworkFileError(path, f"file is larger than {MAX_FILE_BYTES} bytes")
    try:
        document = yaml.load(raw.decode("utf-8"), Loader=_PlainLoader)  # noqa: S506
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise HomeworkFileError(
            path, f"not valid UTF-8 YAML: {_one_line(exc)}"
        ) from exc
    if not isinstance(document, dict):
        raise HomeworkFileError(
            path, "expected a mapping with questions or one question"
        )
    validate_document(path, document)
    return document


def _one_line(exc: Exception) -> str:
    """A YAML error as one line with its position."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        return f"{exc.problem} (line {mark.line + 1}, column {mark.column + 1})"
    return " ".join(str(exc).split())


def document_kind(document: dict[str, Any]) -> str:
    """``assignment``, ``questionList`` or ``question``, from the document's keys."""
    if "questions" in document:
        return "questionList" if set(document) == {"questions"} else "assignment"
    return "question"


def validate_document(path: Path | str, document: dict[str, Any]) -> None:
    """Raise HomeworkFileError naming the first schema violation, if any."""
    errors = sorted(
        _validator(document_kind(document)).iter_errors(document),
        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))),
    )
    if errors:
        raise _schema_error(path, document, _most_specific(errors[0]))


def _most_specific(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf failures, the sub-error that went deepest."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def _schema_error(
    path: Path | str, document: dict[str, Any], error: ValidationError
) -> HomeworkFileError:
    location = list(error.absolute_path)
    question = ""
    if document_kind(document) == "question":
        question = str(document.get("id", ""))
    elif (
        len(location) >= 2
        and location[0] == "questions"
        and isinstance(location[1], int)
    ):
        index = location[1]
        entry = document["questions"][index]
        label = entry.get("id") if isinstance(entry, dict) else None
        question = f"{label} (#{index + 1})" if label else f"#{index + 1}"
        location = location[2:]
    field = ".".join(str(p) for p in location)
    message = error.message
    if location and location[0] in ("answer", "accept") and error.validator == "type":
        message += '; write the answer in quotes ("0.50") so that its digits are kept'
    return HomeworkFileError(path, message, question, field)


def load_assignment(path: Path | str) -> tuple[Assignment, dict[str, Any]]:
    """The assignment in a file and its validated source document."""
    document = read_document(path)
    if document_kind(document) != "assignment":
        raise HomeworkFileError(
            path, "not an assignment (needs id, subject, pages, ...)"
        )
    assignment = build_assignment(path, document)
    check_assignment(path, assignment, document)
    return assignment, document


def load_question_file(path: Path | str) -> list[Question] | Assignment:
    """The questions of a file: an Assignment, or a list for lone questions."""
    document = read_document(path)
    if document_kind(document) == "assignment":
        assignment = build_assignment(path, document)
        check_assignment(path, assignment, document)
        return assignment
    entries = document.get("questions", [document])
    questions = build_questions(path, entries, pages=())
    check_questions(path, questions)
    return questions
