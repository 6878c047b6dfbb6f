"""Issue 13, headers and values that crash, and markup where text belongs.

Each case runs a real ``python -m topicwire once`` (or ``run``) child next to the
good fixture site (tests/hostile.py). A value that cannot be used drops that
header or that item, never the run: the good source is published, the hostile
one is named in the log and in ``sources``, no traceback, bounded time and memory.

Where a hostile value only makes an item lose a field (a link with a control
character is repaired, markup is removed from a title, a date of year 9999 is no
date), the source itself is healthy: its status in ``sources`` is ``ok``, and
"named in the log" is its ``event=source.values_cleaned`` line, which counts what
was removed or repaired; the test also checks the output files themselves.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixture_server import FixtureServer
from hostile import ROOT, SITE, HostileRun, config_text, list_sources, run_beside_good, run_child
from lxml import etree

# Retry-After values that once ended the run (10**30 s: OverflowError) or that no server should send.
ABSURD_RETRY_AFTER = {
    "huge": "1" + "0" * 30,
    "digits400": "9" * 400,  # float() gives inf
    "negative": "-5",
    "superscript": "\u00b2",  # str.isdigit() is true, float() refuses it
    "year9999": "Fri, 31 Dec 9999 23:59:59 GMT",
    "year1": "Mon, 01 Jan 0001 00:00:00 GMT",
    "offset": "Fri, 31 Dec 9999 23:59:59 -2359",
}
MAX_RETRY_DAYS = 30  # sources/fetch.py MAX_RETRY_AFTER
XML = {"Content-Type": "application/rss+xml"}
TAG = re.compile(r"<[A-Za-z/!?]")
HOSTILE_TITLE = "Kremlin <script>alert(1)</script><img src=x onerror=alert(1)> talks"


def rss(items: str, channel: str = "") -> str:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{channel}{items}</channel></rss>'


def rss_item(guid: str, title: str, *, link: str = "", extra: str = "") -> str:
    link = link or f"http://example.org/{guid}"
    return f"<item><guid>{guid}</guid><title>{title}</title><link>{link}</link>{extra}</item>"


@pytest.fixture
def servers() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def retry_after_sources(stack: ExitStack) -> dict[str, str]:
    """One server per hostile source (429s from two URLs of one host would pause the host)."""
    sources = {}
    for status in (429, 503):
        for label, value in ABSURD_RETRY_AFTER.items():
            server = stack.enter_context(FixtureServer())
            server.route("/feed.xml", b"busy", status=status, headers={"Retry-After": value})
            sources[f"ra{status}-{label}"] = server.url + "/feed.xml"
    return sources


def stored_retry(tmp_path: Path) -> dict[str, tuple[str | None, str | None]]:
    with sqlite3.connect(tmp_path / "var" / "store.sqlite3") as db:
        return {r[0]: (r[1], r[2]) for r in db.execute("SELECT name, retry_after, next_due FROM sources")}


def assert_retry_bounded(tmp_path: Path, names: list[str]) -> None:
    latest = datetime.now(UTC) + timedelta(days=MAX_RETRY_DAYS, minutes=5)
    stored = stored_retry(tmp_path)
    for name in names:
        retry, due = stored[name]
        assert due is not None, f"{name}: the poll was not recorded"
        for value in (retry, due):
            assert value is None or datetime.fromisoformat(value) <= latest, (name, value)


def test_absurd_retry_after_in_once(tmp_path: Path, servers: ExitStack) -> None:
    sources = retry_after_sources(servers)
    run = run_beside_good(tmp_path, sources, fetch=f"concurrency = {len(sources) + 1}")
    assert run.code == 0, run.log[-3000:]
    for name in sources:
        run.assert_contained(name, error="HTTP " + name[2:5], seconds=60)
    assert_retry_bounded(tmp_path, list(sources))


def run_daemon(tmp_path: Path, sources: dict[str, str], seconds: float) -> HostileRun:
    """``run`` for ``seconds`` beside the good site, every source due within 2 s of start-up
    (the start-up spread is min(60 s, interval)), the feed server on a free port."""
    with FixtureServer() as good:
        good.serve_dir("/", SITE)
        text = config_text(good.url, sources, fetch=f"concurrency = {len(sources) + 1}")
        text = text.replace("[defaults]\n", '[defaults]\ninterval = "2s"\n') + '[server]\nlisten = "127.0.0.1:0"\n'
        config = tmp_path / "config.toml"
        config.write_text(text, encoding="utf-8")
        code, took, rss_mb, log = run_child(["-c", str(config), "run"], tmp_path, 120, stop_after=seconds)
        listing = list_sources(config, tmp_path)
        return HostileRun(code, took, rss_mb, log, listing, tmp_path / "var" / "feeds", good.url)


def test_absurd_retry_after_in_run(tmp_path: Path, servers: ExitStack) -> None:
    sources = retry_after_sources(servers)
    run = run_daemon(tmp_path, sources, 8)
    assert run.code == 0, run.log[-3000:]
    assert "Job raised an exception" not in run.log, run.log[-3000:]
    for name in sources:
        run.assert_contained(name, error="HTTP " + name[2:5], seconds=60)
    assert_retry_bounded(tmp_path, list(sources))


def test_absurd_freshness_headers_and_dates(tmp_path: Path) -> None:
    """Cache-Control, Expires, Age, <ttl> and entry dates out of any range: the items stay, the values go."""
    items = "".join(
        rss_item(f"when-{i}", f"Absurd date {i}", extra=f"<pubDate>{date}</pubDate>")
        for i, date in enumerate(
            ["Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 -2359", "Sat, 01 Jan 0000 00:00:00 +0000"]
        )
    )
    body = rss(items, channel="<ttl>" + "9" * 400 + "</ttl>")
    headers = {
        **XML,
        "Cache-Control": "max-age=" + "9" * 400,
        "Age": "9" * 400,
        "Expires": "Fri, 31 Dec 9999 23:59:59 GMT",
        "Date": "Mon, 01 Jan 0001 00:00:00 GMT",
    }
    with FixtureServer() as bad:
        bad.route("/feed.xml", body, headers=headers)
        bad.route("/expires.xml", body, headers={**XML, "Expires": "Fri, 31 Dec 9999 23:59:59 -2359"})
        sources = {"absurd-cache": bad.url + "/feed.xml", "absurd-expires": bad.url + "/expires.xml"}
        run = run_beside_good(tmp_path, sources, extra='[[topics]]\nname = "absurd"\nquery = "absurd"\n')
    assert run.code == 0
    run.assert_contained(*sources, error="ok")
    for name in sources:
        assert f"event=source.values_cleaned source={name} dates_dropped=" in run.log, run.log[-3000:]
    dates = [item["date_published"] for item in run.feed_items("absurd")]
    assert len(dates) == 3  # the same guids from both sources are one story each
    assert all(1800 <= datetime.fromisoformat(d).year <= 2200 for d in dates), dates


def assert_clean_outputs(feeds: Path, topic: str) -> dict[str, list[str]]:
    """Parse the topic's RSS, Atom and JSON; no title/author/link holds markup or a control character."""
    texts: dict[str, list[str]] = {"title": [], "author": [], "link": []}
    rss_doc = etree.parse(str(feeds / f"{topic}.rss"))
    for item in rss_doc.iterfind("channel/item"):
        texts["title"].append(item.findtext("title") or "")
        texts["author"] += [e.text or "" for e in item.iter("{http://purl.org/dc/elements/1.1/}creator")]
        texts["link"].append(item.findtext("link") or "")
    atom = "{http://www.w3.org/2005/Atom}"
    for entry in etree.parse(str(feeds / f"{topic}.atom")).iterfind(f"{atom}entry"):
        texts["title"].append(entry.findtext(f"{atom}title") or "")
        texts["author"] += [e.text or "" for e in entry.iter(f"{atom}name")]
        texts["link"] += [e.get("href", "") for e in entry.iter(f"{atom}link")]
    for item in json.loads((feeds / f"{topic}.json").read_text(encoding="utf-8"))["items"]:
        texts["title"].append(item.get("title", ""))
        texts["author"] += [a["name"] for a in item.get("authors", ())]
        texts["link"].append(item.get("url", ""))
    for field, values in texts.items():
        for value in values:
            assert not TAG.search(value), (field, value)
            assert "alert(1)" not in value and value.isprintable(), (field, value)
    return texts


