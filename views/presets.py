"""Presets: build a base from a preset file, and write any base back out as one.

    from views.presets import apply_preset, export_preset

    result = apply_preset(db, "crm", locale="en", demo_rows=1000)   # a new base "E-commerce CRM"
    data = export_preset(db, result.base)                            # a dict: save as JSON

A preset is named (a file `schemas/presets/<name>.json`) or given as a path or as data. The
authored, multilingual form (`PresetSource`) is first localized: `Localizer` picks the locale's
texts and rewrites every reference — link tables, rollup fields, `{fields}` and words inside
formulas, filter conditions and values, view configs, role rules — into the locale's names.

`apply_preset` makes the base in this order: tables with their plain fields; links (each with its
inverse); the demo data, if asked for; the computed fields, in dependency order (each is
computed once, set-based, over whatever rows are there — far cheaper than keeping it current
while a million rows arrive); the field order; saved filters; views; and a check of the roles.
A saved filter or view that the engine cannot express yet is left out and reported in
`ApplyResult.skipped` rather than stopping the whole base. Anything else that fails deletes the
half-made base and raises.

`export_preset` reads a base back into a `Preset` (fields, links from the side that made them,
computed fields with names instead of ids, saved filters, shared views), so that applying the
file recreates the schema exactly. Roles are not stored by Tessera yet, so they are not exported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select

import schemas
from engine import Base, Database, Table, meta
from engine import schema as schema_ops
from engine.errors import Conflict, NotFound, QueryError, SchemaError, TesseraError
from engine.formula import to_display
from engine.formula.lexer import T, escape_field_name, tokenize
from engine.model import FieldDef, TableSchema, load_table
from engine.query import Compiler, QueryContext
from engine.saved_filters import list_filters, with_field_ids
from schemas.field import FieldSpec
from schemas.preset import (
    CONFIG_FIELD,
    CONFIG_FIELD_KEYS,
    CONFIG_FIELDS,
    LOCALES,
    Preset,
    PresetError,
    PresetFilter,
    PresetSource,
    PresetTable,
    RoleSpec,
    SavedFilterName,
    SavedFilterSpec,
    ViewQuerySpec,
    ViewSpec,
    pick,
)
from schemas.query import Condition, FilterGroup, SavedFilterRef

from . import store
from .api import Views
from .preset_automations import apply_automations, export_automations
from .preset_automations import localize as localize_automation
from .preset_dashboards import apply_dashboards, export_dashboards
from .preset_dashboards import localize as localize_dashboards
from .preset_roles import apply_roles, export_roles

PRESETS = Path(schemas.__file__).resolve().parent / "presets"  # the presets that ship
RELATIONAL = ("link", "lookup", "rollup", "count", "formula")
COMPUTED = ("lookup", "rollup", "count", "formula")
SELECTS = ("single_select", "multiple_select")
FORM_TEXTS = ("title", "description", "submit_label", "submit_message")
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


def _pydantic_message(e: PydanticValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'preset'}: {err['msg']}" for err in e.errors()
    )


# --- localizing --------------------------------------------------------------------------------
class Localizer:
    """How the names of a multilingual preset (written in its first locale) read in `locale`."""

    def __init__(self, source: PresetSource, locale: str) -> None:
        if locale not in source.locales:
            raise PresetError(f"The preset is in {', '.join(source.locales)}, not in {locale!r}")
        self.source = source
        self.locale = locale
        self.src = source.source_locale
        self.tables: dict[str, str] = {}
        self.fields: dict[str, dict[str, str]] = {}
        self.types: dict[str, dict[str, str]] = {}
        self.choices: dict[str, dict[str, dict[str, str]]] = {}
        self.links: dict[str, dict[str, str]] = {}  # table -> link field -> linked table
        self.saved: dict[str, dict[str, str]] = {}
        self.roles: dict[str, str] = {}
        self.terms = {k: v.get(locale, k) for k, v in source.terms.items()}
        for t in source.tables:
            name = self.mine(t.name)
            self.tables[name] = pick(t.name, locale)
            self.fields[name], self.types[name] = {}, {}
            self.choices[name], self.links[name] = {}, {}
        for t in source.tables:
            tname = self.mine(t.name)
            for f in t.fields:
                fname = self.mine(f.name)
                self.fields[tname][fname] = pick(f.name, locale)
                self.types[tname][fname] = f.type
                if f.type in SELECTS:
                    self.choices[tname][fname] = {
                        self.mine(_choice_name(c)): pick(_choice_name(c), locale)
                        for c in f.options.get("choices", [])
                    }
                if f.type == "link":
                    target = str(f.options.get("table", ""))
                    if target not in self.tables:
                        raise PresetError(f"{tname}.{fname} links to an unknown table {target!r}")
                    self.links[tname][fname] = target
                    inverse = f.options.get("inverse_name")
                    src_inverse = self.mine(inverse) if inverse else tname
                    self.fields[target][src_inverse] = (
                        pick(inverse, locale) if inverse else self.tables[tname]
                    )
                    self.types[target][src_inverse] = "link"
                    self.links[target][src_inverse] = tname
        for sf in source.saved_filters:
            self.saved.setdefault(sf.table, {})[self.mine(sf.name)] = pick(sf.name, locale)
        for role in source.roles:
            self.roles[self.mine(role.name)] = pick(role.name, locale)

    def mine(self, text: Any) -> str:
        """A text as the preset's references write it (in its first locale)."""
        return str(pick(text, self.src))

    # --- names ---------------------------------------------------------------------------------
    def table(self, name: str) -> str:
        try:
            return self.tables[name]
        except KeyError:
            raise PresetError(f"unknown table {name!r}") from None

    def field(self, table: str, name: Any) -> str:
        try:
            return self.fields[table][name]
        except (KeyError, TypeError):
            raise PresetError(f"table {table!r} has no field {name!r}") from None

    def choice(self, table: str, field: str, value: Any) -> Any:
        """An option name (or a list of them) of a select field, in the locale."""
        names = self.choices.get(table, {}).get(field)
        if names is None:
            return value
        if isinstance(value, list):
            return [names.get(v, v) if isinstance(v, str) else v for v in value]
        return names.get(value, value) if isinstance(value, str) else value

    def value(self, table: str, field: str, value: Any) -> Any:
        """A filter value or default: an option name of a select, else a term, else as is."""
        if field in self.choices.get(table, {}):
            return self.choice(table, field, value)
        if isinstance(value, str):
            return self.terms.get(value, value)
        if isinstance(value, list):
            return [self.terms.get(v, v) if isinstance(v, str) else v for v in value]
        return value

    def formula(self, table: str, text: str) -> str:
        """The formula with field names and the words of `terms` in the locale."""
        out: list[str] = []
        last = 0
        for tok in tokenize(text):
            if tok.kind in (T.FIELD, T.NAME):
                if tok.kind is T.NAME and tok.text.upper() in ("TRUE", "FALSE"):
                    continue
                new = escape_field_name(self.field(table, tok.text))
            elif tok.kind is T.STRING and tok.text in self.terms:
                new = json.dumps(self.terms[tok.text], ensure_ascii=False)
            else:
                continue
            out += [text[last : tok.pos], new]
            last = tok.end
        out.append(text[last:])
        return "".join(out)

    def filter(self, table: str, group: PresetFilter) -> PresetFilter:
        items: list[Condition | PresetFilter | SavedFilterName] = []
        for item in group.items:
            if isinstance(item, Condition):
                name = str(item.field)
                items.append(
                    Condition(
                        field=self.field(table, name),
                        op=item.op,
                        value=self.value(table, name, item.value),
                    )
                )
            elif isinstance(item, PresetFilter):
                items.append(self.filter(table, item))
            else:
                try:
                    items.append(SavedFilterName(saved_filter=self.saved[table][item.saved_filter]))
                except KeyError:
                    raise PresetError(
                        f"Table {table!r} has no saved filter {item.saved_filter!r}"
                    ) from None
        return PresetFilter(conjunction=group.conjunction, items=items)

    # --- the preset ----------------------------------------------------------------------------
    def preset(self) -> Preset:
        s = self.source
        loc = self.locale
        try:
            return Preset(
                name=pick(s.name, loc),
                description=pick(s.description, loc),
                locale=loc,
                tables=[self._in(f"table {self.mine(t.name)!r}", self._table, t) for t in s.tables],
                saved_filters=[
                    self._in(f"saved filter {self.mine(sf.name)!r}", self._saved_filter, sf)
                    for sf in s.saved_filters
                ],
                views=[self._in(f"view {self.mine(v.name)!r}", self._view, v) for v in s.views],
                roles=[self._in(f"role {self.mine(r.name)!r}", self._role, r) for r in s.roles],
                demo=s.demo,
                dashboards=self._in(
                    "dashboards", lambda d: localize_dashboards(self, d), s.dashboards
                ),
                automations=[
                    self._in(
                        f"automation {self.mine(a.name)!r}",
                        lambda x: localize_automation(self, x),
                        a,
                    )
                    for a in s.automations
                ],
            )
        except PydanticValidationError as e:
            raise PresetError(_pydantic_message(e)) from None

    def _in(self, where: str, make: Callable[[Any], Any], part: Any) -> Any:
        """`make(part)`, its errors saying where they are."""
        try:
            return make(part)
        except PresetError as e:
            raise PresetError(f"{where}: {e}") from None

    def _saved_filter(self, sf: Any) -> SavedFilterSpec:
        return SavedFilterSpec(
            table=self.table(sf.table),
            name=pick(sf.name, self.locale),
            filter=self.filter(sf.table, sf.filter),
        )

    def _table(self, t: Any) -> PresetTable:
        name = self.mine(t.name)
        fields = [
            FieldSpec(
                name=self.field(name, self.mine(f.name)),
                type=f.type,
                options=self._options(name, f.type, f.options),
                rules=self._rules(name, self.mine(f.name), f.rules),
                description=pick(f.description, self.locale),
            )
            for f in t.fields
        ]
        return PresetTable(
            name=self.table(name),
            fields=fields,
            primary=self.field(name, t.primary) if t.primary else None,
            description=pick(t.description, self.locale),
            order=[self.field(name, n) for n in t.order],
        )

    def _options(self, table: str, type_: str, options: dict[str, Any]) -> dict[str, Any]:
        out = dict(options)
        loc = self.locale
        if type_ in SELECTS and "choices" in out:
            out["choices"] = [
                {**c, "name": pick(c["name"], loc)}
                if isinstance(c, dict) and "name" in c
                else pick(c, loc)
                for c in out["choices"]
            ]
        if type_ == "link":
            out["table"] = self.table(str(out.get("table")))
            if out.get("inverse_name"):
                out["inverse_name"] = pick(out["inverse_name"], loc)
        if type_ in ("lookup", "rollup", "count"):
            link = str(out.get("link_field"))
            out["link_field"] = self.field(table, link)
            target = self.links.get(table, {}).get(link)
            if target is None:
                raise PresetError(f"{link!r} is not a link field of table {table!r}")
            if "target_field" in out:
                out["target_field"] = self.field(target, out["target_field"])
            if isinstance(out.get("filter"), dict):
                group = PresetFilter.model_validate(out["filter"])
                out["filter"] = self.filter(target, group).model_dump(exclude_defaults=True)
        if type_ == "formula" and isinstance(out.get("formula"), str):
            out["formula"] = self.formula(table, out["formula"])
        return out

    def _rules(self, table: str, field: str, rules: dict[str, Any]) -> dict[str, Any]:
        out = dict(rules)
        if "pattern_message" in out:
            out["pattern_message"] = pick(out["pattern_message"], self.locale)
        if "default" in out:
            out["default"] = self.value(table, field, pick(out["default"], self.locale))
        return out

    def _view(self, v: Any) -> ViewSpec:
        t = v.table
        q = v.query
        query = ViewQuerySpec(
            filter=self.filter(t, q.filter) if q.filter is not None else None,
            sorts=[s.model_copy(update={"field": self.field(t, s.field)}) for s in q.sorts],
            groups=[g.model_copy(update={"field": self.field(t, g.field)}) for g in q.groups],
        )
        return ViewSpec(
            table=self.table(t),
            name=pick(v.name, self.locale),
            kind=v.kind,
            visibility=v.visibility,
            query=query,
            config=self._config(t, v.config),
        )

    def _config(self, table: str, config: dict[str, Any]) -> dict[str, Any]:
        out = dict(config)
        loc = self.locale
        for key in CONFIG_FIELD:
            if out.get(key) is not None:
                out[key] = self.field(table, out[key])
        for key in CONFIG_FIELDS:
            if key in out:
                out[key] = [self.field(table, r) for r in out[key]]
        for key in CONFIG_FIELD_KEYS:
            if key in out:
                out[key] = {self.field(table, r): x for r, x in out[key].items()}
        for key in FORM_TEXTS:
            if key in out:
                out[key] = pick(out[key], loc)
        if "fields" in out:
            out["fields"] = [
                {
                    **ff,
                    "field": self.field(table, ff["field"]),
                    **{k: pick(ff[k], loc) for k in ("label", "help") if k in ff},
                }
                for ff in out["fields"]
            ]
        stack = config.get("stack_field")
        for key in ("stack_order", "collapsed"):
            if key in out and isinstance(stack, str):
                out[key] = [self.choice(table, stack, k) for k in out[key]]
        return out

    def _role(self, r: Any) -> RoleSpec:
        loc = self.locale
        perms = [
            p.model_copy(
                update={
                    "table": self.table(p.table),
                    "rows": self.filter(p.table, p.rows) if p.rows is not None else None,
                    "fields": {self.field(p.table, f): a for f, a in p.fields.items()},
                }
            )
            for p in r.permissions
        ]
        demo = None
        if r.demo_user is not None:
            demo = {"email": r.demo_user.email, "name": pick(r.demo_user.name, loc)}
        return RoleSpec.model_validate(
            {
                "name": pick(r.name, loc),
                "description": pick(r.description, loc),
                "admin": r.admin,
                "permissions": perms,
                "demo_user": demo,
            }
        )


