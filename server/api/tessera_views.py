"""`/api/` views and saved filters, through `views.api.Views`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from views.api import Views

from . import models as m
from .endpoints import Call, endpoint
from .tessera import table_of
from .tessera_records import PAGE_QUERY, page_of, page_out


# --- views and saved filters --------------------------------------------------------------------
def view_out(v: Any) -> m.ViewOut:
    config = (
        v.config.model_dump(mode="json")
        if isinstance(v.config, BaseModel)
        else dict(v.config or {})
    )
    return m.ViewOut(id=v.id, table_id=v.table_id, name=v.name, kind=v.kind, visibility=v.visibility,
                     query=v.query.model_dump(mode="json"), config=config)  # fmt: skip


@endpoint(
    "GET",
    "/api/tables/{table_id}/views",
    "List the views you can see",
    response=m.ViewList,
    tag="views",
)
def list_views(c: Call) -> m.ViewList:
    return m.ViewList(views=[view_out(v) for v in Views(table_of(c)).list()])


@endpoint(
    "POST",
    "/api/tables/{table_id}/views",
    "Create a view",
    request=m.ViewIn,
    response=m.ViewOut,
    status=201,
    tag="views",
)
def create_view(c: Call) -> m.ViewOut:
    c.who.write()
    b = c.body
    return view_out(
        Views(table_of(c)).create(
            b.name, b.kind, query=b.query, config=b.config, visibility=b.visibility
        )
    )


@endpoint(
    "GET", "/api/tables/{table_id}/views/{view_id}", "Get a view", response=m.ViewOut, tag="views"
)
def get_view(c: Call) -> m.ViewOut:
    return view_out(Views(table_of(c)).get(c.path["view_id"]))


@endpoint(
    "PATCH",
    "/api/tables/{table_id}/views/{view_id}",
    "Change a view",
    request=m.ViewPatch,
    response=m.ViewOut,
    tag="views",
)
def patch_view(c: Call) -> m.ViewOut:
    c.who.write()
    views, b, vid = Views(table_of(c)), c.body, c.path["view_id"]
    view = views.get(vid)
    if b.query is not None or b.config is not None or b.visibility is not None:
        view = views.update(vid, query=b.query, config=b.config, visibility=b.visibility)
    if b.name is not None:
        view = views.rename(vid, b.name)
    return view_out(view)


@endpoint(
    "DELETE",
    "/api/tables/{table_id}/views/{view_id}",
    "Delete a view",
    response=m.Done,
    tag="views",
)
def delete_view(c: Call) -> m.Done:
    c.who.write()
    Views(table_of(c)).delete(c.path["view_id"])
    return m.Done(ids=[c.path["view_id"]])


@endpoint(
    "GET",
    "/api/tables/{table_id}/views/{view_id}/records",
    "A page of a view's records",
    response=m.RecordPage,
    query=PAGE_QUERY,
    tag="views",
)
def view_records(c: Call) -> m.RecordPage:
    result = Views(table_of(c)).rows(
        c.path["view_id"], page=page_of(c.query), search=c.query.get("search") or None
    )
    return page_out(result)


def filter_out(f: Any) -> m.FilterOut:
    return m.FilterOut(
        id=f.id, table_id=f.table_id, name=f.name, filter=f.filter.model_dump(mode="json")
    )


@endpoint(
    "GET",
    "/api/tables/{table_id}/filters",
    "List the table's saved filters",
    response=m.FilterList,
    tag="views",
)
def list_filters(c: Call) -> m.FilterList:
    return m.FilterList(filters=[filter_out(f) for f in Views(table_of(c)).filters()])


@endpoint(
    "POST",
    "/api/tables/{table_id}/filters",
    "Create a saved filter",
    request=m.FilterIn,
    response=m.FilterOut,
    status=201,
    tag="views",
)
def create_filter(c: Call) -> m.FilterOut:
    c.who.write()
    return filter_out(Views(table_of(c)).create_filter(c.body.name, c.body.filter))


@endpoint(
    "PATCH",
    "/api/tables/{table_id}/filters/{filter_id}",
    "Rename or redefine a saved filter",
    request=m.FilterPatch,
    response=m.FilterOut,
    tag="views",
)
def patch_filter(c: Call) -> m.FilterOut:
    c.who.write()
    return filter_out(
        Views(table_of(c)).update_filter(
            c.path["filter_id"], name=c.body.name, filter=c.body.filter
        )
    )


@endpoint(
    "DELETE",
    "/api/tables/{table_id}/filters/{filter_id}",
    "Delete a saved filter (refused while in use)",
    response=m.Done,
    tag="views",
)
def delete_filter(c: Call) -> m.Done:
    c.who.write()
    Views(table_of(c)).delete_filter(c.path["filter_id"])
    return m.Done(ids=[c.path["filter_id"]])
