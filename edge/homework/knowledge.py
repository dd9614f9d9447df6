"""The knowledge graph: knowledge points of grade-8 math and physics.

Nodes carry Chinese and English names, the subject and their prerequisites.
Loading rejects unknown fields, duplicate ids, edges to missing nodes and any
cycle through prerequisite edges (hard or soft), naming the offending nodes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from edge.homework.errors import KnowledgeGraphError

RELATION_TYPES = frozenset({"same_concept_as", "inverse_of", "generalizes", "applies"})
_FIELDS = frozenset(
    {
        "id",
        "subject",
        "grade",
        "chapter",
        "domain",
        "textbook_edition",
        "name_zh",
        "name_en",
        "prerequisites",
        "soft_prerequisites",
        "related",
    }
)
_REQUIRED = ("id", "subject", "name_zh", "name_en")


@dataclass(frozen=True, slots=True)
class KnowledgePoint:
    """One knowledge point (知识点) and its incoming prerequisite edges."""

    id: str
    name_zh: str
    name_en: str
    subject: str
    prerequisites: tuple[str, ...] = ()
    soft_prerequisites: tuple[str, ...] = ()
    related: tuple[tuple[str, str], ...] = ()
    grade: int = 8
    chapter: str = ""
    domain: str = ""
    textbook_edition: str = ""


@dataclass(frozen=True, slots=True)
class KnowledgeGraph:
    """Knowledge points by id; prerequisite edges point from a node to what it needs."""

    nodes: Mapping[str, KnowledgePoint]

    def __len__(self) -> int:
        return len(self.nodes)

    def subject(self, subject: str) -> list[KnowledgePoint]:
        """The knowledge points of one subject, in file order."""
        return [p for p in self.nodes.values() if p.subject == subject]

    def edges(self, soft: bool = True) -> Iterator[tuple[str, str]]:
        """(node, prerequisite) pairs; with ``soft`` the soft ones too."""
        for point in self.nodes.values():
            for need in point.prerequisites:
                yield point.id, need
            if soft:
                for need in point.soft_prerequisites:
                    yield point.id, need

    def ancestors(self, point_id: str) -> set[str]:
        """Every hard prerequisite of a node, directly or through others."""
        seen: set[str] = set()
        stack = list(self.nodes[point_id].prerequisites)
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.nodes[current].prerequisites)
        return seen

    def dependents(self, point_id: str) -> list[str]:
        """Nodes that list ``point_id`` as a hard prerequisite."""
        return [p.id for p in self.nodes.values() if point_id in p.prerequisites]

    def topological_order(self) -> list[str]:
        """Node ids with every prerequisite before the nodes that need it."""
        return _topological(self.nodes)


def parse_graph(document: Any, source: str = "knowledge graph") -> KnowledgeGraph:
    """A checked KnowledgeGraph from its parsed YAML document."""
    if not isinstance(document, dict) or not isinstance(document.get("nodes"), list):
        raise KnowledgeGraphError(f"{source}: expected a mapping with a list of nodes")
    nodes: dict[str, KnowledgePoint] = {}
    for index, raw in enumerate(document["nodes"]):
        point = _node(raw, f"{source}: node #{index + 1}")
        if point.id in nodes:
            raise KnowledgeGraphError(f"{source}: duplicate knowledge point {point.id}")
        nodes[point.id] = point
    _check_edges(nodes, source)
    _topological(nodes, source)
    return KnowledgeGraph(nodes)


def _node(raw: Any, where: str) -> KnowledgePoint:
    if not isinstance(raw, dict):
        raise KnowledgeGraphError(f"{where}: expected a mapping")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise KnowledgeGraphError(f"{where}: unknown field {sorted(unknown)[0]}")
    for name in _REQUIRED:
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise KnowledgeGraphError(
                f"{where}: field {name} must be a non-empty string"
            )
    related = tuple(
        (str(r.get("type")), str(r.get("target"))) for r in raw.get("related", [])
    )
    for kind, _ in related:
        if kind not in RELATION_TYPES:
            raise KnowledgeGraphError(f"{where} ({raw['id']}): unknown relation {kind}")
    return KnowledgePoint(
        id=raw["id"],
        name_zh=raw["name_zh"],
        name_en=raw["name_en"],
        subject=raw["subject"],
        prerequisites=tuple(str(p) for p in raw.get("prerequisites") or ()),
        soft_prerequisites=tuple(str(p) for p in raw.get("soft_prerequisites") or ()),
        related=related,
        grade=int(raw.get("grade", 8)),
        chapter=str(raw.get("chapter", "")),
        domain=str(raw.get("domain", "")),
        textbook_edition=str(raw.get("textbook_edition", "")),
    )


def _check_edges(nodes: Mapping[str, KnowledgePoint], source: str) -> None:
    for point in nodes.values():
        targets = [*point.prerequisites, *point.soft_prerequisites]
        targets += [target for _, target in point.related]
        for target in targets:
            if target not in nodes:
                raise KnowledgeGraphError(
                    f"{source}: {point.id} has an edge to unknown node {target}"
                )
            if target == point.id:
                raise KnowledgeGraphError(f"{source}: {point.id} has an edge to itself")


def _topological(
    nodes: Mapping[str, KnowledgePoint], source: str = "graph"
) -> list[str]:
    """Kahn's algorithm over hard and soft edges; names a cycle if there is one."""
    needs = {p.id: {*p.prerequisites, *p.soft_prerequisites} for p in nodes.values()}
    order: list[str] = []
    ready = [pid for pid, need in needs.items() if not need]
    remaining = {pid: set(need) for pid, need in needs.items()}
    while ready:
        current = ready.pop(0)
        order.append(current)
        for pid, need in remaining.items():
            if current in need:
                need.discard(current)
                if not need:
                    ready.append(pid)
    if len(order) < len(nodes):
        stuck = sorted(pid for pid in remaining if pid not in set(order))
        raise KnowledgeGraphError(
            f"{source}: prerequisite cycle among {', '.join(stuck[:8])}"
        )
    return order


@cache
def knowledge_graph() -> KnowledgeGraph:
    """The shipped grade-8 knowledge graph (loaded once)."""
    data = resources.files("edge.homework").joinpath("knowledge/grade8.yaml")
    return parse_graph(yaml.safe_load(data.read_text(encoding="utf-8")), "grade8.yaml")
