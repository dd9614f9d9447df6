"""Gateway configuration from a TOML file, validated into frozen dataclasses.

Sections owned by other parts (``uplink``, ``pens``, ``clicker``) are kept as
raw mappings here and validated by those parts' own ``from_mapping``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.errors import ConfigError

_GATEWAY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True, slots=True)
class WebConfig:
    """Where the teacher page listens and how it checks who is asking."""

    host: str = "127.0.0.1"
    port: int = 8080
    teacher_password_hash: str = ""
    api_token_hash: str = ""
    secret_key: str = ""


@dataclass(frozen=True, slots=True)
class AnswerConfig:
    """When an answer counts as finished and when a reading needs review."""

    # A student who has not touched an answer box for this long is done with it;
    # 2.5 s covers the pause between a digit and its minus sign or decimal point.
    idle_ms: int = 2500
    review_threshold: float | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """The whole gateway configuration."""

    gateway_id: str
    db: Path
    classroom: str = ""
    web: WebConfig = field(default_factory=WebConfig)
    answers: AnswerConfig = field(default_factory=AnswerConfig)
    sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> Mapping[str, Any]:
        """A raw section for the part that validates it itself (empty if absent)."""
        return self.sections.get(name, {})


def load_config(path: Path | str) -> Config:
    """Read and validate a configuration file."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: configuration file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return config_from_mapping(raw, origin=str(path))


def config_from_mapping(raw: Mapping[str, Any], origin: str = "config") -> Config:
    """Validate a parsed configuration mapping."""
    gateway = _table(raw, "gateway", origin)
    gateway_id = _get(gateway, "id", str, f"{origin}: [gateway] id")
    if not _GATEWAY_ID.fullmatch(gateway_id):
        raise ConfigError(
            f"{origin}: [gateway] id {gateway_id!r} must be 1-64 letters, "
            "digits, '-' or '_'"
        )
    db = Path(_get(gateway, "db", str, f"{origin}: [gateway] db"))

    web_raw = _table(raw, "web", origin, required=False)
    web = WebConfig(
        host=_get(web_raw, "host", str, f"{origin}: [web] host", "127.0.0.1"),
        port=_port(_get(web_raw, "port", int, f"{origin}: [web] port", 8080), origin),
        teacher_password_hash=_get(web_raw, "teacher_password_hash", str, "", ""),
        api_token_hash=_get(web_raw, "api_token_hash", str, "", ""),
        secret_key=_get(web_raw, "secret_key", str, "", ""),
    )

    answers_raw = _table(raw, "answers", origin, required=False)
    idle_ms = _get(answers_raw, "idle_ms", int, f"{origin}: [answers] idle_ms", 2500)
    if not 200 <= idle_ms <= 60_000:
        raise ConfigError(
            f"{origin}: [answers] idle_ms must be 200..60000, got {idle_ms}"
        )
    threshold = answers_raw.get("review_threshold")
    if threshold is not None and not (
        isinstance(threshold, int | float) and 0.0 <= threshold <= 1.0
    ):
        raise ConfigError(f"{origin}: [answers] review_threshold must be 0..1")

    known = {"gateway", "web", "answers"}
    sections = {
        k: v for k, v in raw.items() if k not in known and isinstance(v, Mapping)
    }
    return Config(
        gateway_id=gateway_id,
        db=db,
        classroom=_get(gateway, "classroom", str, f"{origin}: [gateway] classroom", ""),
        web=web,
        answers=AnswerConfig(idle_ms, None if threshold is None else float(threshold)),
        sections=sections,
    )


def _table(
    raw: Mapping[str, Any], name: str, origin: str, required: bool = True
) -> Mapping[str, Any]:
    value = raw.get(name)
    if value is None:
        if required:
            raise ConfigError(f"{origin}: missing section [{name}]")
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{origin}: [{name}] must be a table")
    return value


def _get(
    table: Mapping[str, Any], key: str, kind: type, what: str, default: Any = ...
) -> Any:
    if key not in table:
        if default is ...:
            raise ConfigError(f"{what} is required")
        return default
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{what} must be {kind.__name__}, got {type(value).__name__}")
    return value


def _port(port: int, origin: str) -> int:
    if not 0 <= port <= 65535:
        raise ConfigError(f"{origin}: [web] port must be 0..65535, got {port}")
    return port
