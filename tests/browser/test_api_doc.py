"""Every JSON API route is in the teacher page's documentation."""

from __future__ import annotations

import re
from pathlib import Path

from edge.events import EventBus
from edge.store import Store
from edge.web import create_app
from edge.web.services import WebServices

DOC = Path(__file__).resolve().parents[2] / "docs" / "teacher-page.md"
PLACEHOLDER = re.compile(r"<[^>]*>")


def documented_routes() -> set[str]:
    """``METHOD /path`` of every route the document names, placeholders blanked."""
    text = DOC.read_text(encoding="utf-8")
    found = re.findall(r"`(GET|POST|PUT|DELETE) (/[^`\[ ]*)", text)
    return {f"{method} {PLACEHOLDER.sub('<>', path)}" for method, path in found}


def test_every_api_route_is_documented(store: Store) -> None:
    services = WebServices(
        store=store,
        bus=EventBus(),
        assignments={},
        teacher_password_hash="",
        api_token_hash="",
        secret_key="doc-test",
    )
    app = create_app(services)
    routes = {
        f"{method} {PLACEHOLDER.sub('<>', rule.rule)}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/healthz"))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    }
    assert routes, "the app has no API routes"
    missing = routes - documented_routes()
    assert not missing, f"undocumented in {DOC.name}: {sorted(missing)}"