def _choice_name(choice: Any) -> Any:
    return choice["name"] if isinstance(choice, dict) and "name" in choice else choice


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
        if primary is not None and _key(primary) not in {_key(f.name) for f in plain}:
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
    apply_dashboards(base, preset.dashboards, filter_ids, result, _filter_dict, _Unavailable)
    check_roles(db, base, preset.roles, filter_ids)
    locale = names.locale if names is not None else preset.locale
    apply_roles(db, base, preset.roles, filter_ids, result.users, locale, _filter_dict)
    apply_automations(db, base, preset.automations, filter_ids, result, _filter_dict)


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


def _key(name: str) -> str:
    return name.strip().casefold()


def _computed_order(preset: Preset) -> list[tuple[PresetTable, FieldSpec]]:
    """The computed fields, each after the computed fields it reads."""
    owner: dict[tuple[str, str], tuple[PresetTable, FieldSpec]] = {}
    links: dict[tuple[str, str], str] = {}
    for t in preset.tables:
        for f in t.fields:
            owner[(_key(t.name), _key(f.name))] = (t, f)
            if f.type == "link":
                target = str(f.options.get("table"))
                links[(_key(t.name), _key(f.name))] = target
                inverse = str(f.options.get("inverse_name") or t.name)
                links[(_key(target), _key(inverse))] = t.name
    nodes = [(t, f) for t in preset.tables for f in t.fields if f.type in COMPUTED]

    def reads(t: PresetTable, f: FieldSpec) -> list[tuple[str, str]]:
        o = f.options
        if f.type == "formula":
            return [
                (_key(t.name), _key(tok.text))
                for tok in tokenize(str(o.get("formula", "")))
                if tok.kind in (T.FIELD, T.NAME)
            ]
        target = links.get((_key(t.name), _key(str(o.get("link_field")))), "")
        out = [(_key(target), _key(str(o.get("target_field"))))]
        if isinstance(o.get("filter"), dict):
            group = PresetFilter.model_validate(o["filter"])
            out += [(_key(target), _key(str(c.field))) for c in group.conditions()]
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
            done.add((_key(t.name), _key(f.name)))
            order.append((t, f))
        pending = [(t, f) for t, f in pending if (t, f) not in ready]
    return order


