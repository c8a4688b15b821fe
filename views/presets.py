"""Presets: build a base from a preset file, and write any base back out as one.

    from views.presets import apply_preset, export_preset

    result = apply_preset(db, "crm", locale="en", demo_rows=1000)   # a new base "E-commerce CRM"
    data = export_preset(db, result.base)                            # a dict: save as JSON

A preset is named (a file `schemas/presets/<name>.json`) or given as a path or as data. The
authored, multilingual form (`PresetSource`) is first localized (`preset_localize.Localizer`).

`apply_preset` makes the base in this order: tables with their plain fields; links (each with its
inverse); the demo data, if asked for; the computed fields, in dependency order (each is
computed once, set-based, over whatever rows are there — far cheaper than keeping it current
while a million rows arrive); the field order; saved filters; views; dashboards; a check of the
roles, the roles; automations. A saved filter, view or widget that the engine cannot express
yet is left out and reported in `ApplyResult.skipped` rather than stopping the whole base.
Anything else that fails deletes the half-made base and raises.

`export_preset` (`preset_export`) reads a base back into a `Preset`, so that applying the file
recreates the schema exactly.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

import schemas
from engine import Base, Database, Table, meta
from engine import schema as schema_ops
from engine.errors import Conflict, QueryError, SchemaError, TesseraError
from engine.formula.lexer import T, tokenize
from engine.model import TableSchema, load_table
from engine.query import Compiler, QueryContext
from engine.saved_filters import with_field_ids
from schemas.field import FieldSpec
from schemas.preset import (
    LOCALES,
    Preset,
    PresetError,
    PresetFilter,
    PresetSource,
    PresetTable,
    RoleSpec,
    SavedFilterSpec,
    pick,
)
from schemas.query import FilterGroup

from .api import Views
from .preset_automations import apply_automations
from .preset_dashboards import apply_dashboards
from .preset_export import export_preset
from .preset_filters import Unavailable, filter_dict, name_key
from .preset_localize import Localizer, _pydantic_message
from .preset_roles import apply_roles

PRESETS = Path(schemas.__file__).resolve().parent / "presets"  # the presets that ship
RELATIONAL = ("link", "lookup", "rollup", "count", "formula")
COMPUTED = ("lookup", "rollup", "count", "formula")
Progress = Callable[[str, int, int], None]  # (what, done, total)
DEMO_SEED = 20240618


# --- finding and reading presets -------------------------------------------------------------
def available() -> list[str]:
    """The names of the presets that ship with Tessera."""
    return sorted(p.stem for p in PRESETS.glob("*.json"))


def _read(source: str | Path) -> dict[str, Any]:
    path = Path(source)
    if not path.suffix and not path.exists():
        path = PRESETS / f"{source}.json"
        if not path.exists():
            shown = ", ".join(available()) or "none"
            raise PresetError(f"No preset {str(source)!r} (presets: {shown})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise PresetError(f"Cannot read preset {str(path)!r}: {e}") from None
    if not isinstance(data, dict):
        raise PresetError(f"Preset {str(path)!r} is not a JSON object")
    return data


def load_preset(
    source: str | Path | Mapping[str, Any] | Preset | PresetSource, locale: str = "zh-CN"
) -> tuple[Preset, Localizer | None]:
    """The preset in `locale`, checked; and, for an authored (multilingual) preset, the names
    its demo data is written with."""
    data: Any = source
    if isinstance(source, str | Path):
        data = _read(source)
    try:
        if isinstance(data, Mapping):
            data = (
                PresetSource.model_validate(data)
                if "locales" in data
                else Preset.model_validate(data)
            )
    except PydanticValidationError as e:
        raise PresetError(_pydantic_message(e)) from None
    if isinstance(data, PresetSource):
        names = Localizer(data, locale)
        return names.preset(), names
    assert isinstance(data, Preset)
    return data, None

# --- applying ----------------------------------------------------------------------------------
@dataclass
class ApplyResult:
    base: Base
    preset: Preset
    users: dict[str, int] = field(default_factory=dict)  # role name -> its demo user's id
    skipped: list[str] = field(default_factory=list)  # what the engine could not take, and why
    demo: dict[str, int] | None = None  # demo rows written, by table


def apply_preset(
    db: Database,
    source: str | Path | Mapping[str, Any] | Preset | PresetSource,
    *,
    locale: str = "zh-CN",
    demo_rows: int = 0,
    base_name: str | None = None,
    seed: int = DEMO_SEED,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """Create a base from a preset; with `demo_rows`, fill it with the preset's demo data
    (`seed` and `today` make the data: the same pair gives the same rows; without `today`, the
    data runs up to this moment)."""
    preset, names = load_preset(source, locale)
    if demo_rows and (preset.demo is None or names is None):
        raise PresetError("This preset has no demo data (only authored presets have)")
    base = db.create_base(base_name or preset.name)
    result = ApplyResult(base, preset)
    try:
        _build(db, base, preset, names, result, demo_rows, seed, today, progress)
    except BaseException:
        with contextlib.suppress(TesseraError):
            base.delete()  # leave nothing half-made
        raise
    return result


def _build(
    db: Database,
    base: Base,
    preset: Preset,
    names: Localizer | None,
    result: ApplyResult,
    demo_rows: int,
    seed: int,
    today: dt.date | None,
    progress: Progress | None,
) -> None:
    tables: dict[str, Table] = {}
    later: dict[str, str] = {}  # table -> a primary field that is made after the table
    for t in preset.tables:
        plain = [f for f in t.fields if f.type not in RELATIONAL]
        primary = t.primary
        if primary is not None and name_key(primary) not in {name_key(f.name) for f in plain}:
            later[t.name], primary = primary, None
        tables[t.name] = base.create_table(
            t.name, plain, primary=primary, description=t.description
        )
    for t in preset.tables:
        for f in t.fields:
            if f.type == "link":
                _add(tables[t.name], f)
    if demo_rows:
        assert names is not None and preset.demo is not None
        result.users = _demo_users(db, preset)
        now = dt.datetime.now(_SHANGHAI) if today is None else None
        ctx = DemoContext(
            base=base,
            names=names,
            rows=demo_rows,
            seed=seed,
            today=now.date() if now is not None else today or dt.date.today(),
            now=now,
            users={
                names.mine(r.name): result.users[pick(r.name, names.locale)]
                for r in names.source.roles
                if pick(r.name, names.locale) in result.users
            },
            progress=progress,
        )
        result.demo = _generator(preset.demo.generator)(ctx)
    for t, f in _computed_order(preset):
        _add(tables[t.name], f, _ids_in_filter(tables, preset, t, f))
    for name, primary in later.items():
        tables[name].set_primary(primary)
    _order_fields(db, preset, tables)
    filter_ids = _saved_filters(preset, tables, result)
    _views(preset, tables, filter_ids, result)
    apply_dashboards(base, preset.dashboards, filter_ids, result)
    check_roles(db, base, preset.roles, filter_ids)
    locale = names.locale if names is not None else preset.locale
    apply_roles(db, base, preset.roles, filter_ids, result.users, locale)
    apply_automations(db, base, preset.automations, filter_ids, result)


def _generator(spec: str) -> Callable[[DemoContext], dict[str, int]]:
    module, _, name = spec.partition(":")
    try:
        found: Callable[[DemoContext], dict[str, int]] = getattr(
            importlib.import_module(module), name
        )
    except (ImportError, AttributeError):
        raise PresetError(
            f"The demo data generator {spec!r} is not available (examples/ comes with a "
            "source checkout of Tessera)"
        ) from None
    return found


def _add(table: Table, f: FieldSpec, options: dict[str, Any] | None = None) -> None:
    table.add_field(
        f.name,
        f.type,
        options=options if options is not None else f.options,
        rules=f.rules,
        description=f.description,
    )


def _ids_in_filter(
    tables: dict[str, Table], preset: Preset, t: PresetTable, f: FieldSpec
) -> dict[str, Any]:
    """A lookup's, rollup's or count's options with its filter naming fields by id (what the
    engine follows to know when to recompute)."""
    options = dict(f.options)
    if f.type in ("lookup", "rollup", "count") and isinstance(options.get("filter"), dict):
        link = tables[t.name].field(str(options["link_field"]))
        target = _schema_of(tables[t.name], link.type.options.table_id)
        group = FilterGroup.model_validate(options["filter"])
        options["filter"] = with_field_ids(target, group).model_dump(mode="json")
    return options


def _schema_of(table: Table, table_id: int) -> TableSchema:
    with table.db.read() as conn:
        return load_table(conn, table_id)


def _computed_order(preset: Preset) -> list[tuple[PresetTable, FieldSpec]]:
    """The computed fields, each after the computed fields it reads."""
    owner: dict[tuple[str, str], tuple[PresetTable, FieldSpec]] = {}
    links: dict[tuple[str, str], str] = {}
    for t in preset.tables:
        for f in t.fields:
            owner[(name_key(t.name), name_key(f.name))] = (t, f)
            if f.type == "link":
                target = str(f.options.get("table"))
                links[(name_key(t.name), name_key(f.name))] = target
                inverse = str(f.options.get("inverse_name") or t.name)
                links[(name_key(target), name_key(inverse))] = t.name
    nodes = [(t, f) for t in preset.tables for f in t.fields if f.type in COMPUTED]

    def reads(t: PresetTable, f: FieldSpec) -> list[tuple[str, str]]:
        o = f.options
        if f.type == "formula":
            return [
                (name_key(t.name), name_key(tok.text))
                for tok in tokenize(str(o.get("formula", "")))
                if tok.kind in (T.FIELD, T.NAME)
            ]
        target = links.get((name_key(t.name), name_key(str(o.get("link_field")))), "")
        out = [(name_key(target), name_key(str(o.get("target_field"))))]
        if isinstance(o.get("filter"), dict):
            group = PresetFilter.model_validate(o["filter"])
            out += [(name_key(target), name_key(str(c.field))) for c in group.conditions()]
        return out

    done: set[tuple[str, str]] = set()
    order: list[tuple[PresetTable, FieldSpec]] = []
    pending = nodes
    while pending:
        ready = [
            (t, f)
            for t, f in pending
            if all(
                k in done or k not in owner or owner[k][1].type not in COMPUTED for k in reads(t, f)
            )
        ]
        if not ready:
            shown = ", ".join(f"{t.name}.{f.name}" for t, f in pending)
            raise PresetError(f"These computed fields read each other in a cycle: {shown}")
        for t, f in ready:
            done.add((name_key(t.name), name_key(f.name)))
            order.append((t, f))
        pending = [(t, f) for t, f in pending if (t, f) not in ready]
    return order


def _order_fields(db: Database, preset: Preset, tables: dict[str, Table]) -> None:
    """Place every table's fields: `order` first, then the declared fields, then the rest."""
    with db.write() as conn:
        for t in preset.tables:
            schema = load_table(conn, tables[t.name].id)
            wanted = [name_key(n) for n in [*t.order, *(f.name for f in t.fields)]]
            rank = {k: i for i, k in reversed(list(enumerate(wanted)))}
            fields = sorted(
                schema.fields,
                key=lambda f: (rank.get(name_key(f.name), len(rank)), f.position, f.id),
            )
            for i, f in enumerate(fields):
                if f.position != float(i + 1):
                    schema_ops.move_field(conn, schema.id, f.id, float(i + 1))


