"""Write the BKT mastery update as an ONNX model.

The graph computes, for a batch of N (student, knowledge point) pairs, the
same soft-evidence update as ``edge.analytics.bkt.update_arrays``:

    like_known   = credit (1 - slip) + (1 - credit) slip
    like_unknown = credit guess + (1 - credit) (1 - guess)
    soft_x       = weight like_x + 1 - weight
    posterior    = p soft_known / (p soft_known + (1 - p) soft_unknown)
    p_next       = posterior (1 - forget) + (1 - posterior) learn
    p_correct    = p_next (1 - slip) + (1 - p_next) guess

Inputs are float32 vectors of length N; outputs the same. Built with the
``onnx`` helper API only. Usage:

    python scripts/export_mastery_onnx.py [OUTPUT]   (default: the shipped file)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import onnx
from onnx import TensorProto, helper

DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "edge"
    / "analytics"
    / "models"
    / "mastery.onnx"
)
INPUTS = ("p_known", "credit", "weight", "guess", "slip", "learn", "forget")
OUTPUTS = ("posterior", "p_next", "p_correct")
MODEL_VERSION = 1
# Opset 17 and IR 8 load on every onnxruntime from 1.14 on, which covers the
# gateways already in the field.
OPSET = 17
IR_VERSION = 8


class _Graph:
    """Collects nodes, naming each intermediate after what it holds."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []

    def op(self, kind: str, out: str, *args: str) -> str:
        self.nodes.append(helper.make_node(kind, list(args), [out], name=out))
        return out


def build_model() -> onnx.ModelProto:
    """The BKT update graph as an ONNX model."""
    g = _Graph()
    one = "one"
    needed = ("p_known", "credit", "weight", "guess", "slip", "forget")
    one_minus = {name: g.op("Sub", f"1-{name}", one, name) for name in needed}

    like_k = g.op(
        "Add",
        "like_known",
        g.op("Mul", "c*(1-s)", "credit", one_minus["slip"]),
        g.op("Mul", "(1-c)*s", one_minus["credit"], "slip"),
    )
    like_u = g.op(
        "Add",
        "like_unknown",
        g.op("Mul", "c*g", "credit", "guess"),
        g.op("Mul", "(1-c)*(1-g)", one_minus["credit"], one_minus["guess"]),
    )
    soft_k = g.op(
        "Add", "soft_known", g.op("Mul", "w*lk", "weight", like_k), one_minus["weight"]
    )
    soft_u = g.op(
        "Add",
        "soft_unknown",
        g.op("Mul", "w*lu", "weight", like_u),
        one_minus["weight"],
    )

    joint_k = g.op("Mul", "joint_known", "p_known", soft_k)
    joint_u = g.op("Mul", "joint_unknown", one_minus["p_known"], soft_u)
    post = g.op("Div", "posterior", joint_k, g.op("Add", "evidence", joint_k, joint_u))
    one_minus_post = g.op("Sub", "1-posterior", one, post)
    g.op(
        "Add",
        "p_next",
        g.op("Mul", "kept", post, one_minus["forget"]),
        g.op("Mul", "learned", one_minus_post, "learn"),
    )
    g.op(
        "Add",
        "p_correct",
        g.op("Mul", "right_if_known", "p_next", one_minus["slip"]),
        g.op(
            "Mul", "right_if_unknown", g.op("Sub", "1-p_next", one, "p_next"), "guess"
        ),
    )

    vector = ["N"]
    graph = helper.make_graph(
        g.nodes,
        "bkt_mastery_update",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, vector) for n in INPUTS],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, vector) for n in OUTPUTS],
        initializer=[helper.make_tensor(one, TensorProto.FLOAT, [], [1.0])],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="edge-gateway",
        producer_version=str(MODEL_VERSION),
        doc_string="Bayesian knowledge tracing update with soft evidence.",
    )
    model.ir_version = IR_VERSION
    helper.set_model_props(
        model, {"kind": "bkt_mastery", "version": str(MODEL_VERSION)}
    )
    onnx.checker.check_model(model, full_check=True)
    return model


def main(argv: list[str] | None = None) -> int:
    """Export the model to the given path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    model = build_model()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    onnx.save_model(model, str(args.output))
    size = args.output.stat().st_size
    print(f"wrote {args.output} ({size} bytes, {len(model.graph.node)} nodes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
