"""The test backends themselves: a PostgreSQL database lives as long as its test."""

from __future__ import annotations

import sqlalchemy as sa

from .conftest import _Server, database


def test_a_test_database_is_dropped_afterwards_even_with_a_connection_open(
    postgres_server: _Server,
) -> None:
    """The database exists during the test and is gone after it, open connection or not."""
    before = postgres_server.databases()
    with database(postgres_server) as url:
        name = url.rsplit("/", 1)[1]
        assert postgres_server.databases() == sorted([*before, name])
        engine = sa.create_engine(url)
        connection = engine.connect()  # left open on purpose, as a failing test may
        assert connection.execute(sa.text("SELECT 1")).scalar() == 1
    assert postgres_server.databases() == before
    connection.invalidate()
    engine.dispose()
