"""Checking messages against the JSON Schemas shipped in ``schemas/``.

The schemas are the published contract with the city. Every message is
checked against its kind's schema when it is queued (``edge.store.outbox``),
and messages from before that check once more before they leave, so a record
that would break the contract (or carry a name) is held back instead of sent.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

try:
    import fastjsonschema
except ImportError:  # an older installation: jsonschema alone, about 15x slower
    fastjsonschema = None  # type: ignore[assignment]

UPLINK_KINDS = (
    "result",
    "vote",
    "progress",
    "mastery",
    "homework_time",
    "status",
    "ink",
)
SCHEMA_BASE = "https://schemas.edge-gateway.invalid/homework/v1/"

# Errors reported per message: enough to see the pattern, bounded for logs.
MAX_ERRORS = 5


def schema_names() -> list[str]:
    """Names of every schema file shipped with the gateway, without ``.json``."""
    folder = resources.files("edge.uplink").joinpath("schemas")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_schema(name: str) -> dict[str, Any]:
    """One schema document by file name (``result``, ``envelope`` ...)."""
    return copy.deepcopy(_load(name))


@cache
def _load(name: str) -> dict[str, Any]:
    folder = resources.files("edge.uplink").joinpath("schemas")
    doc: dict[str, Any] = json.loads(folder.joinpath(f"{name}.json").read_text("utf-8"))
    return doc


def registry() -> Registry[Any]:
    """Every shipped schema under its ``$id``, for validators that follow refs."""
    resources_ = [
        (SCHEMA_BASE + f"{n}.json", Resource.from_contents(load_schema(n)))
        for n in schema_names()
    ]
    return Registry().with_resources(resources_)


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for one schema with every reference resolved in advance.

    Inlining the references (the schemas have no cycles) makes a check about
    2.5 times faster than following them through a registry at each message.
    """
    return Draft202012Validator(_inline(_load(name), name))


def _inline(node: Any, name: str) -> Any:
    if isinstance(node, list):
        return [_inline(v, name) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target_name, target = _resolve(node["$ref"], name)
        resolved = _inline(target, target_name)
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {"allOf": [resolved], **_inline(rest, name)} if rest else resolved
    return {k: _inline(v, name) for k, v in node.items() if k not in _DROPPED}


_DROPPED = frozenset({"$id", "$schema", "$defs"})


def _resolve(ref: str, name: str) -> tuple[str, Any]:
    file, _, fragment = ref.partition("#")
    target_name = file.removesuffix(".json") if file else name
    target: Any = _load(target_name)
    for part in filter(None, fragment.split("/")):
        target = target[part]
    return target_name, target


def errors(name: str, document: Any) -> list[str]:
    """Up to :data:`MAX_ERRORS` readable problems of ``document`` (empty if valid)."""
    if fastjsonschema is None:
        return _problems(validator(name), document)
    try:
        _fast(name)(document)
    except fastjsonschema.JsonSchemaException:
        return _problems(validator(name), document) or ["(root): invalid"]
    return []


@cache
def _fast(name: str) -> Callable[[Any], Any]:
    """A compiled check of one schema, fifteen times faster than ``validator``.

    The drain checks every message it sends, so this is the common path;
    ``jsonschema`` explains the rare failures. fastjsonschema speaks draft 7,
    whose tuple form of ``items`` is 2020-12's ``prefixItems``.
    """
    schema = _draft7(_inline(_load(name), name))
    return fastjsonschema.compile(
        {"$schema": "http://json-schema.org/draft-07/schema#", **schema}
    )


def _draft7(node: Any) -> Any:
    if isinstance(node, list):
        return [_draft7(v) for v in node]
    if not isinstance(node, dict):
        return node
    if "prefixItems" in node and "items" in node:
        raise ValueError("prefixItems with items has no draft 7 form")
    return {("items" if k == "prefixItems" else k): _draft7(v) for k, v in node.items()}


def body_errors(document: Any) -> list[str]:
    """Problems of a downlink body (the signed part of a downlink message)."""
    return _problems(_body_validator(), document)


@cache
def _body_validator() -> Draft202012Validator:
    return Draft202012Validator(_inline({"$ref": "downlink.json#/$defs/body"}, ""))


def _problems(check: Draft202012Validator, document: Any) -> list[str]:
    if check.is_valid(document):
        return []
    found = []
    for err in check.iter_errors(document):
        shown = err
        # A oneOf failure says little; its closest branch says what is wrong.
        if err.context:
            deeper = [e for e in err.context if e.validator != "type"]
            shown = best_match(deeper or err.context) or err
        where = "/".join(str(p) for p in shown.absolute_path) or "(root)"
        found.append(f"{where}: {shown.message[:200]}")
        if len(found) >= MAX_ERRORS:
            break
    return found


def payload_problem(payload: str | bytes) -> str | None:
    """Why an uplink payload (JSON text) breaks its schema, or None if it keeps it."""
    try:
        message = json.loads(payload)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return f"payload is not JSON: {exc}"
    problems = uplink_errors(message)
    return "schema: " + "; ".join(problems) if problems else None


def uplink_errors(message: Any) -> list[str]:
    """Problems of one uplink envelope, checked against its kind's schema."""
    if not isinstance(message, dict):
        return ["(root): not a JSON object"]
    kind = message.get("kind")
    if kind not in UPLINK_KINDS:
        return [f"kind: no schema for kind {kind!r}"]
    return errors(str(kind), message)
