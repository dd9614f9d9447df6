"""The ONNX symbol classifier, run by onnxruntime on one thread."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from edge.errors import RecognitionError
from edge.inference.recognition.features import FEATURES, RASTER
from edge.inference.recognition.symbols import CLASSES

log = logging.getLogger(__name__)


class SymbolClassifier:
    """Class probabilities for batches of rasterised symbols."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort  # deferred: only a gateway that reads ink pays for it

        options = ort.SessionOptions()
        # One thread per answer: the gateway reads many answers in parallel instead.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self.session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise RecognitionError(f"cannot load symbol model {path}: {exc}") from exc
        self._check_shapes(path)
        log.info("loaded symbol model %s", path)

    def _check_shapes(self, path: Path) -> None:
        outputs = self.session.get_outputs()
        inputs = {i.name: i.shape for i in self.session.get_inputs()}
        if set(inputs) != {"image", "features"} or outputs[0].shape[-1] != len(CLASSES):
            raise RecognitionError(
                f"symbol model {path} does not match the {len(CLASSES)} symbol classes"
            )

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
        (logits,) = self.session.run(None, feeds)
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float32)
