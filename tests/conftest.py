"""Shared test fixtures: the loopback FixtureServer, the third-party corpus, and the store
on both backends (a throwaway PostgreSQL server, tests/pg_cluster.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from pg_cluster import INSTALL_HINT, PgCluster, create_database, drop_database, find_bin

# The corpus lives beside the repo (/work/shared/corpus), not inside it: it is
# third-party data with its own licences (see its README.md).
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


def corpus_path(*parts: str) -> Path:
    """A path inside the corpus; skips the calling test when it is absent."""
    path = CORPUS.joinpath(*parts).resolve()
    if not path.exists():
        pytest.skip(f"corpus not found at {path} (it lives in ../shared/corpus beside the repo)")
    return path


@pytest.fixture
def fixture_server() -> Iterator[FixtureServer]:
    with FixtureServer() as server:
        yield server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server's URL for the session: TOPICWIRE_TEST_PG, else a throwaway
    cluster from the installed binaries; skips (saying how to install them) when neither."""
    named = os.environ.get("TOPICWIRE_TEST_PG")
    if named:
        yield named
        return
    bindir = find_bin()
    if bindir is None:
        pytest.skip(INSTALL_HINT)
    try:
        cluster = PgCluster(bindir)
    except KeyError:
        pytest.skip(
            "running as root, but there is no postgres user to run the test cluster as (apt-get install postgresql)"
        )
    cluster.start()
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database for one test (tests stay independent)."""
    url = create_database(pg_server)
    yield url
    drop_database(pg_server, url)


@pytest.fixture(params=["sqlite", "postgres"])
def store_at(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a store lives, once per backend: a SQLite path, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return tmp_path / "db" / "t.sqlite3"
    url: str = request.getfixturevalue("pg_url")
    return url
