"""The Python API of people: users and passwords, signing in, sessions, access tokens, base
members and invitations, and field and row permissions. Mixed into `engine.Database`,
`engine.Base` and `engine.Table`; each call is one transaction and acts as `db.user` (None: the
system itself, as the command line does).

    db.create_user("li@example.com", "李娜", password="…")
    token = db.sign_in("li@example.com", "…", ip="10.0.0.5")   # a session token
    base.add_member("li@example.com", "editor")
    customers.set_field_permission("手机", "viewer", "hidden")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection

from . import members as members_
from . import permission_rules, sessions, users
from . import tokens as tokens_
from .errors import TesseraError

if TYPE_CHECKING:
    from .api import Base, Database

T = TypeVar("T")


class DatabasePeople:
    if TYPE_CHECKING:
        user: int | None

        def _write(self, fn: Callable[[Connection], T]) -> T: ...
        def _read(self, fn: Callable[[Connection], T]) -> T: ...
        def base(self, ref: str | int) -> Base: ...

    # --- users ---------------------------------------------------------------------------------
    def get_user(self, user_id: int) -> users.User:
        return self._read(lambda c: users.get_user(c, user_id))

    def find_user(self, email: str) -> users.User | None:
        return self._read(lambda c: users.find_user(c, email))

    def set_password(self, user_id: int, password: str, *, ip: str | None = None) -> None:
        """Set a user's password (themself, an admin, or the system); ends their sessions."""
        self._write(lambda c: users.set_password(c, user_id, password, actor=self.user, ip=ip))

    def change_password(
        self, current: str, new: str, *, ip: str | None = None, user_agent: str | None = None
    ) -> str:
        """The acting user changes their own password. Every session of theirs ends; returns a
        new session token for the device that made the change."""
        user_id = self._acting()

        def run(c: Connection) -> str:
            users.change_password(c, user_id, current, new, ip=ip)
            return sessions.create(c, user_id, ip=ip, user_agent=user_agent)

        return self._write(run)

    def _acting(self) -> int:
        if self.user is None:
            raise TesseraError("No user is acting", "没有操作用户")
        return self.user

    # --- sessions ------------------------------------------------------------------------------
    def sign_in(
        self, email: str, password: str, *, ip: str | None = None, user_agent: str | None = None
    ) -> str:
        """A new session token; Unauthorized for a wrong email or password, RateLimited after
        too many failures. Every attempt is recorded, failed ones too."""
        outcome = self._write(
            lambda c: sessions.sign_in(c, email, password, ip=ip, user_agent=user_agent)
        )
        if outcome.error is not None:
            raise outcome.error
        assert outcome.token is not None
        return outcome.token

    def sign_out(self, token: str, *, ip: str | None = None) -> None:
        def run(c: Connection) -> None:
            user_id = sessions.revoke(c, token)
            if user_id is not None:
                from . import audit

                audit.log(c, "signout", user_id=user_id, ip=ip)

        self._write(run)

    def session_user(self, token: str) -> int | None:
        """The user of a live session token, else None."""
        found = self._read(lambda c: sessions.lookup(c, token))
        if found is None:
            return None
        if found[1]:
            self._write(lambda c: sessions.touch(c, token))
        return found[0]

    def create_session(self, user_id: int, *, ip: str | None = None) -> str:
        """A session for a user without their password (for the system: tests, first runs)."""
        return self._write(lambda c: sessions.create(c, user_id, ip=ip))

    # --- access tokens -------------------------------------------------------------------------
    def create_token(
        self,
        name: str,
        *,
        user: int | None = None,
        bases: Sequence[str | int | Base] | None = None,
        can_write: bool = True,
        expires_at: dt.datetime | None = None,
    ) -> tokens_.NewToken:
        """A personal access token of `user` (default: the acting user). `bases` limits it to
        those bases (by name, id or Base); its secret is in `.token`, shown only now."""
        owner = user if user is not None else self._acting()
        ids = None if bases is None else [_base_id(self, b) for b in bases]
        return self._write(
            lambda c: tokens_.create(
                c,
                owner,
                name,
                bases=ids,
                can_write=can_write,
                expires_at=expires_at,
                actor=self.user,
            )
        )

    def tokens(
        self, user: int | None = None, *, include_inactive: bool = False
    ) -> list[tokens_.TokenInfo]:
        owner = user if user is not None else self._acting()
        return self._read(
            lambda c: tokens_.list_tokens(c, owner, include_inactive=include_inactive)
        )

    def revoke_token(self, token_id: int) -> None:
        self._write(lambda c: tokens_.revoke(c, token_id, actor=self.user))

    def verify_token(self, token: str) -> tokens_.Grant:
        """`(user_id, bases, can_write)` of a valid token; Unauthorized otherwise."""
        grant, stale = self._read(lambda c: tokens_.lookup(c, token))
        if stale:
            self._write(lambda c: tokens_.touch(c, token))
        return grant

    # --- invitations ---------------------------------------------------------------------------
    def invitation(self, token: str) -> members_.Invitation:
        return self._read(lambda c: members_.find_invitation(c, token))

    def accept_invitation(
        self, token: str, *, name: str | None = None, password: str | None = None
    ) -> int:
        """Accept as the acting user, or (no acting user) create the invited person's account
        with `name` and `password`. Returns the user id."""
        return self._write(
            lambda c: members_.accept(c, token, user_id=self.user, name=name, password=password)
        )


