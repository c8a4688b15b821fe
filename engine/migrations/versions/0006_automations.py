"""Automations, their runs and run keys, and in-app notifications.

Revision ID: 0006
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from engine.sqltypes import UTCDateTime, json_type

revision = "0006"
down_revision = "0005"
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
for _name in ("meta_bases", "meta_tables", "meta_users"):
    sa.Table(_name, md, sa.Column("id", sa.Integer, primary_key=True))
EXISTING = set(md.tables)

automations = sa.Table(
    "meta_automations",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "base_id", sa.Integer, sa.ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "table_id", sa.Integer, sa.ForeignKey("meta_tables.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("trigger_kind", sa.String(32), nullable=False),
    sa.Column("trigger", json_type(), nullable=False),
    sa.Column("actions", json_type(), nullable=False),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("meta_users.id", ondelete="SET NULL")),
    sa.Column("next_run_at", UTCDateTime()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)
runs = sa.Table(
    "meta_automation_runs",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "automation_id",
        sa.Integer,
        sa.ForeignKey("meta_automations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime()),
    sa.Column("trigger", sa.String(32), nullable=False),
    sa.Column("record_ids", json_type(), nullable=False),
    sa.Column("actions", json_type(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("error", sa.Text),
)
sa.Table(
    "meta_automation_keys",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "automation_id",
        sa.Integer,
        sa.ForeignKey("meta_automations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("record_id", sa.Integer, nullable=False),
    sa.Column("period", sa.String(32), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("automation_id", "record_id", "period"),
)
notifications = sa.Table(
    "meta_notifications",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "user_id", sa.Integer, sa.ForeignKey("meta_users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "base_id", sa.Integer, sa.ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("table_id", sa.Integer),
    sa.Column("record_id", sa.Integer),
    sa.Column("automation_id", sa.Integer),
    sa.Column("run_id", sa.Integer),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("read_at", UTCDateTime()),
)
sa.Index("ix_meta_automations_table", automations.c.table_id, automations.c.enabled)
sa.Index("ix_meta_automations_base", automations.c.base_id)
sa.Index("ix_meta_automation_runs_automation", runs.c.automation_id, runs.c.id)
sa.Index("ix_meta_notifications_user", notifications.c.user_id, notifications.c.id)

NEW = [t for t in md.sorted_tables if t.name not in EXISTING]


def upgrade() -> None:
    md.create_all(op.get_bind(), tables=NEW, checkfirst=False)


def downgrade() -> None:
    md.drop_all(op.get_bind(), tables=NEW, checkfirst=False)
