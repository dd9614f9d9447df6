"""Grading answers in linear answer notation against a question's key.

``grade(question, answer_text)`` returns a Verdict with a score and a reason in
English and Chinese; it never raises on what a student wrote.
"""

from __future__ import annotations

from edge.inference.grading.grader import grade

__all__ = ["grade"]
