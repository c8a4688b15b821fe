"""Localizing a preset: the authored, multilingual form (`PresetSource`) becomes a `Preset` in
one locale, every text picked and every reference rewritten into that locale's names (link
tables, rollup fields, `{fields}` and words inside formulas, filter conditions and values, view
configs, role rules, dashboards, automations)."""


from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from engine.formula.lexer import T, escape_field_name, tokenize
from schemas.field import FieldSpec
from schemas.preset import (
    CONFIG_FIELD,
    CONFIG_FIELD_KEYS,
    CONFIG_FIELDS,
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
from schemas.query import Condition

from .preset_automations import localize as localize_automation
from .preset_dashboards import localize as localize_dashboards

SELECTS = ("single_select", "multiple_select")
FORM_TEXTS = ("title", "description", "submit_label", "submit_message")


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
