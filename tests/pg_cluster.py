"""A throwaway PostgreSQL server for the tests (issue 16, "How it is tested").

``PgCluster.start()`` runs ``initdb`` and ``pg_ctl`` from the installed PostgreSQL binaries
in a temporary folder, listening on a unix socket in that folder only (no TCP port), with
durability off (fsync, synchronous_commit: a test cluster is thrown away). As root the two
run as the ``postgres`` user (initdb refuses root), so the folder is made under /tmp and
given to that user. ``TOPICWIRE_TEST_PG`` names a server to use instead (a URL whose user
may CREATE DATABASE); each test gets a fresh database on it (``create_database``).

Where no binaries are found, the tests that need the server skip with how to install them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

INSTALL_HINT = "PostgreSQL binaries not found (apt-get install postgresql), and TOPICWIRE_TEST_PG is not set"


def find_bin() -> Path | None:
    """The folder with initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/*/bin (newest)."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version, reverse=True)
    return Path(found[0]).parent if found else None


def _version(initdb: str) -> tuple[int, ...]:
    number = Path(initdb).parent.parent.name
    return tuple(int(p) for p in number.split(".") if p.isdigit())


class PgCluster:
    """One server in a temp folder; ``url`` reaches its ``postgres`` database as superuser."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="topicwire-pg-", dir="/tmp"))
        self.data = self.folder / "data"
        self._user: str | None = None
        if os.geteuid() == 0:
            self._user = "postgres"
            entry = pwd.getpwnam(self._user)  # KeyError: no such user (the caller skips)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        os.chmod(self.folder, 0o700)
        self.url = f"postgresql://postgres@/postgres?host={quote(str(self.folder), safe='')}"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._user:
            command = ["runuser", "-u", self._user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr or done.stdout}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        self.resume()

    def pause(self) -> None:
        """Stop the server, keeping its data (the database "goes away")."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        options = (
            f"-k {self.folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def database_url(server_url: str, name: str) -> str:
    """``server_url`` with its database replaced by ``name`` (the query, e.g. ?host=, kept)."""
    head, _, query = server_url.partition("?")
    base = head.rsplit("/", 1)[0] if head.count("/") > 2 else head
    return f"{base}/{name}" + (f"?{query}" if query else "")


def create_database(server_url: str) -> str:
    """A fresh, empty database on the server; returns its URL."""
    name = f"tw_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(server_url, name)


def drop_database(server_url: str, url: str) -> None:
    name = url.partition("?")[0].rsplit("/", 1)[1]
    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
