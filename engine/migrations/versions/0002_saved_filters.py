"""Shared saved filters.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from engine.sqltypes import UTCDateTime, json_type

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta_saved_filters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("table_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(255)),
        sa.Column("filter", json_type(), nullable=False),
        sa.Column("created_by", sa.Integer),
        sa.Column("position", sa.Float, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meta_saved_filters"),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["meta_tables.id"],
            name="fk_meta_saved_filters_table_id_meta_tables",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["meta_users.id"], name="fk_meta_saved_filters_created_by_meta_users"
        ),
        sa.UniqueConstraint("table_id", "name_key", name="uq_meta_saved_filters_table_id"),
    )


def downgrade() -> None:
    op.drop_table("meta_saved_filters")