def _saved_filters(
    preset: Preset, tables: dict[str, Table], result: ApplyResult
) -> dict[str, dict[str, int]]:
    """Make the saved filters (each after those it uses); table -> name key -> id."""
    made: dict[str, dict[str, int]] = {t: {} for t in tables}
    pending = list(preset.saved_filters)
    while pending:
        left: list[SavedFilterSpec] = []
        for sf in pending:
            uses = {name_key(n) for n in sf.filter.saved_filters()}
            known = {name_key(x.name) for x in pending if x.table == sf.table}
            if uses & known - {name_key(sf.name)}:
                left.append(sf)
                continue
            try:
                body = filter_dict(sf.filter, made[sf.table])
                created = Views(tables[sf.table]).create_filter(sf.name, body)
                made[sf.table][name_key(sf.name)] = created.id
            except (QueryError, SchemaError, Unavailable) as e:
                result.skipped.append(f"saved filter {sf.table}/{sf.name}: {_why(e)}")
        if len(left) == len(pending):
            shown = ", ".join(repr(x.name) for x in left)
            raise PresetError(f"These saved filters use each other in a cycle: {shown}")
        pending = left
    return made


def _views(
    preset: Preset,
    tables: dict[str, Table],
    filter_ids: dict[str, dict[str, int]],
    result: ApplyResult,
) -> None:
    for v in preset.views:
        q = v.query
        try:
            query = {
                "filter": filter_dict(q.filter, filter_ids[v.table]) if q.filter else None,
                "sorts": [s.model_dump() for s in q.sorts],
                "groups": [g.model_dump() for g in q.groups],
            }
            Views(tables[v.table]).create(
                v.name, v.kind, query=query, config=v.config, visibility=v.visibility
            )
        except (QueryError, SchemaError, Unavailable) as e:
            result.skipped.append(f"view {v.table}/{v.name}: {_why(e)}")


