"""What the Store asks of a database, whichever it is (issue 16 point 2).

A ``Backend`` owns the connections and the transactions: ``read()`` lends a connection for
reads, ``unit()`` one write unit (all or nothing), ``committed()`` a block in which reads see
only committed data and no writer of this process adds to it, ``solo()`` one short unit
outside this process's order of units (the shared host politeness, store/hosts.py: a fetch
must not wait behind a poll's save). ``shared``: other processes may use the database too. SQLite's is store/db.py (one
connection, group commit), PostgreSQL's store/postgres.py (a pool, one transaction per unit).
``Probe`` is what ``topicwire check`` reports of a store it did not open for writing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from topicwire.store.dialect import DB


@dataclass(frozen=True)
class Probe:
    """What a connection found: the backend, its server version (PostgreSQL), the schema
    version (0: no topicwire schema yet) and where (a path, or a URL without its password)."""

    backend: str
    location: str
    server: str
    schema_version: int
    exists: bool = True


class Backend(ABC):
    #: the path, or the URL without its password: for messages and logs
    location: str
    #: the driver's errors, wrapped into StoreError by the Store
    errors: tuple[type[BaseException], ...]
    #: several processes (machines) may share the database: PostgreSQL's, not SQLite's
    shared: bool = False

    @abstractmethod
    def read(self) -> AbstractContextManager[DB]: ...

    @abstractmethod
    def unit(self) -> AbstractContextManager[DB]: ...

    @abstractmethod
    def solo(self) -> AbstractContextManager[DB]: ...

    @abstractmethod
    def committed(self) -> AbstractContextManager[None]: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def ping(self) -> bool: ...

    @abstractmethod
    def size_bytes(self) -> int: ...

    @abstractmethod
    def vacuum_if_worthwhile(self) -> bool:
        """Give freed space back after retention deleted rows; True if it did."""

    @abstractmethod
    def backup(self, target: Path) -> None: ...

    @abstractmethod
    def exclusive(self, name: str) -> AbstractContextManager[bool]:
        """Whether this process got ``name``'s lock among all the store's users, held for the
        block (never waits: False when another holds it)."""

    @abstractmethod
    def lock_placement(self, db: DB) -> None:
        """Hold off every other process's placement until ``db``'s unit ends (issue 16
        point 3): two copies of one story placed at once by two workers end as one story."""


def is_url(where: Path | str) -> bool:
    """Is ``where`` a PostgreSQL URL (else a SQLite path)?"""
    return isinstance(where, str) and where.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """The URL with its password replaced by ``***``: for messages, logs and ``check``."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not a URL after all (e.g. a stray "["): if it may hold one, show no userinfo
        return url.rsplit("@", 1)[-1] if "://" in url and "@" in url else url
    if password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
