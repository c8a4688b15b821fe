"""The metadata tables: workspaces, users, bases, tables, fields, views, saved filters.

Their schema is created and upgraded by the Alembic migrations in `engine/migrations`; these
definitions are what the engine queries with, and a test checks that they match the migrations.
User tables are not described here: each one is a physical table built by `engine.storage`.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from .sqltypes import UTCDateTime, json_type

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

workspaces = Table(
    "meta_workspaces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

users = Table(
    "meta_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("password_hash", String(255)),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("locale", String(16), nullable=False, default="zh-CN"),
    Column("timezone", String(64), nullable=False, default="Asia/Shanghai"),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

bases = Table(
    "meta_bases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workspace_id", Integer, ForeignKey("meta_workspaces.id"), nullable=False),
    Column("name", String(255), nullable=False),
    # casefolded name; NULL while the base is in the trash so its name can be reused
    Column("name_key", String(255)),
    Column("position", Float, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("trashed_at", UTCDateTime()),
    UniqueConstraint("workspace_id", "name_key"),
)

tables = Table(
    "meta_tables",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("base_id", Integer, ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("name_key", String(255)),
    Column("description", Text, nullable=False, default=""),
    Column("primary_field_id", Integer),
    Column("position", Float, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("trashed_at", UTCDateTime()),
    UniqueConstraint("base_id", "name_key"),
)

fields = Table(
    "meta_fields",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("table_id", Integer, ForeignKey("meta_tables.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("name_key", String(255)),
    Column("type", String(64), nullable=False),
    Column("options", json_type(), nullable=False),
    Column("rules", json_type(), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("position", Float, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("trashed_at", UTCDateTime()),
    UniqueConstraint("table_id", "name_key"),
)

views = Table(
    "meta_views",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("table_id", Integer, ForeignKey("meta_tables.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("config", json_type(), nullable=False),
    Column("visibility", String(16), nullable=False, default="collaborative"),
    Column("owner_id", Integer, ForeignKey("meta_users.id")),
    Column("position", Float, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("trashed_at", UTCDateTime()),
)

saved_filters = Table(
    "meta_saved_filters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("table_id", Integer, ForeignKey("meta_tables.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("name_key", String(255)),
    Column("filter", json_type(), nullable=False),
    Column("created_by", Integer, ForeignKey("meta_users.id")),
    Column("position", Float, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("table_id", "name_key"),
)

Index("ix_meta_fields_table", fields.c.table_id, fields.c.position)
Index("ix_meta_views_table", views.c.table_id, views.c.position)

# --- people and permissions (migration 0003) ------------------------------------------------------
ROLES = ("owner", "creator", "editor", "commenter", "viewer")

members = Table(
    "meta_members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("base_id", Integer, ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("meta_users.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("base_id", "user_id"),
)

invitations = Table(
    "meta_invitations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("base_id", Integer, ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(320), nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("invited_by", Integer, ForeignKey("meta_users.id")),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("accepted_at", UTCDateTime()),
)

# per field and role: "hidden" or "read_only" (no row: the role's normal access)
field_permissions = Table(
    "meta_field_permissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("field_id", Integer, ForeignKey("meta_fields.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("access", String(16), nullable=False),
    UniqueConstraint("field_id", "role"),
)

# a role, or one user, limited to the records matching a shared saved filter
row_permissions = Table(
    "meta_row_permissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("table_id", Integer, ForeignKey("meta_tables.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16)),
    Column("user_id", Integer, ForeignKey("meta_users.id", ondelete="CASCADE")),
    Column(
        "filter_id",
        Integer,
        ForeignKey("meta_saved_filters.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("created_at", UTCDateTime(), nullable=False),
)

tokens = Table(
    "meta_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("meta_users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("prefix", String(32), nullable=False),
    Column("bases", json_type()),  # list of base ids, or NULL for every base of the user
    Column("can_write", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime()),
    Column("last_used_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
)

sessions = Table(
    "meta_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("meta_users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
    Column("ip", String(64)),
    Column("user_agent", String(255)),
)

login_attempts = Table(
    "meta_login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(320), nullable=False),  # an email or an IP address
    Column("at", UTCDateTime(), nullable=False),
    Column("success", Boolean, nullable=False),
)

share_links = Table(
    "meta_share_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("view_id", Integer, ForeignKey("meta_views.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # "view" (read-only) or "form"
    Column("token_hash", String(128), nullable=False, unique=True),
    Column("password_hash", String(255)),
    Column("allow_export", Boolean, nullable=False),
    Column("expires_at", UTCDateTime()),
    Column("created_by", Integer, ForeignKey("meta_users.id")),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime()),
)

# --- history (migration 0003) --------------------------------------------------------------------
# one user action (an edit, a batch, an import, a schema change): the unit of undo and redo
actions = Table(
    "meta_actions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer),
    Column("base_id", Integer),
    Column("table_id", Integer),
    Column("kind", String(32), nullable=False),
    Column("summary", json_type()),
    Column("at", UTCDateTime(), nullable=False),
    Column("undone_at", UTCDateTime()),
)

# one changed cell, record or schema object of an action: old and new value
changes = Table(
    "meta_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("action_id", Integer, ForeignKey("meta_actions.id", ondelete="CASCADE"), nullable=False),
    Column("table_id", Integer),
    Column("record_id", Integer),
    Column("field_id", Integer),
    Column("kind", String(16), nullable=False),
    Column("old", json_type()),
    Column("new", json_type()),
)

audit_log = Table(
    "meta_audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("user_id", Integer),
    Column("kind", String(64), nullable=False),
    Column("base_id", Integer),
    Column("detail", json_type()),
    Column("ip", String(64)),
)

Index("ix_meta_row_permissions_table", row_permissions.c.table_id)
Index("ix_meta_login_attempts_key", login_attempts.c.key, login_attempts.c.at)
Index("ix_meta_actions_user", actions.c.user_id, actions.c.id)
Index("ix_meta_changes_record", changes.c.table_id, changes.c.record_id, changes.c.id)
Index("ix_meta_changes_action", changes.c.action_id)
Index("ix_meta_audit_log_at", audit_log.c.at)

# --- custom roles (migration 0004) ----------------------------------------------------------------
# A base's own roles (e.g. 销售, 客服), beside the built-in ones. A member's role, and the role of a
# field, row or table permission, is a key: a built-in role's name ("editor") or "role:<id>".
roles = Table(
    "meta_roles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("base_id", Integer, ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("name_key", String(255), nullable=False),
    Column("description", Text, nullable=False, default=""),
    # what the role may do outside the records of its tables: one of the built-in roles below owner
    Column("level", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("base_id", "name_key"),
)

# per table and role: "none" (the table does not exist for the role), "read", "edit" (change
# records), "full" (also create and delete them). No row: the role's default (built-in roles:
# viewer and commenter read, editor and above full; custom roles: none).
table_permissions = Table(
    "meta_table_permissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("table_id", Integer, ForeignKey("meta_tables.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(32), nullable=False),
    Column("access", String(16), nullable=False),
    UniqueConstraint("table_id", "role"),
)

# --- dashboards (migration 0005) ------------------------------------------------------------------
# A base's dashboard: a name and an ordered list of widgets (engine.dashboards.model), stored as
# JSON with fields named by id.
dashboards = Table(
    "meta_dashboards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("base_id", Integer, ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("name_key", String(255), nullable=False),
    Column("widgets", json_type(), nullable=False),
    Column("position", Float, nullable=False, default=0),
    Column("created_by", Integer, ForeignKey("meta_users.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("base_id", "name_key"),
)
# --- automations and notifications (migration 0006) -----------------------------------------------
# An automation of a base: one trigger on one table (`table_id`), an ordered list of actions, run
# as its owner. `trigger_kind` is the trigger's kind, kept beside the JSON so a write finds the
# automations that watch its table in one indexed query.
automations = Table(
    "meta_automations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("base_id", Integer, ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False),
    Column("table_id", Integer, ForeignKey("meta_tables.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("trigger_kind", String(32), nullable=False),
    Column("trigger", json_type(), nullable=False),
    Column("actions", json_type(), nullable=False),
    Column("owner_id", Integer, ForeignKey("meta_users.id", ondelete="SET NULL")),
    Column("next_run_at", UTCDateTime()),  # scheduled ones: when the next run is due
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# one run of an automation: what triggered it, over which records, what each action did
automation_runs = Table(
    "meta_automation_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "automation_id",
        Integer,
        ForeignKey("meta_automations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("trigger", String(32), nullable=False),
    Column("record_ids", json_type(), nullable=False),
    Column("actions", json_type(), nullable=False),
    Column("status", String(16), nullable=False),  # "ok" or "failed"
    Column("error", Text),
)

# a scheduled automation has run for this record in this period (the day, or the hours window)
automation_keys = Table(
    "meta_automation_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "automation_id",
        Integer,
        ForeignKey("meta_automations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("record_id", Integer, nullable=False),
    Column("period", String(32), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    UniqueConstraint("automation_id", "record_id", "period"),
)

notifications = Table(
    "meta_notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("meta_users.id", ondelete="CASCADE"), nullable=False),
    Column("base_id", Integer, ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False),
    Column("table_id", Integer),
    Column("record_id", Integer),
    Column("automation_id", Integer),
    Column("run_id", Integer),
    Column("message", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("read_at", UTCDateTime()),
)

Index("ix_meta_automations_table", automations.c.table_id, automations.c.enabled)
Index("ix_meta_automations_base", automations.c.base_id)
Index("ix_meta_automation_runs_automation", automation_runs.c.automation_id, automation_runs.c.id)
Index("ix_meta_notifications_user", notifications.c.user_id, notifications.c.id)
