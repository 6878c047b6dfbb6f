"""Every RSS, Atom and OPML file topicwire writes passes the W3C Feed Validation Service's own
code (../shared/tools/feedvalidator/validate.py) with no error (issue 14): empty feeds, full
ones, entries without author, and every optional field (WebSub hub, categories, "Also reported
by", summaries, content, entries without link or title).

The validator knows OPML 1.0 only, which has no <docs> in <head>; OPML 2.0 (what we write) has
it, so that one message is the validator's limit and is skipped by name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from test_websub import HubStandIn

from topicwire.clock import utc_now
from topicwire.daemon.cli import main
from topicwire.feeds.render import render_atom, render_opml, render_rss
from topicwire.store import Store
from topicwire.types import FeedDoc, FeedEntry

ROOT = Path(__file__).resolve().parents[1]
VALIDATOR = ROOT / ".." / "shared" / "tools" / "feedvalidator" / "validate.py"
SITE = Path(__file__).resolve().parent / "fixtures" / "site"
BASE = "http://127.0.0.1/"  # validate.py's default base is http://127.0.0.1/<file name>: self links match
# OPML 2.0's <head><docs>: unknown to the validator's OPML 1.0 rules, not an error of ours.
VALIDATOR_LIMITS = frozenset({"Undefined head element: docs"})

Report = dict[str, tuple[list[str], list[str]]]


def validate(paths: list[Path]) -> Report:
    """File name -> (errors, warnings), messages without their "line N, column M: "."""
    if not VALIDATOR.exists():
        pytest.skip(f"the W3C feed validator is not at {VALIDATOR.resolve()} (it lives in ../shared/tools)")
    done = subprocess.run(
        [sys.executable, str(VALIDATOR), *map(str, paths)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode in (0, 1), done.stderr
    report: Report = {}
    for line in done.stdout.splitlines():
        result = json.loads(line)
        errors = [m.split(": ", 1)[-1] for m in result["errors"]]
        warnings = [m.split(": ", 1)[-1] for m in result["warnings"]]
        report[Path(result["file"]).name] = ([e for e in errors if e not in VALIDATOR_LIMITS], warnings)
    assert len(report) == len(paths), done.stdout
    return report


def feed_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".rss", ".atom", ".opml"))


@pytest.fixture
def hub() -> Iterator[HubStandIn]:
    stand_in = HubStandIn()
    yield stand_in
    stand_in.close()


def site_config(site: str, hub: str, sources: str = "") -> str:
    return f"""
