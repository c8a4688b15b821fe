"""The Starlette application. Until the web interface lands it serves a plain overview page."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

import engine

TEMPLATES = Path(__file__).parent / "templates"


def create_app(db: engine.Database) -> Starlette:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())

    async def home(request: Request) -> HTMLResponse:
        bases = [
            {
                "id": b.id,
                "name": b.name,
                "tables": [
                    {"id": t.id, "name": t.name, "fields": t.fields, "count": t.count()}
                    for t in b.tables()
                ],
            }
            for b in db.bases()
        ]
        html = env.get_template("home.html").render(bases=bases)
        return HTMLResponse(html)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app = Starlette(routes=[Route("/", home), Route("/healthz", health)])
    app.state.db = db
    return app
