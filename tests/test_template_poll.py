"""Issue 17: a new source's first pages are published without the template they share.

(a) a poll's pages are all learned before any is stripped, so a first poll of 4 pages
sharing a widget publishes none of it; (b) a block that becomes template on a later poll
is cleaned out of the source's stored articles, which leave the topics it alone matched
(same entry ids), with its own event and metric. Real pipeline, loopback server.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from fixture_server import FixtureServer

from topicwire.config import Config, load_config
from topicwire.cpu import CpuPool
from topicwire.feeds.publisher import Publisher
from topicwire.metrics import Metrics
from topicwire.pipeline import Pipeline, make_fetcher
from topicwire.store import Store
from topicwire.upkeep import Upkeep

NOW = datetime(2026, 3, 1, tzinfo=UTC)
BENCH = Path(__file__).resolve().parents[1] / "bench"
# A weather widget the site prints inside its article container: the extractor keeps it.
WIDGET = "Weather in Gyumri today: 12 degrees, light rain, wind 4 m/s"
SUBJECTS = ("harvest", "railway", "schools", "bridge", "museum", "budget")


def page(n: int, *, widget: bool = True) -> str:
    subject = SUBJECTS[n % len(SUBJECTS)]
    body = "".join(
        f"<p>Story {n}, part {k}: the regional council in Vanadzor discussed the {subject} plan number "
        f"{n * 11 + k} for a long session on day {n}, and deputies asked for figures by spring.</p>"
        for k in range(4)
    )
    said = f"<p>\u201cThe {subject} plan is ready,\u201d said Mayor Anna Petrosyan of Vanadzor.</p>"
    aside = f"<p>{WIDGET}</p>" if widget else ""
    head = f"<html><head><title>Story {n}</title></head>"
    return f"{head}<body><article><h1>Story {n} on the {subject}</h1>{body}{said}{aside}</article></body></html>"


def rss(base: str, numbers: range) -> str:
    items = "".join(
        f"<item><title>Story {n}</title><link>{base}/a/{n}.html</link><guid>s{n}</guid>"
        f"<pubDate>{format_datetime(NOW + timedelta(hours=n))}</pubDate></item>"
        for n in numbers
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Herald</title>{items}</channel></rss>'


def setup(
    tmp_path: Path,
    server: FixtureServer,
    clock: list[datetime] | None = None,
    metrics: Metrics | None = None,
    cpu: CpuPool | None = None,
) -> tuple[Config, Store, Pipeline]:
    (tmp_path / "c.toml").write_text(
        '[fetch]\nallow_private_addresses = true\nper_host_delay = "0s"\n'
        '[aliases]\nmayor = ["Anna Petrosyan"]\n'
        f'[[sources]]\nname = "herald"\nurl = "{server.url}/feed.xml"\nkind = "feed"\n'
        f'[[topics]]\nname = "gyumri"\nquery = "Gyumri"\n'
        f'[[topics]]\nname = "council"\nquery = "Vanadzor"\n'
    )
    config = load_config(tmp_path / "c.toml")
    store = Store.open(config.store_path, NOW)
    now = clock or [NOW]
    pipeline = Pipeline(config, store, make_fetcher(config), lambda: now[0], metrics=metrics, cpu=cpu)
    Upkeep.of(pipeline).prepare()
    return config, store, pipeline


def published_text(config: Config) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(config.output_dir.glob("*.*")) if p.is_file())


@pytest.mark.parametrize("workers", [1, 2])
def test_first_poll_publishes_nothing_of_a_shared_widget(tmp_path: Path, workers: int) -> None:
    """With worker processes (issue 16) the poll's template, keys and statements are made in
    one of them (prepare.py): the same articles, topics and statements as in one process."""
    cpu = CpuPool(workers)
    with FixtureServer() as server:
        for n in range(5):
            server.route(f"/a/{n}.html", page(n), headers={"Content-Type": "text/html"})
        server.route("/feed.xml", rss(server.url, range(5)), headers={"Content-Type": "application/rss+xml"})
        config, store, pipeline = setup(tmp_path, server, cpu=cpu)
        try:
            assert pipeline.poll(config.sources[0]).new == 5
        finally:
            cpu.close()
        Publisher(config, store, pipeline.changes).publish()
        council = store.topic_entries("council", 20)
        gyumri = store.topic_entries("gyumri", 20)
        said = store.statements_of([s.representative.uid for s in council])
        store.close()
    assert len(council) == 5  # the articles themselves are all there, whole
    for story in council:
        assert "Gyumri" not in story.representative.text and "Gyumri" not in story.representative.html
        assert all(f"part {k}:" in story.representative.text for k in range(4))
        (statement,) = said[story.representative.uid]
        assert (statement.speaker, statement.alias) == ("Mayor Anna Petrosyan of Vanadzor", "mayor")
        assert statement.text.endswith("plan is ready")
    assert gyumri == ()
    assert "Gyumri" not in published_text(config)


def test_bench_outlets_learning_off_really_polls_without_the_template(tmp_path: Path) -> None:
    """bench/outlets.py's baseline ("learning off") replaces the template cleaning by a no-op
    where the pipeline calls it: the widget a first poll strips is then published. It looked
    for the cleaning in pipeline.py, which calls it through prepare.py since issue 16 point 4:
    the bench stopped with an AttributeError before printing its figures."""
    spec = importlib.util.spec_from_file_location("bench_outlets", BENCH / "outlets.py")
    assert spec is not None and spec.loader is not None
    outlets = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = outlets  # dataclasses look their module up by name
    spec.loader.exec_module(outlets)
    with FixtureServer() as server:
        for n in range(5):
            server.route(f"/a/{n}.html", page(n), headers={"Content-Type": "text/html"})
        server.route("/feed.xml", rss(server.url, range(5)), headers={"Content-Type": "application/rss+xml"})
        config, store, pipeline = setup(tmp_path, server)
        with outlets.without_template():
            assert pipeline.poll(config.sources[0]).new == 5
        gyumri = store.topic_entries("gyumri", 20)
        store.close()
    assert len(gyumri) == 5  # the widget stayed in every page: nothing was learned or stripped


def test_a_later_template_recleans_stored_articles(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with FixtureServer() as server:
        # Polls 1-3 bring one page each; page 2 has no widget, so it is on 2 pages until poll 4.
        for n in range(4):
            server.route(f"/a/{n}.html", page(n, widget=n != 2), headers={"Content-Type": "text/html"})
        clock = [NOW]
        config, store, pipeline = setup(tmp_path, server, clock, Metrics())
        for last in range(3):
            server.route("/feed.xml", rss(server.url, range(last + 1)), headers={"Content-Type": "application/rss+xml"})
            assert pipeline.poll(config.sources[0]).new == 1
            clock[0] += timedelta(days=1)
        stories = {s.representative.title: s for s in store.topic_entries("council", 20)}
        before = {title: s.representative for title, s in stories.items()}
        assert {s.id for s in store.topic_entries("gyumri", 20)} == {before["Story 0"].uid, before["Story 1"].uid}
        assert WIDGET in before["Story 0"].text  # the precondition: not yet template, so kept
        server.route("/feed.xml", rss(server.url, range(4)), headers={"Content-Type": "application/rss+xml"})
        with caplog.at_level(logging.INFO, logger="topicwire"):
            assert pipeline.poll(config.sources[0]).new == 1
        Publisher(config, store, pipeline.changes).publish()
        stories_after = {s.representative.title: s for s in store.topic_entries("council", 20)}
        after = {title: s.representative for title, s in stories_after.items()}
        gyumri = store.topic_entries("gyumri", 20)
        cleaned = store.article(before["Story 0"].uid)
        metrics = pipeline.metrics.exposition()[0].decode()
        store.close()
    assert gyumri == ()
    assert "Gyumri" not in published_text(config)
    assert len(after) == 4
    for title in ("Story 0", "Story 1"):
        assert after[title].uid == before[title].uid  # same entry id
        assert WIDGET not in after[title].text and "Gyumri" not in after[title].html
        assert after[title].text == before[title].text.replace(f"\n\n{WIDGET}", "")  # only the widget went
        # The feed entry is not re-announced as updated: the news did not change.
        assert stories_after[title].id == stories[title].id
        assert stories_after[title].updated == stories[title].updated < clock[0]
    assert cleaned is not None and cleaned.topics == ("council",)
    assert cleaned.method.endswith("+template")
    events = [r for r in caplog.records if r.getMessage() == "template.recleaned"]
    assert [e.tw_fields for e in events] == [  # type: ignore[attr-defined]
        {"source": "herald", "articles": 2, "topics_left": 2, "topics_joined": 0}
    ]
    assert 'topicwire_template_recleaned_total{source="herald"} 2.0' in metrics
    assert 'topicwire_template_recleaned_topics_left_total{source="herald"} 2.0' in metrics


def developing(version: int) -> str:
    """A developing story's page: the same report and one update paragraph more each version."""
    updates = "".join(
        f"<p>Update {k}: rescuers reached the village of Margahovit at {8 + k} o'clock, and the road "
        f"to Vanadzor was closed again for {k + 2} hours by the regional police.</p>"
        for k in range(version)
    )
    return page(0, widget=False).replace("</article>", f"{updates}</article>")


