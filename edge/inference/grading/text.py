"""Short text answers from a closed vocabulary, such as 液化 or 不变.

Synonyms are listed as accepted answers in the key. A key written as a list
("一、二、四") is compared as a set, so the order of the parts does not matter.
"""

from __future__ import annotations

import re
import unicodedata

from edge.inference.grading.messages import verdict
from edge.models import Question, Verdict

_PUNCTUATION = " \t\r\n\u3000.。!！?？:：\"'“”‘’"
_SEPARATORS = re.compile(r"[,，、;；和与]+")


def text_form(text: str) -> str:
    """A text answer without spaces, full-width forms and end punctuation."""
    clean = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in clean if ch not in _PUNCTUATION)


def _parts(text: str) -> frozenset[str]:
    return frozenset(p for p in _SEPARATORS.split(text_form(text)) if p)


def grade_text(question: Question, text: str) -> Verdict:
    """Grade a word or phrase against the key and its synonyms."""
    written = text_form(text)
    if not written:
        return verdict(question, "empty")
    for key in (question.answer, *question.accept):
        if written == text_form(key):
            return verdict(question, "correct", 1.0)
        if _SEPARATORS.search(key) and _parts(text) == _parts(key):
            return verdict(question, "correct", 1.0)
    return verdict(question, "text_wrong")
