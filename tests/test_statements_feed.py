"""A statements topic (issue 18), on a loopback server: ``statements = "@kremlin"`` makes the
feed's entries the statements of the topic's stories whose speaker matches; one entry per
statement per story however many outlets carry it; ids that survive re-polls, another
outlet joining and re-extraction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from fixture_server import FixtureServer
from test_story_pipeline import NOW, Item, Site
from test_webhooks import SECRET, Receiver, verified, wait_for

from topicwire.config import load_config
from topicwire.daemon.cli import main
from topicwire.errors import ConfigError
from topicwire.feeds.api import Api
from topicwire.feeds.serve import FeedServer
from topicwire.feeds.webhooks import Deliverer

CONFIG = (
    '[aliases]\nkremlin = ["Kremlin", "Peskov", "Песков*"]\n'
    '[[topics]]\nname = "says"\ntitle = "Kremlin statements"\nquery = "@kremlin"\nstatements = "@kremlin"\n'
)
PARAGRAPHS = [
    "Talks between Moscow and Kyiv resumed on Tuesday in Istanbul after a pause of several months.",
    '"We are open to talks, but we will not compromise on the new regions," Kremlin spokesman Dmitry Peskov '
    "said on Tuesday. The delegations met for four hours.",
    "NATO Secretary General Jens Stoltenberg said that the alliance was watching the talks closely.",
    "Moscow is ready to resume the negotiations next month, Peskov told reporters.",
]
# Another outlet's copy: the same quote cut short, a dateline, one more sentence.
COPY = [
    "ISTANBUL (Wire) - " + PARAGRAPHS[0],
    '"We are open to talks, but we will not compromise," Kremlin spokesman Dmitry Peskov '
    "said on Tuesday. The delegations met for four hours.",
    *PARAGRAPHS[2:],
    "Officials said the next round would be announced later.",
]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with FixtureServer() as server:
        s = Site(tmp_path, server, extra=CONFIG)
        yield s
        s.store.close()


def items(site: Site) -> list[dict]:
    site.feeds.publish()
    return json.loads((site.config.output_dir / "says.json").read_text())["items"]


def test_the_entries_are_the_speakers_statements(site: Site) -> None:
    site.serve("wire", [Item("k1", "Peskov on talks with Kyiv", PARAGRAPHS)])
    site.poll("wire")
    found = items(site)
    assert [i["title"] for i in found] == [
        "Peskov: We are open to talks, but we will not compromise…",
        "Peskov: Moscow is ready to resume the negotiations next month",
    ]  # Stoltenberg is not @kremlin
    first = found[0]
    assert first["id"].startswith("urn:topicwire:statement:")
    assert first["url"] == f"{site.server.url}/wire/k1.html"
    html = first["content_html"]
    # the statement with the sentence before and after it
    assert "Talks between Moscow and Kyiv resumed" in html and "The delegations met for four hours." in html
    assert "Kremlin spokesman Dmitry Peskov" in html


def test_one_entry_per_statement_per_story_with_stable_ids(site: Site, tmp_path: Path) -> None:
    site.serve("wire", [Item("k1", "Peskov on talks with Kyiv", PARAGRAPHS)])
    site.poll("wire")
    before = {i["title"]: i["id"] for i in items(site)}
    site.clock = NOW + timedelta(hours=1)
    site.serve("outlet-b", [Item("b1", "Kremlin: open to talks", COPY, hours=1)])
    assert site.poll("outlet-b") == (1, 0)
    assert site.store.story_count() == 1  # the copy joined the story
    after = items(site)
    # the shortened quote and the repeated reported line collapse into the story's entries;
    # "officials said" is not @kremlin
    assert {i["title"]: i["id"] for i in after} == before
    for entry in after:  # the outlet it is quoted from, and the story's other outlets
        html = entry["content_html"]
        assert "Also reported by" in html and ">wire</a>" in html and ">outlet-b</a>" in html
    assert site.poll("wire") == (0, 0) and {i["id"] for i in items(site)} == set(before.values())  # re-poll
    # re-extraction: other aliases make every article's statements be extracted again
    config = tmp_path / "c.toml"
    config.write_text(config.read_text().replace('"Песков*"]', '"Песков*", "Ushakov"]'))
    site.config = load_config(config)
    site.restart()
    assert {i["id"] for i in items(site)} == set(before.values())


def test_a_statement_edited_away_leaves_the_feed(site: Site) -> None:
    site.serve("wire", [Item("k1", "Peskov on talks with Kyiv", PARAGRAPHS)])
    site.poll("wire")
    assert len(items(site)) == 2
    site.clock = NOW + timedelta(hours=2)
    site.serve("wire", [Item("k1", "Peskov on talks with Kyiv", PARAGRAPHS[:3], 0, 2)])
    assert site.poll("wire") == (0, 1)
    assert [i["title"] for i in items(site)] == ["Peskov: We are open to talks, but we will not compromise…"]


def test_the_api_lists_a_speakers_statements_and_a_storys(site: Site) -> None:
    site.serve("wire", [Item("k1", "Peskov on talks with Kyiv", PARAGRAPHS)])
    site.poll("wire")
    feed_ids = [i["id"] for i in items(site)]
    server = FeedServer("127.0.0.1:0", site.config.output_dir, api=Api(site.config, site.store).answer)
    server.start()
    try:
        base = server.url
        said = requests.get(f"{base}api/statements", params={"speaker": "@kremlin"}, timeout=5).json()
        assert [(s["resolved"], s["kind"], s["text"]) for s in said["statements"]] == [
            (
                "Kremlin spokesman Dmitry Peskov",
                "direct",
                "We are open to talks, but we will not compromise on the new regions",
            ),
            ("Peskov", "reported", "Moscow is ready to resume the negotiations next month"),
        ]
        assert [s["id"] for s in said["statements"]] == feed_ids  # the statements topic's entry ids
        later = (NOW + timedelta(days=1)).isoformat()
        assert (
            requests.get(f"{base}api/statements", params={"speaker": "kremlin", "since": later}, timeout=5).json()[
                "statements"
            ]
            == []
        )
        assert requests.get(f"{base}api/statements?speaker=nato", timeout=5).status_code == 400
        assert requests.get(f"{base}api/statements?speaker=kremlin&since=tuesday", timeout=5).status_code == 400
        story = requests.get(f"{base}api/stories/{said['statements'][0]['story']}", timeout=5).json()
        assert [s["speaker"] for s in story["statements"]] == [
            "Kremlin spokesman Dmitry Peskov",
            "NATO Secretary General Jens Stoltenberg",
            "Peskov",
        ]
        assert story["statements"][1]["alias"] is None
    finally:
        server.stop()


def test_a_bad_speaker_query_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[[topics]]\nname = "says"\nquery = "kremlin"\nstatements = "@nobody"\n')
    with pytest.raises(ConfigError, match=r"topics\[0\]\.statements: unknown alias @nobody"):
        load_config(config)


def test_explain_answers_for_a_statement_entry(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    site.serve("wire", [Item("k1", "Peskov on talks with Kyiv", PARAGRAPHS)])
    site.poll("wire")
    first, _ = (i["id"] for i in items(site))
    config = str(site.tmp / "c.toml")
    assert main(["-c", config, "explain", "says", first]) == 0
    out = capsys.readouterr().out
    assert f"TAKEN  {first}" in out and "left" not in out  # only the asked statement
    assert 'speaker "Kremlin spokesman Dmitry Peskov" (terms found: kremlin, peskov); verb "said"; direct' in out
    # asked by the article's URL: every statement of it, the NATO one left out and why
    assert main(["-c", config, "explain", "says", f"{site.server.url}/wire/k1.html"]) == 0
    out = capsys.readouterr().out
    assert out.count("TAKEN") == 2 and 'speaker "NATO Secretary General Jens Stoltenberg" (no term of the query' in out
    assert main(["-c", config, "explain", "says", first[:-4] + "0000"]) == 2  # no such statement


def test_a_statements_topic_webhook_pushes_each_statement_once(tmp_path: Path) -> None:
    """Issue 18: a webhook on a statements topic sends its entries, the statements, each once:
    not the story, not again when another outlet reports the same quote; with the API's fields."""
    receiver = Receiver()
    hooked = CONFIG.replace(
        'statements = "@kremlin"\n',
        f'statements = "@kremlin"\nwebhook = "{receiver.url}"\nwebhook_secret = "{SECRET}"\n',
    )
    try:
        with FixtureServer() as server:
            site = Site(tmp_path, server, extra=hooked)
            deliverer = Deliverer(site.config, site.store)
            try:
                site.serve("wire", [Item("k1", "Peskov on talks with Kyiv", PARAGRAPHS)])
                site.poll("wire")
                deliverer.drain()
                wait_for(lambda: len(receiver.posts) == 2)
                bodies = [json.loads(p.body) for p in receiver.posts]
                assert {b["kind"] for b in bodies} == {"statement"}
                assert all(verified(p.body, p.headers["x-topicwire-signature"]) for p in receiver.posts)
                feed_ids = {i["id"] for i in items(site)}
                assert {b["entry"]["id"] for b in bodies} == feed_ids  # the feed's entries, no more
                assert all(
                    p.headers["idempotency-key"] == f"says/statement/{b['id'].split('/', 2)[2]}"
                    for p, b in zip(receiver.posts, bodies, strict=True)
                )
                first = next(b["entry"] for b in bodies if b["entry"]["text"].startswith("We are open"))
                assert first["alias"] == "kremlin" and first["source"] == "wire" and first["verb"] == "said"
                assert first["url"] == f"{site.server.url}/wire/k1.html"
                # Another outlet's copy joins the story: its shortened quote is a new statement
                # id (the feed collapses it; a delivery per wording is documented), the
                # unchanged "Moscow is ready" sentence is the same id and is not sent again.
                site.clock = NOW + timedelta(hours=1)
                site.serve("outlet-b", [Item("b1", "Kremlin: open to talks", COPY, hours=1)])
                site.poll("outlet-b")
                deliverer.drain()
                texts = [json.loads(p.body)["entry"]["text"] for p in receiver.posts]
                assert sum(t.startswith("Moscow is ready") for t in texts) == 1
                assert len(texts) == len(set(texts))
                # The story itself is never pushed to the statements topic, and the other
                # topic ("all") has no webhook.
                assert all(json.loads(p.body)["topic"] == "says" for p in receiver.posts)
            finally:
                deliverer.stop()
                site.store.close()
    finally:
        receiver.close()
