"""The knowledge graph as the analytics use it: names and prerequisites."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class KnowledgeGraph:
    """Knowledge points with their names and the points each one requires."""

    prerequisites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    names_zh: Mapping[str, str] = field(default_factory=dict)
    names_en: Mapping[str, str] = field(default_factory=dict)

    def requires(self, kp: str) -> tuple[str, ...]:
        """Direct prerequisites of a knowledge point."""
        return tuple(self.prerequisites.get(kp, ()))

    def ancestors(self, kp: str, depth: int = 2) -> list[tuple[str, int]]:
        """Prerequisites up to ``depth`` steps back, nearest first, with distance."""
        seen = {kp}
        frontier = [kp]
        found: list[tuple[str, int]] = []
        for distance in range(1, depth + 1):
            nxt = []
            for node in frontier:
                for pre in self.requires(node):
                    if pre not in seen:
                        seen.add(pre)
                        nxt.append(pre)
                        found.append((pre, distance))
            frontier = nxt
        return found

    def name(self, kp: str, lang: str = "en") -> str:
        """Display name with the id, for example ``M15.3 Reducing (约分)``."""
        names = self.names_zh if lang == "zh" else self.names_en
        label = names.get(kp) or self.names_zh.get(kp) or self.names_en.get(kp)
        return f"{kp} {label}" if label else kp


EMPTY_GRAPH = KnowledgeGraph()