def _order_fields(db: Database, preset: Preset, tables: dict[str, Table]) -> None:
    """Place every table's fields: `order` first, then the declared fields, then the rest."""
    with db.write() as conn:
        for t in preset.tables:
            schema = load_table(conn, tables[t.name].id)
            wanted = [_key(n) for n in [*t.order, *(f.name for f in t.fields)]]
            rank = {k: i for i, k in reversed(list(enumerate(wanted)))}
            fields = sorted(
                schema.fields,
                key=lambda f: (rank.get(_key(f.name), len(rank)), f.position, f.id),
            )
            for i, f in enumerate(fields):
                if f.position != float(i + 1):
                    schema_ops.move_field(conn, schema.id, f.id, float(i + 1))


def _filter_dict(group: PresetFilter, ids: Mapping[str, int]) -> dict[str, Any]:
    """A preset filter as the engine takes it: saved filters by id (fields stay named)."""
    items: list[Any] = []
    for item in group.items:
        if isinstance(item, Condition):
            items.append(item.model_dump())
        elif isinstance(item, PresetFilter):
            items.append(_filter_dict(item, ids))
        else:
            found = ids.get(_key(item.saved_filter))
            if found is None:
                raise _Unavailable(f"saved filter {item.saved_filter!r} was not made")
            items.append({"saved_filter": found})
    return {"conjunction": group.conjunction, "items": items}


