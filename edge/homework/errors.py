"""Errors of question and assignment files."""

from __future__ import annotations

from pathlib import Path

from edge.errors import HomeworkError


class HomeworkFileError(HomeworkError):
    """A question or assignment file is invalid; names file, question and field."""

    def __init__(
        self, path: Path | str, message: str, question: str = "", field: str = ""
    ) -> None:
        self.path = str(path)
        self.question = question
        self.field = field
        where = [self.path]
        if question:
            where.append(f"question {question}")
        if field:
            where.append(f"field {field}")
        super().__init__(": ".join(where) + ": " + message)


class KnowledgeGraphError(HomeworkError):
    """The knowledge graph data has a cycle, a dangling edge or a bad node."""
