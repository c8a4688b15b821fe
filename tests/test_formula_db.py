"""The formula sandbox every formula test evaluates against: a small real table with typed
columns, on SQLite (with the formula functions registered on connect) and on PostgreSQL (in a
schema of its own), plus the tests of how compiled formulas run inside statements.

Each module that uses the `fdb` fixture gets one database per backend (the tests only read the
sample rows, or write inside a transaction that is rolled back)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine, make_url

from engine.formula import (
    FieldInfo,
    FType,
    compile_condition,
    compile_error,
    compile_formula,
    parse,
    register_sqlite_functions,
)
from engine.formula.pyvalues import float_text
from engine.sqltypes import ISODate, UTCDateTime, json_type

UTC = dt.UTC
md = sa.MetaData()
T = sa.Table(
    "sandbox",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("num", sa.Float),
    sa.Column("qty", sa.Float),
    sa.Column("rating", sa.Integer),
    sa.Column("name", sa.Text),
    sa.Column("notes", sa.Text),
    sa.Column("code", sa.Text),
    sa.Column("stamp", sa.Text),
    sa.Column("dmy", sa.Text),
    sa.Column("words", sa.Text),
    sa.Column("due", ISODate()),
    sa.Column("at", UTCDateTime()),
    sa.Column("done", sa.Boolean),
    sa.Column("tags", json_type()),
    sa.Column("amounts", json_type()),
    sa.Column("files", json_type()),
    sa.Column("cny", sa.Float),
    sa.Column("created", UTCDateTime()),
    sa.Column("modified", UTCDateTime()),
    sa.Column("out_num", sa.Float),
    sa.Column("out_text", sa.Text),
    sa.Column("out_day", ISODate()),
    sa.Column("out_at", UTCDateTime()),
    sa.Column("out_flag", sa.Boolean),
    sa.Column("out_list", json_type()),
)
# field name -> (id, column, type)
FIELDS: dict[str, tuple[int, str, FType]] = {
    "Num": (1, "num", FType.NUMBER),
    "Qty": (2, "qty", FType.NUMBER),
    "Rating": (3, "rating", FType.NUMBER),
    "Name": (4, "name", FType.TEXT),
    "Notes": (5, "notes", FType.TEXT),
    "Code": (6, "code", FType.TEXT),
    "Due": (7, "due", FType.DATE),
    "When": (8, "at", FType.DATETIME),
    "Done": (9, "done", FType.BOOLEAN),
    "Tags": (10, "tags", FType.ARRAY),
    "Amounts": (11, "amounts", FType.ARRAY),
    "Files": (12, "files", FType.ARRAY),
    "金额 (元)": (13, "cny", FType.NUMBER),
    "Stamp": (14, "stamp", FType.TEXT),
    "Dmy": (15, "dmy", FType.TEXT),
    "Words": (16, "words", FType.TEXT),
}
BY_NAME = {name: FieldInfo(fid, name, ftype) for name, (fid, _, ftype) in FIELDS.items()}
BY_ID = {info.id: info for info in BY_NAME.values()}
COLUMNS = {fid: T.c[col] for fid, col, _ in FIELDS.values()}
_STAMP = dt.datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
ROWS: list[dict[str, Any]] = [
    {  # 1: everything filled in
        "id": 1,
        "num": 1.5,
        "qty": 2.0,
        "rating": 4,
        "name": "Hello World",
        "notes": "  Mixed Case  ",
        "code": "12.5",
        "stamp": "2024-03-05 10:00:00.25+05:30",
        "dmy": "5/3/2024 2:30 pm",
        "words": "Tuesday, 5th March 2024",
        "due": dt.date(2024, 3, 5),
        "at": dt.datetime(2024, 3, 5, 14, 30, tzinfo=UTC),
        "done": True,
        "tags": ["a", "b", None, "a", ""],
        "amounts": [1, 2.5, None, "x", True],
        "files": [{"name": "a.png", "size": 1}, {"name": "b.pdf", "size": 2}],
        "cny": 99.5,
        "created": _STAMP,
        "modified": dt.datetime(2024, 2, 1, 9, 15, 30, 123000, tzinfo=UTC),
    },
    {"id": 2, "done": False, "created": _STAMP},  # 2: blank
    {  # 3: awkward values
        "id": 3,
        "num": -2.5,
        "qty": 0.0,
        "rating": 1,
        "name": "中文 文本",
        "notes": "ÄÖ Straße",
        "code": "abc",
        "stamp": "2024-02-30",
        "dmy": "31/2/2024 1:00 am",
        "words": "1709649000",
        "due": dt.date(2024, 12, 31),
        "at": dt.datetime(2024, 11, 3, 5, 30, tzinfo=UTC),
        "done": False,
        "tags": [["x", ["y"]], "z", 3],
        "amounts": [10, -4],
        "cny": 0.0,
        "created": _STAMP,
        "modified": _STAMP,
    },
]


def by_name(name: str) -> FieldInfo | None:
    return BY_NAME.get(name)


def by_id(fid: int) -> FieldInfo | None:
    return BY_ID.get(fid)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    register_sqlite_functions(dbapi_connection)


@dataclass
class FormulaDB:
    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def compile(self, text: str, *, tz: str = "UTC", now: dt.datetime | None = None) -> Any:
        return compile_formula(parse(text, by_name), COLUMNS.__getitem__, **self.kw(tz, now))

    def kw(self, tz: str = "UTC", now: dt.datetime | None = None) -> dict[str, Any]:
        return {
            "dialect": self.dialect,
            "record_id": T.c.id,
            "created": T.c.created,
            "modified": T.c.modified,
            "timezone": tz,
            "now": None if now is None else sa.literal(now, UTCDateTime()),
        }

    def ev(
        self, text: str, row: int = 1, *, tz: str = "UTC", now: dt.datetime | None = None
    ) -> Any:
        """The value of formula `text` for sample row `row`."""
        expr = self.compile(text, tz=tz, now=now)
        with self.engine.connect() as conn:
            return conn.execute(sa.select(expr).select_from(T).where(T.c.id == row)).scalar_one()

    def rows(self, text: str, **kw: Any) -> list[Any]:
        """The value of formula `text` for every sample row, in id order."""
        expr = self.compile(text, **kw)
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(expr).select_from(T).order_by(T.c.id)).scalars())


def _build(engine: Engine) -> Iterator[FormulaDB]:
    md.create_all(engine)
    with engine.begin() as conn:
        for row in ROWS:
            conn.execute(T.insert().values(**row))
    yield FormulaDB(engine)
    engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "pg"])
def fdb(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FormulaDB]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("formula") / "sandbox.db"
        engine = sa.create_engine(f"sqlite:///{path}", json_serializer=_dumps)
        sa.event.listen(engine, "connect", _on_connect)
        yield from _build(engine)
        return
    admin = request.getfixturevalue("pg_admin")
    schema = "formula_" + uuid.uuid4().hex[:12]
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(str(admin.url.render_as_string(hide_password=False)))
    url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield from _build(sa.create_engine(url, json_serializer=_dumps))
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


# --- compiled formulas inside statements --------------------------------------------------------
MATERIALIZED = [
    ("out_num", "{Num} * {Qty} + LEN({Name})", [14.0, 0.0, 5.0]),
    ("out_text", "UPPER(LEFT({Name}, 5)) & '-' & {Rating}", ["HELLO-4", "-", "中文 文本-1"]),
    ("out_day", "DATEADD({Due}, 1, 'months')", [dt.date(2024, 4, 5), None, dt.date(2025, 1, 31)]),
    (
        "out_at",
        "DATEADD({When}, 90, 'minutes')",
        [dt.datetime(2024, 3, 5, 16, tzinfo=UTC), None, dt.datetime(2024, 11, 3, 7, tzinfo=UTC)],
    ),
    ("out_flag", "{Num} > 0", [True, False, False]),
    ("out_list", "ARRAYCOMPACT({Tags})", [["a", "b", "a"], None, ["x", "y", "z", 3]]),
    ("out_num", "1 / {Qty}", [0.5, None, None]),
]


@pytest.mark.parametrize(("column", "text", "expected"), MATERIALIZED)
def test_a_formula_materializes_with_one_set_based_update(
    fdb: FormulaDB, column: str, text: str, expected: list[Any]
) -> None:
    expr = fdb.compile(text)
    with fdb.engine.connect() as conn, conn.begin() as tx:
        conn.execute(sa.update(T).values({column: expr}).where(T.c.id.in_([1, 2, 3])))
        stored = list(conn.execute(sa.select(T.c[column]).order_by(T.c.id)).scalars())
        tx.rollback()
    assert stored == expected


def test_iserror_sees_an_error_that_is_null_in_storage(fdb: FormulaDB) -> None:
    assert fdb.rows("1 / {Qty}") == [0.5, None, None]
    assert fdb.rows("ISERROR(1 / {Qty})") == [False, True, True]
    assert fdb.rows("IF(ISERROR(1 / {Qty}), 'n/a', 1 / {Qty})") == ["0.5", "n/a", "n/a"]


def test_condition_is_false_for_errors_and_blanks(fdb: FormulaDB) -> None:
    def ids(text: str) -> list[int]:
        cond = compile_condition(parse(text, by_name), COLUMNS.__getitem__, **fdb.kw())
        with fdb.engine.connect() as conn:
            return list(conn.execute(sa.select(T.c.id).where(cond).order_by(T.c.id)).scalars())

    assert ids("{Num} > 0") == [1]
    assert ids("{Name}") == [1, 3]
    assert ids("10 / {Qty} > 1") == [1]
    assert ids("NOT({Done})") == [2, 3]
    assert ids("{Due} = BLANK()") == [2]


def test_compile_error_marks_error_rows(fdb: FormulaDB) -> None:
    cond = compile_error(parse("VALUE({Code})", by_name), COLUMNS.__getitem__, **fdb.kw())
    with fdb.engine.connect() as conn:
        flags = list(conn.execute(sa.select(cond).select_from(T).order_by(T.c.id)).scalars())
    assert [bool(f) for f in flags] == [False, False, True]


def test_user_text_is_bound_never_sql(fdb: FormulaDB) -> None:
    evil = "x'); DROP TABLE sandbox; --"
    expr = fdb.compile(f'{{Name}} & "{evil}"')
    sql = str(expr.compile(fdb.engine))
    assert "DROP TABLE" not in sql
    assert fdb.ev(f'"{evil}"') == evil


def test_the_current_time_can_be_given(fdb: FormulaDB) -> None:
    now = dt.datetime(2024, 3, 5, 17, 0, tzinfo=UTC)  # 6 March 01:00 in Shanghai
    assert fdb.ev("NOW()", now=now) == now
    assert fdb.ev("TODAY()", now=now) == dt.date(2024, 3, 5)
    assert fdb.ev("TODAY()", now=now, tz="Asia/Shanghai") == dt.date(2024, 3, 6)
    assert fdb.ev("DATETIME_DIFF(NOW(), {When}, 'hours')", now=now) == 2
    assert isinstance(fdb.ev("NOW()"), dt.datetime)  # the database's clock by default


def test_sqlite_functions_are_deterministic(tmp_path: Any) -> None:
    conn = sqlite3.connect(tmp_path / "x.db")
    register_sqlite_functions(conn)
    conn.execute("CREATE TABLE t (s TEXT)")
    conn.execute("CREATE INDEX t_lower ON t (tessera_lower(s))")  # only deterministic ones may
    conn.execute("INSERT INTO t VALUES ('ÄB')")
    assert conn.execute("SELECT tessera_lower(s), tessera_num_text(1.0) FROM t").fetchone() == (
        "äb",
        "1",
    )
    assert conn.execute("SELECT tessera_value('abc'), tessera_value(NULL)").fetchone() == (
        None,
        None,
    )
    conn.close()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(-(10**17), 10**17).map(lambda i: i / 8),  # ties between 16 digits
            st.integers(-1074, 1023).map(lambda k: 2.0**k),  # lopsided rounding intervals
        ),
        min_size=1,
        max_size=40,
    )
)
def test_numbers_are_written_as_text_alike(fdb: FormulaDB, values: list[float]) -> None:
    """SQLite's number-to-text function is Python's twin of PostgreSQL's float8 output."""
    x = [sa.literal(v, sa.Float) for v in values]
    if fdb.dialect == "postgresql":
        texts = [sa.cast(v + 0.0, sa.Text) for v in x]
    else:
        texts = [sa.func.tessera_num_text(v) for v in x]
    with fdb.engine.connect() as conn:
        got = conn.execute(sa.select(*texts)).one()
    assert list(got) == [float_text(v) for v in values]


