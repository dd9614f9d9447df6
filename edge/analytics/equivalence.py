"""Grouping wrong answers that say the same thing.

When the grader is installed, two answers are the same if the grader accepts
one as the answer key of the other (``1/2`` and ``0.5``, ``x=2`` and
``2=x``); otherwise, and for pairs the grader cannot parse, answers are the
same if their normalised text is equal. The method used is reported.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from edge.errors import EdgeError
from edge.models import Question

log = logging.getLogger(__name__)

Same = Callable[[str, str], bool]

# Written ways of one symbol that NFKC leaves apart.
_FOLD = str.maketrans({"×": "*", "·": "*", "÷": "/", "−": "-", "－": "-", "。": "."})


def normalise_text(text: str) -> str:
    """Answer text with width, case of choice letters, spaces and symbols unified."""
    folded = unicodedata.normalize("NFKC", text.translate(_FOLD))
    return "".join(folded.split())


def _text_same(a: str, b: str) -> bool:
    return normalise_text(a) == normalise_text(b)


def grader_equivalence(question: Question) -> tuple[Same, str]:
    """The sameness test for a question's answers and the name of the method."""
    try:
        from edge.inference.grading import grade
    except ImportError:
        return _text_same, "normalised_text"

    def same(a: str, b: str) -> bool:
        key = replace(question, answer=a, accept=(), form=None)
        try:
            return bool(grade(key, b).correct)
        except EdgeError:
            return _text_same(a, b)

    return same, "grader_equivalence"


@dataclass(frozen=True, slots=True)
class AnswerGroup:
    """Answers judged the same, with the most frequent spelling first."""

    answer: str
    count: int
    variants: tuple[str, ...]


def group_answers(texts: Sequence[str], same: Same) -> list[AnswerGroup]:
    """Group answer texts by ``same``, largest group first."""
    counts: dict[str, int] = {}
    for text in texts:
        key = normalise_text(text)
        counts[key] = counts.get(key, 0) + 1
    # Representatives are compared in frequency order, so a group is named
    # after its most common spelling.
    groups: list[list[str]] = []
    for text in sorted(counts, key=lambda t: (-counts[t], t)):
        for group in groups:
            if same(group[0], text):
                group.append(text)
                break
        else:
            groups.append([text])
    result = [AnswerGroup(g[0], sum(counts[t] for t in g), tuple(g)) for g in groups]
    return sorted(result, key=lambda g: (-g.count, g.answer))
