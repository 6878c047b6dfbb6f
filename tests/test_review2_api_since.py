"""Review 2: a ``since`` whose UTC form is out of datetime's range is a 400, not a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli import config_text

from topicwire.clock import utc_now
from topicwire.config import load_config
from topicwire.feeds.api import Api
from topicwire.store import Store


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    (tmp_path / "c.toml").write_text(config_text("http://x.test"))
    config = load_config(tmp_path / "c.toml")
    store = Store.open(config.store_path, utc_now())
    yield Api(config, store)
    store.close()


@pytest.mark.parametrize(
    "since", ["0001-01-01T00:00:00%2B01:00", "9999-12-31T23:59:59-01:00"], ids=["year1", "year9999"]
)
@pytest.mark.parametrize("path", ["/api/statements", "/api/topics/kremlin/entries"])
def test_a_since_beyond_utc_range_is_a_bad_request(api: Api, path: str, since: str) -> None:
    status, body = api.answer(path, f"speaker=kremlin&since={since}")
    assert status == 400 and b"since" in body


def test_an_offset_since_is_compared_in_utc(api: Api) -> None:
    assert api.answer("/api/statements", "speaker=kremlin&since=2026-01-01T03:00:00%2B03:00")[0] == 200