[output]
base_url = "{BASE}"
title = "Wire & Co"
websub_hub = "{hub}"
[fetch]
allow_private_addresses = true
per_host_delay = "0s"
[aliases]
kremlin = ["Kremlin", "Peskov"]
{sources or _sources(site)}
[[topics]]
name = "kremlin"
title = "Kremlin & Co"
description = "What the Kremlin says & does"
query = "@kremlin"
[[topics]]
name = "azerbaijan"
query = "Azerbaijan"
[[topics]]
name = "kremlin-says"
query = "@kremlin"
statements = "@kremlin"
[[topics]]
name = "nothing"
query = "zzqqxxnever"
"""


def _sources(site: str) -> str:
    # The two outlets republish one of the site's articles: a story with "Also reported by".
    feeds = (("site", "rss.xml"), ("caspian-post", "caspian-post.xml"), ("steppe-daily", "steppe-daily.xml"))
    return "".join(f'[[sources]]\nname = "{name}"\nurl = "{site}/feeds/{path}"\n' for name, path in feeds)


def test_published_feeds_are_valid(tmp_path: Path, fixture_server: FixtureServer, hub: HubStandIn) -> None:
    fixture_server.serve_dir("/", SITE)
    (tmp_path / "c.toml").write_text(site_config(fixture_server.url, hub.url))
    assert main(["-c", str(tmp_path / "c.toml"), "once"]) == 0
    files = feed_files(tmp_path / "var" / "feeds")
    kremlin = (tmp_path / "var" / "feeds" / "kremlin.rss").read_text()
    assert "Also reported by" in kremlin and 'rel="hub"' in kremlin and "<category>" in kremlin
    says = (tmp_path / "var" / "feeds" / "kremlin-says.atom").read_text()  # a statements topic (issue 18)
    assert "urn:topicwire:statement:" in says and "Peskov: " in says and "Also reported by" in says
    report = validate(files)
    assert report == {p.name: ([], []) for p in files}


def test_empty_feeds_are_valid_dated_and_stable(tmp_path: Path, hub: HubStandIn) -> None:
    down = '[[sources]]\nname = "down"\nurl = "http://127.0.0.1:9/feed.xml"\n'  # nothing listens on port 9
    (tmp_path / "c.toml").write_text(site_config("", hub.url, sources=down))
    assert main(["-c", str(tmp_path / "c.toml"), "once"]) == 1
    folder = tmp_path / "var" / "feeds"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in feed_files(folder)}
    assert validate(feed_files(folder)) == {name: ([], []) for name in before}  # no "Implausible date"
    store = Store.open(tmp_path / "var" / "topicwire.sqlite3", utc_now())
    created = store.created()
    store.close()
    assert b"1970" not in b"".join(data for data, _ in before.values())
    assert f"<updated>{created.isoformat()}</updated>".encode() in before["nothing.atom"][0]
    main(["-c", str(tmp_path / "c.toml"), "once"])
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in feed_files(folder)}
    assert after == before  # the same bytes, not rewritten: readers keep their 304s


AT = datetime(2025, 7, 7, 9, 15, tzinfo=UTC)


def entry(n: int, **fields: object) -> FeedEntry:
    values: dict[str, object] = {
        "id": f"urn:topicwire:article:{n:024x}",
        "title": f"Story {n}",
        "link": f"https://news.example/articles/{n}.html",
        "published": AT + timedelta(minutes=n),
        "updated": AT + timedelta(minutes=n),
        "summary": "A summary.",
        "content_html": "<p>Some text.</p>",
    }
    return FeedEntry(**{**values, **fields})  # type: ignore[arg-type]


EDGE_ENTRIES = (
    entry(1),  # no author at all
    entry(2, author="Jane Doe <jane@news.example>"),
    entry(3, author="desk@news.example"),
    entry(4, author="Newsroom & Wires"),
    entry(5, link="", content_html=""),  # no link: Atom needs content
    entry(6, title="  ", summary=""),  # no title
    entry(7, title="AT&T buys <Widgets> for 5 < 6", summary="Ampersands & angle <brackets> in plain text"),
    entry(
        8,
        categories=("kremlin", "oil & gas", "a<b"),
        content_html='<p>x</p><p class="also-reported">'
        'Also reported by: <a href="https://b.example/1?a=1&amp;b=2">b</a></p>',
    ),
)


def test_every_optional_field_renders_valid(tmp_path: Path) -> None:
    full = FeedDoc("full", "Full & Co", "Everything, & more", BASE, AT, EDGE_ENTRIES, "Wire & Co")
    empty = FeedDoc("empty", "Empty", "", BASE, AT, ())
    paths = []
    for hub in ("", "https://hub.example/"):
        folder = tmp_path / ("hub" if hub else "plain")  # the same file names: self links match
        folder.mkdir()
        for doc in (full, empty):
            for ext, render in (("rss", render_rss), ("atom", render_atom)):
                paths.append(folder / f"{doc.name}.{ext}")
                paths[-1].write_bytes(render(doc, hub))
    (tmp_path / "index.opml").write_bytes(render_opml((full, empty), "Wire & Co"))
    (tmp_path / "none.opml").write_bytes(render_opml((), "No topics yet"))
    paths += [tmp_path / "index.opml", tmp_path / "none.opml"]
    for half in (paths[:4], paths[4:]):
        assert validate(half) == {p.name: ([], []) for p in half}


def test_the_opml_limit_is_skipped_by_name_only(tmp_path: Path) -> None:
    """The skip is for <docs> only: an OPML error of ours still fails."""
    bad = tmp_path / "bad.opml"
    bad.write_text('<?xml version="1.0"?><opml version="2.0"><head><docs>x</docs></head><body><outline/></body></opml>')
    ((errors, _),) = validate([bad]).values()
    assert errors and all("docs" not in e for e in errors)
