"""index.html (issue 6): topics with subscribe links, latest entries, source health.

Pure rendering, so plain values and a fixed clock; the page is read back with
the stdlib HTML parser (and lxml) rather than by string matching alone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser

import lxml.html
import pytest

from topicwire.feeds.index_page import LATEST, render_index_html
from topicwire.types import FeedDoc, FeedEntry, SourceState

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'
VOID = {"meta", "link", "br", "hr", "img", "input", "col", "wbr", "source", "area", "base", "embed", "track"}


def entry(n: int, **changes: object) -> FeedEntry:
    moment = NOW - timedelta(hours=n)
    base = FeedEntry(
        id=f"urn:topicwire:article:{n:04d}",
        title=f"Story {n}",
        link=f"https://news.example/{n}.html",
        published=moment,
        updated=moment,
        summary="",
        content_html="",
        source="tass",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def doc(name: str = "caucasus", entries: tuple[FeedEntry, ...] = (), title: str = "Caucasus") -> FeedDoc:
    return FeedDoc(name, title, "Armenia, Azerbaijan, Georgia", "http://feeds.test/", NOW, entries)


def source(name: str = "tass", **changes: object) -> SourceState:
    base = SourceState(
        name=name,
        url="https://tass.example/rss",
        kind="feed",
        title="TASS",
        status="ok",
        error=None,
        error_count=0,
        last_polled=NOW,
        last_success=NOW - timedelta(minutes=5),
        articles=3,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


class Page(HTMLParser):
    """Records tags, hrefs and text; fails on an unbalanced or misnested element."""

    def __init__(self, data: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.anchors: list[tuple[str, str]] = []  # (href, text)
        self.text: list[str] = []
        self.decl = ""
        self._anchor: str | None = None
        self.feed(data.decode("utf-8"))
        self.close()
        assert not self.stack, f"unclosed: {self.stack}"

    def handle_decl(self, decl: str) -> None:
        self.decl = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)
        href = dict(attrs).get("href")
        if tag == "a" and href is not None:
            self.hrefs.append(href)
            self._anchor = href
            self.anchors.append((href, ""))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()
        if tag == "a":
            self._anchor = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._anchor is not None:
            href, text = self.anchors[-1]
            self.anchors[-1] = (href, text + data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def render(topics: tuple[FeedDoc, ...] = (), sources: tuple[SourceState, ...] = ()) -> bytes:
    return render_index_html("topicwire <feeds>", topics, sources, NOW)


def test_page_is_well_formed_html5() -> None:
    data = render((doc(entries=(entry(1), entry(2))), doc("turkey", title="Turkey")), (source(),))
    page = Page(data)
    assert page.decl.lower() == "doctype html"
    assert page.tags[:3] == ["html", "head", "meta"]
    assert "script" not in page.tags
    assert "style" in page.tags
    root = lxml.html.document_fromstring(data)
    assert root.findtext(".//title") == "topicwire <feeds>"
    assert [s.get("id") for s in root.iter("section")] == ["topic-caucasus", "topic-turkey", "sources"]


def test_subscribe_links_are_relative_for_every_format_and_opml() -> None:
    hrefs = Page(render((doc("caucasus"), doc("turkey")))).hrefs
    for name in ("caucasus", "turkey"):
        assert {f"{name}.rss", f"{name}.atom", f"{name}.json"} <= set(hrefs)
    assert "index.opml" in hrefs


def test_latest_entries_newest_first_with_links_dates_and_source() -> None:
    entries = tuple(entry(n) for n in (5, 1, 12, 3, 0, 7, 9, 2, 11, 4, 6, 8, 10))
    root = lxml.html.document_fromstring(render((doc(entries=entries),)))
    items = root.findall(".//section[@id='topic-caucasus']/ol/li")
    assert len(items) == LATEST
    assert [li.find("a").text for li in items] == [f"Story {n}" for n in range(LATEST)]
    assert items[0].find("a").get("href") == "https://news.example/0.html"
    assert items[0].find("time").get("datetime") == NOW.isoformat()
    assert "tass" in items[0].text_content()


@pytest.mark.parametrize(
    "field",
    ["title", "source"],
    ids=["entry-title", "entry-source"],
)
def test_hostile_entry_text_is_escaped(field: str) -> None:
    data = render((doc(entries=(entry(1, **{field: HOSTILE}),)),))
    page = Page(data)
    assert "script" not in page.tags and "b" not in page.tags
    # An entry title is plain text with its markup removed (issue 13); a source name is shown escaped.
    assert (HOSTILE if field == "source" else "& bold") in page.all_text
    assert b"<script>" not in data and (field == "source" or b"alert" not in data)


def test_hostile_topic_config_and_source_health_are_escaped() -> None:
    topic = FeedDoc("t", HOSTILE, HOSTILE, "http://feeds.test/", NOW, ())
    bad = source(HOSTILE, error=HOSTILE, status="error", error_count=1)
    data = render_index_html(HOSTILE, (topic,), (bad,), NOW)
    page = Page(data)
    assert "script" not in page.tags and "b" not in page.tags
    assert page.all_text.count(HOSTILE) >= 6  # <title>, <h1>, <h2>, description, source name, error


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<script>x</script>",
        'https://x.example/"onmouseover="x',
    ],
    ids=["javascript", "javascript-spaced", "data", "attribute-breakout"],
)
def test_entry_links_are_http_only_and_cannot_break_out(link: str) -> None:
    root = lxml.html.document_fromstring(render((doc(entries=(entry(1, link=link),)),)))
    anchors = root.findall(".//section[@id='topic-caucasus']/ol/li/a")
    assert all(a.get("href", "").startswith(("http://", "https://")) for a in anchors)
    assert all(a.get("onmouseover") is None for a in root.iter("a"))
    assert "Story 1" in root.text_content()


def test_control_characters_are_dropped() -> None:
    data = render((doc(entries=(entry(1, title="A\x0bB\x00C\ud800"),)),))
    assert "ABC" in Page(data).all_text


def test_no_topics_and_empty_topics() -> None:
    assert "No topics configured." in Page(render()).all_text
    page = Page(render((doc(entries=()),)))
    assert "No entries yet." in page.all_text
    assert "caucasus.rss" in page.hrefs
    assert "No sources polled yet." in page.all_text


@pytest.mark.parametrize(
    ("errors", "status", "shown"),
    [(0, "ok", "ok"), (2, "error", "error"), (3, "error", "failing"), (7, "error", "failing")],
    ids=["ok", "two-errors", "three-errors", "many-errors"],
)
def test_source_status_is_failing_from_three_consecutive_errors(errors: int, status: str, shown: str) -> None:
    state = source(status=status, error_count=errors, error="HTTP 503" if errors else None)
    root = lxml.html.document_fromstring(render(sources=(state,)))
    cells = [td.text_content() for td in root.findall(".//section[@id='sources']//tbody/tr/td")]
    assert cells[:2] == ["tass", shown]
    assert cells[2] == "2024-05-01 11:55 UTC"
    assert cells[3] == ("HTTP 503" if errors else "")


def test_source_never_succeeded() -> None:
    root = lxml.html.document_fromstring(render(sources=(source(last_success=None, status="never"),)))
    cells = [td.text_content() for td in root.findall(".//section[@id='sources']//tbody/tr/td")]
    assert cells[1:3] == ["never", "never"]


def test_same_input_gives_same_bytes() -> None:
    def build() -> bytes:
        entries = tuple(entry(n, published=NOW) for n in range(12))  # ties broken by id, not input order
        return render((doc(entries=entries), doc("turkey")), (source(), source("ria", error_count=4)))

    first = build()
    assert first == build()
    shuffled = tuple(reversed(tuple(entry(n, published=NOW) for n in range(12))))
    again = render((doc(entries=shuffled), doc("turkey")), (source(), source("ria", error_count=4)))
    assert again == first


def test_other_zones_render_in_utc_and_naive_dates_are_refused() -> None:
    plus3 = NOW.astimezone(timezone(timedelta(hours=3)))
    data = render_index_html("t", (doc(entries=(entry(1, published=plus3),)),), (), plus3)
    assert b"2024-05-01 12:00 UTC" in data
    with pytest.raises(ValueError, match="naive"):
        render_index_html("t", (), (), NOW.replace(tzinfo=None))
