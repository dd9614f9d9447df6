"""Teacher login and logout."""

from __future__ import annotations

import hmac
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from edge.web.i18n import language, strings
from edge.web.security import LoginLimiter, csrf_token, password_ok

bp = Blueprint("auth", __name__)
limiter = LoginLimiter()


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The login form, and checking what it sends."""
    error = ""
    status = 200
    client = request.remote_addr or "?"
    if request.method == "POST":
        services = current_app.config["SERVICES"]
        sent = request.form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent, csrf_token()):
            abort(403, description="the login form expired; reload the page")
        if limiter.blocked(client):
            error, status = strings()["too_many"], 429
        elif password_ok(
            services.teacher_password_hash, request.form.get("password", "")
        ):
            limiter.succeeded(client)
            session.clear()
            session["teacher"] = True
            session.permanent = True
            target = request.args.get("next", "")
            # Only same-site paths: an open redirect would leak the session flow.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("pages.dashboard")
            return redirect(target)
        else:
            limiter.failed(client)
            error, status = strings()["wrong_password"], 401
    response = make_response(
        render_template(
            "login.html", t=strings(), lang=language(), error=error, csrf=csrf_token()
        ),
        status,
    )
    if "lang" in request.args:
        response.set_cookie("lang", language(), samesite="Strict", httponly=True)
    return response


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """End the teacher's session."""
    session.clear()
    return redirect(url_for("auth.login"))
