"""People and permissions (members, invitations, field and row permissions, tokens, sessions,
sign-in attempts, share links) and history (actions, changes, audit log).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from engine.sqltypes import UTCDateTime, json_type

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A frozen copy of the definitions as of this revision (engine/meta.py moves on).
md = sa.MetaData(naming_convention=NAMING)
for _name in (
    "meta_users",
    "meta_bases",
    "meta_tables",
    "meta_fields",
    "meta_views",
    "meta_saved_filters",
):
    sa.Table(_name, md, sa.Column("id", sa.Integer, primary_key=True))
EXISTING = set(md.tables)

# --- people and permissions (migration 0003) ------------------------------------------------------
members = sa.Table(
    "meta_members",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "base_id", sa.Integer, sa.ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("meta_users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("base_id", "user_id"),
)

invitations = sa.Table(
    "meta_invitations",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "base_id", sa.Integer, sa.ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("invited_by", sa.Integer, sa.ForeignKey("meta_users.id")),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("accepted_at", UTCDateTime()),
)

# per field and role: "hidden" or "read_only" (no row: the role's normal access)
field_permissions = sa.Table(
    "meta_field_permissions",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "field_id", sa.Integer, sa.ForeignKey("meta_fields.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("access", sa.String(16), nullable=False),
    sa.UniqueConstraint("field_id", "role"),
)

# a role, or one user, limited to the records matching a shared saved filter
row_permissions = sa.Table(
    "meta_row_permissions",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "table_id", sa.Integer, sa.ForeignKey("meta_tables.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("role", sa.String(16)),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("meta_users.id", ondelete="CASCADE")),
    sa.Column(
        "filter_id",
        sa.Integer,
        sa.ForeignKey("meta_saved_filters.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

tokens = sa.Table(
    "meta_tokens",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("meta_users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("prefix", sa.String(32), nullable=False),
    sa.Column("bases", json_type()),  # list of base ids, or NULL for every base of the user
    sa.Column("can_write", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime()),
    sa.Column("last_used_at", UTCDateTime()),
    sa.Column("revoked_at", UTCDateTime()),
)

sessions = sa.Table(
    "meta_sessions",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("meta_users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("last_seen_at", UTCDateTime()),
    sa.Column("revoked_at", UTCDateTime()),
    sa.Column("ip", sa.String(64)),
    sa.Column("user_agent", sa.String(255)),
)

login_attempts = sa.Table(
    "meta_login_attempts",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(320), nullable=False),  # an email or an IP address
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
)

share_links = sa.Table(
    "meta_share_links",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "view_id", sa.Integer, sa.ForeignKey("meta_views.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("kind", sa.String(16), nullable=False),  # "view" (read-only) or "form"
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255)),
    sa.Column("allow_export", sa.Boolean, nullable=False),
    sa.Column("expires_at", UTCDateTime()),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("meta_users.id")),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime()),
)

# --- history (migration 0003) --------------------------------------------------------------------
# one user action (an edit, a batch, an import, a schema change): the unit of undo and redo
actions = sa.Table(
    "meta_actions",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer),
    sa.Column("base_id", sa.Integer),
    sa.Column("table_id", sa.Integer),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("summary", json_type()),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("undone_at", UTCDateTime()),
)

# one changed cell, record or schema object of an action: old and new value
changes = sa.Table(
    "meta_changes",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "action_id",
        sa.Integer,
        sa.ForeignKey("meta_actions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("table_id", sa.Integer),
    sa.Column("record_id", sa.Integer),
    sa.Column("field_id", sa.Integer),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("old", json_type()),
    sa.Column("new", json_type()),
)

audit_log = sa.Table(
    "meta_audit_log",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("user_id", sa.Integer),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("base_id", sa.Integer),
    sa.Column("detail", json_type()),
    sa.Column("ip", sa.String(64)),
)

sa.Index("ix_meta_row_permissions_table", row_permissions.c.table_id)
sa.Index("ix_meta_login_attempts_key", login_attempts.c.key, login_attempts.c.at)
sa.Index("ix_meta_actions_user", actions.c.user_id, actions.c.id)
sa.Index("ix_meta_changes_record", changes.c.table_id, changes.c.record_id, changes.c.id)
sa.Index("ix_meta_changes_action", changes.c.action_id)
sa.Index("ix_meta_audit_log_at", audit_log.c.at)


NEW = [t for t in md.sorted_tables if t.name not in EXISTING]


def upgrade() -> None:
    md.create_all(op.get_bind(), tables=NEW, checkfirst=False)


def downgrade() -> None:
    md.drop_all(op.get_bind(), tables=NEW, checkfirst=False)
