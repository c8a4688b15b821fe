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