class _Unavailable(Exception):
    """Something a view or saved filter needs was left out."""


def _saved_filters(
    preset: Preset, tables: dict[str, Table], result: ApplyResult
) -> dict[str, dict[str, int]]:
    """Make the saved filters (each after those it uses); table -> name key -> id."""
    made: dict[str, dict[str, int]] = {t: {} for t in tables}
    pending = list(preset.saved_filters)
    while pending:
        left: list[SavedFilterSpec] = []
        for sf in pending:
            uses = {_key(n) for n in sf.filter.saved_filters()}
            known = {_key(x.name) for x in pending if x.table == sf.table}
            if uses & known - {_key(sf.name)}:
                left.append(sf)
                continue
            try:
                body = _filter_dict(sf.filter, made[sf.table])
                created = Views(tables[sf.table]).create_filter(sf.name, body)
                made[sf.table][_key(sf.name)] = created.id
            except (QueryError, SchemaError, _Unavailable) as e:
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
                "filter": _filter_dict(q.filter, filter_ids[v.table]) if q.filter else None,
                "sorts": [s.model_dump() for s in q.sorts],
                "groups": [g.model_dump() for g in q.groups],
            }
            Views(tables[v.table]).create(
                v.name, v.kind, query=query, config=v.config, visibility=v.visibility
            )
        except (QueryError, SchemaError, _Unavailable) as e:
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
                        group = FilterGroup.model_validate(_filter_dict(perm.rows, ids))
                        Compiler(conn, schema, QueryContext(user_id=0)).group(group)
                    except (QueryError, _Unavailable) as e:
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


