"""Writing the configuration back as TOML (the standard library only reads it).

Handles what the gateway's configuration holds: tables nested to any depth,
strings, integers, floats, booleans and arrays of those.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from edge.provision.errors import ProvisionError

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def dump_toml(document: Mapping[str, Any]) -> str:
    """TOML text that ``tomllib`` reads back as ``document``."""
    lines: list[str] = []
    _table(document, (), lines)
    return "\n".join(lines).strip() + "\n"


def _table(table: Mapping[str, Any], path: tuple[str, ...], lines: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    tables = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    if path and (scalars or not tables):
        lines.append(f"[{'.'.join(_key(p) for p in path)}]")
    for key, value in scalars.items():
        lines.append(f"{_key(key)} = {_value(value, (*path, key))}")
    if scalars:
        lines.append("")
    for key, value in tables.items():
        _table(value, (*path, key), lines)


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise ProvisionError(f"configuration key {key!r} is not text")
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes, except
    # that TOML forbids the raw DEL character, which JSON leaves alone.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any, where: tuple[str, ...]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return "[" + ", ".join(_value(v, where) for v in value) + "]"
    raise ProvisionError(
        f"cannot write a {type(value).__name__} to the configuration",
        ".".join(where),
    )
