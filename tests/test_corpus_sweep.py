"""feedparser's 2,106 test feeds served over loopback through the real pipeline.

Every document must end either ingested or recorded as a named source error:
no crash, no traceback. The corpus is third-party data beside the repo
(../shared/corpus/feeds); the test skips with a reason where it is absent.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from conftest import corpus_path
from fixture_server import FixtureServer

from topicwire.clock import utc_now
from topicwire.daemon.cli import main
from topicwire.store import Store

pytestmark = pytest.mark.slow


def test_every_corpus_feed_is_ingested_or_a_named_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = corpus_path("feeds")
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    lines = [
        "[fetch]",
        "allow_private_addresses = true",
        "concurrency = 8",
        'per_host_delay = "0s"',  # 2,106 feeds on one host: the politeness delay would dominate
        "per_host_concurrency = 8",
        "[defaults]",
        "fulltext = false",
        "[[topics]]",
        'name = "all"',
        'query = "NOT zzzzqqq"',
    ]
    names: dict[str, str] = {}
    with FixtureServer() as server:
        for i, (rel, meta) in enumerate(sorted(index.items())):
            headers = {"Content-Type": "text/xml", **meta.get("http_headers", {})}
            server.route(f"/tests/{rel}", (root / rel).read_bytes(), headers=headers)
            names[f"f{i}"] = rel
            lines += [
                "[[sources]]",
                f'name = "f{i}"',
                f'url = "{server.url}/tests/{rel}"',
                'kind = "feed"',
            ]
        config = tmp_path / "config.toml"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with caplog.at_level(logging.INFO, logger="topicwire"):
            code = main(["-c", str(config), "once"])
    assert code == 0
    assert "Traceback" not in caplog.text
    store = Store.open(tmp_path / "var" / "topicwire.sqlite3", utc_now())
    try:
        states = store.source_states(tuple(names))
        articles = store.article_count()
    finally:
        store.close()
    assert len(states) == len(index)
    errors = {s.name: s.error for s in states if s.status == "error"}
    assert all(s.status in ("ok", "error") for s in states)
    assert all(errors.values()), "every failed source has its error text"
    # Well-formed documents are never refused.
    wrongly_refused = [names[n] for n in errors if index[names[n]]["bozo_expected"] is False]
    assert not wrongly_refused, wrongly_refused[:10]
    assert articles > 1000
    print(f"\ncorpus sweep: {len(states)} feeds, {len(errors)} named errors, {articles} articles")
