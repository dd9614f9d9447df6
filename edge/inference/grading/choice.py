"""Choice answers: one letter, or a set of letters with optional partial credit.

Partial credit follows the common provincial exam rule: all correct options
and nothing else earns full marks, some correct options and no wrong one earn
half, any wrong option earns nothing.
"""

from __future__ import annotations

import unicodedata

from edge.inference.grading.messages import verdict
from edge.models import Question, Verdict

LETTERS = "ABCDEF"
_IGNORED = " \t\r\n\u3000,，、;；.。和与及()（）"


def choice_letters(text: str) -> str:
    """The option letters in a written answer, uppercase, in the order written."""
    clean = unicodedata.normalize("NFKC", text).upper()
    return "".join(ch for ch in clean if ch not in _IGNORED)


def _allowed(question: Question) -> str:
    return LETTERS[: len(question.options)] if question.options else LETTERS


def grade_choice(question: Question, text: str) -> Verdict:
    """Grade a choice answer against the key and its accepted alternatives."""
    letters = choice_letters(text)
    if not letters:
        return verdict(question, "empty")
    allowed = _allowed(question)
    invalid = sorted({ch for ch in letters if ch not in allowed})
    if invalid:
        shown = "".join(invalid)[:8]
        return verdict(question, "choice_invalid", detail=shown)

    chosen = frozenset(letters)
    keys = [frozenset(choice_letters(k)) for k in (question.answer, *question.accept)]
    if not question.multiple:
        return _single(question, chosen, keys)
    return max(
        (_multiple(question, chosen, key) for key in keys), key=lambda v: v.score
    )


def _single(
    question: Question, chosen: frozenset[str], keys: list[frozenset[str]]
) -> Verdict:
    if len(chosen) != 1:
        return verdict(question, "choice_single")
    if chosen in keys:
        return verdict(question, "correct", 1.0)
    return verdict(question, "choice_wrong", detail="".join(sorted(chosen)))


def _multiple(
    question: Question, chosen: frozenset[str], key: frozenset[str]
) -> Verdict:
    if chosen == key:
        return verdict(question, "correct", 1.0)
    wrong = chosen - key
    if wrong:
        return verdict(question, "choice_wrong", detail="".join(sorted(wrong)))
    missing = "".join(sorted(key - chosen))
    if question.partial_credit:
        return verdict(question, "choice_partial", 0.5, detail=missing)
    return verdict(question, "choice_missing", detail=missing)


def check_choice_key(question: Question) -> None:
    """Raise ValueError if the key names letters that are not options."""
    allowed = _allowed(question)
    for key in (question.answer, *question.accept):
        letters = choice_letters(key)
        if not letters or any(ch not in allowed for ch in letters):
            raise ValueError(f"choice key {key!r} is not made of options {allowed}")
        if not question.multiple and len(set(letters)) != 1:
            raise ValueError(f"single-choice key {key!r} must be one letter")
