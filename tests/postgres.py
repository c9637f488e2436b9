"""A throwaway PostgreSQL server on loopback for the tests that need one.

`QUOTEBOT_TEST_POSTGRES_URL` points the tests at an existing server; otherwise one
is made with the machine's `initdb` in a temporary folder, started on a free port,
and removed at the end. No server binaries is a failure, not a skip: the README's
test command installs them (Debian's `postgresql` package).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; CI runs as root, so step down to `postgres`."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh, empty PostgreSQL server."""
    given = os.environ.get("QUOTEBOT_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL server binaries (initdb) not found: run ./scripts/test, which "
            "installs Debian's postgresql package, or set QUOTEBOT_TEST_POSTGRES_URL"
        )
    folder = Path(tempfile.mkdtemp(prefix="quotebot-pg-"))
    data, port = folder / "data", _free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(
        _as_postgres_user([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A",
                           "trust", "--no-sync"]),
        **run,
    )  # fmt: skip
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    subprocess.run(
        _as_postgres_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                           str(folder / "log"), "-w", "start"]),
        **run,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """Create an empty database on the server for one test; return its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        for _attempt in range(50):
            try:
                with engine.connect() as db:
                    db.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
                break
            except sqlalchemy.exc.OperationalError:
                time.sleep(0.1)  # the server is still starting
    finally:
        engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name
