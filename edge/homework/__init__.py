"""Question and assignment files, the standard library and the knowledge graph.

Public entry points::

    load_assignment(path) -> (Assignment, source document)
    load_question_file(path) -> list[Question] | Assignment
    library_paths() -> list[Path];  load_library() -> {id: Assignment}
    knowledge_graph() -> KnowledgeGraph
"""

from __future__ import annotations

from edge.homework.errors import HomeworkFileError, KnowledgeGraphError
from edge.homework.knowledge import KnowledgeGraph, KnowledgePoint, knowledge_graph
from edge.homework.library import library_paths, load_library
from edge.homework.loader import load_assignment, load_question_file, schema

__all__ = [
    "HomeworkFileError",
    "KnowledgeGraph",
    "KnowledgeGraphError",
    "KnowledgePoint",
    "knowledge_graph",
    "library_paths",
    "load_assignment",
    "load_library",
    "load_question_file",
    "schema",
]
