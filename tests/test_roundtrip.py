"""Property tests: every field type keeps what it accepts.

For each type, a value is written through the engine and read back in a fresh transaction; what
comes back must equal the type's own `normalize(value)` (and normalising it again changes
nothing). A value the type refuses must be refused by the engine with the same code, and nothing
written. Where text is a faithful form of a value, `from_text(to_text(v)) == v`. Every test runs on
SQLite and PostgreSQL (the `db` fixture); each builds its table once and then runs the examples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine.errors import ValueProblem

EXAMPLES = settings(max_examples=40, deadline=None)
UTC = dt.UTC

CHINESE = st.text(alphabet="张三李四王五你好世界客户订单，。、；：“”（）😀 \n\t", max_size=30)
TEXT = st.text(max_size=60) | CHINESE
ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Asia/Kolkata", "UTC"]
OPTIONS = ["是", "否", "High", "中 文", "Ünïcödé", "😀", "Red, White", "42"]


def stores(
    table: engine.Table,
    name: str,
    values: st.SearchStrategy[Any],
    *,
    valid: Sequence[Any],
    text: Callable[[Any], bool] | None = None,
    dangling: Callable[[Any], str | None] = lambda _: None,
) -> None:
    """Run the round-trip property for field `name` over `values`, and first for `valid`, which
    must all be stored (so the property never passes by refusing everything). `text` says for
    which stored values `from_text(to_text(v)) == v` must hold (none if not given); `dangling`
    gives the code a normalised value is refused with because what it points to is missing."""
    ftype = table.field(name).type

    def refused(value: Any, codes: set[str]) -> bool:
        before = table.count()
        with pytest.raises(engine.ValidationError) as err:
            table.create({name: value})
        assert {q.code for q in err.value.problems} == codes
        assert table.count() == before
        return False

    def check(value: Any) -> bool:
        """Whether `value` was stored (True) or refused (False), as its type says it must be."""
        try:
            expected = ftype.normalize(value)
        except ValueProblem as p:
            return refused(value, {p.code})
        assert ftype.normalize(expected) == expected
        missing = dangling(expected)
        if missing is not None:
            return refused(value, {missing})
        rec = table.create({name: value})
        back = table.get(rec.id)[name]
        assert back == expected
        assert rec[name] == expected
        if isinstance(back, dt.datetime):
            assert back.utcoffset() == dt.timedelta(0)
        if text is not None and back is not None and text(back):
            assert ftype.from_text(ftype.to_text(back)) == back
        return back is not None

    for value in valid:
        assert check(value), value

    @EXAMPLES
    @given(values)
    def prop(value: Any) -> None:
        check(value)

    prop()


def always(_: Any) -> bool:
    return True


# --- text ----------------------------------------------------------------------------------------
def test_text(build_table: Any) -> None:
    t = build_table([{"name": "Text"}, {"name": "Long", "type": "long_text"}])
    valid = ["张三", " 42 ", "😀 emoji", "x" * 10_000, -7, 2.5]
    stores(t, "Text", TEXT | st.integers() | st.floats(allow_nan=False), valid=valid, text=always)
    stores(t, "Long", TEXT, valid=["第一行\n第二行\r\n"], text=always)


def test_email_phone_url(build_table: Any) -> None:
    t = build_table(
        [
            {"name": "Name"},
            {"name": "Email", "type": "email"},
            {"name": "Phone", "type": "phone"},
            {"name": "Url", "type": "url"},
        ]
    )
    stores(t, "Email", st.emails() | TEXT, valid=["Zhang@Example.COM"], text=always)
    phones = (
        st.from_regex(r"\+?[0-9]{3,15}", fullmatch=True)
        | st.from_regex(r"0[0-9]{2,3}-[0-9]{7,8}", fullmatch=True)
        | st.integers(100, 10**15)
        | st.integers(100, 10**15).map(float)
        | TEXT
    )
    stores(t, "Phone", phones, valid=["013800138000", 13800138000.0], text=always)
    hosts = st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,10})*\.(com|cn|org|中国)", fullmatch=True)
    paths = st.from_regex(r"(/[A-Za-z0-9_\-.~%]{0,10}){0,3}", fullmatch=True)
    urls = st.builds(
        lambda s, h, p: s + h + p, st.sampled_from(["", "http://", "https://"]), hosts, paths
    )
    stores(t, "Url", urls | TEXT, valid=["https://例子.中国/路径?q=1"], text=always)


# --- numbers -------------------------------------------------------------------------------------
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
BIG = st.integers(-(2**60), 2**60)


def test_numbers(build_table: Any) -> None:
    t = build_table(
        [
            {"name": "Name"},
            {"name": "Whole", "type": "number"},
            {"name": "Cents", "type": "number", "options": {"precision": 2}},
            {"name": "Money", "type": "currency"},
            {"name": "Share", "type": "percent", "options": {"precision": 1}},
            {"name": "Stars", "type": "rating", "options": {"max": 10}},
        ]
    )
    whole_text = st.integers(-(10**18), 10**18).map(lambda n: f"{n:,}" if n % 2 else str(n))
    numbers = st.integers(-(2**53), 2**53) | BIG | FLOATS | whole_text
    stores(t, "Whole", numbers, valid=[-(2**53), "1,234,567", -0.0], text=always)
    decimals = st.decimals(-(10**12), 10**12, places=3, allow_nan=False)
    cents = FLOATS | BIG | decimals | decimals.map(str)
    stores(t, "Cents", cents, valid=[2**60 + 1, -1e300, "-0.005"], text=always)
    money_text = st.builds(
        lambda sign, symbol, d: f"{sign}{symbol}{d:,.2f}",
        st.sampled_from(["", "-"]),
        st.sampled_from(["¥", "￥", "$", "€", ""]),
        st.decimals(0, 10**12, places=2, allow_nan=False),
    )
    yuan = st.decimals(places=2, allow_nan=False).map(lambda d: f"{d}元")
    money = FLOATS | BIG | money_text | yuan
    stores(t, "Money", money, valid=["-￥1,299.995", "1e3元"], text=always)
    moderate = st.floats(-1e6, 1e6)
    percent_text = st.decimals(-1000, 1000, places=2, allow_nan=False).map(lambda d: f"{d}%")
    stores(t, "Share", moderate | percent_text, valid=["-12.35%", 0.5], text=always)
    stars = st.integers(-2, 12) | st.sampled_from(["★★", "☆", "3"])
    stores(t, "Stars", stars, valid=[10, "★★"], text=always)


def test_duration(build_table: Any) -> None:
    t = build_table(
        [
            {"name": "Name"},
            {"name": "Clock", "type": "duration"},
            {"name": "Fine", "type": "duration", "options": {"format": "h:mm:ss.sss"}},
        ]
    )
    clock = st.builds(
        lambda h, m, s: f"{h}:{m:02d}:{s:02d}",
        st.integers(0, 999),
        st.integers(0, 59),
        st.integers(0, 59),
    )
    units = st.builds(lambda h, m: f"{h}h {m}m", st.integers(0, 99), st.integers(0, 59))
    minutes = st.integers(-(10**6), 10**6).map(lambda n: n * 60)
    every = clock | units | minutes | st.integers()
    stores(t, "Clock", every, valid=["90分钟", -60], text=lambda v: v % 60 == 0)
    fine = st.floats(-1e9, 1e9) | st.integers(-(10**9), 10**9)
    stores(t, "Fine", fine | clock, valid=[0.001, -1e9], text=always)


# --- dates and times -----------------------------------------------------------------------------
# Years before 1000 are left out: SQLite stores a date-time as strftime text, which does not pad
# such years (sqltypes.utc_text), so they cannot be read back (reported separately).
MOMENTS = st.datetimes(min_value=dt.datetime(1000, 1, 2), max_value=dt.datetime(9999, 12, 30))


def test_dates(build_table: Any) -> None:
    t = build_table(
        [
            {"name": "Name"},
            {"name": "Day", "type": "date"},
            {"name": "Euro", "type": "date", "options": {"date_format": "european"}},
        ]
    )
    days = st.dates()
    slashed = st.dates(min_value=dt.date(1000, 1, 1)).map(lambda d: f"{d.year}/{d.month}/{d.day}")
    chinese = st.dates(min_value=dt.date(1000, 1, 1)).map(
        lambda d: f"{d.year}年{d.month}月{d.day}日"
    )
    valid = [dt.date(1, 1, 1), "2024年2月29日", dt.date(9999, 12, 31)]
    stores(t, "Day", days | slashed | chinese | MOMENTS, valid=valid, text=always)
    european = st.dates(min_value=dt.date(1000, 1, 1)).map(lambda d: f"{d.day}/{d.month}/{d.year}")
    stores(t, "Euro", days | european, valid=["31/12/2024"], text=always)


@pytest.mark.parametrize("zone", ZONES)
def test_datetimes(build_table: Any, zone: str) -> None:
    t = build_table(
        [{"name": "Name"}, {"name": "At", "type": "datetime", "options": {"timezone": zone}}]
    )
    aware = st.datetimes(
        min_value=dt.datetime(1000, 1, 2),
        max_value=dt.datetime(9999, 12, 30),
        timezones=st.timezones(),
    )
    as_text = aware.map(lambda d: d.isoformat())
    local_text = MOMENTS.map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S"))
    moments = aware | MOMENTS | as_text | local_text | st.dates(min_value=dt.date(1000, 1, 2))
    valid = ["2024年3月5日 下午2点30分", "2024-03-05T14:30:00.5Z", dt.datetime(2024, 3, 10, 2, 30)]
    stores(t, "At", moments, valid=valid, text=lambda v: v.microsecond == 0)


def test_datetime_text_is_the_same_instant(build_table: Any) -> None:
    t = build_table(
        [
            {"name": "Name"},
            {"name": "At", "type": "datetime", "options": {"timezone": "Asia/Shanghai"}},
        ]
    )
    ftype = t.field("At").type

    @EXAMPLES
    @given(
        st.datetimes(
            min_value=dt.datetime(1900, 1, 1),
            max_value=dt.datetime(2200, 1, 1),
            timezones=st.timezones(),
        )
    )
    def prop(moment: dt.datetime) -> None:
        back = t.get(t.create({"At": moment.isoformat()}).id)["At"]
        # (astimezone: Python never finds a time in a DST gap equal to one in another zone)
        assert back == moment.astimezone(UTC) and back.utcoffset() == dt.timedelta(0)
        # the text form is shown to the second, in the field's zone
        assert ftype.from_text(ftype.to_text(back)) == back.replace(microsecond=0)

    prop()


# --- choices -------------------------------------------------------------------------------------
def test_choices(build_table: Any) -> None:
    t = build_table(
        [
            {"name": "Name"},
            {"name": "Done", "type": "checkbox"},
            {"name": "One", "type": "single_select", "options": {"choices": OPTIONS}},
            {"name": "Many", "type": "multiple_select", "options": {"choices": OPTIONS}},
        ]
    )
    words = st.sampled_from(["是", "否", "TRUE", "no", "✓", "", "maybe"])
    stores(t, "Done", st.booleans() | words | st.integers(-1, 2), valid=["是", False], text=always)
    option = st.sampled_from(OPTIONS)
    spelled = option.map(str.upper) | option.map(lambda o: f"  {o.lower()} ")
    one = option | spelled | TEXT | st.integers(40, 44)
    stores(t, "One", one, valid=["red, white", 42], text=always)
    lists = st.lists(option | spelled, max_size=6)
    joined = lists.map(", ".join) | lists.map("；".join)
    valid = [["是", "否", "是"], "high；Red, White、中 文"]
    stores(t, "Many", lists | joined | TEXT, valid=valid, text=always)


# --- references ----------------------------------------------------------------------------------
def test_users(db: engine.Database, build_table: Any) -> None:
    ids = [db.create_user(f"u{i}@example.com", f"用户{i}", admin=True) for i in range(4)]
    t = build_table(
        [
            {"name": "Name"},
            {"name": "Owner", "type": "user"},
            {"name": "Team", "type": "user", "options": {"multiple": True}},
        ]
    )
    known = st.sampled_from(ids)
    unknown = st.integers(max(ids) + 1, 10**6)

    def dangling(value: Any) -> str | None:
        listed = value if isinstance(value, list) else [] if value is None else [value]
        return "unknown_user" if any(u not in ids for u in listed) else None

    owners = known | known.map(str) | known.map(lambda i: {"id": i}) | unknown
    stores(t, "Owner", owners, valid=[ids[0]], text=always, dangling=dangling)
    teams = st.lists(known, max_size=5) | st.lists(known | unknown, max_size=3)
    valid = [[ids[2], ids[0], ids[2]]]
    stores(t, "Team", teams | known.map(str), valid=valid, text=always, dangling=dangling)


def test_attachments(db: engine.Database, build_table: Any) -> None:
    t = build_table([{"name": "Name"}, {"name": "Files", "type": "attachment"}])
    names = st.text(min_size=1, max_size=20) | CHINESE.map(lambda s: s + ".txt")
    files = st.builds(db.attachments.add_bytes, st.binary(max_size=64), names)
    gone = st.from_regex(r"[0-9a-f]{64}", fullmatch=True).map(lambda h: {"hash": h})

    def dangling(value: Any) -> str | None:
        present = all(db.attachments.exists(a["hash"]) for a in value or [])
        return None if present else "unknown_attachment"

    lists = st.lists(files, max_size=3) | st.lists(files | gone, min_size=1, max_size=2)
    two = [db.attachments.add_bytes(b"%PDF", "合同.pdf"), db.attachments.add_bytes(b"", "empty")]
    stores(t, "Files", lists, valid=[two], dangling=dangling)
