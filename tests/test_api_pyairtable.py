"""The `pyairtable` package, unmodified, against a live `tessera serve` (SQLite and PostgreSQL):
only the endpoint URL differs from a script written for Airtable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pyairtable import Api
from pyairtable.formulas import AND, GT, Field, match

from tests.api_server import Server, serve


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    with serve(db_url, tmp_path / "files") as s:
        yield s


@pytest.fixture
def api(server: Server) -> Api:
    return Api(server.token, endpoint_url=server.url, retry_strategy=False)


PRODUCT_FIELDS = [
    {"name": "Name", "type": "singleLineText"},
    {"name": "Price", "type": "currency", "options": {"precision": 2, "symbol": "¥"}},
    {"name": "Stock", "type": "number", "options": {"precision": 0}},
    {
        "name": "Tags",
        "type": "multipleSelects",
        "options": {"choices": [{"name": "new"}, {"name": "sale"}]},
    },
    {"name": "Active", "type": "checkbox", "options": {"icon": "check", "color": "greenBright"}},
    {
        "name": "Launched",
        "type": "date",
        "options": {"dateFormat": {"name": "iso", "format": "YYYY-MM-DD"}},
    },
    {
        "name": "Updated",
        "type": "dateTime",
        "options": {
            "timeZone": "Asia/Shanghai",
            "dateFormat": {"name": "us", "format": "M/D/YYYY"},
            "timeFormat": {"name": "24hour", "format": "HH:mm"},
        },
    },
    {"name": "Notes", "type": "multilineText"},
]


def make_base(api: Api):  # type: ignore[no-untyped-def]
    workspace = api.whoami()["workspaceId"]  # type: ignore[typeddict-item]
    return api.create_base(workspace, "Shop", [{"name": "Products", "fields": PRODUCT_FIELDS}])


def test_metadata_and_records(api: Api) -> None:
    me = api.whoami()
    assert me["id"].startswith("usr") and len(me["id"]) == 17
    base = make_base(api)
    assert [b.id for b in api.bases()] == [base.id]
    products = base.table("Products")
    schema = products.schema()
    assert schema.id.startswith("tbl") and schema.primary_field_id == schema.field("Name").id
    assert schema.field("Price").type == "currency"
    assert [v.type for v in schema.views] == ["grid"]

    # a table named with a slash, spaces and Chinese; links, lookups, rollups, counts, formulas
    orders = base.create_table("订单 / Orders", [{"name": "Ref", "type": "singleLineText"},
                                                 {"name": "Qty", "type": "number", "options": {"precision": 0}}])  # fmt: skip
    link = orders.create_field(
        "Product", "multipleRecordLinks", options={"linkedTableId": products.id}
    )
    orders.create_field("Unit price", "multipleLookupValues", options={
        "recordLinkFieldId": link.id, "fieldIdInLinkedTable": schema.field("Price").id})  # fmt: skip
    orders.create_field("Price sum", "rollup", options={
        "recordLinkFieldId": link.id, "fieldIdInLinkedTable": schema.field("Price").id,
        "formula": "SUM(values)"})  # fmt: skip
    orders.create_field("Products", "count", options={"recordLinkFieldId": link.id})
    total = orders.create_field("Total", "formula", options={"formula": "{Qty} * {Price sum}"})
    assert total.type == "formula" and total.options.formula == "{Qty} * {Price sum}"  # type: ignore[union-attr]

    pen = products.create({"Name": "Pen", "Price": 12.5, "Stock": 3, "Tags": ["new"], "Active": True,
                           "Launched": "2024-03-05", "Updated": "2024-03-05T10:00:00.000Z"})  # fmt: skip
    assert pen["id"].startswith("rec") and pen["fields"]["Price"] == 12.5
    assert pen["fields"]["Updated"] == "2024-03-05T10:00:00.000Z"
    by_name = api.table(base.id, "订单 / Orders")
    order = by_name.create({"Ref": "A-1", "Qty": 2, "Product": [pen["id"]]})
    got = by_name.get(order["id"])
    assert got["fields"]["Product"] == [pen["id"]]
    assert got["fields"]["Unit price"] == [12.5] and got["fields"]["Price sum"] == 12.5
    assert got["fields"]["Products"] == 1 and got["fields"]["Total"] == 25

    # cellFormat=string with a time zone and a locale; field ids as keys
    text = products.get(
        pen["id"], cell_format="string", time_zone="Asia/Shanghai", user_locale="en-us"
    )
    assert text["fields"]["Updated"] == "3/5/2024 18:00"
    assert text["fields"]["Active"] == "checked"
    keyed = products.get(pen["id"], use_field_ids=True)
    assert keyed["fields"][schema.field("Name").id] == "Pen"

    # typecast: text read the engine's way, and a new select option made
    cast = products.create(
        {"Name": "Cup", "Price": "¥1,299", "Stock": "7", "Tags": ["gift"]}, typecast=True
    )
    assert cast["fields"]["Price"] == 1299 and cast["fields"]["Tags"] == ["gift"]
    with pytest.raises(requests.HTTPError) as bad:
        products.create({"Name": "Bad", "Stock": "seven"})
    assert bad.value.response.status_code == 422
    assert bad.value.response.json()["error"]["type"] == "INVALID_VALUE_FOR_COLUMN"
    with pytest.raises(requests.HTTPError) as unknown:
        products.create({"Nope": 1})
    assert unknown.value.response.json()["error"]["type"] == "UNKNOWN_FIELD_NAME"
    with pytest.raises(requests.HTTPError) as missing:
        products.get("recAAAAAAAAAAAAAA")
    assert missing.value.response.status_code == 404
    assert missing.value.response.json() == {"error": "NOT_FOUND"}

    # update merges, replace clears the rest
    merged = products.update(pen["id"], {"Stock": 4})
    assert merged["fields"]["Stock"] == 4 and merged["fields"]["Name"] == "Pen"
    replaced = products.update(cast["id"], {"Name": "Mug"}, replace=True)
    assert replaced["fields"] == {"Name": "Mug"}

    # schema changes through the models' save()
    table_schema = products.schema(force=True)
    table_schema.description = "What we sell"
    table_schema.save()
    field = table_schema.field("Notes")
    field.name = "备注"
    field.save()
    again = products.schema(force=True)
    assert again.description == "What we sell" and again.field("备注").id == field.id


def test_listing_with_every_option(api: Api) -> None:
    base = make_base(api)
    products = base.table("Products")
    rows = [
        {"Name": f"P{i:03d}", "Price": float(i), "Stock": i % 7, "Active": i % 2 == 0,
         "Tags": ["sale"] if i % 5 == 0 else []}
        for i in range(500)
    ]  # fmt: skip
    created = products.batch_create(rows)
    assert len(created) == 500

    pages = list(products.iterate(page_size=10, max_records=25))
    assert [len(p) for p in pages] == [10, 10, 5]
    seen = [r["fields"]["Name"] for p in pages for r in p]
    assert seen == [f"P{i:03d}" for i in range(25)]  # the table's own order

    top = products.all(sort=["-Price"], max_records=3, fields=["Name", "Price"])
    assert [r["fields"] for r in top] == [
        {"Name": "P499", "Price": 499}, {"Name": "P498", "Price": 498}, {"Name": "P497", "Price": 497}
    ]  # fmt: skip
    picked = products.all(formula="AND({Price} >= 100, {Price} < 110, {Active})", sort=["Price"])
    assert [r["fields"]["Name"] for r in picked] == ["P100", "P102", "P104", "P106", "P108"]
    helper = products.all(formula=AND(GT(Field("Price"), 495), match({"Active": True})))
    assert sorted(r["fields"]["Name"] for r in helper) == ["P496", "P498"]
    text = products.all(formula="FIND('P00', {Name}) = 1", sort=["Name"])
    assert len(text) == 10
    assert products.first(formula="{Name} = 'P321'")["fields"]["Stock"] == 321 % 7  # type: ignore[index]
    on_sale = products.all(formula="FIND('sale', ARRAYJOIN({Tags}))", fields=["Name"])
    assert len(on_sale) == 100
    view = products.all(
        view="表格视图"
        if products.schema().views[0].name == "表格视图"
        else products.schema().views[0].name,
        max_records=2,
    )
    assert len(view) == 2
    with pytest.raises(requests.HTTPError) as bad:
        products.all(formula="{Price} >")
    assert bad.value.response.json()["error"]["type"] == "INVALID_FILTER_BY_FORMULA"

    # pages neither repeat nor skip records while others are added and deleted
    names: list[str] = []
    for i, page in enumerate(products.iterate(page_size=50, sort=["Price"])):
        names += [r["fields"]["Name"] for r in page]
        if i == 1:
            products.batch_delete([created[0]["id"], created[499]["id"]])
            products.create({"Name": "Early", "Price": -1})
    assert len(names) == len(set(names)) == 499
    assert "P000" in names and "P499" not in names


def test_upsert_and_batch_delete(api: Api) -> None:
    base = make_base(api)
    products = base.table("Products")
    products.batch_create([{"Name": "Pen", "Stock": 1}, {"Name": "Cup", "Stock": 2}])
    result = products.batch_upsert(
        [{"fields": {"Name": "Pen", "Stock": 10}}, {"fields": {"Name": "Ink", "Stock": 5}}],
        key_fields=["Name"],
    )
    assert len(result["createdRecords"]) == 1 and len(result["updatedRecords"]) == 1
    stock = {r["fields"]["Name"]: r["fields"].get("Stock") for r in products.all()}
    assert stock == {"Pen": 10, "Cup": 2, "Ink": 5}
    updated = products.batch_update([{"id": result["createdRecords"][0], "fields": {"Stock": 6}}])
    assert updated[0]["fields"]["Stock"] == 6
    ids = [r["id"] for r in products.all()]
    deleted = products.batch_delete(ids)
    assert all(d["deleted"] for d in deleted) and products.all() == []
    assert products.delete  # one at a time too
    one = products.create({"Name": "Solo"})
    assert products.delete(one["id"]) == {"id": one["id"], "deleted": True}
