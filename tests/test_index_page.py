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
    assert HOSTILE in page.all_text
    assert b"<script>" not in data


def test_hostile_topic_config_and_source_health_are_escaped() -> None:
    topic = FeedDoc("t", HOSTILE, HOSTILE + " (about)", "http://feeds.test/", NOW, ())
    bad = source(HOSTILE, error=HOSTILE, status="error", error_count=1, url=HOSTILE)
    data = render_index_html(HOSTILE, (topic,), (bad,), NOW)
    page = Page(data)
    assert "script" not in page.tags and "b" not in page.tags
    assert page.all_text.count(HOSTILE) >= 7  # <title>, <h1>, <h2>, description, source name and URL, error
    assert all(href.startswith(("http", "#", "t.", "index.opml")) for href in page.hrefs)


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
    assert all('"' not in a.get("href", "") and " " not in a.get("href", "") for a in anchors)
    assert "Story 1" in root.text_content()


def test_control_characters_are_dropped() -> None:
    data = render((doc(entries=(entry(1, title="A\x0bB\x00C\ud800"),)),))
    assert "ABC" in Page(data).all_text


def test_no_topics_and_empty_topics() -> None:
    assert "No topics configured." in Page(render()).all_text
    page = Page(render((doc(entries=()),)))
    assert "No entries yet." in page.all_text
    assert "caucasus.rss" in page.hrefs
    assert "No sources configured." in page.all_text


def cells(data: bytes) -> list[str]:
    root = lxml.html.document_fromstring(data)
    return [td.text_content() for td in root.findall(".//section[@id='sources']//tbody/tr/td")]


@pytest.mark.parametrize(
    ("changes", "words", "cls"),
    [
        ({}, "OK", "ok"),
        ({"status": "not_modified"}, "Not modified", "ok"),
        ({"status": "never", "last_polled": None, "last_success": None}, "Not polled yet", "idle"),
        ({"status": "error", "error_count": 1, "error": "HTTP 503"}, "Error (1 error)", "warn"),
        ({"status": "error", "error_count": 2, "error": "HTTP 503"}, "Error (2 errors in a row)", "warn"),
        ({"status": "error", "error_count": 3, "error": "HTTP 503"}, "Failing (3 errors in a row)", "bad"),
        ({"status": "error", "error_count": 7, "error": "HTTP 503"}, "Failing (7 errors in a row)", "bad"),
        (
            {"status": "retired", "retired": NOW, "error": "HTTP 410"},
            "Retired: gone (HTTP 410) since 2024-05-01",
            "bad",
        ),
        (
            {"status": "error", "error_count": 1, "retry_until": NOW + timedelta(minutes=30)},
            "Error (1 error), asked to wait until 12:30 UTC",
            "warn",
        ),
        ({"status": "error", "error_count": 1, "retry_until": NOW - timedelta(minutes=1)}, "Error (1 error)", "warn"),
    ],
    ids=["ok", "not-modified", "never", "one-error", "two-errors", "three", "seven", "retired", "deferred", "waited"],
)
def test_source_status_in_words_as_the_sources_command_decides(
    changes: dict[str, object], words: str, cls: str
) -> None:
    root = lxml.html.document_fromstring(render(sources=(source(**changes),)))
    status = root.find(".//section[@id='sources']//tbody/tr/td[2]/span")
    assert status.text_content() == words
    assert status.get("class") == f"status {cls}"


def test_source_row_shows_articles_times_next_due_and_last_error() -> None:
    state = source(status="error", error_count=4, error="HTTP 503 (x)", articles=17, next_due=NOW + timedelta(hours=1))
    got = cells(render(sources=(state,)))
    assert got == [
        "tasshttps://tass.example/rss",
        "Failing (4 errors in a row)",
        "17",
        "2024-05-01 12:00 UTC",
        "2024-05-01 11:55 UTC",
        "2024-05-01 13:00 UTC",
        "HTTP 503 (x)",
    ]
    moved = cells(render(sources=(source(url="https://new.example/rss", config_url="https://tass.example/rss"),)))
    assert "https://new.example/rss (moved here by a permanent redirect)" in moved[0]


def test_a_long_error_is_clipped() -> None:
    got = cells(render(sources=(source(status="error", error_count=1, error="x" * 5000),)))
    assert got[6] == "x" * 299 + "…"


def test_source_never_polled_and_retired_next_due() -> None:
    never = cells(render(sources=(source(last_success=None, last_polled=None, status="never", articles=0),)))
    assert never[1:] == ["Not polled yet", "0", "never", "never", "at start-up", ""]
    retired = cells(render(sources=(source(status="retired", retired=NOW, error="HTTP 410 Gone"),)))
    assert retired[5:] == ["not polled", "HTTP 410 Gone"]


def test_health_summary_counts_sources_by_state() -> None:
    states = (
        source("a"),
        source("b", status="not_modified"),
        source("c", status="error", error_count=1),
        source("d", status="error", error_count=5),
        source("e", status="never"),
    )
    root = lxml.html.document_fromstring(render(sources=states))
    summary = root.get_element_by_id("health").text_content()
    assert summary == "5 sources: 2 working, 1 erroring, 1 failing or retired, 1 not polled yet"
    last = root.find(".//p[@class='meta']").text_content()
    assert last.startswith("Last poll 2024-05-01 12:00 UTC")


def test_description_only_when_it_differs_from_the_title() -> None:
    same = FeedDoc("k", "Kremlin", "Kremlin", "http://feeds.test/", NOW, ())
    other = FeedDoc("c", "Caucasus", "Armenia, Azerbaijan, Georgia", "http://feeds.test/", NOW, ())
    root = lxml.html.document_fromstring(render((same, other)))
    assert [p.text for p in root.findall(".//section[@id='topic-k']/p")] == ["Subscribe: ", "No entries yet."]
    assert root.find(".//section[@id='topic-c']/p").text == "Armenia, Azerbaijan, Georgia"


def test_story_from_several_outlets_names_and_links_them() -> None:
    outlets = (("ria", "https://ria.example/1"), (HOSTILE, "javascript:alert(1)"))
    outlets += tuple((f"o{n}", f"https://o{n}.example/") for n in range(9))
    data = render((doc(entries=(entry(1, also=outlets),)),))
    item = lxml.html.document_fromstring(data).find(".//section[@id='topic-caucasus']/ol/li")
    links = [(a.text, a.get("href")) for a in item.iter("a")]
    assert links[:2] == [("Story 1", "https://news.example/1.html"), ("ria", "https://ria.example/1")]
    assert len(links) == 8  # the title, then ria, then six of the o-outlets: 8 outlets named
    assert "also reported by ria, " + HOSTILE in item.text_content()
    assert item.text_content().endswith("o5 and 3 more")
    assert "script" not in Page(data).tags


def test_page_does_not_change_with_the_clock_alone() -> None:
    states = (source(), source("ria", status="error", error_count=4))
    topics = (doc(entries=(entry(1),)),)
    later = NOW + timedelta(hours=5)
    assert render_index_html("t", topics, states, NOW) == render_index_html("t", topics, states, later)


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
