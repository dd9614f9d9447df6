"""The mastery update run as an ONNX model on the gateway.

The model file is replaceable (the city can push a newer one), so loading
checks it before use: its inputs and outputs must be the ones the gateway
feeds and reads, and on a fixed probe batch it must agree with the reference
update in ``edge.analytics.bkt``. A file that fails either check is refused
with ``MasteryModelError``; the tracker then keeps using the reference update.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from edge.analytics.bkt import Floats, update_arrays
from edge.analytics.errors import MasteryModelError

log = logging.getLogger(__name__)

SHIPPED_MODEL = Path(__file__).resolve().parent / "models" / "mastery.onnx"
INPUTS = ("p_known", "credit", "weight", "guess", "slip", "learn", "forget")
OUTPUTS = ("posterior", "p_next", "p_correct")
# float32 arithmetic against the float64 reference: 1e-5 is a few ulps at the
# probabilities involved, far below anything a teacher could see.
AGREEMENT_TOLERANCE = 1e-5


@dataclass(frozen=True, slots=True)
class MasteryBatch:
    """Inputs of one model run: equal-length float vectors."""

    p_known: Floats
    credit: Floats
    weight: Floats
    guess: Floats
    slip: Floats
    learn: Floats
    forget: Floats

    def as_feed(self) -> dict[str, np.ndarray]:
        """The batch as the model's float32 input feed."""
        return {name: np.asarray(getattr(self, name), np.float32) for name in INPUTS}


def reference(batch: MasteryBatch) -> tuple[Floats, Floats, Floats]:
    """The reference update for a batch: (posterior, p_next, p_correct)."""
    return update_arrays(
        batch.p_known,
        batch.credit,
        batch.weight,
        batch.guess,
        batch.slip,
        batch.learn,
        batch.forget,
    )


def probe_batch() -> MasteryBatch:
    """A fixed batch covering the corners: certain, uncertain, partial credit."""
    rng = np.random.default_rng(20240901)
    n = 64
    values = {
        "p_known": rng.uniform(0.001, 0.999, n),
        "credit": rng.choice([0.0, 0.5, 1.0], n),
        "weight": rng.choice([0.0, 0.3, 0.9, 1.0], n),
        "guess": rng.uniform(0.01, 0.4, n),
        "slip": rng.uniform(0.01, 0.3, n),
        "learn": rng.uniform(0.0, 0.5, n),
        "forget": rng.choice([0.0, 0.05], n),
    }
    return MasteryBatch(**values)


class MasteryModel:
    """A checked ONNX session computing the BKT update for a batch."""

    def __init__(self, path: Path | str = SHIPPED_MODEL) -> None:
        self.path = Path(path)
        self._session = _open_session(self.path)
        self._check_signature()
        self._check_agreement()
        log.info("mastery model %s loaded", self.path)

    def run(self, batch: MasteryBatch) -> tuple[Floats, Floats, Floats]:
        """(posterior, p_next, p_correct) for every row of the batch."""
        if len(batch.p_known) == 0:
            empty = np.zeros(0)
            return empty, empty, empty
        try:
            outputs = self._session.run(list(OUTPUTS), batch.as_feed())
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise MasteryModelError(f"mastery model {self.path} failed: {exc}") from exc
        post, p_next, p_correct = (np.asarray(o, np.float64) for o in outputs)
        return post, p_next, p_correct

    def _check_signature(self) -> None:
        inputs = tuple(i.name for i in self._session.get_inputs())
        outputs = tuple(o.name for o in self._session.get_outputs())
        if set(inputs) != set(INPUTS) or not set(OUTPUTS) <= set(outputs):
            raise MasteryModelError(
                f"mastery model {self.path} has inputs {inputs} and outputs {outputs};"
                f" expected {INPUTS} and {OUTPUTS}"
            )

    def _check_agreement(self) -> None:
        batch = probe_batch()
        got = self.run(batch)
        want = reference(batch)
        worst = max(
            float(np.max(np.abs(g - w))) for g, w in zip(got, want, strict=True)
        )
        if not np.isfinite(worst) or worst > AGREEMENT_TOLERANCE:
            raise MasteryModelError(
                f"mastery model {self.path} disagrees with the BKT reference"
                f" by {worst:.3g}"
            )


def _open_session(path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    # One thread: batches are a class at most, and the gateway has two cores
    # shared with recognition.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # missing file, protobuf errors, unsupported ops
        raise MasteryModelError(f"cannot load mastery model {path}: {exc}") from exc
