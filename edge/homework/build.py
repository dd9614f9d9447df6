"""Building domain objects from a schema-valid homework document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edge.homework.errors import HomeworkFileError
from edge.models import (
    Assignment,
    PageAddress,
    Question,
    QuestionType,
    Rect,
    Region,
    Tolerance,
)


def page_address(value: str | dict[str, int]) -> PageAddress:
    """A page address from its dotted form or a mapping."""
    if isinstance(value, str):
        return PageAddress.parse(value)
    return PageAddress(value["section"], value["owner"], value["book"], value["page"])


def build_assignment(path: Path | str, document: dict[str, Any]) -> Assignment:
    """The Assignment described by a validated document."""
    pages = tuple(page_address(p) for p in document["pages"])
    return Assignment(
        id=document["id"],
        subject=document["subject"],
        grade=document["grade"],
        title=document["title"],
        estimated_minutes=float(document["estimated_minutes"]),
        pages=pages,
        questions=tuple(build_questions(path, document["questions"], pages)),
    )


def build_questions(
    path: Path | str, entries: list[dict[str, Any]], pages: tuple[PageAddress, ...]
) -> list[Question]:
    """Questions from validated entries; region page indexes refer to ``pages``."""
    return [_question(path, entry, index, pages) for index, entry in enumerate(entries)]


def _question(
    path: Path | str, entry: dict[str, Any], index: int, pages: tuple[PageAddress, ...]
) -> Question:
    tolerance = entry.get("tolerance")
    return Question(
        id=entry["id"],
        type=QuestionType(entry["type"]),
        answer=str(entry["answer"]),
        accept=tuple(str(a) for a in entry.get("accept", ())),
        tolerance=Tolerance(tolerance["kind"], float(tolerance["value"]))
        if tolerance
        else None,
        form=entry.get("form"),
        unit=entry.get("unit"),
        unit_mode=entry.get("unit_mode", "convertible"),
        options=tuple(entry.get("options", ())),
        multiple=bool(entry.get("multiple", False)),
        partial_credit=bool(entry.get("partial_credit", False)),
        points=float(entry.get("points", 1.0)),
        knowledge_points=tuple(entry.get("knowledge_points", ())),
        region=_region(path, entry, index, pages),
        prompt=entry.get("prompt", ""),
        difficulty=entry.get("difficulty"),
        layer=entry.get("layer"),
    )


def _region(
    path: Path | str, entry: dict[str, Any], index: int, pages: tuple[PageAddress, ...]
) -> Region | None:
    raw = entry.get("region")
    if raw is None:
        return None
    rect = Rect(
        float(raw["x"]), float(raw["y"]), float(raw["width"]), float(raw["height"])
    )
    page = raw["page"]
    if isinstance(page, int):
        if page > len(pages):
            raise HomeworkFileError(
                path,
                f"page {page} is not one of the {len(pages)} pages of the assignment",
                f"{entry['id']} (#{index + 1})",
                "region.page",
            )
        return Region(pages[page - 1], rect)
    return Region(page_address(page), rect)
