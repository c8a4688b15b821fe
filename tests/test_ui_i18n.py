"""Languages: every string the interface says exists in Chinese and English; the language comes
from the user's choice (a cookie) or the browser; dates and numbers follow it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine.aggregates import NEEDS
from server.catalogue import CATALOGUE
from server.field_form import GROUPS, ROLLUP_FNS
from server.filters import DAY_CHOICES, WITHIN_CHOICES
from server.i18n import COOKIE, Translator, negotiate
from server.routes.grid import ALWAYS
from tests.ui_helpers import parse, view_of, words

SERVER = Path(__file__).parent.parent / "server"


def used_keys() -> set[str]:
    found: set[str] = set()
    for path in [*SERVER.glob("templates/*.html"), *SERVER.glob("**/*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"""\bt\(\s*['"]([a-z0-9_]+)['"]\s*[,)]""", text))
        found |= set(re.findall(r"""\btr\(\s*['"]([a-z0-9_]+)['"]\s*[,)]""", text))
    return found


def test_every_key_used_is_in_the_catalogue_in_both_languages():
    missing = used_keys() - set(CATALOGUE)
    assert not missing
    dynamic = {
        *(f"kind_{k}" for k in ("grid", "card", "kanban", "calendar", "form")),
        *(f"agg_{fn}" for fn in (*ALWAYS, *NEEDS)),
        *(f"day_{d}" for d in DAY_CHOICES),
        *(f"within_{w}" for w in WITHIN_CHOICES),
        *(f"rollup_{fn}" for fn in ROLLUP_FNS),
        *(g for g, _ in GROUPS),
        *(f"date_format_{d}" for d in ("iso", "local", "friendly", "us", "european")),
        *(f"paste_{p}" for p in ("read_only", "no_files", "unknown_user", "unknown_record")),
        *(f"{p}_{x}" for p in ("sort", "group") for x in ("title", "by")),
        "no_sorts",
        "no_groups",
        "add_sort",
        "add_group",
    }
    assert not dynamic - set(CATALOGUE)
    for key, (en, zh) in CATALOGUE.items():
        assert en.strip() and zh.strip(), key
        assert set(re.findall(r"\{([a-z_]+)\}", en)) == set(re.findall(r"\{([a-z_]+)\}", zh)), key


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "zh-CN"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr-FR,en;q=0.5,zh;q=0.8", "zh-CN"),
        (None, "de-DE", "zh-CN"),
        ("en", "zh-CN", "en"),
        ("zh-CN", "en", "zh-CN"),
        ("xx", "en", "en"),
    ],
)
def test_negotiation(cookie, header, expected):
    assert negotiate(cookie, header) == expected


def test_dates_numbers_and_durations_per_locale():
    zh, en = Translator("zh-CN"), Translator("en")
    day = dt.date(2024, 3, 5)
    assert (zh.date(day), en.date(day)) == ("2024/03/05", "Mar 5, 2024")
    assert (zh.date(day, "friendly"), en.date(day, "friendly")) == ("2024年3月5日", "March 5, 2024")
    assert zh.date(day, "iso") == en.date(day, "iso") == "2024-03-05"
    moment = dt.datetime(2024, 3, 5, 6, 30, tzinfo=dt.UTC)
    shanghai = ZoneInfo("Asia/Shanghai")
    assert zh.datetime(moment, shanghai) == "2024/03/05 14:30"
    assert en.datetime(moment, shanghai, clock="12h") == "Mar 5, 2024 2:30 PM"
    assert zh.datetime(moment, shanghai, clock="12h") == "2024/03/05 下午2:30"
    assert zh.number(1234567) == en.number(1234567) == "1,234,567"
    assert zh.currency(-1299.5, "¥", 2) == "-¥1,299.50"
    assert zh.percent(0.125, 1) == "12.5%"
    assert zh.duration(5400) == "1:30" and zh.duration(5415.25, "h:mm:ss.ss") == "1:30:15.25"
    assert (zh.count(3), en.count(1200)) == ("3 条记录", "1,200 records")


def test_switching_language_is_remembered(ui, customers):
    url = view_of(ui, customers)
    page = ui.page(url)
    assert words(page.one("button", id="tb-filter").text) == "▽ 筛选"
    r = ui.post("/lang", {"lang": "en"})
    assert r.headers["HX-Refresh"] == "true"
    assert ui.client.cookies.get(COOKIE) == "en"
    page = ui.page(url)  # the browser still says zh-CN; the choice wins
    assert words(page.one("button", id="tb-filter").text) == "▽ Filter"
    assert page.one("html")["lang"] == "en"
    # engine labels follow too
    form = parse(ui.get(f"/t/{customers.id}/fields/new", htmx=True).text)
    assert "Single line text" in form.one("select", id="field-type").text


def test_a_signed_in_users_choice_follows_them_to_another_device(ui, customers, app_db):
    url = view_of(ui, customers)
    ui.post("/lang", {"lang": "en"})
    ui.client.cookies.delete(COOKIE)  # another browser: no cookie, and it asks for Chinese
    page = ui.page(url)
    assert words(page.one("button", id="tb-filter").text) == "▽ Filter"
    assert app_db.find_user("owner@tessera.local").locale == "en"
    # someone who never chose gets their browser's language
    app_db.create_user("new@example.com")
    assert app_db.find_user("new@example.com").locale == ""