NESTED = [
    ("{Due}", "DATEADD(#, 1, 'days')", dt.date(2024, 3, 11)),
    ("{When}", "DATEADD(#, 1, 'months')", dt.datetime(2024, 9, 5, 14, 30, tzinfo=UTC)),
    ("{Num} * 1.11", "ROUNDUP(#, 2)", 1.67),
    ("{Num}", "EVEN(#)", 2),
    ("{Name}", "RIGHT(#, 5)", "World"),
    ("{Name}", "SUBSTITUTE(#, 'o', 'o', 1)", "Hello World"),
    ("{Qty}", "POWER(#, 1)", 2),
    ("{Name}", "LEFT(# & '!', 20)", "Hello World!!!!!!"),
    ("{Due}", "IF({Num} > 1, DATEADD(#, 1, 'days'), {Due})", dt.date(2024, 3, 11)),
    ("{Due}", "DATETIME_FORMAT(#, 'YYYY-MM-DD')", "2024-03-05"),
    ("{Num}", "VALUE(# & '')", 1.5),
    ("{Name}", "FIND('o', #, 2) & ''", "0"),
    ("{Num}", "1 / (1 + #)", 0.62),
]


@pytest.mark.parametrize(("seed", "wrap", "expected"), NESTED)
def test_nested_formulas_do_not_blow_up(
    fdb: FormulaDB, seed: str, wrap: str, expected: Any
) -> None:
    """Each level of nesting adds to the SQL (errors make it quadratic), never doubles it."""

    def nest(depth: int) -> str:
        text = seed
        for _ in range(depth):
            text = wrap.replace("#", text)
        return text

    assert fdb.ev(nest(6)) == expected
    half, full = (len(str(fdb.compile(nest(d)).compile(fdb.engine))) for d in (4, 8))
    assert full < 6 * half, (half, full)  # doubling every level would be 16 times


def test_long_if_chains_become_one_case(fdb: FormulaDB) -> None:
    grades = "'none'"
    for i in range(40):
        grades = f"IF({{Rating}} = {i}, 'grade {i}', {grades})"
    assert fdb.rows(grades) == ["grade 4", "grade 0", "grade 1"]
    assert str(fdb.compile(grades)).count("CASE") == 1
