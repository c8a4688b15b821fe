"""The one permission check: what an acting user may see and change in a base.

Everything a user reads or writes goes through a *restricted schema*: `schema_for(conn, table_id,
user_id)` is the table's schema without the fields hidden from the user's role (and without the
computed fields that read them), carrying a `TableAccess` that says which fields are read-only and
which saved filters limit the rows. The query compiler, record reads and record writes take that
schema, so a hidden field cannot be selected, filtered, sorted, grouped, searched, summed or
written, and rows outside the user's filters are neither counted nor found by id.

`user_id=None` is the system itself (the CLI without `--as`, migrations, internal work): no limits.
A workspace admin is an owner of every base. A user who is not a member of a base does not see it.

Roles, lowest first: viewer (reads), commenter (reads, comments), editor (changes records and
views), creator (changes the schema), owner (manages members and permissions; never limited).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, and_, or_, select

from . import meta
from .errors import Forbidden, NotFound
from .model import TableSchema, load_table

if TYPE_CHECKING:
    from .query import QueryContext

RANK = {"viewer": 0, "commenter": 1, "editor": 2, "creator": 3, "owner": 4}
ROLE_NAMES = {
    "viewer": ("viewer", "只读者"),
    "commenter": ("commenter", "评论者"),
    "editor": ("editor", "编辑者"),
    "creator": ("creator", "创建者"),
    "owner": ("owner", "所有者"),
}
HIDDEN, READ_ONLY, EDIT = "hidden", "read_only", "edit"
FIELD_ACCESS = (HIDDEN, READ_ONLY, EDIT)
TABLE_ACCESS = ("none", "read", "edit", "full")  # full: edit, and create and delete records
CUSTOM = "role:"  # the key of a base's own role: "role:<id>"


def default_table_access(level: str, custom: bool) -> str:
    """A role's access to a table no permission names: a custom role sees only the tables it
    is given; viewers and commenters read; editors and above do everything with records."""
    if custom:
        return "none"
    return "read" if RANK[level] < RANK["editor"] else "full"


@dataclass(frozen=True)
class BaseAccess:
    """A user's role in one base: `role` is its key ("editor" or "role:<id>", None: not a
    member), `level` the built-in role it acts as outside table permissions."""

    user_id: int | None
    base_id: int
    role: str | None
    level: str | None = None

    @property
    def custom(self) -> bool:
        return self.role is not None and self.role.startswith(CUSTOM)

    def at_least(self, role: str) -> bool:
        level = self.level or self.role
        return level is not None and level in RANK and RANK[level] >= RANK[role]

    def require(self, role: str, what_en: str, what_zh: str) -> None:
        """Forbidden unless the user's role is `role` or higher."""
        if self.at_least(role):
            return
        need_en, need_zh = ROLE_NAMES[role]
        raise Forbidden(
            f"Only a base {need_en} or above may {what_en}",
            f"只有{need_zh}及以上角色才能{what_zh}",
        )


@dataclass(frozen=True)
class TableAccess:
    """What the acting user may do with one table (attached to a restricted schema)."""

    base: BaseAccess
    full: TableSchema  # the table as it is, for writes and for the user's row filters
    table: str = "full"  # one of TABLE_ACCESS
    hidden: frozenset[int] = frozenset()
    read_only: frozenset[int] = frozenset()  # visible stored fields the user may not change
    row_filters: tuple[int, ...] = ()  # saved filter ids: the user sees rows matching any of them

    @property
    def user_id(self) -> int | None:
        return self.base.user_id

    def require_table(self, access: str, what_en: str, what_zh: str) -> None:
        if TABLE_ACCESS.index(self.table) >= TABLE_ACCESS.index(access):
            return
        name = self.full.name
        raise Forbidden(
            f"You may not {what_en} in table {name!r}", f"您没有在表 {name!r} 中{what_zh}的权限"
        )