# --- exporting ---------------------------------------------------------------------------------
def export_preset(
    db: Database, base: Base | str | int, *, locale: str | None = None
) -> dict[str, Any]:
    """The base as preset data (JSON-ready): apply it to recreate the base's schema."""
    b = base if isinstance(base, Base) else db.base(base)
    with db.read() as conn:
        schemas = [load_table(conn, t.id) for t in b.tables()]
        by_id = {s.id: s for s in schemas}
        described = dict(
            conn.execute(
                select(meta.tables.c.id, meta.tables.c.description).where(
                    meta.tables.c.base_id == b.id
                )
            ).all()
        )
        tables = [_export_table(s, by_id, described.get(s.id) or "") for s in schemas]
        filters: list[SavedFilterSpec] = []
        views: list[ViewSpec] = []
        filter_names: dict[int, str] = {}
        for s in schemas:
            saved = list_filters(conn, s.id)
            names = {x.id: x.name for x in saved}
            filter_names |= names
            filters += [
                SavedFilterSpec(table=s.name, name=x.name, filter=_named(x.filter, s, names))
                for x in saved
            ]
            views += [
                _export_view(v, s, names)
                for v in store.list_views(conn, s.id, None)
                if v.visibility != "personal"
            ]
        roles = export_roles(conn, b.id, by_id, filter_names)
        dashboards = export_dashboards(conn, b.id, by_id, filter_names, _named, _field_name)
        automations = export_automations(conn, b.id, by_id, filter_names, _named)
    chosen = locale or ("zh-CN" if _has_cjk(b.name, *(s.name for s in schemas)) else "en")
    preset = Preset(
        name=b.name,
        locale=chosen,
        tables=tables,
        saved_filters=filters,
        views=views,
        roles=roles,
        dashboards=dashboards,
        automations=automations,
    )
    return preset.model_dump(mode="json", exclude_defaults=True)


def _has_cjk(*texts: str) -> bool:
    return any(re.search(r"[\u3400-\u9fff]", t) for t in texts)