def _base_id(db: DatabasePeople, ref: str | int | Base) -> int:
    from .api import Base

    if isinstance(ref, Base):
        return ref.id
    return db.base(ref).id


class BasePeople:
    if TYPE_CHECKING:
        db: Database
        id: int

    def _user_id(self, ref: str | int) -> int:
        if isinstance(ref, int):
            return ref
        return self.db._read(lambda c: users.user_by_email(c, ref).id)

    def members(self) -> list[members_.Member]:
        return self.db._read(lambda c: members_.list_members(c, self.id))

    def add_member(self, user: str | int, role: str) -> None:
        """Add an existing user (by email or id) in `role`."""
        user_id = self._user_id(user)
        self.db._write(lambda c: members_.add_member(c, self.id, user_id, role, actor=self.db.user))

    def set_role(self, user: str | int, role: str) -> None:
        user_id = self._user_id(user)
        self.db._write(lambda c: members_.set_role(c, self.id, user_id, role, actor=self.db.user))

    def remove_member(self, user: str | int) -> None:
        user_id = self._user_id(user)
        self.db._write(lambda c: members_.remove_member(c, self.id, user_id, actor=self.db.user))

    def invite(self, email: str, role: str) -> members_.NewInvitation:
        """An invitation for `email`; its secret (for the link) is in `.token`, shown only now."""
        return self.db._write(
            lambda c: members_.invite(c, self.id, email, role, actor=self.db.user)
        )

    def invitations(self) -> list[members_.Invitation]:
        return self.db._read(lambda c: members_.list_invitations(c, self.id))

    def revoke_invitation(self, invitation_id: int) -> None:
        self.db._write(
            lambda c: members_.revoke_invitation(c, self.id, invitation_id, actor=self.db.user)
        )


class TablePermissions:
    if TYPE_CHECKING:
        db: Database
        id: int

    def field_permissions(self) -> dict[int, dict[str, str]]:
        """{field id: {role: "hidden" | "read_only"}}; a role not named has normal access."""
        return self.db._read(lambda c: permission_rules.field_permissions(c, self.id))

    def set_field_permission(self, field: str | int, role: str, access: str) -> None:
        """`access`: "hidden", "read_only" or "normal"."""
        self.db._write(
            lambda c: permission_rules.set_field_permission(
                c, self.id, field, role, access, actor=self.db.user
            )
        )

    def row_permissions(self) -> list[permission_rules.RowRule]:
        return self.db._read(lambda c: permission_rules.row_permissions(c, self.id))

    def add_row_permission(
        self, saved_filter: int, *, role: str | None = None, user: str | int | None = None
    ) -> int:
        """Limit `role` (or one member) to the records matching a saved filter of this table."""
        user_id = None if user is None else _user_of(self.db, user)
        return self.db._write(
            lambda c: permission_rules.add_row_permission(
                c, self.id, saved_filter, role=role, user_id=user_id, actor=self.db.user
            )
        )

    def remove_row_permission(self, rule_id: int) -> None:
        self.db._write(
            lambda c: permission_rules.remove_row_permission(
                c, self.id, rule_id, actor=self.db.user
            )
        )


def _user_of(db: Any, ref: str | int) -> int:
    if isinstance(ref, int):
        return ref
    return int(db._read(lambda c: users.user_by_email(c, ref).id))
