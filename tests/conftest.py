"""Shared test fixtures: the loopback FixtureServer and the third-party corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixture_server import FixtureServer

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
