"""Review 2 (issue 19 wiring): a poll that started on the pipeline a SIGHUP reload
replaced marks the stories it changed in the *old* placer; the new pipeline's
publishes take changes from the new placer only, so a story the new pipeline has
already rendered (cached in its FeedDocCache) keeps its old entry: the edit, a joined
outlet or a re-clean never reach the feeds until the story changes again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_reload_removed_topic_race import started_daemon

from topicwire.daemon.service import Daemon
from topicwire.dedup.desk import KeyedArticle
from topicwire.types import Article

NOW = datetime.now(UTC) - timedelta(minutes=5)
TEXT = " ".join(f"word{i}" for i in range(60))


def kremlin(text: str) -> Article:
    return Article(
        source="site",
        guid="g1",
        url="https://news.test/1",
        title="Peskov speaks",
        text=text,
        html=f"<p>{text}</p>",
        summary=text[:100],
        published=NOW,
        updated=NOW,
    )


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    yield from started_daemon(tmp_path)


def place(pipeline, article: Article) -> str:  # type: ignore[no-untyped-def]
    with pipeline.store.transaction() as store:
        _, d = pipeline.place(store, KeyedArticle.of(article), ("kremlin",), datetime.now(UTC))
    return d.action


def test_an_edit_saved_by_a_poll_of_the_replaced_pipeline_reaches_the_feed(daemon: Daemon) -> None:
    feed = daemon.config.output_dir / "kremlin.atom"
    assert place(daemon.pipeline, kremlin(f"The Kremlin said {TEXT} FIRSTVERSION")) == "new"
    daemon.publish()
    assert "FIRSTVERSION" in feed.read_text()

    old = daemon.pipeline  # a poll starts on it ...
    daemon._reload_config()  # ... SIGHUP: the reload's publish caches the story in the new pipeline
    assert daemon.pipeline is not old
    assert place(old, kremlin(f"The Kremlin said {TEXT} SECONDVERSION")) == "update"  # ... the poll saves
    daemon.publisher.changed()  # Daemon.poll: outcome.new
    daemon.publish()

    assert "SECONDVERSION" in feed.read_text(), "the edit stored by the in-flight poll never reaches the feed"
