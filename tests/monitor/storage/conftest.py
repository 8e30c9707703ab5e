"""One storage suite, run against SQLite (a temporary file) and PostgreSQL.

PostgreSQL runs when ``MONITOR_TEST_PG_URL`` names a database; each test gets a
schema of its own (through ``search_path``), dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from storage_factories import NO_PG, PG_URL

from monitor.storage import Storage, open_storage

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[pytest.mark.postgres, pytest.mark.skipif(PG_URL is None, reason=NO_PG)],
    ),
]


@pytest.fixture
def pg_schema_url() -> Iterator[Callable[[], str]]:
    """Hands out database URLs, each bound to a fresh PostgreSQL schema."""
    assert PG_URL is not None
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schemas: list[str] = []

    def make() -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        schemas.append(name)
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={name}"})
        return url.render_as_string(hide_password=False)

    yield make
    with admin.connect() as conn:
        for name in schemas:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'monitor.db'}"
    make: Callable[[], str] = request.getfixturevalue("pg_schema_url")
    return make()


@pytest.fixture
def storage(db_url: str) -> Iterator[Storage]:
    with open_storage(db_url) as opened:
        yield opened
