"""The APIs: Tessera's own JSON API under `/api/` (described by OpenAPI at /api/openapi.json,
browsable at /api/docs) and the Airtable-compatible API under `/v0/`. Both act as the request's
user through the engine facade, so every call passes the one permission check."""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import (
    airtable,
    endpoints,
    openapi,
    tessera,
    tessera_automations,
    tessera_files,
    tessera_records,
    tessera_views,
)
from . import tessera_dashboards as dashboards_api

# each registers its endpoints
MODULES = (tessera, tessera_records, tessera_files, tessera_views, tessera_automations)
MODULES += (dashboards_api,)


def routes() -> list[BaseRoute]:
    return [*openapi.routes, *endpoints.routes(), *airtable.routes]
