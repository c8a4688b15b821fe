"""Custom roles of a base and per-table permissions.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from engine.sqltypes import UTCDateTime

revision = "0004"
down_revision = "0003"
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
for _name in ("meta_bases", "meta_tables"):
    sa.Table(_name, md, sa.Column("id", sa.Integer, primary_key=True))
EXISTING = set(md.tables)

sa.Table(
    "meta_roles",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "base_id", sa.Integer, sa.ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("name_key", sa.String(255), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("base_id", "name_key"),
)
sa.Table(
    "meta_table_permissions",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "table_id", sa.Integer, sa.ForeignKey("meta_tables.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("access", sa.String(16), nullable=False),
    sa.UniqueConstraint("table_id", "role"),
)

NEW = [t for t in md.sorted_tables if t.name not in EXISTING]


def upgrade() -> None:
    md.create_all(op.get_bind(), tables=NEW, checkfirst=False)


def downgrade() -> None:
    md.drop_all(op.get_bind(), tables=NEW, checkfirst=False)