def test_a_developing_story_under_new_urls_is_never_template(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A source republishes a story under a new URL with each update, one a poll (each
    version an edit of the stored one, or a new article of its story): its shared report is
    the story's, not the site's (from the third version it was stripped as template, and
    the version stored as a new story of two update paragraphs)."""
    with FixtureServer() as server:
        for v in range(5):
            server.route(f"/a/{v}.html", developing(v + 1), headers={"Content-Type": "text/html"})
        clock = [NOW]
        config, store, pipeline = setup(tmp_path, server, clock)
        with caplog.at_level(logging.INFO, logger="topicwire"):
            for last in range(5):
                server.route(
                    "/feed.xml", rss(server.url, range(last + 1)), headers={"Content-Type": "application/rss+xml"}
                )
                outcome = pipeline.poll(config.sources[0])
                assert (outcome.new, outcome.duplicates, outcome.failed) in ((1, 0, 0), (0, 1, 0))
                clock[0] += timedelta(hours=6)
        (story,) = store.topic_entries("council", 20)
        members = store.source_articles("herald", 20)
        store.close()
    assert all(f"part {k}:" in story.representative.text for k in range(4))
    assert story.representative.text.count("Update ") == 5
    assert members and {a.story_id for a in members} == {story.id}
    for article in members:
        assert not article.method.endswith("+template")
        assert all(f"part {k}:" in article.text for k in range(4))
    assert not [r for r in caplog.records if r.getMessage() == "template.recleaned"]
