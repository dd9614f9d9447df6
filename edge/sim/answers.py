"""What simulated students write: the key, or a mistake a real student makes."""

from __future__ import annotations

import random
import re

from edge.models import Question, QuestionType

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_FRACTION = re.compile(r"^(-?)(\d+)/(\d+)$")


def plausible_wrong(key: str, rng: random.Random) -> str:
    """A wrong answer of the kind students give: sign, digit, place or inversion."""
    fraction = _FRACTION.match(key)
    if fraction:
        sign, num, den = fraction.groups()
        choices = [
            f"{sign}{den}/{num}",
            f"{'' if sign else '-'}{num}/{den}",
            f"{sign}{num}/{int(den) + 1}",
        ]
        return _differs(rng.choice(choices), key, rng)
    if _NUMBER.match(key):
        return _differs(_wrong_number(key, rng), key, rng)
    return key + "1"


def _wrong_number(key: str, rng: random.Random) -> str:
    mistake = rng.randrange(4)
    if mistake == 0 and key not in ("0", "-0"):
        return key[1:] if key.startswith("-") else "-" + key
    if mistake == 1 and "." in key:
        whole, frac = key.split(".")
        return f"{whole}{frac[:1]}.{frac[1:] or '0'}".rstrip("0").rstrip(".")
    digits = [i for i, c in enumerate(key) if c.isdigit()]
    i = rng.choice(digits)
    new = str((int(key[i]) + rng.choice((1, 9))) % 10)
    wrong = key[:i] + new + key[i + 1 :]
    return (
        wrong.lstrip("0") if wrong.lstrip("0") and not wrong.startswith("0.") else wrong
    )


def _differs(candidate: str, key: str, rng: random.Random) -> str:
    return candidate if candidate != key else key + str(rng.randrange(1, 10))


def student_answer(question: Question, skill: float, rng: random.Random) -> str:
    """The answer a student of this skill writes for a question."""
    if question.type is QuestionType.CHOICE and question.options:
        if rng.random() < skill:
            return question.answer
        others = [o for o in question.options if o != question.answer]
        return rng.choice(others) if others else question.answer
    key = question.answer
    text = key if rng.random() < skill else plausible_wrong(key, rng)
    # Quantity keys hold the number; students write the unit after it.
    if question.type is QuestionType.QUANTITY and question.unit:
        text += question.unit
    return text
