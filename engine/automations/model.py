"""What an automation is: one trigger on one table and an ordered list of actions, as data.

Fields and tables are named by id or by name in what a caller gives; `engine.automations.store`
checks a definition against its base and keeps it with every reference as an id (templates keep
`{#<field id>}` tokens), so renaming a field or a table never breaks an automation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.query import FilterGroup

Ref = int | str  # a table or field: its id or its name


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- triggers -----------------------------------------------------------------------------------
class RecordCreated(_Model):
    """A record is created in `table` (and, with a filter, matches it once written)."""

    kind: Literal["record_created"] = "record_created"
    table: Ref
    filter: FilterGroup | None = None


class RecordUpdated(_Model):
    """A record of `table` is changed (with `fields`: one of them is written)."""

    kind: Literal["record_updated"] = "record_updated"
    table: Ref
    fields: list[Ref] = Field(default_factory=list)
    filter: FilterGroup | None = None


class RecordMatches(_Model):
    """A record enters a condition: it did not match the filter before a write and does after
    (a new record matching it enters it too)."""

    kind: Literal["record_matches"] = "record_matches"
    table: Ref
    filter: FilterGroup


class Scheduled(_Model):
    """Every day at `at` (local time), or every `every_hours` hours: run for each record of
    `table` that matches the filter, once per record and period (and, with `once_per_days`, not
    again for that record within so many days)."""

    kind: Literal["scheduled"] = "scheduled"
    table: Ref
    filter: FilterGroup | None = None
    at: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    every_hours: int | None = Field(default=None, ge=1, le=24 * 7)
    timezone: str | None = None  # None: the owner's time zone
    once_per_days: int | None = Field(default=None, ge=1, le=3660)

    @model_validator(mode="after")
    def _one_schedule(self) -> Scheduled:
        if (self.at is None) == (self.every_hours is None):
            raise ValueError("give either a daily time (at) or every_hours, not both or neither")
        return self


Trigger = Annotated[
    RecordCreated | RecordUpdated | RecordMatches | Scheduled, Field(discriminator="kind")
]
RECORD_TRIGGERS = ("record_created", "record_updated", "record_matches")


# --- actions ------------------------------------------------------------------------------------
class FieldValue(_Model):
    """The value an action writes into one field: exactly one of
    - `value`: a literal, as the field takes it;
    - `template`: text with `{Field}` tokens replaced by the trigger record's values;
    - `copy`: the trigger record's value of one of its fields (a user, a link, a number, ...);
    - `trigger_record`: true, for a link field: the trigger record itself;
    - `today`: today plus so many days (a due date)."""

    field: Ref
    value: Any = None
    template: str | None = Field(default=None, max_length=10_000)
    copy_from: Ref | None = Field(default=None, alias="copy")
    trigger_record: bool = False
    today: int | None = Field(default=None, ge=-3660, le=3660)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _one_source(self) -> FieldValue:
        given = [
            self.template is not None,
            self.copy_from is not None,
            self.trigger_record,
            self.today is not None,
        ]
        if sum(given) > 1 or (any(given) and self.value is not None):
            raise ValueError(
                "give one of value, template, copy, trigger_record or today for a field"
            )
        return self

    @property
    def source(self) -> str:
        if self.template is not None:
            return "template"
        if self.copy_from is not None:
            return "copy"
        if self.trigger_record:
            return "trigger_record"
        if self.today is not None:
            return "today"
        return "value"


class CreateRecord(_Model):
    kind: Literal["create_record"] = "create_record"
    table: Ref
    values: list[FieldValue] = Field(default_factory=list, max_length=200)


class UpdateRecord(_Model):
    """Change the trigger record, or (with `link`, a link field of the trigger's table) the
    records it links to."""

    kind: Literal["update_record"] = "update_record"
    link: Ref | None = None
    values: list[FieldValue] = Field(min_length=1, max_length=200)


class Notify(_Model):
    """An in-app notification to members: named users, the users in user fields of the trigger
    record, every member of a role. The message is a template; it links to the record."""

    kind: Literal["notify"] = "notify"
    users: list[int] = Field(default_factory=list, max_length=200)
    user_fields: list[Ref] = Field(default_factory=list, max_length=20)
    roles: list[str] = Field(default_factory=list, max_length=20)
    message: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _someone(self) -> Notify:
        if not (self.users or self.user_fields or self.roles):
            raise ValueError("name at least one recipient: users, user_fields or roles")
        return self


class Webhook(_Model):
    """POST the trigger records as JSON to `url` once the run's writes are committed."""

    kind: Literal["webhook"] = "webhook"
    url: str = Field(pattern=r"^https?://[^\s]+$", max_length=2000)
    timeout: float = Field(default=5.0, gt=0, le=30)
    retries: int = Field(default=2, ge=0, le=5)


Action = Annotated[CreateRecord | UpdateRecord | Notify | Webhook, Field(discriminator="kind")]


class AutomationSpec(_Model):
    name: str = Field(min_length=1, max_length=255)
    enabled: bool = True
    trigger: Trigger
    actions: list[Action] = Field(min_length=1, max_length=20)


def dump(model: BaseModel) -> dict[str, Any]:
    """A model as stored: JSON, by alias, without what is left at its default."""
    return model.model_dump(mode="json", by_alias=True, exclude_defaults=True) | (
        {"kind": model.kind} if hasattr(model, "kind") else {}
    )