def role_of(conn: Connection, user_id: int | None, base_id: int) -> str | None:
    """The key of the user's role in the base: "owner" for the system and workspace admins."""
    if user_id is None:
        return "owner"
    u = meta.users
    user = conn.execute(select(u.c.is_admin, u.c.disabled).where(u.c.id == user_id)).first()
    if user is None or user.disabled:
        return None
    if user.is_admin:
        return "owner"
    m = meta.members
    role = conn.execute(
        select(m.c.role).where(m.c.base_id == base_id, m.c.user_id == user_id)
    ).scalar()
    return str(role) if role is not None else None


def level_of(conn: Connection, role: str | None) -> str | None:
    if role is None or not role.startswith(CUSTOM):
        return role
    r = meta.roles
    level = conn.execute(select(r.c.level).where(r.c.id == int(role[len(CUSTOM) :]))).scalar()
    return str(level) if level is not None else None


def base_access(conn: Connection, user_id: int | None, base_id: int) -> BaseAccess:
    role = role_of(conn, user_id, base_id)
    level = level_of(conn, role)
    return BaseAccess(user_id, base_id, role if level is not None else None, level)


def visible_base(conn: Connection, user_id: int | None, base_id: int) -> BaseAccess:
    """The user's access to a base they may see; NotFound (not Forbidden: a base a user is not
    a member of does not exist for them) otherwise."""
    access = base_access(conn, user_id, base_id)
    if access.role is None:
        raise NotFound(f"No base with id {base_id}", f"没有 ID 为 {base_id} 的库")
    return access


def require(
    conn: Connection, user_id: int | None, base_id: int, role: str, what_en: str, what_zh: str
) -> BaseAccess:
    access = visible_base(conn, user_id, base_id)
    access.require(role, what_en, what_zh)
    return access


def schema_for(conn: Connection, table_id: int, user_id: int | None) -> TableSchema:
    """The table as `user_id` may see it (the full schema for the system or an owner)."""
    schema = load_table(conn, table_id)
    if user_id is None:
        return schema
    try:
        access = visible_base(conn, user_id, schema.base_id)
    except NotFound:
        access = None
    if access is None or table_access(conn, access, table_id) == "none":
        raise NotFound(f"No table with id {table_id}", f"没有 ID 为 {table_id} 的表")
    return restrict(conn, schema, access)


def table_access(conn: Connection, access: BaseAccess, table_id: int) -> str:
    """The user's access to one table's records (see TABLE_ACCESS)."""
    if access.role is None:
        return "none"
    if access.level == "owner":
        return "full"
    tp = meta.table_permissions
    found = conn.execute(
        select(tp.c.access).where(tp.c.table_id == table_id, tp.c.role == access.role)
    ).scalar()
    if found is not None:
        return str(found)
    return default_table_access(access.level or "viewer", access.custom)


def restrict(conn: Connection, schema: TableSchema, access: BaseAccess) -> TableSchema:
    if schema.access is not None:
        schema = schema.access.full
    if access.level == "owner":
        return dataclasses.replace(schema, access=TableAccess(access, schema))
    level = table_access(conn, access, schema.id)
    fp = meta.field_permissions
    ids = [f.id for f in schema.fields]
    rows = conn.execute(
        select(fp.c.field_id, fp.c.access).where(fp.c.field_id.in_(ids), fp.c.role == access.role)
    ).all()
    explicit = {r.field_id: r.access for r in rows}
    hidden = _with_dependents(conn, schema, {f for f, a in explicit.items() if a == HIDDEN}, access)
    editable_by_default = level in ("edit", "full")
    read_only = frozenset(
        f.id
        for f in schema.fields
        if f.id not in hidden
        and explicit.get(f.id) != EDIT
        and (explicit.get(f.id) == READ_ONLY or not editable_by_default)
    )
    filters = _row_filters(conn, schema.id, access)
    table_access_ = TableAccess(access, schema, level, frozenset(hidden), read_only, filters)
    return dataclasses.replace(
        schema,
        fields=[
            dataclasses.replace(f, locked=True) if f.id in read_only else f
            for f in schema.fields
            if f.id not in hidden
        ],
        primary_field_id=schema.primary_field_id,
        access=table_access_,
        _table=schema.sql,  # the same Table object: row filters compile against the full schema
    )


