"""Teacher login, API tokens, CSRF and login rate limiting.

Passwords are stored as salted hashes (werkzeug's scrypt); API tokens as
SHA-256 digests, since they are long random strings already.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, request, session
from werkzeug.security import check_password_hash, generate_password_hash

F = TypeVar("F", bound=Callable[..., Any])

# Five wrong passwords within five minutes lock an address out for the rest
# of that window: slow enough to stop guessing, short enough for a teacher.
LOGIN_ATTEMPTS = 5
LOGIN_WINDOW_S = 300.0


def hash_password(password: str) -> str:
    """A salted hash of a teacher password, for the configuration file."""
    return generate_password_hash(password)


def hash_token(token: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> str:
    """A random secret fit for a password, token or session key."""
    return secrets.token_urlsafe(18)


def password_ok(stored_hash: str, password: str) -> bool:
    return bool(stored_hash) and check_password_hash(stored_hash, password)


def token_ok(stored_hash: str, token: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(stored_hash, hash_token(token))


class LoginLimiter:
    """Counts failed logins per client address within a sliding window."""

    def __init__(
        self,
        attempts: int = LOGIN_ATTEMPTS,
        window_s: float = LOGIN_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        with self._lock:
            recent = self._recent(client)
            return len(recent) >= self.attempts

    def failed(self, client: str) -> None:
        with self._lock:
            self._recent(client).append(self.clock())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def _recent(self, client: str) -> deque[float]:
        q = self._failures.setdefault(client, deque())
        while q and self.clock() - q[0] > self.window_s:
            q.popleft()
        return q


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return str(token)


def bearer_ok() -> bool:
    """True when the request carries a valid ``Authorization: Bearer`` token."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return False
    services = current_app.config["SERVICES"]
    return token_ok(services.api_token_hash, header.removeprefix("Bearer ").strip())


def logged_in() -> bool:
    return bool(session.get("teacher"))


def require_teacher(view: F) -> F:
    """Pages and API calls need a teacher session or a bearer token.

    Changes made with a session also need the CSRF token in the
    ``X-CSRF-Token`` header or the ``csrf`` form field; bearer calls do not,
    because a browser never adds that header on its own.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if bearer_ok():
            return view(*args, **kwargs)
        if not logged_in():
            abort(401)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf", "")
            if not sent or not hmac.compare_digest(sent, csrf_token()):
                abort(403, description="missing or wrong CSRF token")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
