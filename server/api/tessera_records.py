"""`/api/` records: pages in the table's order, queries with the full query spec, batches
that are all or nothing, conditional updates, trash and restore, history."""

from __future__ import annotations

from typing import Any

from engine.query import QueryContext, run
from schemas.query import Page, QuerySpec

from . import models as m
from .endpoints import Call, endpoint
from .errors import bad_request
from .tessera import field_keys, plain, record_out, table_of


# --- records ------------------------------------------------------------------------------------
def page_out(result: Any) -> m.RecordPage:
    groups = None
    if result.groups is not None:
        groups = [
            m.GroupOut(
                level=g.level, key=plain(list(g.key)), count=g.count, aggregates=plain(g.aggregates)
            )
            for g in result.groups
        ]
    return m.RecordPage(
        records=[record_out(r) for r in result.records], next=result.next, total=result.total,
        groups=groups, aggregates=plain(result.aggregates),
    )  # fmt: skip


def _query(c: Call, spec: QuerySpec) -> m.RecordPage:
    table = table_of(c)
    db = c.who.db
    from engine import permissions

    with db.read() as conn:
        schema = permissions.schema_for(conn, table.id, db.user)
        return page_out(run(conn, schema, spec, QueryContext(user_id=db.user)))


def page_of(q: dict[str, str]) -> Page:
    raw = q.get("page_size", "100")
    if not raw.isdecimal() or not 1 <= int(raw) <= 1000:
        raise bad_request(
            "page_size must be a whole number from 1 to 1000", "page_size 必须是 1 到 1000 的整数"
        )
    return Page(size=int(raw), after=q.get("after") or None)


PAGE_QUERY = [
    ("page_size", "integer", "records per page (1-1000)"),
    ("after", "string", "the previous page's next token"),
    ("search", "string", "quick search"),
]


@endpoint(
    "GET",
    "/api/tables/{table_id}/records",
    "A page of records in the table's order",
    response=m.RecordPage,
    query=PAGE_QUERY,
)
def list_records(c: Call) -> m.RecordPage:
    return _query(c, QuerySpec(page=page_of(c.query), search=c.query.get("search") or None))


@endpoint(
    "POST",
    "/api/tables/{table_id}/query",
    "Query records: nested filters, sorts, groups, search, keyset pages, aggregates",
    request=QuerySpec,
    response=m.RecordPage,
)
def query_records(c: Call) -> m.RecordPage:
    return _query(c, c.body)


@endpoint(
    "POST",
    "/api/tables/{table_id}/records",
    "Create records (all or none)",
    request=m.RecordsIn,
    response=m.RecordList,
    status=201,
)
def create_records(c: Call) -> m.RecordList:
    c.who.write()
    made = table_of(c).create_many([field_keys(r.fields) for r in c.body.records])
    return m.RecordList(records=[record_out(r) for r in made])


@endpoint(
    "PATCH",
    "/api/tables/{table_id}/records",
    "Update records (merge; all or none; version: only if unchanged)",
    request=m.RecordsPatch,
    response=m.RecordList,
)
def update_records(c: Call) -> m.RecordList:
    c.who.write()
    changes = [(r.id, field_keys(r.fields)) for r in c.body.records]
    versions = {r.id: r.version for r in c.body.records if r.version is not None}
    done = table_of(c).update_many(changes, expected_versions=versions or None)
    return m.RecordList(records=[record_out(r) for r in done])


@endpoint(
    "POST",
    "/api/tables/{table_id}/records/delete",
    "Move records to the trash (all or none)",
    request=m.RecordIds,
    response=m.Done,
)
def delete_records(c: Call) -> m.Done:
    c.who.write()
    table_of(c).delete(*c.body.ids)
    return m.Done(ids=c.body.ids)


@endpoint(
    "POST",
    "/api/tables/{table_id}/records/restore",
    "Restore records from the trash",
    request=m.RecordIds,
    response=m.Done,
)
def restore_records(c: Call) -> m.Done:
    c.who.write()
    table_of(c).restore(*c.body.ids)
    return m.Done(ids=c.body.ids)


@endpoint("GET", "/api/tables/{table_id}/records/{record_id}", "Get a record", response=m.RecordOut)
def get_record(c: Call) -> m.RecordOut:
    return record_out(table_of(c).get(c.path["record_id"]))


@endpoint(
    "PATCH",
    "/api/tables/{table_id}/records/{record_id}",
    "Update a record (merge; version: only if unchanged, else 409)",
    request=m.RecordPatch,
    response=m.RecordOut,
)
def update_record(c: Call) -> m.RecordOut:
    c.who.write()
    done = table_of(c).update(
        c.path["record_id"], field_keys(c.body.fields), expected_version=c.body.version
    )
    return record_out(done)


@endpoint(
    "DELETE",
    "/api/tables/{table_id}/records/{record_id}",
    "Move a record to the trash",
    response=m.Done,
)
def delete_record(c: Call) -> m.Done:
    c.who.write()
    table_of(c).delete(c.path["record_id"])
    return m.Done(ids=[c.path["record_id"]])


@endpoint(
    "GET",
    "/api/tables/{table_id}/records/{record_id}/history",
    "A record's changes, newest first",
    response=m.HistoryList,
)
def record_history(c: Call) -> m.HistoryList:
    table = table_of(c)
    table.get(c.path["record_id"])  # NotFound outside the user's rows
    entries = table.history(c.path["record_id"])
    return m.HistoryList(history=[m.HistoryOut(**e.__dict__) for e in entries])
