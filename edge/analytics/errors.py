"""Errors of the learning analytics."""

from __future__ import annotations

from edge.errors import EdgeError


class AnalyticsError(EdgeError):
    """Analytics input is invalid or an analysis cannot be computed."""


class MasteryModelError(AnalyticsError):
    """The mastery ONNX model is missing, corrupted or disagrees with BKT."""
