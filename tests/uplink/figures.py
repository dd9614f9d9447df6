"""Figures of the fault tests, shown in pytest's terminal summary."""

from __future__ import annotations

from typing import Any

FIGURES: list[dict[str, Any]] = []


def record(case: str, **figures: Any) -> None:
    """Keep one line of figures for the summary."""
    FIGURES.append({"case": case, **figures})


def summary_lines() -> list[str]:
    """The recorded figures as aligned text lines."""
    return [
        f"{f['case']:<22} " + " ".join(f"{k}={v}" for k, v in f.items() if k != "case")
        for f in FIGURES
    ]
