"""Presets: a whole base — tables, fields with options and rules, links, computed fields, saved
filters, views and roles — described as data, in one file.

Two forms, both checked by these models:

- `Preset`, in one language, is what `apply` builds a base from and what `export` writes. Its
  tables are the `TableSpec` / `FieldSpec` that `create_table` and `add_field` take, and every
  reference — a link's table, a rollup's fields, a formula's `{fields}`, a view's sorts, a role's
  row rule — is a name, so a preset reads like the base it describes.
- `PresetSource`, the authored form that ships in `schemas/presets/`, holds every language at
  once: whatever a person reads (table, field, option, view and role names, descriptions, form
  labels) is either plain text or `{"zh-CN": "客户", "en": "Customers"}`, while references are
  written once, in the first of its `locales`. `views.presets.load_preset` turns it into a
  `Preset` for one locale, translating references by the names it declares (and words inside formulas
  and filter values by its `terms`).

Roles and permissions are data here: a preset declares them, `apply` checks them against the
base (every table and field they name exists; every row rule compiles) and hands them back, but
nothing stores or enforces them until Tessera has users, roles and permissions of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .field import FieldSpec, TableSpec
from .preset_dashboards import DashboardSpec, SourceDashboard
from .query import Condition, Group, Sort

LOCALES = ("zh-CN", "en")
Locale = Literal["zh-CN", "en"]
Text = str | dict[str, str]  # plain, or one text per locale
ViewKind = Literal["grid", "card", "kanban", "form", "calendar"]
Visibility = Literal["collaborative", "locked"]
Access = Literal["none", "read", "edit", "full"]  # full: edit, and also create and delete
FieldAccess = Literal["hidden", "read", "edit"]

# keys of a view config that name one field, and those that name a list of fields
CONFIG_FIELD = ("stack_field", "cover_field", "date_field", "end_field")
CONFIG_FIELDS = ("hidden", "order", "card_fields")
CONFIG_FIELD_KEYS = ("widths", "summaries")  # mappings keyed by field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SavedFilterName(_Model):
    """Matches what the table's saved filter of this name matches."""

    saved_filter: str


class PresetFilter(_Model):
    """A filter as in `schemas.query.FilterGroup`, naming fields and saved filters by name."""

    conjunction: Literal["and", "or"] = "and"
    items: list[Condition | PresetFilter | SavedFilterName] = Field(default_factory=list)

    def conditions(self) -> Iterator[Condition]:
        for item in self.items:
            if isinstance(item, Condition):
                yield item
            elif isinstance(item, PresetFilter):
                yield from item.conditions()

    def saved_filters(self) -> Iterator[str]:
        for item in self.items:
            if isinstance(item, SavedFilterName):
                yield item.saved_filter
            elif isinstance(item, PresetFilter):
                yield from item.saved_filters()


class ViewQuerySpec(_Model):
    filter: PresetFilter | None = None
    sorts: list[Sort] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list, max_length=3)


class ViewSpec(_Model):
    """A saved view. `config` is the kind's config (see `views.model`) with fields by name."""

    table: str
    name: str = Field(min_length=1, max_length=255)
    kind: ViewKind = "grid"
    visibility: Visibility = "collaborative"
    query: ViewQuerySpec = Field(default_factory=ViewQuerySpec)
    config: dict[str, Any] = Field(default_factory=dict)


class SavedFilterSpec(_Model):
    table: str
    name: str = Field(min_length=1, max_length=255)
    filter: PresetFilter


class TablePermission(_Model):
    """What a role may do with one table: its records (`access`), which of them (`rows`, a filter
    that may say "me" for the signed-in user) and, field by field, exceptions to `access`."""

    table: str
    access: Access = "read"
    rows: PresetFilter | None = None
    fields: dict[str, FieldAccess] = Field(default_factory=dict)


class DemoUser(_Model):
    email: str
    name: str


class RoleSpec(_Model):
    """A role. Tables it does not list are closed to it, unless it is `admin` (everything)."""

    name: str = Field(min_length=1, max_length=255)
    description: str = ""
    admin: bool = False
    permissions: list[TablePermission] = Field(default_factory=list)
    demo_user: DemoUser | None = None  # made by `apply` when it adds demo data


class DemoSpec(_Model):
    """Where a preset's demo data comes from: `module:function`, called by `apply` with a
    `views.presets.DemoContext`, and how many rows (customers, for the CRM) by default."""

    generator: str = Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
    rows: int = Field(default=1000, ge=0)


class PresetAutomation(_Model):
    """An automation (`engine.automations.model.AutomationSpec`) naming its tables, fields,
    saved filters (`{"saved_filter": name}` in a filter), roles, and users by email; templates
    and messages use `{field name}` tokens. The engine checks it when the preset is applied."""

    name: str = Field(min_length=1, max_length=255)
    enabled: bool = True
    trigger: dict[str, Any]
    actions: list[dict[str, Any]] = Field(min_length=1)