def test_json_feed_control_characters(tmp_path: Path) -> None:
    items = [
        {"id": "ctl-1", "url": "http://example.org/a\x01b", "title": "Control\x0b in\x00 the title"},
        {"id": "ctl-\x02", "url": "http://example.org/\x7fc d\n", "title": "Control in the id"},
        {"id": "ctl-3", "url": "javascript:alert(1)", "title": "Control: a script link"},
        {"id": "ctl-4", "url": "http://example.org:99999/x", "title": "Control: a bad port"},
    ]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": items}
    with FixtureServer() as bad:
        bad.route("/feed.json", json.dumps(doc), headers={"Content-Type": "application/feed+json"})
        deep = '{"version": "https://jsonfeed.org/version/1.1", "items": ' + "[" * 100_000 + "]" * 100_000 + "}"
        bad.route("/deep.json", deep, headers={"Content-Type": "application/feed+json"})
        sources = {"json-ctl": bad.url + "/feed.json", "json-deep": bad.url + "/deep.json"}
        run = run_beside_good(tmp_path, sources, extra='[[topics]]\nname = "ctl"\nquery = "control"\n')
    assert run.code == 0
    run.assert_contained("json-ctl", error="ok")
    run.assert_contained("json-deep", error="JSON nested too deeply")
    assert "event=source.values_cleaned source=json-ctl links_refused=2 links_repaired=2" in run.log, run.log
    texts = assert_clean_outputs(run.feeds, "ctl")
    assert sorted(set(texts["title"])) == [
        "Control in the id",
        "Control in the title",
        "Control: a bad port",
        "Control: a script link",
    ]
    assert "http://example.org/a%01b" in texts["link"]
    assert not any(link.startswith("javascript") or ":99999" in link for link in texts["link"])


