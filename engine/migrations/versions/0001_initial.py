"""Metadata tables: workspaces, users, bases, tables, fields, views.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from engine.sqltypes import UTCDateTime, json_type

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta_workspaces",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meta_workspaces"),
    )
    op.create_table(
        "meta_users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meta_users"),
        sa.UniqueConstraint("email", name="uq_meta_users_email"),
    )
    op.create_table(
        "meta_bases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(255)),
        sa.Column("position", sa.Float, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("trashed_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_meta_bases"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["meta_workspaces.id"],
            name="fk_meta_bases_workspace_id_meta_workspaces",
        ),
        sa.UniqueConstraint("workspace_id", "name_key", name="uq_meta_bases_workspace_id"),
    )
    op.create_table(
        "meta_tables",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("base_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(255)),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("primary_field_id", sa.Integer),
        sa.Column("position", sa.Float, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("trashed_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_meta_tables"),
        sa.ForeignKeyConstraint(
            ["base_id"],
            ["meta_bases.id"],
            name="fk_meta_tables_base_id_meta_bases",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("base_id", "name_key", name="uq_meta_tables_base_id"),
    )
    op.create_table(
        "meta_fields",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("table_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", sa.String(255)),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("options", json_type(), nullable=False),
        sa.Column("rules", json_type(), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("position", sa.Float, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("trashed_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_meta_fields"),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["meta_tables.id"],
            name="fk_meta_fields_table_id_meta_tables",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("table_id", "name_key", name="uq_meta_fields_table_id"),
    )
    op.create_index("ix_meta_fields_table", "meta_fields", ["table_id", "position"])
    op.create_table(
        "meta_views",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("table_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("config", json_type(), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.Integer),
        sa.Column("position", sa.Float, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("trashed_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_meta_views"),
        sa.ForeignKeyConstraint(
            ["table_id"],
            ["meta_tables.id"],
            name="fk_meta_views_table_id_meta_tables",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["meta_users.id"], name="fk_meta_views_owner_id_meta_users"
        ),
    )
    op.create_index("ix_meta_views_table", "meta_views", ["table_id", "position"])


def downgrade() -> None:
    for name in ("meta_views", "meta_fields", "meta_tables", "meta_bases", "meta_users"):
        op.drop_table(name)
    op.drop_table("meta_workspaces")
