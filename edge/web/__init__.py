"""The teacher's local web page and JSON API (Flask app factory)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, jsonify
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

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        from flask import request

        if request.path.startswith("/api/") or request.path == "/healthz":
            return jsonify(error=exc.name, detail=exc.description), exc.code
        if exc.code == 401:
            from flask import redirect, url_for

            return redirect(url_for("auth.login", next=request.path))
        return exc

    return app
