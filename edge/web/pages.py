"""The teacher's pages (HTML shells; the data comes from the JSON API)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, make_response, render_template, request

from edge.web.i18n import language, strings
from edge.web.security import csrf_token, require_teacher

bp = Blueprint("pages", __name__)


@bp.route("/")
@require_teacher
def dashboard() -> Any:
    """Live class results of the current assignment."""
    response = make_response(
        render_template(
            "dashboard.html",
            t=strings(),
            lang=language(),
            csrf=csrf_token(),
            t_json=json.dumps(strings(), ensure_ascii=False),
        )
    )
    if "lang" in request.args:
        response.set_cookie("lang", language(), samesite="Strict", httponly=True)
    return response
