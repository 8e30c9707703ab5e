"""Alembic environment: runs on the connection :func:`monitor.storage.engine.upgrade_to_head`
passes in, or on ``sqlalchemy.url`` when invoked from the command line."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from monitor.storage.tables import include_name, metadata

config = context.config


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///monitor.db")
    with engine.begin() as conn:
        _run(conn)
