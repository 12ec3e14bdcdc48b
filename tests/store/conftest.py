"""The register's backends for the tests: an SQLite file, and a throwaway PostgreSQL.

The PostgreSQL server is started once per test session from the server
binaries (``initdb``, ``pg_ctl``: on PATH, else under
``/usr/lib/postgresql/*/bin``), in a temporary folder, listening on 127.0.0.1
on a free port; as root it runs as the ``postgres`` user, as PostgreSQL
requires. Each test gets a database of its own. Without the binaries the
PostgreSQL tests are skipped, unless ``ADMISSION_FLOW_REQUIRE_POSTGRES=1``
(as in CI), when they fail.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.store import Register

BACKENDS = ("sqlite", "postgresql")
_numbers = itertools.count()


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Server:
    """A throwaway PostgreSQL server: ``fsync=off`` (it need not survive a power cut), or,
    with ``durable``, at PostgreSQL's default durability (``fsync=on``,
    ``synchronous_commit=on``) for benchmarks that compare commits."""

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable
        self.initdb = _binary("initdb")
        self.pg_ctl = _binary("pg_ctl")
        self.folder = Path(tempfile.mkdtemp(prefix="admission-flow-pg-"))
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.data = self.folder / "data"

    def run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        subprocess.run(
            [*prefix, *argv], check=True, capture_output=True, text=True, cwd=self.folder
        )

    def start(self) -> None:
        assert self.initdb is not None
        assert self.pg_ctl is not None
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self.run(self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            # A throwaway server: no need to survive a power cut, only a client's crash.
            + ("-c fsync=on -c synchronous_commit=on" if self.durable else "-c fsync=off")
            + " -c max_connections=100"
        )
        self.run(
            self.pg_ctl, "start", "-w", "-D", str(self.data), "-o", options,
            "-l", str(self.folder / "server.log"),
        )  # fmt: skip

    def stop(self) -> None:
        assert self.pg_ctl is not None
        try:
            self.run(self.pg_ctl, "stop", "-D", str(self.data), "-m", "fast", "-w")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as admin:
            admin.execute(statement)

    def create_database(self) -> str:
        """A new empty database; its name."""
        name = f"register_{os.getpid()}_{next(_numbers)}"
        self._admin(f'CREATE DATABASE "{name}"')
        return name

    def new_url(self) -> str:
        """A new empty database; its URL (``create_database`` gives its name only)."""
        return self.url(self.create_database())

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def databases(self) -> list[str]:
        """The test databases on the server now."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as admin:
            rows = admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'register%' ORDER BY datname"
            ).fetchall()
        return [row[0] for row in rows]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[_Server]:
    """A PostgreSQL server for the whole session, stopped and removed at the end."""
    server = _Server()
    if server.initdb is None or server.pg_ctl is None:
        shutil.rmtree(server.folder, ignore_errors=True)
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found"
        if os.environ.get("ADMISSION_FLOW_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{message}, and ADMISSION_FLOW_REQUIRE_POSTGRES=1 requires them")
        pytest.skip(message)
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(server.folder, ignore_errors=True)
        pytest.fail(f"cannot start PostgreSQL: {exc.stderr or exc.stdout}")
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database on each backend: an SQLite file, a new PostgreSQL database.

    Each is gone after the test: the file with its temporary folder, the PostgreSQL
    database dropped (``WITH (FORCE)``, so that a connection a test left open cannot keep
    it), so that a long session does not fill the server.
    """
    if request.param == "sqlite":
        yield str(tmp_path / "cases.db")
        return
    server: _Server = request.getfixturevalue("postgres_server")
    with database(server) as url:
        yield url


@contextlib.contextmanager
def database(server: _Server) -> Iterator[str]:
    """A new PostgreSQL database on ``server``, dropped on the way out; its URL."""
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def register(url: str) -> Iterator[Register]:
    """An empty register on each backend, with the built-in plugins only; closed after the test.

    A test module that needs cases in it overrides this fixture with one that asks for it
    (``def register(register)``) and adds them with ``helpers.replay``.
    """
    with Register.create(url, plugins=af.Plugins(entry_points=False)) as register:
        yield register
