"""Alembic environment: migrations run on the connection the engine hands over."""

from alembic import context

from engine.meta import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things in place
    include_name=lambda name, type_, parent: type_ != "table" or name.startswith("meta_"),
)
with context.begin_transaction():
    context.run_migrations()
