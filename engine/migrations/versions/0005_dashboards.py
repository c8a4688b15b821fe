"""Dashboards of a base.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from engine.sqltypes import UTCDateTime, json_type

revision = "0005"
down_revision = "0004"
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
for _name in ("meta_bases", "meta_users"):
    sa.Table(_name, md, sa.Column("id", sa.Integer, primary_key=True))
EXISTING = set(md.tables)

sa.Table(
    "meta_dashboards",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "base_id", sa.Integer, sa.ForeignKey("meta_bases.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("name_key", sa.String(255), nullable=False),
    sa.Column("widgets", json_type(), nullable=False),
    sa.Column("position", sa.Float, nullable=False),
    sa.Column("created_by", sa.Integer, sa.ForeignKey("meta_users.id", ondelete="SET NULL")),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("base_id", "name_key"),
)

NEW = [t for t in md.sorted_tables if t.name not in EXISTING]


def upgrade() -> None:
    md.create_all(op.get_bind(), tables=NEW, checkfirst=False)


def downgrade() -> None:
    md.drop_all(op.get_bind(), tables=NEW, checkfirst=False)
