"""Automations, their run log, and the caller's notifications in `/api/`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from engine.automations.model import AutomationSpec
from engine.automations.runs import Run
from engine.automations.store import Automation

from . import models as m
from .endpoints import Call, endpoint


class AutomationOut(BaseModel):
    id: int
    base_id: int
    table_id: int
    name: str
    enabled: bool
    trigger: dict[str, Any]
    actions: list[dict[str, Any]]
    owner_id: int | None
    next_run_at: dt.datetime | None


class AutomationList(BaseModel):
    automations: list[AutomationOut]


class RunOut(BaseModel):
    id: int
    automation_id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    trigger: str
    record_ids: list[int]
    actions: list[dict[str, Any]]
    status: str
    error: str | None


class RunList(BaseModel):
    runs: list[RunOut]


class RunNowOut(BaseModel):
    run: RunOut | None


class NotificationOut(BaseModel):
    id: int
    base_id: int
    table_id: int | None
    record_id: int | None
    automation_id: int | None
    message: str
    created_at: dt.datetime
    read: bool


class NotificationList(BaseModel):
    unread: int
    notifications: list[NotificationOut]


class MarkRead(BaseModel):
    ids: list[int] | None = Field(default=None, max_length=1000)  # None: all of them


class MarkedRead(BaseModel):
    marked: int


def automation_out(a: Automation) -> AutomationOut:
    return AutomationOut(
        id=a.id, base_id=a.base_id, table_id=a.table_id, name=a.name, enabled=a.enabled,
        trigger=a.trigger, actions=a.actions, owner_id=a.owner_id, next_run_at=a.next_run_at,
    )  # fmt: skip


def run_out(r: Run) -> RunOut:
    return RunOut(**r.__dict__)


@endpoint(
    "GET", "/api/bases/{base_id}/automations", "List a base's automations",
    response=AutomationList, tag="automations",
)  # fmt: skip
def list_automations(c: Call) -> AutomationList:
    c.who.reach(c.path["base_id"])
    found = c.who.base(c.path["base_id"]).automations()
    return AutomationList(automations=[automation_out(a) for a in found])


@endpoint(
    "POST", "/api/bases/{base_id}/automations",
    "Create an automation (owners and creators; it runs as you)",
    request=AutomationSpec, response=AutomationOut, status=201, tag="automations",
)  # fmt: skip
def create_automation(c: Call) -> AutomationOut:
    c.who.write()
    c.who.reach(c.path["base_id"])
    return automation_out(c.who.base(c.path["base_id"]).create_automation(c.body))


def _reach(c: Call) -> Automation:
    found = c.who.db.automation(c.path["automation_id"])
    c.who.reach(found.base_id)
    return found


@endpoint(
    "GET", "/api/automations/{automation_id}", "Get an automation",
    response=AutomationOut, tag="automations",
)  # fmt: skip
def get_automation(c: Call) -> AutomationOut:
    return automation_out(_reach(c))


@endpoint(
    "PUT", "/api/automations/{automation_id}",
    "Replace an automation's definition (you become its owner)",
    request=AutomationSpec, response=AutomationOut, tag="automations",
)  # fmt: skip
def replace_automation(c: Call) -> AutomationOut:
    c.who.write()
    _reach(c)
    return automation_out(c.who.db.update_automation(c.path["automation_id"], c.body))


@endpoint(
    "DELETE", "/api/automations/{automation_id}", "Delete an automation and its run log",
    response=m.Done, tag="automations",
)  # fmt: skip
def delete_automation(c: Call) -> m.Done:
    c.who.write()
    _reach(c)
    c.who.db.delete_automation(c.path["automation_id"])
    return m.Done(ids=[c.path["automation_id"]])


@endpoint(
    "GET", "/api/automations/{automation_id}/runs", "The run log, newest first",
    response=RunList, tag="automations",
    query=[("limit", "integer", "how many runs (1 to 200, default 50)")],
)  # fmt: skip
def list_runs(c: Call) -> RunList:
    _reach(c)
    raw = c.query.get("limit", "50")
    limit = min(max(int(raw), 1), 200) if raw.isdecimal() else 50
    found = c.who.db.automation_runs(c.path["automation_id"], limit=limit)
    return RunList(runs=[run_out(r) for r in found])


@endpoint(
    "POST", "/api/automations/{automation_id}/run",
    "Run a scheduled automation now (its records of the current period)",
    response=RunNowOut, tag="automations",
)  # fmt: skip
def run_now(c: Call) -> RunNowOut:
    c.who.write()
    _reach(c)
    result = c.who.db.run_automation_now(c.path["automation_id"])
    if result is None:
        return RunNowOut(run=None)
    runs = c.who.db.automation_runs(c.path["automation_id"], limit=5)
    return RunNowOut(run=next((run_out(r) for r in runs if r.id == result.run_id), None))


@endpoint(
    "GET", "/api/notifications", "Your notifications, newest first",
    response=NotificationList, tag="notifications",
    query=[("unread", "boolean", "only the unread ones")],
)  # fmt: skip
def list_notifications(c: Call) -> NotificationList:
    only = c.query.get("unread", "").lower() in ("1", "true", "yes")
    found = c.who.db.notifications(unread_only=only)
    return NotificationList(
        unread=c.who.db.unread_notifications(),
        notifications=[NotificationOut(**n.as_dict()) for n in found],
    )


@endpoint(
    "POST", "/api/notifications/read", "Mark your notifications read (given ids, or all)",
    request=MarkRead, response=MarkedRead, tag="notifications",
)  # fmt: skip
def mark_read(c: Call) -> MarkedRead:
    return MarkedRead(marked=c.who.db.mark_notifications_read(c.body.ids))
