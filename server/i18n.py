"""The interface's languages: a catalogue of zh-CN and English strings, the choice of language
(a cookie, else the browser's Accept-Language), and dates and numbers written per locale.

Field-type, operator and engine messages are not here: they come from the engine in both
languages (`label_en` / `label_zh`, `message_en` / `message_zh`) and `Translator.pick` chooses.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .catalogue import CATALOGUE

LOCALES = ("zh-CN", "en")
DEFAULT = "zh-CN"
COOKIE = "tessera_lang"


def normalise(code: str | None) -> str | None:
    """'zh', 'zh-cn', 'zh_Hans' -> 'zh-CN'; 'en-US' -> 'en'; anything else -> None."""
    if not code:
        return None
    c = code.strip().lower().replace("_", "-")
    if c.startswith("zh"):
        return "zh-CN"
    if c.startswith("en"):
        return "en"
    return None


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The language to speak: the user's choice (cookie), else the browser's first supported
    language by quality, else Chinese."""
    chosen = normalise(cookie)
    if chosen:
        return chosen
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        lang, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        found = normalise(lang)
        if found and q > 0:
            ranked.append((-q, i, found))
    return sorted(ranked)[0][2] if ranked else DEFAULT


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_EN_LONG = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")


class Translator:
    """Everything said to one user in their language."""

    def __init__(self, locale: str, timezone: str = "UTC") -> None:
        self.locale = locale if locale in LOCALES else DEFAULT
        try:
            self.zone: dt.tzinfo = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.zone = dt.UTC
        self.zh = self.locale == "zh-CN"
        self.html_lang = "zh-CN" if self.zh else "en"

    def __call__(self, key: str, **values: Any) -> str:
        en, zh = CATALOGUE[key]
        text = zh if self.zh else en
        return text.format(**values) if values else text

    def pick(self, en: str, zh: str) -> str:
        return zh if self.zh else en

    def label(self, thing: Any) -> str:
        """A field type's or an operator's label in this language."""
        return str(thing.label_zh if self.zh else thing.label_en)

    def message(self, item: Any) -> str:
        """An engine error's or problem's message in this language."""
        return str(item.message_zh if self.zh else item.message_en)

    # --- numbers -------------------------------------------------------------------------------
    def number(self, value: float | int | None, precision: int | None = None) -> str:
        if value is None:
            return ""
        if precision is None:
            if isinstance(value, int) or float(value).is_integer():
                return f"{int(value):,}"
            return f"{value:,.10f}".rstrip("0").rstrip(".")
        return f"{value:,.{precision}f}"

    def currency(self, value: float | int | None, symbol: str, precision: int) -> str:
        if value is None:
            return ""
        sign = "-" if value < 0 else ""
        return f"{sign}{symbol}{abs(value):,.{precision}f}"

    def percent(self, value: float | int | None, precision: int) -> str:
        if value is None:
            return ""
        return f"{value * 100:,.{precision}f}%"

    def duration(self, seconds: float | int | None, fmt: str = "h:mm") -> str:
        if seconds is None:
            return ""
        sign = "-" if seconds < 0 else ""
        s = abs(float(seconds))
        h, rest = divmod(int(s), 3600)
        m, sec = divmod(rest, 60)
        if fmt == "h:mm":
            return f"{sign}{h}:{m:02d}"
        decimals = fmt.count("s") - 2 if "." in fmt else 0
        frac = s - int(s)
        tail = f"{frac:.{decimals}f}"[1:] if decimals else ""
        return f"{sign}{h}:{m:02d}:{sec:02d}{tail}"

    # --- dates ---------------------------------------------------------------------------------
    def date(self, day: dt.date | None, style: str = "local") -> str:
        """A day as the field's format asks ('iso', 'us', 'european') or this locale's
        ('local', 'friendly')."""
        if day is None:
            return ""
        if style == "iso":
            return day.isoformat()
        if style == "us":
            return f"{day.month}/{day.day}/{day.year}"
        if style == "european":
            return f"{day.day}/{day.month}/{day.year}"
        if style == "friendly":
            if self.zh:
                return f"{day.year}年{day.month}月{day.day}日"
            return f"{MONTHS_EN_LONG[day.month - 1]} {day.day}, {day.year}"
        if self.zh:
            return f"{day.year}/{day.month:02d}/{day.day:02d}"
        return f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}"

    def time(self, moment: dt.datetime | dt.time, clock: str = "24h") -> str:
        if clock == "12h":
            hour = moment.hour % 12 or 12
            if self.zh:
                half = "上午" if moment.hour < 12 else "下午"
                return f"{half}{hour}:{moment.minute:02d}"
            half = "AM" if moment.hour < 12 else "PM"
            return f"{hour}:{moment.minute:02d} {half}"
        return f"{moment.hour:02d}:{moment.minute:02d}"

    def datetime(
        self,
        moment: dt.datetime | None,
        zone: dt.tzinfo | None = None,
        style: str = "local",
        clock: str = "24h",
    ) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(zone or self.zone) if moment.tzinfo else moment
        return f"{self.date(local.date(), style)} {self.time(local, clock)}"

    def month_title(self, day: dt.date) -> str:
        if self.zh:
            return f"{day.year}年{day.month}月"
        return f"{MONTHS_EN_LONG[day.month - 1]} {day.year}"

    def weekday(self, index: int) -> str:
        return WEEKDAYS_ZH[index] if self.zh else WEEKDAYS_EN[index]

    def count(self, n: int | None) -> str:
        if n is None:
            return ""
        return self("n_record" if n == 1 else "n_records", n=f"{n:,}")
