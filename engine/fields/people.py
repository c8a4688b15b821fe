"""The user (collaborator) type: one user, or several when `multiple` is set."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Integer, select
from sqlalchemy.types import TypeEngine

from .. import meta
from ..errors import ValueProblem
from ..sqltypes import json_type
from .base import FieldType, problem, wrong_type
from .refs import RefContext

_IDS_SEPARATOR = re.compile(r"[\s,;，；、]+")


class UserOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    multiple: bool = False


class UserType(FieldType):
    """A collaborator, stored as the user's id. Whether the user exists is checked on write."""

    name = "user"
    label_en = "User"
    label_zh = "人员"
    Options = UserOptions

    @property
    def is_list(self) -> bool:  # type: ignore[override]
        return bool(self.options.multiple)

    def column_type(self) -> TypeEngine[Any]:
        return json_type() if self.options.multiple else Integer()

    def _one(self, value: Any) -> int:
        if isinstance(value, dict) and "id" in value:
            value = value["id"]
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise wrong_type(value, "a user id", "用户 ID")
        try:
            user_id = int(value)
        except ValueError:
            raise wrong_type(value, "a user id", "用户 ID") from None
        if user_id <= 0:
            raise wrong_type(value, "a user id", "用户 ID")
        return user_id

    def normalize(self, value: Any) -> Any:
        if value is None or value == "" or value == []:
            return None
        if self.options.multiple:
            if isinstance(value, str):  # '3, 5' as to_text writes it
                value = [v for v in _IDS_SEPARATOR.split(value) if v]
            items = value if isinstance(value, list | tuple) else [value]
            out: list[int] = []
            for item in items:
                uid = self._one(item)
                if uid not in out:
                    out.append(uid)
            return out
        if isinstance(value, list | tuple):
            if len(value) != 1:
                raise problem(
                    "too_many", "Only one user can be chosen here", "此处只能选择一位人员"
                )
            value = value[0]
        return self._one(value)

    def user_ids(self, value: Any) -> list[int]:
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def to_text(self, value: Any) -> str:
        return ", ".join(str(u) for u in self.user_ids(value))

    def check_refs(self, values: Sequence[Any], ctx: RefContext) -> list[tuple[int, ValueProblem]]:
        wanted = {u for v in values for u in self.user_ids(v)}
        if not wanted:
            return []
        u = meta.users
        known = set(ctx.conn.execute(select(u.c.id).where(u.c.id.in_(wanted))).scalars())
        missing = wanted - known
        if not missing:
            return []
        return [
            (
                i,
                problem(
                    "unknown_user", f"There is no user with id {uid}", f"不存在 ID 为 {uid} 的用户"
                ),
            )
            for i, v in enumerate(values)
            for uid in self.user_ids(v)
            if uid in missing
        ]

    @property
    def can_be_unique(self) -> bool:  # type: ignore[override]
        return not self.options.multiple
