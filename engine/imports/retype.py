"""Changing a planned column's type, as a person does in the import preview: the options the new
type needs are derived again (the choices of a select are read from the column's values), and
flags that only made sense for the guessed type are dropped."""

from __future__ import annotations

from typing import Any

from ..errors import TesseraError
from ..fields import field_type
from .guard import ImportRefused
from .infer import JUNK, SEPARATORS
from .layout import Layout
from .plan import ColumnPlan, SheetPlan
from .planner import Source
from .scan import chunks

CHOICES_MAX = 200  # a column with more distinct values than this is not a select
TEXT_LIKE = {"text", "long_text", "phone"}


def retype(source: Source, sp: SheetPlan, c: ColumnPlan, kind: str) -> None:
    """Make column `c` of sheet `sp` a field of type `kind`, with options that fit its values."""
    if kind == c.type:
        return
    field_type(kind)  # a SchemaError for a type the engine does not know
    options: dict[str, Any] = {}
    if kind in ("single_select", "multiple_select"):
        options = {"choices": column_choices(source, sp, c, multiple=kind == "multiple_select")}
    elif kind == "datetime" and "timezone" in c.options:
        options = {"timezone": c.options["timezone"]}
    try:
        field_type(kind, options)
    except TesseraError:
        options = {}
    c.type, c.options = kind, options
    c.confidence = 1.0
    c.notes = []
    if kind not in TEXT_LIKE:
        c.pad = None
    if kind not in ("date", "datetime"):
        c.serial_dates = False


def column_choices(source: Source, sp: SheetPlan, c: ColumnPlan, *, multiple: bool) -> list[str]:
    """The distinct values of the column, in the order they first appear (for a multiple
    select, the parts of each list): the options of a select made of it."""
    sheet = source.sheet(sp.sheet)
    layout = Layout(header_rows=sp.header_rows, headers=[""] * sp.width, width=sp.width)
    seen: dict[str, None] = {}
    for _numbers, rows, _blank in chunks(sheet, layout, sp.width):
        for row in rows:
            value = row[c.source] if c.source < len(row) else ""
            if value is None or (isinstance(value, str) and value.strip() in JUNK):
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            text = str(value).strip()
            parts = SEPARATORS.split(text) if multiple else [text]
            for part in parts:
                if part and part not in seen:
                    seen[part] = None
                    if len(seen) > CHOICES_MAX:
                        raise ImportRefused(
                            f"Column {c.name!r} has more than {CHOICES_MAX} different values: "
                            "too many for the options of a select",
                            f"列 {c.name!r} 的不同值超过 {CHOICES_MAX} 个，不宜作为选项",
                        )
    return list(seen)