def _why(e: Exception) -> str:
    return e.message_en if isinstance(e, TesseraError) else str(e)


def check_roles(
    db: Database,
    base: Base,
    roles: Sequence[RoleSpec],
    filter_ids: Mapping[str, Mapping[str, int]] | None = None,
) -> None:
    """Every table and field a role names exists in the base and every row rule compiles
    (`filter_ids`: table name -> saved filter name key -> id, for rules that use them)."""
    for role in roles:
        for perm in role.permissions:
            table = base.table(perm.table)
            ids = (filter_ids or {}).get(perm.table, {})
            with db.read() as conn:
                schema = load_table(conn, table.id)
                for name in perm.fields:
                    schema.field(name)
                if perm.rows is not None:
                    try:
                        group = FilterGroup.model_validate(filter_dict(perm.rows, ids))
                        Compiler(conn, schema, QueryContext(user_id=0)).group(group)
                    except (QueryError, Unavailable) as e:
                        raise PresetError(
                            f"The row rule of role {role.name!r} on {perm.table!r} does not "
                            f"work: {_why(e)}"
                        ) from None


def _demo_users(db: Database, preset: Preset) -> dict[str, int]:
    """One user per role that names a demo user (an existing user of that email is reused)."""
    out: dict[str, int] = {}
    for role in preset.roles:
        if role.demo_user is None:
            continue
        u = role.demo_user
        found = _user_id(db, u.email)
        if found is None:
            try:
                found = db.create_user(u.email, u.name, admin=role.admin)
            except Conflict:  # made by someone else meanwhile
                found = _user_id(db, u.email)
        assert found is not None
        out[role.name] = found
    return out