class SourceAutomation(_Model):
    """An automation of an authored preset: its name, messages, templates and text values are
    plain or per locale; references are in the first locale."""

    name: Text
    enabled: bool = True
    trigger: dict[str, Any]
    actions: list[dict[str, Any]] = Field(min_length=1)


class PresetTable(TableSpec):
    """A table. `order` is the display order of its fields, the inverse side of links from
    other tables included; fields it leaves out follow in the order they were added."""

    order: list[str] = Field(default_factory=list)


def _key(name: str) -> str:
    return name.strip().casefold()


class PresetError(ValueError):
    """A preset that does not hold together: a name that is used but never declared, twice."""


class Preset(_Model):
    """A base in one language, as `apply` builds it and `export` writes it."""

    format: Literal[1] = 1
    name: str = Field(min_length=1, max_length=255)
    description: str = ""
    locale: str = "zh-CN"
    tables: list[PresetTable] = Field(min_length=1)
    saved_filters: list[SavedFilterSpec] = Field(default_factory=list)
    views: list[ViewSpec] = Field(default_factory=list)
    roles: list[RoleSpec] = Field(default_factory=list)
    demo: DemoSpec | None = None
    dashboards: list[DashboardSpec] = Field(default_factory=list)
    automations: list[PresetAutomation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Preset:
        problems = list(Names(self).problems())
        if problems:
            raise PresetError("; ".join(problems))
        return self

    def table(self, name: str) -> PresetTable:
        for t in self.tables:
            if _key(t.name) == _key(name):
                return t
        raise KeyError(name)


class Names:
    """Every table and field name of a preset (inverse link fields included), to check that
    what the preset refers to exists."""

    def __init__(self, preset: Preset) -> None:
        self.preset = preset
        self.fields: dict[str, dict[str, FieldSpec | None]] = {}  # None: an inverse link
        self.links: dict[str, dict[str, str]] = {}  # table -> link field -> linked table
        self.dupes: list[str] = []
        for t in preset.tables:
            if _key(t.name) in self.fields:
                self.dupes.append(f"table {t.name!r} is declared twice")
            self.fields[_key(t.name)] = {}
            self.links[_key(t.name)] = {}
        for t in preset.tables:
            for f in t.fields:
                self._add(t.name, f.name, f)
                if f.type == "link":
                    target = str(f.options.get("table", ""))
                    self.links[_key(t.name)][_key(f.name)] = target
                    inverse = f.options.get("inverse_name") or t.name
                    if _key(target) in self.fields:
                        self._add(target, str(inverse), None)
                        self.links[_key(target)][_key(str(inverse))] = t.name

    def _add(self, table: str, name: str, spec: FieldSpec | None) -> None:
        known = self.fields[_key(table)]
        if _key(name) in known:
            self.dupes.append(f"table {table!r} has two fields named {name!r}")
        known[_key(name)] = spec

    def has_table(self, name: str) -> bool:
        return _key(name) in self.fields

    def has_field(self, table: str, name: Any) -> bool:
        return isinstance(name, str) and _key(name) in self.fields.get(_key(table), {})

    def problems(self) -> Iterator[str]:
        yield from self.dupes
        p = self.preset
        for t in p.tables:
            yield from self._table(t)
        filters: dict[str, set[str]] = {}
        for sf in p.saved_filters:
            names = filters.setdefault(_key(sf.table), set())
            if _key(sf.name) in names:
                yield f"table {sf.table!r} has two saved filters named {sf.name!r}"
            names.add(_key(sf.name))
        for sf in p.saved_filters:
            yield from self._filter(sf.table, sf.filter, f"saved filter {sf.name!r}", filters)
        views: set[tuple[str, str]] = set()
        for v in p.views:
            where = f"view {v.name!r}"
            if not self.has_table(v.table):
                yield f"{where} is of an unknown table {v.table!r}"
                continue
            if (_key(v.table), _key(v.name)) in views:
                yield f"table {v.table!r} has two views named {v.name!r}"
            views.add((_key(v.table), _key(v.name)))
            if v.query.filter is not None:
                yield from self._filter(v.table, v.query.filter, where, filters)
            for ref in [s.field for s in v.query.sorts] + [g.field for g in v.query.groups]:
                yield from self._field(v.table, ref, where)
            for ref in config_fields(v.config):
                yield from self._field(v.table, ref, where)
        for role in p.roles:
            where = f"role {role.name!r}"
            for perm in role.permissions:
                if not self.has_table(perm.table):
                    yield f"{where} names an unknown table {perm.table!r}"
                    continue
                for ref in perm.fields:
                    yield from self._field(perm.table, ref, where)
                if perm.rows is not None:
                    yield from self._filter(perm.table, perm.rows, where, filters)

    def _table(self, t: PresetTable) -> Iterator[str]:
        where = f"table {t.name!r}"
        if t.primary is not None:
            yield from self._field(t.name, t.primary, where)
        for ref in t.order:
            yield from self._field(t.name, ref, where)
        for f in t.fields:
            o = f.options
            at = f"field {t.name}.{f.name}"
            if f.type == "link" and not self.has_table(str(o.get("table", ""))):
                yield f"{at} links to an unknown table {o.get('table')!r}"
            if f.type in ("lookup", "rollup", "count"):
                link = o.get("link_field")
                target = self.links[_key(t.name)].get(_key(link)) if isinstance(link, str) else None
                if target is None:
                    yield f"{at}: {link!r} is not a link field of {t.name!r}"
                    continue
                if f.type != "count":
                    yield from self._field(target, o.get("target_field"), at)
                if isinstance(o.get("filter"), dict):
                    group = PresetFilter.model_validate(o["filter"])
                    yield from self._filter(target, group, at, None)

    def _field(self, table: str, ref: Any, where: str) -> Iterator[str]:
        if not self.has_field(table, ref):
            yield f"{where} names an unknown field {ref!r} of table {table!r}"

    def _filter(
        self, table: str, group: PresetFilter, where: str, filters: dict[str, set[str]] | None
    ) -> Iterator[str]:
        if not self.has_table(table):
            yield f"{where} is of an unknown table {table!r}"
            return
        for cond in group.conditions():
            yield from self._field(table, cond.field, where)
        for name in group.saved_filters():
            if filters is None or _key(name) not in filters.get(_key(table), set()):
                yield f"{where} uses an unknown saved filter {name!r} of table {table!r}"


def config_fields(config: dict[str, Any]) -> list[Any]:
    """The field references of a view config (in any kind's shape)."""
    out: list[Any] = [config[k] for k in CONFIG_FIELD if config.get(k) is not None]
    for key in CONFIG_FIELDS:
        out += list(config.get(key) or [])
    for key in CONFIG_FIELD_KEYS:
        out += list(config.get(key) or {})
    out += [ff.get("field") for ff in config.get("fields") or [] if isinstance(ff, dict)]
    return out


# --- the authored, multilingual form ---------------------------------------------------------------
class SourceField(_Model):
    name: Text
    type: str = "text"
    options: dict[str, Any] = Field(default_factory=dict)  # choice names and inverse_name: Text
    rules: dict[str, Any] = Field(default_factory=dict)  # pattern_message: Text
    description: Text = ""


class SourceTable(_Model):
    name: Text
    fields: list[SourceField] = Field(min_length=1)
    primary: str | None = None
    description: Text = ""
    order: list[str] = Field(default_factory=list)


class SourceView(_Model):
    table: str
    name: Text
    kind: ViewKind = "grid"
    visibility: Visibility = "collaborative"
    query: ViewQuerySpec = Field(default_factory=ViewQuerySpec)
    config: dict[str, Any] = Field(default_factory=dict)  # form title and labels: Text


class SourceSavedFilter(_Model):
    table: str
    name: Text
    filter: PresetFilter


class SourceDemoUser(_Model):
    email: str
    name: Text


class SourceRole(_Model):
    name: Text
    description: Text = ""
    admin: bool = False
    permissions: list[TablePermission] = Field(default_factory=list)
    demo_user: SourceDemoUser | None = None


class PresetSource(_Model):
    """A preset in several languages; references are written in the first of `locales`."""

    format: Literal[1] = 1
    locales: list[Locale] = Field(min_length=1)
    name: Text
    description: Text = ""
    terms: dict[str, dict[str, str]] = Field(default_factory=dict)  # formula words and values
    tables: list[SourceTable] = Field(min_length=1)
    saved_filters: list[SourceSavedFilter] = Field(default_factory=list)
    views: list[SourceView] = Field(default_factory=list)
    roles: list[SourceRole] = Field(default_factory=list)
    demo: DemoSpec | None = None
    dashboards: list[SourceDashboard] = Field(default_factory=list)
    automations: list[SourceAutomation] = Field(default_factory=list)

    @property
    def source_locale(self) -> str:
        return self.locales[0]

    @model_validator(mode="after")
    def _texts(self) -> PresetSource:
        """Every text given per locale is given for every locale of the preset."""
        wanted = set(self.locales)
        for text in _texts(self.model_dump(exclude={"terms"})):
            if set(text) != wanted:
                raise PresetError(
                    f"{text!r} should be given in {', '.join(self.locales)} (no more, no less)"
                )
        return self


def _texts(data: Any) -> Iterator[dict[str, str]]:
    """The per-locale texts inside dumped preset data: dicts whose keys are all locales."""
    if isinstance(data, dict):
        if (
            data
            and all(k in LOCALES for k in data)
            and all(isinstance(v, str) for v in data.values())
        ):
            yield data
            return
        for value in data.values():
            yield from _texts(value)
    elif isinstance(data, list):
        for value in data:
            yield from _texts(value)


def pick(text: Any, locale: str) -> Any:
    """A text in `locale` (plain text is the same in every locale)."""
    if isinstance(text, dict) and locale in text and all(k in LOCALES for k in text):
        return text[locale]
    return text
