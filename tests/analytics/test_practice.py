"""Personal practice: targets, prerequisites, layers and the time budget."""

from __future__ import annotations

from edge.analytics.config import AnalyticsConfig
from edge.analytics.diagnosis import ClassMastery
from edge.analytics.graph import KnowledgeGraph
from edge.analytics.practice import item_layer, plan_practice, start_layer
from edge.analytics.records import MasteryEstimate
from edge.analytics.sheets import LibraryItem
from edge.models import Question, QuestionType

GRAPH = KnowledgeGraph(prerequisites={"HIGH": ("BASE",), "MID": ()})


def _item(key: str, kp: str, layer: str, minutes: float = 3.0) -> LibraryItem:
    q = Question(key, QuestionType.NUMERIC, "1", knowledge_points=(kp,), layer=layer)
    return LibraryItem(f"L/{key}", "L", q, minutes)


LIBRARY = [
    *(_item(f"base{i}", "BASE", layer) for i, layer in enumerate(["A", "B", "C", "A"])),
    *(_item(f"high{i}", "HIGH", layer) for i, layer in enumerate(["A", "B", "C"])),
    *(
        _item(f"mid{i}", "MID", layer)
        for i, layer in enumerate(["基础", "提高", "拓展"])
    ),
]


def _mastery(
    levels: dict[str, float], config: AnalyticsConfig | None = None
) -> ClassMastery:
    estimates = [MasteryEstimate("s", kp, p, 3.0, 3, 0) for kp, p in levels.items()]
    return ClassMastery.of(estimates, ["s"], config or AnalyticsConfig())


def _plan(levels: dict[str, float], seen: set[str] | None = None, **cfg: float):
    config = AnalyticsConfig(**cfg)  # type: ignore[arg-type]
    section = plan_practice(
        _mastery(levels, config),
        LIBRARY,
        GRAPH,
        names={"s": "Student"},
        seen={"s": seen or set()},
        facility={},
    )
    return section["students"][0] if section["students"] else None


def test_weak_prerequisite_becomes_the_target() -> None:
    plan = _plan({"BASE": 0.3, "HIGH": 0.1})
    assert plan is not None
    assert [t["knowledge_point"] for t in plan["targets"]] == ["BASE"]
    assert {i["knowledge_point"] for i in plan["items"]} == {"BASE"}


def test_weakest_ready_points_first_within_budget() -> None:
    plan = _plan({"BASE": 0.9, "HIGH": 0.2, "MID": 0.5}, practice_minutes=10)
    assert plan is not None
    assert [t["knowledge_point"] for t in plan["targets"]] == ["HIGH", "MID", "BASE"]
    assert plan["minutes"] <= 10 and len(plan["items"]) == 3
    # Far from mastery starts at basic; never two layers above the start.
    high = [i for i in plan["items"] if i["knowledge_point"] == "HIGH"]
    assert high[0]["layer"] == "basic"
    layers = [i["layer"] for i in plan["items"]]
    assert layers == sorted(layers, key=["basic", "improving", "extending"].index)


def test_seen_questions_are_not_set_again() -> None:
    plan = _plan({"MID": 0.5}, seen={"L/mid1"})
    assert plan is not None
    assert "L/mid1" not in {i["key"] for i in plan["items"]}
    # Starts at improving (taken), goes one layer up, then back to basic.
    assert [i["key"] for i in plan["items"]] == ["L/mid0", "L/mid2"]


def test_mastered_student_gets_nothing() -> None:
    assert _plan({"BASE": 0.99, "HIGH": 0.97, "MID": 0.96}) is None


def test_item_count_cap() -> None:
    plan = _plan({"BASE": 0.1, "MID": 0.1}, practice_minutes=100, practice_max_items=2)
    assert plan is not None and len(plan["items"]) == 2


def test_layers_from_tags_difficulty_and_facility() -> None:
    plain = Question("q", QuestionType.NUMERIC, "1")
    hard = Question("h", QuestionType.NUMERIC, "1", difficulty=0.2)
    assert item_layer(_item("x", "K", "C"), {}) == "extending"
    assert item_layer(LibraryItem("L/h", "L", hard, 2), {}) == "extending"
    assert item_layer(LibraryItem("L/q", "L", plain, 2), {"L/q": 0.9}) == "basic"
    assert item_layer(LibraryItem("L/q", "L", plain, 2), {}) == "improving"
    assert [start_layer(p) for p in (0.1, 0.5, 0.8)] == [0, 1, 2]