def _export_table(s: TableSchema, by_id: dict[int, TableSchema], description: str) -> PresetTable:
    fields: list[FieldSpec] = []
    inverse = False
    for f in s.fields:
        if f.type.name == "link" and f.type.options.side == "b":
            inverse = True
            continue
        fields.append(
            FieldSpec(
                name=f.name,
                type=f.type.name,
                options=_export_options(f, s, by_id),
                rules=f.rules.model_dump(mode="json", exclude_defaults=True),
                description=f.description,
            )
        )
    primary = s.primary
    return PresetTable(
        name=s.name,
        fields=fields,
        primary=primary.name if primary is not None else None,
        description=description,
        order=[f.name for f in s.fields] if inverse else [],
    )


def _export_options(f: FieldDef, s: TableSchema, by_id: dict[int, TableSchema]) -> dict[str, Any]:
    o = f.type.options
    name = f.type.name
    if name in SELECTS:
        return {"choices": [{"name": c.name, "color": c.color} for c in o.choices]}
    if name == "link":
        target = by_id[o.table_id]
        inv = target.field(o.inverse_field_id) if o.inverse_field_id is not None else None
        out: dict[str, Any] = {"table": target.name, "multiple": o.multiple}
        if o.role != "link":
            out["role"] = o.role
        if inv is not None:
            out["inverse_name"] = inv.name
            out["inverse_multiple"] = inv.type.options.multiple
        return out
    if name in ("lookup", "rollup", "count"):
        link = s.field(o.link_field_id)
        target = by_id[link.type.options.table_id]
        out = {"link_field": link.name}
        if name != "count":
            out["target_field"] = target.field(o.target_field_id).name
        if name == "rollup":
            out["fn"] = o.fn
            if o.separator != ", ":
                out["separator"] = o.separator
            if o.precision != 2:
                out["precision"] = o.precision
        if o.filter:
            group = FilterGroup.model_validate(o.filter)
            out["filter"] = _named(group, target, {}).model_dump(mode="json", exclude_defaults=True)
        return out
    if name == "formula":
        names = {x.id: x.name for x in s.fields}
        out = {"formula": to_display(o.formula, names.get)}
        if o.timezone != "UTC":
            out["timezone"] = o.timezone
        if o.precision is not None:
            out["precision"] = o.precision
        return out
    return f.type.options_dict()


def _named(group: FilterGroup, s: TableSchema, filters: Mapping[int, str]) -> PresetFilter:
    """A stored filter (fields and saved filters by id) with names instead."""
    items: list[Condition | PresetFilter | SavedFilterName] = []
    for item in group.items:
        if isinstance(item, Condition):
            name = _field_name(s, item.field)
            items.append(item.model_copy(update={"field": name}))
        elif isinstance(item, FilterGroup):
            items.append(_named(item, s, filters))
        elif isinstance(item, SavedFilterRef):
            items.append(SavedFilterName(saved_filter=filters.get(item.saved_filter, "?")))
    return PresetFilter(conjunction=group.conjunction, items=items)


def _field_name(s: TableSchema, ref: int | str) -> str:
    try:
        return s.field(ref).name
    except NotFound:
        return str(ref)


def _export_view(v: Any, s: TableSchema, filters: Mapping[int, str]) -> ViewSpec:
    q = v.query
    query = ViewQuerySpec(
        filter=_named(q.filter, s, filters) if q.filter is not None else None,
        sorts=[x.model_copy(update={"field": _field_name(s, x.field)}) for x in q.sorts],
        groups=[x.model_copy(update={"field": _field_name(s, x.field)}) for x in q.groups],
    )
    raw = v.config.model_dump(mode="json", exclude_defaults=True) if v.config is not None else {}
    return ViewSpec(
        table=s.name,
        name=v.name,
        kind=v.kind,
        visibility=v.visibility,
        query=query,
        config=_config_names(raw, s),
    )


def _config_names(config: dict[str, Any], s: TableSchema) -> dict[str, Any]:
    out = dict(config)
    for key in CONFIG_FIELD:
        if out.get(key) is not None:
            out[key] = _field_name(s, int(out[key]))
    for key in CONFIG_FIELDS:
        if key in out:
            out[key] = [_field_name(s, int(r)) for r in out[key]]
    for key in CONFIG_FIELD_KEYS:
        if key in out:
            out[key] = {_field_name(s, int(r)): x for r, x in out[key].items()}
    if "fields" in out:
        out["fields"] = [{**ff, "field": _field_name(s, int(ff["field"]))} for ff in out["fields"]]
    return out


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
