"""Calibrated confidence: P(reading is right) from the beam's evidence.

A logistic model over a few features of the decoded beam, fitted on answers
of held-out writers by ``scripts/evaluate_recognizer.py`` and stored as
``calibration.json`` next to the ONNX model, together with the auto-grade
threshold chosen on the same data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from edge.errors import RecognitionError
from edge.inference.recognition.decode import Hypothesis

FEATURE_NAMES = ("log_share", "log_margin", "log_weakest", "symbols", "well_formed")


def evidence(hyps: Sequence[Hypothesis], symbols: int) -> list[float]:
    """Calibration features of the best reading in ``hyps``."""
    total = sum(h.score for h in hyps) or 1.0
    best = hyps[0]
    second = hyps[1].score if len(hyps) > 1 else 0.0
    return [
        math.log(max(best.score / total, 1e-9)),
        math.log(max(best.score, 1e-12) / max(second, 1e-12)) if second else 12.0,
        math.log(max(best.weakest, 1e-9)),
        float(symbols),
        1.0 if best.valid else 0.0,
    ]


@dataclass(frozen=True, slots=True)
class Calibration:
    """Logistic weights over :data:`FEATURE_NAMES` and the auto-grade threshold."""

    weights: tuple[float, ...] = (4.0, 0.0, 0.0, 0.0, 0.0)
    bias: float = 4.0
    threshold: float = 0.9

    @classmethod
    def load(cls, path: Path) -> Calibration:
        """The calibration stored at ``path``; defaults if there is no file."""
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            weights = tuple(float(w) for w in raw["weights"])
            loaded = cls(weights, float(raw["bias"]), float(raw["threshold"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise RecognitionError(f"bad calibration file {path}: {exc}") from exc
        if len(weights) != len(FEATURE_NAMES):
            raise RecognitionError(
                f"bad calibration file {path}: wrong number of weights"
            )
        return loaded

    def confidence(self, features: Sequence[float]) -> float:
        """P(right) for one reading's features, in [0, 1]."""
        z = self.bias + sum(w * f for w, f in zip(self.weights, features, strict=True))
        z = max(min(z, 40.0), -40.0)
        return 1.0 / (1.0 + math.exp(-z))

    def save(self, path: Path, extra: dict[str, object] | None = None) -> None:
        """Write the calibration as JSON (``extra`` adds report fields)."""
        data: dict[str, object] = {
            "features": list(FEATURE_NAMES),
            "weights": list(self.weights),
            "bias": self.bias,
            "threshold": self.threshold,
        }
        data.update(extra or {})
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
