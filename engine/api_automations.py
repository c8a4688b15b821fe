"""The Python API of automations and notifications. Mixed into `engine.Database` and
`engine.Base`; managing automations needs the creator role or above, and each runs as its owner.

    flow = base.create_automation({
        "name": "新订单通知",
        "trigger": {"kind": "record_created", "table": "订单"},
        "actions": [{"kind": "notify", "roles": ["客服"], "message": "新订单 {订单号}"}],
    })
    db.notifications()            # the acting user's inbox
    db.run_due_automations()      # what a scheduler tick does
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine

from .automations import notifications, runner, runs, scheduler, store
from .automations.model import AutomationSpec
from .automations.notifications import Notification
from .errors import Unauthorized

if TYPE_CHECKING:
    from .api import Database

T = TypeVar("T")
Definition = AutomationSpec | dict[str, Any]


class DatabaseAutomations:
    if TYPE_CHECKING:
        user: int | None
        engine: Engine

        def _write(self, fn: Callable[[Connection], T]) -> T: ...
        def _read(self, fn: Callable[[Connection], T]) -> T: ...

    def automation(self, automation_id: int) -> store.Automation:
        return self._read(lambda c: store.get_visible(c, self.user, automation_id))

    def update_automation(self, automation_id: int, spec: Definition) -> store.Automation:
        """Replace an automation's definition; the acting user becomes its owner."""
        return self._write(lambda c: store.replace(c, automation_id, spec, actor=self.user))

    def enable_automation(self, automation_id: int, enabled: bool = True) -> None:
        self._write(lambda c: store.set_enabled(c, automation_id, enabled, actor=self.user))

    def delete_automation(self, automation_id: int) -> None:
        self._write(lambda c: store.remove(c, automation_id, actor=self.user))

    def automation_runs(self, automation_id: int, *, limit: int = 50) -> list[runs.Run]:
        def run(c: Connection) -> list[runs.Run]:
            store.get_visible(c, self.user, automation_id)
            return runs.list_runs(c, automation_id, limit=limit)

        return self._read(run)

    def run_automation_now(self, automation_id: int) -> runner.RunResult | None:
        """Run a scheduled automation at once (its records of the current period)."""
        found = self._read(lambda c: store.get_visible(c, self.user, automation_id))
        self._read(lambda c: store.require_manager(c, self.user, found.base_id))
        return scheduler.run_scheduled(self.engine, automation_id, trigger="manual")

    def run_due_automations(self, *, base_id: int | None = None) -> list[runner.RunResult]:
        """Claim and run the scheduled automations that are due (one scheduler tick)."""
        return scheduler.run_due(self.engine, base_id=base_id)

    # --- notifications -------------------------------------------------------------------------
    def _me(self) -> int:
        if self.user is None:
            raise Unauthorized("Notifications belong to a signed-in user", "通知属于已登录的用户")
        return self.user

    def notifications(
        self, *, limit: int = 50, unread_only: bool = False
    ) -> list[notifications.Notification]:
        me = self._me()
        return self._read(
            lambda c: notifications.for_user(c, me, limit=limit, unread_only=unread_only)
        )

    def notification(self, notification_id: int) -> Notification:
        me = self._me()
        return self._read(lambda c: notifications.one(c, me, notification_id))

    def unread_notifications(self) -> int:
        me = self._me()
        return self._read(lambda c: notifications.unread_count(c, me))

    def mark_notifications_read(self, ids: list[int] | None = None) -> int:
        me = self._me()
        return self._write(lambda c: notifications.mark_read(c, me, ids))


class BaseAutomations:
    if TYPE_CHECKING:
        db: Database
        id: int

    def create_automation(self, spec: Definition) -> store.Automation:
        return self.db._write(lambda c: store.create(c, self.id, spec, actor=self.db.user))

    def automations(self) -> list[store.Automation]:
        def run(c: Connection) -> list[store.Automation]:
            from . import permissions

            permissions.visible_base(c, self.db.user, self.id)
            return store.list_for_base(c, self.id)

        return self.db._read(run)
