"""Review 2: a re-clean's statements are extracted before the poll takes the store's lock
(up to RECLEAN_MAX extractions, 0.7 ms each and far more on hostile text, held every
other worker's save and every publish). Statements are extracted by ``extract_statements``
in two places: ``StatementExtractor.extract`` (the store's own path, placement.py) and the
poll's pure work (prepare.py, since issue 16 point 4): both are watched, or an extraction
moved out of the one watched would leave the test counting nothing."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from test_template_poll import page as template_page
from test_template_poll import rss, setup

import topicwire.prepare as prepare_module
import topicwire.statements as statements_module
from topicwire.types import Statement


def test_recleaned_statements_are_read_outside_the_store_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    held: list[bool] = []
    real = statements_module.extract_statements

    with FixtureServer() as server:
        for n in range(4):
            server.route(f"/a/{n}.html", template_page(n, widget=n != 2), headers={"Content-Type": "text/html"})
        config, store, pipeline = setup(tmp_path, server)

        def extract(text: str) -> tuple[Statement, ...]:
            held.append(store._backend._lock._is_owned())  # type: ignore[attr-defined]
            return real(text)

        for last in range(3):
            server.route("/feed.xml", rss(server.url, range(last + 1)), headers={"Content-Type": "application/rss+xml"})
            pipeline.poll(config.sources[0])
        monkeypatch.setattr(statements_module, "extract_statements", extract)
        monkeypatch.setattr(prepare_module, "extract_statements", extract)
        server.route("/feed.xml", rss(server.url, range(4)), headers={"Content-Type": "application/rss+xml"})
        with caplog.at_level(logging.INFO, logger="topicwire"):
            pipeline.poll(config.sources[0])
        store.close()
    assert any(r.getMessage() == "template.recleaned" for r in caplog.records)  # the precondition
    assert len(held) == 3 and not any(held)  # the new page and the two re-cleaned ones
