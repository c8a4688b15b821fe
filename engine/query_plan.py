"""The page's plan on SQLite: whether to read in the order of the sort's index rather than
through the filter's (judged from the count, or a sample), and the `likely()` marks that steer
the planner to it. PostgreSQL's planner weighs the LIMIT itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, ColumnElement, func, select
from sqlalchemy.sql import operators as sql_operators
from sqlalchemy.sql.elements import BooleanClauseList

from schemas.query import QuerySpec

from .query_counts import count

if TYPE_CHECKING:
    from .query import Compiler


def _read_in_order(
    compiler: Compiler, spec: QuerySpec, where: Sequence[ColumnElement[bool]], total: int | None
) -> bool:
    """Whether to steer SQLite from the index of a filter to the index of the sort.

    Given a filter on an indexed column and a sort on another, SQLite's planner reads every
    match through the filter's index and sorts them all, though a page needs only its first
    hundred: with a filter that matches a fifth of a million rows, 100–200 ms where reading the
    sort column's index in order and stopping at the page's end takes a millisecond or two. It
    cannot know which is cheaper; the number of matches says. Reading in order finds the
    `need` rows of the page after about need × rows / matches rows, the filter's index reads
    all the matches: read in order when need × rows < matches². The count is known when the
    page asks for it (or was counted before). PostgreSQL's planner weighs the LIMIT itself."""
    if compiler.dialect != "sqlite" or len(where) < 2:
        return False
    keys = compiler.order_keys(spec)
    first = keys[0][0]
    if not isinstance(first, Column) or first.table is not compiler.table:
        return False  # the order of an expression comes from no index
    if total is None:
        total = count(compiler.conn, compiler.table, where, compute=False)
    t = compiler.table
    rows = compiler.conn.execute(select(func.max(t.c.id))).scalar() or 0
    if total is None:  # not counted (a page that asks for no count): estimate from a sample
        total = _estimate(compiler, where, rows)
    if not total:
        return False
    need = (spec.page.offset or 0) + spec.page.size + 1
    return need * rows < total * total


SAMPLE = 2000


def _estimate(compiler: Compiler, where: Sequence[ColumnElement[bool]], rows: int) -> int:
    """How many rows match `where`, judged from the first SAMPLE rows (SQLite keeps rows in id
    order, so reading them is a short scan): only to choose a plan, never shown."""
    t = compiler.table
    sample = select(t.c.id).order_by(t.c.id).limit(SAMPLE).subquery()
    hits = compiler.conn.execute(
        select(func.count()).select_from(t).where(t.c.id.in_(select(sample.c.id)), *where)
    ).scalar_one()
    seen = min(SAMPLE, rows)
    return int(hits * rows / seen) if seen else 0


def _probably_true(
    compiler: Compiler, where: Sequence[ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """`where` with each condition marked as probably true (SQLite's `likely()`, which returns
    its argument unchanged): the planner then prefers the index that gives the order. The live-row
    condition is left as it is: it is what lets the partial indexes be used."""
    if compiler.dialect != "sqlite":
        return list(where)
    live = compiler.table.c.trashed_at.is_(None)
    out: list[ColumnElement[bool]] = []
    for clause in where:
        if clause.compare(live):
            out.append(clause)
            continue
        parts = (
            clause.clauses
            if isinstance(clause, BooleanClauseList) and clause.operator is sql_operators.and_
            else [clause]
        )
        out.extend(func.likely(part, type_=Boolean) for part in parts)
    return out
