"""Normalisation of answer text before it is tokenised.

Students and the recognizer write the same symbol in several ways: full-width
digits, the Unicode minus, superscript exponents, ``°C`` or ``℃``. This module
maps them onto one spelling so that the lexer only knows a small closed set.
"""

from __future__ import annotations

import unicodedata

MAX_ANSWER_CHARS = 200
"""Longest answer the grader reads; a fill-in box holds far less."""

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")

# Mapped before NFKC, which would otherwise fold some of them into plain text
# (NFKC turns "²" into "2" and "℃" into "°C").
_BEFORE = {
    "−": "-",
    "–": "-",
    "—": "-",
    "﹣": "-",
    "－": "-",
    "×": "*",
    "✕": "*",
    "·": "*",
    "⋅": "*",
    "•": "*",
    "∙": "*",
    "÷": "/",
    "∶": ":",
    "µ": "μ",
    "≦": "≤",
    "≧": "≥",
    "⩽": "≤",
    "⩾": "≥",
    "。": ".",
    "、": ",",
    "[": "(",
    "]": ")",
    "{": "(",
    "}": ")",
}

_AFTER = {
    "<=": "≤",
    ">=": "≥",
    "!=": "≠",
    "°C": "℃",
    "º": "°",
    "˚": "°",
}

_SPACES = " \t\r\n\u3000\u00a0"
_LEADERS = ("解:", "答:", "答案:", "解得", "故", "所以", "∴")


def normalize(text: str) -> str:
    """The answer text in the grader's canonical spelling, without spaces."""
    out = _script_runs(text)
    out = "".join(_BEFORE.get(ch, ch) for ch in out)
    out = unicodedata.normalize("NFKC", out)
    out = "".join(ch for ch in out if ch not in _SPACES)
    for old, new in _AFTER.items():
        out = out.replace(old, new)
    return _strip_leaders(out)


def _script_runs(text: str) -> str:
    """Superscript runs become ``^(...)`` and subscript runs ``_n``."""
    parts: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺":
            j += 1
        if j > i:
            run = text[i:j].translate(_SUPERSCRIPTS)
            parts.append(f"^{run}" if run.isdigit() else f"^({run})")
            i = j
            continue
        while j < len(text) and text[j] in "₀₁₂₃₄₅₆₇₈₉":
            j += 1
        if j > i:
            parts.append("_" + text[i:j].translate(_SUBSCRIPTS))
            i = j
            continue
        parts.append(text[i])
        i += 1
    return "".join(parts)


def _strip_leaders(text: str) -> str:
    """Drop a leading "解:" or "答:" and a trailing full stop a student may add."""
    changed = True
    while changed:
        changed = False
        for leader in _LEADERS:
            if text.startswith(leader):
                text = text[len(leader) :]
                changed = True
    while text.endswith((".", ";", ",")):
        text = text[:-1]
    return text
