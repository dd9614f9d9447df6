"""The teacher's local web page and JSON API (Flask app factory)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from edge.web.services import WebServices


def create_app(services: WebServices, **overrides: Any) -> Flask:
    """Build the Flask app around the gateway's running services."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=services.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        SERVICES=services,
        JSON_AS_ASCII=False,
    )
    app.config.update(overrides)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    from edge.web import api, api_answers, api_class, api_polls, auth, pages

    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api_answers.bp)
    app.register_blueprint(api_class.bp)
    app.register_blueprint(api_polls.bp)

    @app.context_processor
    def language_link() -> dict[str, Any]:
        def lang_url(lang: str) -> str:
            # Same page and query (for example ?next= on the login page), new language.
            args = request.args.to_dict() | {"lang": lang}
            return request.path + "?" + urlencode(args)

        return {"lang_url": lang_url}

    @app.get("/favicon.ico")
    def favicon() -> Any:
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if request.path.startswith("/api/") or request.path == "/healthz":
            return jsonify(error=exc.name, detail=exc.description), exc.code
        if exc.code == 401:
            return redirect(url_for("auth.login", next=request.path))
        return exc

    return app
