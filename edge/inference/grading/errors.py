"""Errors of the grader: what went wrong reading or comparing an answer."""

from __future__ import annotations

from edge.errors import GradingError


class AnswerSyntaxError(GradingError):
    """An answer is not valid linear answer notation.

    ``position`` is the character offset in the normalised text, ``reason_zh``
    the same message in Chinese, for showing to the student.
    """

    def __init__(self, message: str, reason_zh: str, position: int = -1) -> None:
        super().__init__(message)
        self.reason_zh = reason_zh
        self.position = position


class LimitError(GradingError):
    """An answer is too large or too deep to compare within the grader's bounds."""

    def __init__(self, message: str, reason_zh: str) -> None:
        super().__init__(message)
        self.reason_zh = reason_zh


class AnswerKeyError(GradingError):
    """The answer key cannot be read: a fault of the question, not the student."""