def _user_id(db: Database, email: str) -> int | None:
    u = meta.users
    with db.read() as conn:
        found = conn.execute(select(u.c.id).where(u.c.email == email.strip().lower())).scalar()
    return None if found is None else int(found)


# --- demo data ----------------------------------------------------------------------------------
_SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
BATCH = 200_000  # rows per insert_many: one transaction, one refresh of what they touch


@dataclass
class DemoContext:
    """What a preset's demo generator is given. It names tables, fields and options as the
    preset's references do (its first locale); `insert` writes them in the base's locale."""

    base: Base
    names: Localizer
    rows: int
    seed: int
    today: dt.date
    users: dict[str, int]  # role name (first locale) -> user id
    now: dt.datetime | None = None  # nothing dated later (None: today at 10:00, Shanghai)
    progress: Progress | None = None
    _tables: dict[str, Table] = field(default_factory=dict)
    _writers: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        if name not in self._tables:
            self._tables[name] = self.base.table(self.names.table(name))
        return self._tables[name]

    def insert(self, table: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert rows (fields named in the first locale); returns their ids in order."""
        t = self.table(table)
        convert = self._writer(table)
        ids: list[int] = []
        for k in range(0, len(rows), BATCH):
            chunk = rows[k : k + BATCH]
            ids += t.insert_many([convert(r) for r in chunk] if convert else chunk)
        return ids

    def report(self, what: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(what, done, total)

    def _writer(self, table: str) -> Callable[[Mapping[str, Any]], dict[str, Any]] | None:
        n = self.names
        if n.locale == n.src:
            return None
        if table not in self._writers:
            keys = n.fields[table]
            choices = n.choices[table]

            def convert(row: Mapping[str, Any]) -> dict[str, Any]:
                out: dict[str, Any] = {}
                for k, v in row.items():
                    if k in choices:
                        v = n.choice(table, k, v)
                    out[keys[k]] = v
                return out

            self._writers[table] = convert
        return self._writers[table]

__all__ = [
    "LOCALES",
    "ApplyResult",
    "DemoContext",
    "Localizer",
    "Preset",
    "PresetError",
    "apply_preset",
    "available",
    "export_preset",
    "load_preset",
]
