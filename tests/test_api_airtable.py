"""The Airtable-compatible API (`/v0/`): contract tests on SQLite and PostgreSQL — ids, paging,
errors in Airtable's shapes, tokens, the rate limit — and a restricted user who never sees hidden
fields or other people's rows through either API."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

import engine
from server.api import ids, ratelimit
from server.app import create_app
from views.api import Views


@pytest.fixture
def ann(db: engine.Database) -> int:
    return db.create_user("ann@example.com", "Ann", password="password123")


@pytest.fixture
def app(db: engine.Database) -> Any:
    return create_app(db, secret="s")


def auth(db: engine.Database, user: int, **kw: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {db.create_token('t', user=user, **kw).token}"}


def test_ids_are_stable_and_reversible() -> None:
    assert ids.encode("rec", 1) == "rec6sGooopvOz938D"  # the format never changes
    for n in (0, 1, 2, 99, 123456789, 2**63):
        for prefix in ("app", "tbl", "fld", "viw", "rec"):
            text = ids.encode(prefix, n)
            assert len(text) == 17 and ids.decode(prefix, text) == n
    assert ids.decode("tbl", ids.encode("rec", 5)) is None
    assert ids.decode("rec", "recAAAAAAAAAAAAAA") is None


def test_records_paging_and_errors(db: engine.Database, ann: int, app: Any) -> None:
    base = db.acting_as(ann).create_base("Shop")
    table = base.create_table(
        "A/B 客户 x", fields=[{"name": "Name", "type": "text"}, {"name": "N", "type": "number"}]
    )
    table.create_many([{"Name": f"r{i}", "N": i} for i in range(30)])
    client = TestClient(app)
    h = auth(db, ann)
    url = f"/v0/{ids.encode('app', base.id)}/{quote('A/B 客户 x', safe='')}"
    r = client.get(
        url,
        params={
            "pageSize": 7,
            "maxRecords": 10,
            "sort[0][field]": "N",
            "sort[0][direction]": "desc",
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    first = r.json()
    assert [x["fields"]["N"] for x in first["records"]] == list(range(29, 22, -1))
    table.create({"Name": "new", "N": 100})  # a write between pages changes nothing already listed
    r = client.get(url, params={"pageSize": 7, "maxRecords": 10, "sort[0][field]": "N", "sort[0][direction]": "desc",
                                "offset": first["offset"]}, headers=h)  # fmt: skip
    assert [x["fields"]["N"] for x in r.json()["records"]] == [
        22,
        21,
        20,
    ] and "offset" not in r.json()
    # the offset belongs to its query
    r = client.get(url, params={"offset": first["offset"]}, headers=h)
    assert (
        r.status_code == 422 and r.json()["error"]["type"] == "LIST_RECORDS_ITERATOR_NOT_AVAILABLE"
    )
    # POST listRecords takes the same options in the body
    r = client.post(
        url + "/listRecords",
        json={"filterByFormula": "{N} < 2", "sort": [{"field": "N"}], "fields": ["N"]},
        headers=h,
    )
    assert [x["fields"] for x in r.json()["records"]] == [{"N": 0}, {"N": 1}]
    assert client.get(url, params={"pageSize": 101}, headers=h).status_code == 422
    r = client.get(url, params={"filterByFormula": "{Nope} = 1"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["type"] == "INVALID_FILTER_BY_FORMULA"
    r = client.get(url, params={"sort[0][field]": "Nope"}, headers=h)
    assert r.json()["error"]["type"] == "UNKNOWN_FIELD_NAME"
    assert client.get(f"/v0/{ids.encode('app', base.id)}/Missing", headers=h).json() == {
        "error": "NOT_FOUND"
    }
    r = client.post(
        url, json={"records": [{"fields": {"Name": str(i)}} for i in range(11)]}, headers=h
    )
    assert r.status_code == 422 and r.json()["error"]["type"] == "INVALID_RECORDS"
    r = client.post(
        url, json={"records": [{"fields": {"Name": "ok"}}, {"fields": {"N": "x"}}]}, headers=h
    )
    assert r.status_code == 422 and table.count() == 31  # all or nothing
    assert client.get(url, headers={"Authorization": "Bearer tsr_wrong"}).status_code == 401


def test_zero_is_kept(db: engine.Database, ann: int, app: Any) -> None:
    base = db.acting_as(ann).create_base("Z")
    table = base.create_table(
        "T", fields=[{"name": "Name", "type": "text"}, {"name": "N", "type": "number"}]
    )
    rec = table.create({"Name": "zero", "N": 0})
    r = TestClient(app).get(
        f"/v0/{ids.encode('app', base.id)}/T/{ids.encode('rec', rec.id)}", headers=auth(db, ann)
    )
    assert r.json()["fields"] == {"Name": "zero", "N": 0}


def test_tokens_and_rate_limit(db: engine.Database, ann: int, app: Any, monkeypatch: Any) -> None:
    base = db.acting_as(ann).create_base("Shop")
    base.create_table("T", fields=[{"name": "Name", "type": "text"}])
    other = db.acting_as(ann).create_base("Other")
    client = TestClient(app)
    url = f"/v0/{ids.encode('app', base.id)}/T"
    reader = auth(db, ann, can_write=False)
    assert client.get(url, headers=reader).status_code == 200
    r = client.post(url, json={"fields": {"Name": "x"}}, headers=reader)
    assert r.status_code == 403 and r.json()["error"]["type"] == "INVALID_PERMISSIONS"
    scoped = auth(db, ann, bases=[other.id])
    assert client.get(url, headers=scoped).status_code == 404
    listed = client.get("/v0/meta/bases", headers=scoped).json()["bases"]
    assert [b["name"] for b in listed] == ["Other"]

    monkeypatch.setenv("TESSERA_API_RATE", "1")
    monkeypatch.setenv("TESSERA_API_BURST", "2")
    ratelimit.limiter.cache_clear()
    try:
        h = auth(db, ann)
        codes = [client.get(url, headers=h).status_code for _ in range(3)]
        assert codes[:2] == [200, 200] and codes[2] == 429
        r = client.get(url, headers=h)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.json()["error"]["type"] == "RATE_LIMIT_REACHED"
        assert (
            client.get(f"/v0/{ids.encode('app', other.id)}/x", headers=h).status_code == 404
        )  # per base
    finally:
        ratelimit.limiter.cache_clear()


def test_restricted_user_sees_only_what_they_may(db: engine.Database, ann: int, app: Any) -> None:
    bob = db.create_user("bob@example.com", "Bob", password="password123")
    owner = db.acting_as(ann)
    base = owner.create_base("CRM")
    customers = base.create_table("Customers", fields=[
        {"name": "Name", "type": "text"}, {"name": "Phone", "type": "phone"},
        {"name": "Owner", "type": "user"},
    ])  # fmt: skip
    customers.create_many([
        {"Name": "mine", "Phone": "13800138000", "Owner": bob},
        {"Name": "theirs", "Phone": "13900139000", "Owner": ann},
    ])  # fmt: skip
    base.add_member(bob, "editor")
    customers.set_field_permission("Phone", "editor", "hidden")
    mine = Views(customers).create_filter(
        "Mine", {"items": [{"field": "Owner", "op": "is", "value": "me"}]}
    )
    customers.add_row_permission(mine.id, role="editor")

    client = TestClient(app)
    h = auth(db, bob)
    app_id = ids.encode("app", base.id)
    listed = client.get(f"/v0/{app_id}/Customers", headers=h).json()["records"]
    assert [r["fields"]["Name"] for r in listed] == ["mine"]
    assert all("Phone" not in r["fields"] for r in listed)
    assert (
        client.get(f"/v0/{app_id}/Customers", params={"fields[]": "Phone"}, headers=h).status_code
        == 422
    )
    r = client.get(
        f"/v0/{app_id}/Customers", params={"filterByFormula": "{Phone} != ''"}, headers=h
    )
    assert r.status_code == 422  # a hidden field is an unknown field, even in a formula
    schema = client.get(f"/v0/meta/bases/{app_id}/tables", headers=h).json()["tables"][0]
    assert [f["name"] for f in schema["fields"]] == ["Name", "Owner"]
    theirs = next(r for r in customers.all() if r["Name"] == "theirs")
    assert (
        client.get(f"/v0/{app_id}/Customers/{ids.encode('rec', theirs.id)}", headers=h).status_code
        == 404
    )
    r = client.patch(
        f"/v0/{app_id}/Customers/{ids.encode('rec', theirs.id)}",
        json={"fields": {"Name": "x"}},
        headers=h,
    )
    assert r.status_code == 404

    # the same through /api/
    own = client.get(f"/api/tables/{customers.id}/records", headers=h).json()
    assert [r["fields"] for r in own["records"]] == [{"Name": "mine", "Owner": bob}]
    assert (
        client.get(f"/api/tables/{customers.id}/records/{theirs.id}", headers=h).status_code == 404
    )
    r = client.post(
        f"/api/tables/{customers.id}/query", json={"sorts": [{"field": "Phone"}]}, headers=h
    )
    assert r.status_code == 422
    fields = client.get(f"/api/tables/{customers.id}", headers=h).json()["fields"]
    assert [f["name"] for f in fields] == ["Name", "Owner"]