def page_html(title: str, author: str) -> str:
    words = " ".join(["Officials in Moscow discussed the matter at length with reporters."] * 12)
    return (
        f'<html><head><meta property="og:title" content="{title}"><meta name="author" content="{author}">'
        f'<meta property="og:type" content="article"><title>x</title></head>'
        f"<body><article><h1>Page</h1><p>{words}</p><p>{words}</p></article></body></html>"
    )


def test_markup_in_titles_and_authors(tmp_path: Path) -> None:
    escaped = HOSTILE_TITLE.replace("<", "&lt;").replace(">", "&gt;")
    attr = HOSTILE_TITLE.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    rss_items = rss_item("m-1", escaped, extra=f"<dc:creator>Jane {escaped}</dc:creator>") + rss_item(
        "m-2", "Kremlin: AT&amp;T &amp; &lt;b&gt;bold&lt;/b&gt; markup"
    )
    rss_body = rss(rss_items).replace('version="2.0"', 'version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"')
    json_doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "j",
        "items": [
            {
                "id": "m-3",
                "url": "http://example.org/m-3",
                "title": HOSTILE_TITLE + " json",
                "authors": [{"name": "<b>Ivan</b><script>alert(1)</script>"}],
                "content_text": "Kremlin markup",
            },
        ],
    }
    with FixtureServer() as bad:
        bad.route("/feed.xml", rss_body, headers=XML)
        bad.route("/feed.json", json.dumps(json_doc), headers={"Content-Type": "application/feed+json"})
        # A page's author must read as a name (issue 17: "Kremlin talks" is no name), markup or not.
        author = "<i>Olga</i> " + attr.replace(" talks", " Petrova")
        bad.route("/page.html", page_html(attr + " page", author), headers={"Content-Type": "text/html"})
        sources = {"markup-rss": bad.url + "/feed.xml", "markup-json": bad.url + "/feed.json"}
        sources["markup-page"] = bad.url + "/page.html"
        run = run_beside_good(tmp_path, sources, extra='[[topics]]\nname = "markup"\nquery = "kremlin OR moscow"\n')
    assert run.code == 0
    run.assert_contained(*sources, error="ok")
    for name in ("markup-rss", "markup-json"):
        assert f"event=source.values_cleaned source={name} markup_removed=" in run.log, run.log[-3000:]
    texts = assert_clean_outputs(run.feeds, "markup")
    titles = set(texts["title"])
    assert {"Kremlin talks", "Kremlin talks json", "Kremlin talks page"} <= titles, titles
    # One decoding, one escaping: "&amp;" in the RSS title is "&" to a reader, never "&amp;" or "&amp;amp;".
    assert "Kremlin: AT&T & bold markup" in titles, titles
    assert {"Jane Kremlin talks", "Ivan", "Olga Kremlin Petrova"} <= set(texts["author"]), texts["author"]
    raw_titles = re.findall(r"<title>.*?</title>|<dc:creator>.*?</dc:creator>", (run.feeds / "markup.rss").read_text())
    # RSS writes & and < as hex references (the RSS Best Practices Profile's form): escaped once.
    assert "AT&#x26;T &#x26; bold markup" in "".join(raw_titles), raw_titles
    assert not [t for t in raw_titles if "&#x26;amp;" in t or "&amp;" in t or "&lt;" in t or "&#x3C;" in t], raw_titles
    index = (run.feeds / "index.html").read_text(encoding="utf-8") if (run.feeds / "index.html").exists() else ""
    assert "&lt;script" not in index and "<script" not in index


