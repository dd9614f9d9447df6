"""The ONNX symbol classifier, run by onnxruntime on one thread.

Several model files (trained alike from different seeds) form an ensemble:
their class probabilities are averaged, which makes fewer confident mistakes
than any one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edge.errors import RecognitionError
from edge.inference.recognition.features import FEATURES, RASTER
from edge.inference.recognition.symbols import CLASSES

log = logging.getLogger(__name__)


def _session(path: Path) -> Any:
    """An onnxruntime session for one model file, checked against CLASSES."""
    import onnxruntime as ort  # deferred: only a gateway that reads ink pays for it

    options = ort.SessionOptions()
    # One thread per answer: the gateway reads many answers in parallel instead.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        session = ort.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise RecognitionError(f"cannot load symbol model {path}: {exc}") from exc
    inputs = {i.name for i in session.get_inputs()}
    if inputs != {"image", "features"} or session.get_outputs()[0].shape[-1] != len(
        CLASSES
    ):
        raise RecognitionError(
            f"symbol model {path} does not match the {len(CLASSES)} symbol classes"
        )
    log.info("loaded symbol model %s", path)
    return session


class SymbolClassifier:
    """Class probabilities for batches of rasterised symbols."""

    def __init__(self, paths: Path | Sequence[Path]) -> None:
        files = [paths] if isinstance(paths, Path) else list(paths)
        if not files:
            raise RecognitionError("no symbol model file given")
        self.sessions = [_session(p) for p in files]

    def probabilities(
        self, images: NDArray[np.float32], features: NDArray[np.float32]
    ) -> NDArray[np.float32]:
        """Softmax probabilities, one row per symbol, columns in CLASSES order."""
        if len(images) == 0:
            return np.zeros((0, len(CLASSES)), dtype=np.float32)
        feeds = {
            "image": images.reshape(-1, 1, RASTER, RASTER).astype(np.float32),
            "features": features.reshape(-1, FEATURES).astype(np.float32),
        }
        total = np.zeros((len(images), len(CLASSES)), dtype=np.float64)
        for session in self.sessions:
            (logits,) = session.run(None, feeds)
            logits = logits - logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            total += exp / exp.sum(axis=1, keepdims=True)
        return np.asarray(total / len(self.sessions), dtype=np.float32)