def _row_filters(conn: Connection, table_id: int, access: BaseAccess) -> tuple[int, ...]:
    rp = meta.row_permissions
    rows = conn.execute(
        select(rp.c.filter_id, rp.c.user_id).where(
            rp.c.table_id == table_id,
            or_(
                rp.c.user_id == access.user_id,
                and_(rp.c.user_id.is_(None), rp.c.role == access.role),
            ),
        )
    ).all()
    mine = tuple(sorted(r.filter_id for r in rows if r.user_id is not None))
    if mine:  # a rule for the user replaces the rules of their role
        return mine
    return tuple(sorted(r.filter_id for r in rows))


def _with_dependents(
    conn: Connection, schema: TableSchema, hidden: set[int], access: BaseAccess
) -> set[int]:
    """Hidden fields and every computed field that reads one (a formula over a hidden phone
    number would show it), transitively, including lookups and rollups into other tables whose
    target field is hidden from the same role."""
    from . import computed

    if not any(computed.is_computed(f) for f in schema.fields):
        return hidden
    graph = computed.load_graph(conn, schema.base_id)
    foreign = _hidden_elsewhere(conn, graph, schema, access)
    out = set(hidden)
    changed = True
    while changed:
        changed = False
        for f in schema.fields:
            if f.id in out or not computed.is_computed(f):
                continue
            for table_id, key in computed.inputs(graph, schema, f):
                if isinstance(key, int) and (
                    (table_id == schema.id and key in out) or key in foreign.get(table_id, ())
                ):
                    out.add(f.id)
                    changed = True
                    break
    return out


def _hidden_elsewhere(
    conn: Connection, graph: Any, schema: TableSchema, access: BaseAccess
) -> dict[int, set[int]]:
    """Fields of the base's other tables hidden from the same role: {table id: {field ids}};
    every field of a table the role has no access to."""
    role = access.role
    owner = {f.id: t.id for tid, t in graph.tables.items() if tid != schema.id for f in t.fields}
    if not owner or role is None:
        return {}
    fp = meta.field_permissions
    out: dict[int, set[int]] = {}
    for tid, other in graph.tables.items():
        if tid != schema.id and table_access(conn, access, tid) == "none":
            out[tid] = {f.id for f in other.fields}
    for fid in conn.execute(
        select(fp.c.field_id).where(
            fp.c.field_id.in_(list(owner)), fp.c.role == role, fp.c.access == HIDDEN
        )
    ).scalars():
        out.setdefault(owner[fid], set()).add(fid)
    return out


def row_rule_filters(conn: Connection, table_id: int) -> set[int]:
    """The saved filters that row permissions of the table use, directly or through other
    saved filters they name."""
    from .saved_filters import load_filter, refs

    rp = meta.row_permissions
    todo = list(conn.execute(select(rp.c.filter_id).where(rp.c.table_id == table_id)).scalars())
    seen: set[int] = set()
    while todo:
        fid = todo.pop()
        if fid in seen:
            continue
        seen.add(fid)
        todo.extend(refs(load_filter(conn, fid).filter))
    return seen


# --- reads ----------------------------------------------------------------------------------------
def row_clauses(
    conn: Connection, schema: TableSchema, ctx: QueryContext | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE conditions that keep a restricted user to their rows (none for everyone else)."""
    access = schema.access
    if access is None or not access.row_filters:
        return []
    from .query import Compiler, QueryContext

    qctx = ctx if ctx is not None else QueryContext(user_id=access.user_id)
    if qctx.user_id != access.user_id:
        qctx = dataclasses.replace(qctx, user_id=access.user_id)
    compiler = Compiler(conn, access.full, qctx)
    parts = [compiler.saved(fid, frozenset()) for fid in access.row_filters]
    return [or_(*parts)]
