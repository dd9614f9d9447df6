"""The standard homework library shipped with the gateway."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from edge.homework.loader import load_assignment
from edge.models import Assignment


def library_dir() -> Path:
    """The folder holding the library's assignment files."""
    return Path(str(resources.files("edge.homework").joinpath("library")))


def library_paths() -> list[Path]:
    """Paths of every assignment file in the library, sorted by name."""
    return sorted(library_dir().glob("*.yaml"))


def load_library() -> dict[str, Assignment]:
    """Every library assignment, validated, by assignment id."""
    assignments: dict[str, Assignment] = {}
    for path in library_paths():
        assignment, _ = load_assignment(path)
        assignments[assignment.id] = assignment
    return assignments
