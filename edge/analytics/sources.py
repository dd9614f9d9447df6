"""Where the analytics get the knowledge graph and the question library.

Both come from ``edge.homework`` (the shipped grade-8 graph and standard
library); the questions of assignments stored on this gateway join the
library. If the homework package cannot load its files, the analytics carry
on without prerequisites, or with the stored assignments only, and say so.
"""

from __future__ import annotations

import logging
from functools import cache

from edge.analytics.graph import EMPTY_GRAPH, KnowledgeGraph
from edge.analytics.sheets import (
    LibraryItem,
    library_from_assignments,
    readable_sheets,
)
from edge.errors import EdgeError
from edge.models import Assignment
from edge.store.store import Store

log = logging.getLogger(__name__)


def load_graph() -> KnowledgeGraph:
    """The shipped knowledge graph with hard prerequisite edges, or an empty one."""
    try:
        from edge.homework import knowledge_graph

        shipped = knowledge_graph()
    except (ImportError, EdgeError, OSError) as exc:
        log.warning("knowledge graph unavailable (%s); prerequisites not analysed", exc)
        return EMPTY_GRAPH
    nodes = shipped.nodes.values()
    return KnowledgeGraph(
        prerequisites={p.id: tuple(p.prerequisites) for p in nodes},
        names_zh={p.id: p.name_zh for p in nodes},
        names_en={p.id: p.name_en for p in nodes},
    )


# The shipped library does not change while the gateway runs, and parsing its
# YAML takes about a second on a 2-core machine: read it once.
@cache
def _standard_library() -> tuple[Assignment, ...]:
    try:
        from edge.homework import load_library as load_standard

        return tuple(load_standard().values())
    except (ImportError, EdgeError, OSError) as exc:
        log.warning("standard library unavailable (%s); using stored sheets only", exc)
        return ()


def load_library(store: Store) -> list[LibraryItem]:
    """Practice items: the standard library and every sheet stored here."""
    stored = readable_sheets(store.assignment_bodies())
    sheets = {a.id: a for a in _standard_library()}
    sheets.update({a.id: a for a in stored})
    return library_from_assignments(sheets[k] for k in sorted(sheets))
