"""The knowledge graph: shipped data and the loader's refusals."""

from __future__ import annotations

from typing import Any

import pytest

from edge.homework import KnowledgeGraphError, knowledge_graph, load_library
from edge.homework.knowledge import parse_graph


def node(pid: str, *needs: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "subject": "math",
        "name_zh": "名",
        "name_en": "name",
        "prerequisites": list(needs),
        **extra,
    }


def test_shipped_graph_covers_both_subjects() -> None:
    graph = knowledge_graph()
    grade8_math = [p for p in graph.subject("math") if p.grade == 8]
    assert len(grade8_math) >= 80
    assert len(graph.subject("physics")) >= 80
    assert sum(1 for _ in graph.edges(soft=False)) >= 150
    for point in graph.nodes.values():
        assert (
            point.name_zh and point.name_en and point.domain and point.textbook_edition
        )


def test_seed_edges_are_present() -> None:
    graph = knowledge_graph()
    assert set(graph.nodes["M12.5"].prerequisites) == {"M12.2", "M12.3", "M12.4"}
    assert "P6.4" in graph.nodes["P10.4"].prerequisites
    assert "M19.3" in graph.nodes["P1.8"].soft_prerequisites
    assert ("inverse_of", "M14.5") in graph.nodes["M14.10"].related
    assert "G7-7" in graph.ancestors("M17.3")


def test_topological_order_puts_prerequisites_first() -> None:
    graph = knowledge_graph()
    order = {pid: i for i, pid in enumerate(graph.topological_order())}
    assert len(order) == len(graph)
    for point, need in graph.edges():
        assert order[need] < order[point]


def test_every_library_question_names_known_points() -> None:
    graph = knowledge_graph()
    for assignment in load_library().values():
        for question in assignment.questions:
            assert question.knowledge_points
            assert all(p in graph.nodes for p in question.knowledge_points)


def test_dependents_and_ancestors() -> None:
    graph = knowledge_graph()
    assert "M14.5" in graph.dependents("M14.4")
    assert "M14.1" in graph.ancestors("M14.5")


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([node("A", "B"), node("B", "A")], "cycle"),
        ([node("A", "B"), node("B", "C"), node("C", "A")], "cycle"),
        ([node("A"), node("B", soft_prerequisites=["C"]), node("C", "B")], "cycle"),
        ([node("A", "Z")], "unknown node Z"),
        ([node("A", soft_prerequisites=["Q"])], "unknown node Q"),
        ([node("A", related=[{"type": "applies", "target": "Y"}])], "unknown node Y"),
        ([node("A", "A")], "itself"),
        ([node("A"), node("A")], "duplicate"),
        ([node("A", colour="red")], "unknown field"),
        ([node("A", related=[{"type": "likes", "target": "A"}])], "unknown relation"),
        ([{"id": "A", "subject": "math", "name_zh": "名"}], "name_en"),
        (["A"], "mapping"),
    ],
)
def test_loader_rejects_bad_graphs(nodes: list[Any], message: str) -> None:
    with pytest.raises(KnowledgeGraphError, match=message):
        parse_graph({"nodes": nodes}, "test")


def test_loader_rejects_a_document_without_nodes() -> None:
    with pytest.raises(KnowledgeGraphError, match="list of nodes"):
        parse_graph({"points": []})
