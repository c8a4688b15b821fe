"""Tessera's own API (`/api/`): contract tests on SQLite and PostgreSQL, and schemathesis
against its OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

import engine
from server.app import create_app


@pytest.fixture
def ann(db: engine.Database) -> int:
    return db.create_user("ann@example.com", "Ann", password="password123")


@pytest.fixture
def client(db: engine.Database, ann: int) -> Any:
    token = db.create_token("api", user=ann).token
    with TestClient(create_app(db, secret="s")) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        yield c


def make_table(client: Any) -> tuple[int, int]:
    base = client.post("/api/bases", json={"name": "Shop"})
    assert base.status_code == 201, base.text
    table = client.post(
        f"/api/bases/{base.json()['id']}/tables",
        json={
            "name": "客户",
            "fields": [
                {"name": "Name", "type": "text", "rules": {"required": True}},
                {"name": "Phone", "type": "phone", "rules": {"unique": True}},
                {"name": "Spent", "type": "currency", "rules": {"min": 0}},
            ],
        },
    )
    assert table.status_code == 201, table.text
    return base.json()["id"], table.json()["id"]


def test_schema_records_and_queries(client: Any) -> None:
    _base_id, table_id = make_table(client)
    assert [b["name"] for b in client.get("/api/bases").json()["bases"]] == ["Shop"]
    table = client.get(f"/api/tables/{table_id}").json()
    assert [f["name"] for f in table["fields"]] == ["Name", "Phone", "Spent"]
    assert table["fields"][0]["rules"] == {"required": True}

    made = client.post(f"/api/tables/{table_id}/records", json={"records": [
        {"fields": {"Name": "张三", "Phone": "13800138000", "Spent": "¥1,299"}},
        {"fields": {"Name": "李四", "Phone": "13900139000", "Spent": 20}},
    ]})  # fmt: skip
    assert made.status_code == 201, made.text
    zhang, li = made.json()["records"]
    assert zhang["fields"]["Spent"] == 1299 and zhang["version"] == 1

    page = client.post(f"/api/tables/{table_id}/query", json={
        "filter": {"items": [{"field": "Spent", "op": ">", "value": 100}]},
        "sorts": [{"field": "Name", "direction": "desc"}], "page": {"size": 1},
        "aggregates": [{"field": "Spent", "fn": "sum"}],
    })  # fmt: skip
    assert page.status_code == 200, page.text
    assert [r["id"] for r in page.json()["records"]] == [zhang["id"]] and page.json()["total"] == 1
    first = client.get(f"/api/tables/{table_id}/records", params={"page_size": 1}).json()
    second = client.get(
        f"/api/tables/{table_id}/records", params={"page_size": 1, "after": first["next"]}
    ).json()
    assert [first["records"][0]["id"], second["records"][0]["id"]] == [zhang["id"], li["id"]]
    assert second["next"] is None

    # plain PATCH merges; a stale version is a conflict
    r = client.patch(
        f"/api/tables/{table_id}/records/{li['id']}", json={"fields": {"Spent": 30}, "version": 1}
    )
    assert (
        r.status_code == 200 and r.json()["fields"]["Name"] == "李四" and r.json()["version"] == 2
    )
    stale = client.patch(
        f"/api/tables/{table_id}/records/{li['id']}", json={"fields": {"Spent": 40}, "version": 1}
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"

    # a batch with problems writes nothing and lists every problem, in English and Chinese
    bad = client.post(f"/api/tables/{table_id}/records", json={"records": [
        {"fields": {"Name": "王五", "Spent": -1}}, {"fields": {"Phone": "13800138000"}},
    ]})  # fmt: skip
    assert bad.status_code == 422
    problems = bad.json()["error"]["problems"]
    assert {(p["row"], p["field"]) for p in problems} >= {(0, "Spent"), (1, "Name")}
    assert all(p["message"]["en"] and p["message"]["zh"] for p in problems)
    assert client.get(f"/api/tables/{table_id}/records").json()["total"] == 2

    # trash and restore, history
    assert (
        client.post(f"/api/tables/{table_id}/records/delete", json={"ids": [li["id"]]}).status_code
        == 200
    )
    assert client.get(f"/api/tables/{table_id}/records/{li['id']}").status_code == 404
    assert (
        client.post(f"/api/tables/{table_id}/records/restore", json={"ids": [li["id"]]}).status_code
        == 200
    )
    history = client.get(f"/api/tables/{table_id}/records/{li['id']}/history").json()["history"]
    assert {h["kind"] for h in history} >= {"create", "update"}

    # fields, views, saved filters, export
    f = client.post(
        f"/api/tables/{table_id}/fields",
        json={"name": "Level", "type": "single_select", "options": {"choices": ["VIP", "普通"]}},
    )
    assert f.status_code == 201, f.text
    r = client.patch(
        f"/api/tables/{table_id}/fields/{f.json()['id']}",
        json={"name": "等级", "description": "tier"},
    )
    assert r.json()["name"] == "等级" and r.json()["description"] == "tier"
    saved = client.post(
        f"/api/tables/{table_id}/filters",
        json={"name": "Big", "filter": {"items": [{"field": "Spent", "op": ">", "value": 100}]}},
    )
    assert saved.status_code == 201, saved.text
    view = client.post(
        f"/api/tables/{table_id}/views",
        json={
            "name": "Big spenders",
            "query": {"filter": {"items": [{"saved_filter": saved.json()["id"]}]}},
        },
    )
    assert view.status_code == 201, view.text
    rows = client.get(f"/api/tables/{table_id}/views/{view.json()['id']}/records").json()
    assert [r["id"] for r in rows["records"]] == [zhang["id"]]
    in_use = client.delete(f"/api/tables/{table_id}/filters/{saved.json()['id']}")
    assert in_use.status_code == 409
    csv = client.get(f"/api/tables/{table_id}/export", params={"format": "csv"})
    assert csv.status_code == 200 and "张三" in csv.text


def test_errors_and_tokens(client: Any, db: engine.Database, ann: int) -> None:
    _base_id, table_id = make_table(client)
    assert client.get("/api/tables/999999").status_code == 404
    assert client.get(f"/api/tables/{2**60}").status_code == 404
    r = client.post("/api/bases", content=b"{not json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    r = client.post(f"/api/tables/{table_id}/query", json={"page": {"size": 0}, "nope": 1})
    assert r.status_code == 422 and len(r.json()["error"]["problems"]) == 2
    r = client.post(
        f"/api/tables/{table_id}/query",
        json={"filter": {"items": [{"field": "Nope", "op": "is", "value": 1}]}},
    )
    assert r.status_code == 422
    big = client.post("/api/bases", content=b'{"name": "' + b"x" * (6 * 1024 * 1024) + b'"}')
    assert big.status_code == 413
    # a read-only token cannot write; a token for another base sees nothing here
    reader = db.create_token("read", user=ann, can_write=False).token
    r = client.post(f"/api/tables/{table_id}/records", json={"records": [{"fields": {"Name": "x"}}]},
                    headers={"Authorization": f"Bearer {reader}"})  # fmt: skip
    assert r.status_code == 403 and r.json()["error"]["code"] == "read_only_token"
    other = db.acting_as(ann).create_base("Other")
    scoped = db.create_token("other", user=ann, bases=[other.id]).token
    r = client.get(f"/api/tables/{table_id}", headers={"Authorization": f"Bearer {scoped}"})
    assert r.status_code == 404
    assert (
        client.get("/api/bases", headers={"Authorization": f"Bearer {scoped}"}).json()["bases"][0][
            "name"
        ]
        == "Other"
    )


def test_openapi_and_docs(client: Any) -> None:
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    query = doc["paths"]["/api/tables/{table_id}/query"]["post"]
    assert query["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/QuerySpec"
    )
    assert "FilterGroup" in doc["components"]["schemas"]
    assert {"404", "409", "422", "429"} <= set(query["responses"])
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/tables/{table_id}/records" in page.text


def test_schemathesis_finds_no_server_errors(tmp_path: Any) -> None:
    """Generated requests against every operation: never a 5xx (SQLite; a bounded run)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    db = engine.connect(f"sqlite:///{tmp_path / 'fuzz.db'}", data_dir=tmp_path / "files")
    ann = db.create_user("fuzz@example.com", "Fuzz", password="password123")
    token = db.create_token("fuzz", user=ann).token
    base = db.acting_as(ann).create_base("Fuzz")
    table = base.create_table(
        "T", fields=[{"name": "Name", "type": "text"}, {"name": "N", "type": "number"}]
    )
    table.create({"Name": "a", "N": 1})
    app = create_app(db, secret="s")
    schema = schemathesis.openapi.from_asgi(
        "/api/openapi.json", app, headers={"Authorization": f"Bearer {token}"}
    )
    failures: list[tuple[str, int, str]] = []
    statuses: list[int] = []

    def check_operation(op: Any) -> None:
        @given(op.as_strategy())
        @settings(
            max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            response = case.call()
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append((op.label, response.status_code, response.text[:200]))

        check()

    for operation in schema.get_all_operations():
        check_operation(operation.ok())
    db.close()
    assert failures == []
    assert len(statuses) > 2 * len(list(schema.get_all_operations())) and 200 in statuses


def test_import_a_csv_file(client: Any) -> None:
    base_id, table_id = make_table(client)
    data = "Name,Phone,Spent\n王五,13700137000,88\n赵六,13600136000,12.5\n".encode()
    url = f"/api/bases/{base_id}/imports"
    dry = client.post(
        url, params={"filename": "more.csv", "into": "客户", "dry_run": "true"}, content=data
    )
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert client.get(f"/api/tables/{table_id}/records").json()["total"] == 0
    done = client.post(url, params={"filename": "more.csv", "into": "客户"}, content=data).json()
    assert done["inserted"] == 2 and done["sheets"][0]["table_id"] == table_id
    names = [
        r["fields"]["Name"] for r in client.get(f"/api/tables/{table_id}/records").json()["records"]
    ]
    assert names == ["王五", "赵六"]
    new = client.post(url, params={"filename": "订单.csv"}, content=b"Ref,Qty\nA-1,2\n").json()
    assert new["sheets"][0]["created"] is True and new["inserted"] == 1
    bad = client.post(url, params={"filename": "x.txt"}, content=b"hello")
    assert bad.status_code == 422
    junk = client.post(url, params={"filename": "x.xlsx"}, content=b"not a workbook")
    assert junk.status_code == 422 and junk.json()["error"]["message"]["zh"]


def test_dashboards(client: Any) -> None:
    base_id, table_id = make_table(client)
    client.post(f"/api/tables/{table_id}/records", json={"records": [
        {"fields": {"Name": "张三", "Spent": 100}},
        {"fields": {"Name": "李四", "Spent": 20}},
    ]})  # fmt: skip
    made = client.post(f"/api/bases/{base_id}/dashboards", json={
        "name": "看板",
        "widgets": [{"kind": "number", "table": "客户", "value": {"fn": "sum", "field": "Spent"}}],
    })  # fmt: skip
    assert made.status_code == 201, made.text
    board = made.json()
    spent_id = next(
        f["id"]
        for f in client.get(f"/api/tables/{table_id}").json()["fields"]
        if f["name"] == "Spent"
    )
    assert board["widgets"][0]["table"] == table_id
    assert board["widgets"][0]["value"] == {"fn": "sum", "field": spent_id}
    url = f"/api/bases/{base_id}/dashboards/{board['id']}"
    added = client.post(url + "/widgets", json={"widget": {
        "kind": "bar", "table": table_id, "group": {"field": "Name"}, "title": "按客户",
    }})  # fmt: skip
    assert added.status_code == 201, added.text
    data = client.get(url + "/data").json()["widgets"]
    assert data[0]["value"] == 120
    assert [x["text"] for x in data[1]["labels"]] == ["张三", "李四"]
    assert data[1]["values"] == [[1], [1]] and data[1]["total"] == 2
    wid = data[1]["id"]
    one = client.get(url + "/data", params={"widget": wid}).json()["widgets"]
    assert [w["id"] for w in one] == [wid]
    bad = client.post(url + "/widgets", json={"widget": {"kind": "bar", "table": table_id,
                                                         "group": {"field": "Nope"}}})  # fmt: skip
    assert bad.status_code in (400, 422) and "Nope" in bad.text
    renamed = client.patch(url, json={"name": "经营", "widgets": added.json()["widgets"][1:]})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "经营" and len(renamed.json()["widgets"]) == 1
    assert [
        d["name"] for d in client.get(f"/api/bases/{base_id}/dashboards").json()["dashboards"]
    ] == ["经营"]
    assert client.delete(url).status_code == 200
    assert client.get(url).status_code == 404
