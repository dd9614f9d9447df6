"""The symbol classes the classifier knows and the alphabet of each answer kind."""

from __future__ import annotations

DIGITS = tuple("0123456789")
OPERATORS = (
    "+",
    "-",
    "×",
    "÷",
    "=",
    "(",
    ")",
    ".",
    "/",
    "√",
    "<",
    ">",
    "±",
    "%",
    "°",
    "≤",
    "≥",
    "≠",
    ",",
)
CHOICE_LETTERS = tuple("ABCDEF")
UPPER_LETTERS = (*CHOICE_LETTERS, "H", "J", "L", "N", "P", "V", "W")
LOWER_LETTERS = tuple("abcdghkmnstvxyz")

CLASSES: tuple[str, ...] = (*DIGITS, *OPERATORS, *UPPER_LETTERS, *LOWER_LETTERS)
"""Every symbol class, in the order of the classifier's output."""

CLASS_INDEX = {name: i for i, name in enumerate(CLASSES)}

_NUMBER_SYMBOLS = frozenset(
    (*DIGITS, "+", "-", ".", "/", "√", "(", ")", "±", "×", ",", "%")
)
_EXPRESSION_SYMBOLS = frozenset(
    (*DIGITS, *OPERATORS, "a", "b", "c", "m", "n", "t", "x", "y", "z")
) - {"°", "%"}
_QUANTITY_SYMBOLS = frozenset((*DIGITS, *OPERATORS, *UPPER_LETTERS, *LOWER_LETTERS)) - {
    *CHOICE_LETTERS[:2],
    "E",
    "F",
}

KIND_ALPHABETS: dict[str, frozenset[str]] = {
    "numeric": _NUMBER_SYMBOLS,
    "choice": frozenset(CHOICE_LETTERS),
    "expression": _EXPRESSION_SYMBOLS,
    "equation": _EXPRESSION_SYMBOLS,
    "quantity": (_QUANTITY_SYMBOLS | {"C"})
    - {"x", "y"}
    - {"√", "<", ">", "±", "÷", "≤", "≥", "≠", ","},
    "text": frozenset(CLASSES),
}
"""Symbols a question of each type can contain; the names are QuestionType values."""


TYPICAL_HEIGHT: dict[str, float] = {
    **dict.fromkeys(DIGITS, 1.0),
    **dict.fromkeys(UPPER_LETTERS, 1.0),
    **dict.fromkeys("bdhkt", 1.0),
    **dict.fromkeys("gy", 1.0),
    **dict.fromkeys("acmnsvxz", 0.67),
    "(": 1.25,
    ")": 1.25,
}
"""Height of a symbol in line heights, for symbols whose height is reliable."""


def _alphabet(kind_hint: str | None) -> frozenset[str]:
    return KIND_ALPHABETS.get(kind_hint or "text", KIND_ALPHABETS["text"])


def allowed_mask(kind_hint: str | None) -> list[bool]:
    """For each class, whether an answer of ``kind_hint`` may contain it."""
    alphabet = _alphabet(kind_hint)
    return [name in alphabet for name in CLASSES]


# Classes that differ only in size or context (the answer kind decides):
# belief in one of them is belief in the other where only the other may stand.
LOOK_ALIKES: dict[str, str] = {
    a: b
    for x, y in (("x", "×"), ("z", "2"), ("s", "5"), ("c", "C"), ("v", "V"),
                 ("b", "6"), ("g", "9"), ("t", "+"))
    for a, b in ((x, y), (y, x))
}  # fmt: skip


def plausible_mask(kind_hint: str | None) -> list[bool]:
    """For each class, whether it or its look-alike may stand in ``kind_hint``."""
    alphabet = _alphabet(kind_hint)
    return [
        name in alphabet or LOOK_ALIKES.get(name, "") in alphabet for name in CLASSES
    ]