def poison(store_path: Path) -> None:
    """What an older version (or a bug) could have left: a link and a title with control
    characters and markup (cleaned on the way out), a date that does not parse (read as the
    epoch), a naive date (UTC), BLOBs and numbers in TEXT columns (read as text)."""
    with sqlite3.connect(store_path) as db:
        uids = [r[0] for r in db.execute("SELECT uid FROM articles ORDER BY uid LIMIT 4")]
        db.execute(
            "UPDATE articles SET summary = X'00FF', text = X'C3A9', author = X'01', language = 5 WHERE uid = ?",
            (uids[2],),
        )
        db.execute("UPDATE articles SET minhash = X'0102' WHERE uid = ?", (uids[3],))  # a truncated signature
        db.execute("UPDATE articles SET updated = '2024-01-01T00:00:00' WHERE uid = ?", (uids[3],))
        db.execute(
            "UPDATE articles SET url = url || char(1) || '/x', title = 'Poisoned' || char(11) || ' <b>title</b>' "
            "WHERE uid = ?",
            (uids[0],),
        )
        db.execute("UPDATE articles SET published = 'not a date', updated = 'garbage' WHERE uid = ?", (uids[1],))
        db.execute("UPDATE stories SET published = 'not a date' WHERE representative = ?", (uids[1],))


def publish_only(tmp_path: Path, config: Path, command: str) -> tuple[int, str]:
    code, _, _, log = run_child(["-c", str(config), command], tmp_path, 60, stop_after=6 if command == "run" else None)
    return code, log


def test_poisoned_store_row(tmp_path: Path) -> None:
    with FixtureServer() as good:
        good.serve_dir("/", SITE)
        config = tmp_path / "config.toml"
        config.write_text(config_text(good.url, {}) + '[server]\nlisten = "127.0.0.1:0"\n', encoding="utf-8")
        code, log = publish_only(tmp_path, config, "once")
        assert code == 0, log[-3000:]
        first = json.loads((tmp_path / "var" / "feeds" / "healthy.json").read_text(encoding="utf-8"))["items"]
        poison(tmp_path / "var" / "store.sqlite3")
        (tmp_path / "var" / "feeds" / "healthy.json").unlink()
        # A changed rule makes the next start-up re-evaluate every stored article (BLOB text included).
        config.write_text(config.read_text().replace('query = "source:healthy"', 'query = "source:healthy OR x"'))
        for command in ("once", "run"):
            code, log = publish_only(tmp_path, config, command)
            assert code == 0, log[-3000:]
            assert "Traceback" not in log, log[-5000:]
            assert command == "once" or "event=daemon.started" in log, log[-3000:]
            items = json.loads((tmp_path / "var" / "feeds" / "healthy.json").read_text(encoding="utf-8"))["items"]
            assert len(items) == len(first), (command, len(items), len(first))
            assert "event=topic.reevaluated" in log or command == "run", log[-3000:]
            assert "event=store.unreadable_date" in log, log[-3000:]
            assert "Poisoned title" in [item.get("title") for item in items]
            for ext in ("rss", "atom"):
                etree.parse(str(tmp_path / "var" / "feeds" / f"healthy.{ext}"))  # well-formed
            assert all(str(item.get("url", "")).isprintable() for item in items)
    listing = subprocess.run(
        [sys.executable, "-m", "topicwire", "-c", str(config), "sources"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert listing.returncode == 0 and "Traceback" not in listing.stderr


def test_stored_far_deferral_from_an_older_version(tmp_path: Path) -> None:
    """A retry_after / next_due of year 9999 in the store (written before Retry-After was bounded)
    would defer the source forever: `once` and `run` poll it as overdue instead."""
    with FixtureServer() as good:
        good.serve_dir("/", SITE)
        config = tmp_path / "config.toml"
        text = config_text(good.url, {"stuck": good.url + "/feeds/atom.xml"})
        config.write_text(text + '[server]\nlisten = "127.0.0.1:0"\n', encoding="utf-8")
        for command in ("once", "once", "run"):
            if (tmp_path / "var" / "store.sqlite3").exists():
                with sqlite3.connect(tmp_path / "var" / "store.sqlite3") as db:
                    far = "9999-12-31T23:59:59+00:00"
                    db.execute("UPDATE sources SET retry_after = ?, next_due = ? WHERE name = 'stuck'", (far, far))
            code, log = publish_only(tmp_path, config, command)
            assert code == 0 and "Traceback" not in log, log[-3000:]
            assert "event=source.updated source=stuck" in log, (command, log[-3000:])
