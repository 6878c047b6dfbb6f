"""fastfeed.parse_fast must give exactly what feedparser's path gives, or None.

The equivalence sweep runs both on feedparser's corpus, the site fixtures and
generated RSS; every document the fast path accepts must compare equal.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape

import pytest

from topicwire.datetimes import rfc822_fast
from topicwire.errors import ParseError
from topicwire.extract.clean import html_to_text
from topicwire.sources import entries, feed
from topicwire.sources.entries import struct_to_utc
from topicwire.sources.fastfeed import parse_fast
from topicwire.sources.feed import parse_feed
from topicwire.sources.feedparser_private import parse_date_struct as _parse_date
from topicwire.sources.feedparser_private import urljoin as _urljoin
from topicwire.sources.fetch import parse_content_type
from topicwire.types import FetchResult, ParsedSource

FEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "feeds"
SITE = Path(__file__).resolve().parent / "fixtures" / "site" / "feeds"
URL = "http://news.test/feeds/main.xml"


def fetched(body: bytes, content_type: str = "", url: str = URL) -> FetchResult:
    media_type, charset = parse_content_type(content_type)
    return FetchResult(url, url, 200, body, media_type, charset)


def slow(result: FetchResult, monkeypatch: pytest.MonkeyPatch) -> ParsedSource | ParseError:
    with monkeypatch.context() as m:
        m.setattr(feed, "parse_fast", lambda result, source: None)
        try:
            return parse_feed(result, "s")
        except ParseError as e:
            return e


def same_or_none(result: FetchResult, monkeypatch: pytest.MonkeyPatch) -> bool:
    """True when the fast path took the document (and agreed), False when it declined."""
    fast = parse_fast(result, "s")
    if fast is None:
        return False
    assert fast == slow(result, monkeypatch)
    return True


# -- the corpus ----------------------------------------------------------------------


def corpus() -> Iterator[tuple[str, FetchResult]]:
    if not (FEEDS / "index.json").is_file():
        pytest.skip(f"feed corpus not found at {FEEDS} (../shared/corpus/feeds beside the repo)")
    index = json.loads((FEEDS / "index.json").read_text())
    for rel, meta in sorted(index.items()):
        headers = {k.lower(): v for k, v in (meta.get("http_headers") or {}).items()}
        url = meta.get("http_url") or f"http://127.0.0.1:8097/tests/{rel}"
        yield rel, fetched((FEEDS / rel).read_bytes(), headers.get("content-type", ""), url)
    for path in sorted((FEEDS / "trafilatura-resources").iterdir()):
        yield path.name, fetched(path.read_bytes(), "application/xml", f"https://example.org/{path.name}")


def test_corpus_equivalence(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    docs = list(corpus())
    fast = [rel for rel, result in docs if same_or_none(result, monkeypatch)]
    with capsys.disabled():
        print(f"\nfastfeed: {len(fast)} of {len(docs)} corpus documents take the fast path")
    assert fast  # the corpus has plain RSS 2.0 in it


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_site_fixtures(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (SITE / name).read_text().replace("{{BASE}}", "http://news.test").encode()
    took = same_or_none(fetched(body, "application/xml"), monkeypatch)
    assert took == (name == "rss.xml")


# -- generated feeds -------------------------------------------------------------------

WORDS = "storm café minister ¡vote! naïve 東京 budget — court “ruling” inflation".split()
HTML_BITS = [
    '<p>See <a href="/a/1">this</a> &amp; <img src="img.png" onerror="x()"></p>',
    "<script>alert(1)</script><b>bold</b>",
    "&lt;escaped&gt; text &amp;amp; more",
    "Tom &amp; Jerry",
    "a > b and c < d",
    "plain words only",
    "<![CDATA[ nested ]]>",
    "x &copy; y &#233; &#x263a;",
    "Ã© mojibake \x85",
    "<p>para</p>\n\n<p>two</p>",
]
DATES = [
    lambda d: format_datetime(d),
    lambda d: format_datetime(d, usegmt=True),
    lambda d: d.strftime("%a, %d %b %Y %H:%M:%S EST"),
    lambda d: d.strftime("%d %b %Y %H:%M +0530"),
    lambda d: d.isoformat(),
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"),
    lambda d: d.strftime("%Y-%m-%d"),
    lambda d: "not a date",
    lambda d: "",
]
LINKS = ["/n/{n}", "n/{n}?a=1&b=2", "http://other.test/{n}", "javascript:alert({n})", " /sp/{n} ", ""]


def generated_rss(seed: int) -> bytes:
    rng = random.Random(seed)
    items = []
    for n in range(rng.randint(1, 6)):
        parts = [f"<title>{escape(rng.choice(HTML_BITS + WORDS))}</title>"]
        if link := rng.choice(LINKS).format(n=n):
            parts.append(f"<link>{escape(link)}</link>")
        if rng.random() < 0.7:
            permalink = rng.choice(["", ' isPermaLink="false"', ' isPermaLink="true"'])
            parts.append(f"<guid{permalink}>{escape(rng.choice(LINKS).format(n=n) or 'id')}</guid>")
        if rng.random() < 0.8:
            parts.append(f"<description>{escape(rng.choice(HTML_BITS))}</description>")
        if rng.random() < 0.5:
            parts.append(f"<content:encoded>{escape(rng.choice(HTML_BITS))}</content:encoded>")
        date = datetime(2024, 5, 1, tzinfo=UTC) - timedelta(hours=rng.randint(0, 10000))
        parts.append(f"<pubDate>{escape(rng.choice(DATES)(date))}</pubDate>")
        if rng.random() < 0.4:
            parts.append(f"<dc:date>{escape(rng.choice(DATES)(date))}</dc:date>")
        if rng.random() < 0.4:
            parts.append(f"<dc:creator>{escape(rng.choice(WORDS))}</dc:creator>")
        if rng.random() < 0.3:
            parts.append('<category domain="x">cat</category><slash:comments>3</slash:comments>')
        rng.shuffle(parts)
        items.append("<item>" + "".join(parts) + "</item>")
    language = rng.choice(["", "<language>en-us</language>", "<language> de_DE </language>"])
    ttl = rng.choice(["", "<ttl>60</ttl>", "<ttl>x</ttl>"])
    root_lang = rng.choice(["", ' xml:lang="fr_CA"', ' xml:lang=""'])
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"{root_lang} '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">'
        f"<channel><title>{escape(rng.choice(HTML_BITS))}</title><link>http://news.test/</link>"
        f"{language}{ttl}<!-- c -->{''.join(items)}</channel></rss>"
    ).encode()


@pytest.mark.parametrize("seed", range(200))
def test_generated_rss(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    url = ["http://news.test/feeds/main.xml", "https://moved.test/a/b/feed"][seed % 2]
    content_type = ["", "application/rss+xml; charset=utf-8", "text/xml"][seed % 3]
    same_or_none(fetched(generated_rss(seed), content_type, url), monkeypatch)


def test_generated_rss_mostly_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    took = sum(same_or_none(fetched(generated_rss(s), "application/rss+xml"), monkeypatch) for s in range(50))
    assert took >= 40


# -- fallbacks ---------------------------------------------------------------------------

PLAIN = b"<rss version='2.0'><channel><title>t</title><item><title>a</title></item></channel></rss>"


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY e "x">]>' + PLAIN,
        b"<!DOCTYPE rss PUBLIC '-//Netscape Communications//DTD RSS 0.91//EN' 'x'>" + PLAIN,
        PLAIN.replace(b"<item>", b"<item xml:base='http://x/'>"),
        PLAIN.replace(b"<title>a", b"<title xml:base='http://x/'>a"),
        PLAIN[:-10],
        b"<rss version='2.0'><channel><title>Caf&eacute;</title><item/></channel></rss>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><entry/></feed>',
        b"<rss version='2.0'><channel><title>empty</title></channel></rss>",
        PLAIN.replace(b"<title>a", b"<source url='http://x/'>s</source><title>a"),
        PLAIN.replace(b"<title>a</title>", b"<title>a</title><title>b</title>"),
        PLAIN.replace(b"<title>a", b"<dc:creator xmlns:dc='http://purl.org/dc/elements/1.1/'>a@b.c"),
        PLAIN.replace(b"<title>a</title>", b"<description><b>raw</b></description>"),
    ],
    ids=[
        "doctype-entities", "doctype", "xml-base-item", "xml-base-title", "truncated",
        "undefined-entity", "atom", "no-items", "source", "repeated-title", "author-email",
        "child-elements",
    ],
)  # fmt: skip
def test_fallbacks(body: bytes) -> None:
    assert parse_fast(fetched(body), "s") is None


def test_plain_rss_takes_the_fast_path() -> None:
    parsed = parse_fast(fetched(PLAIN), "s")
    assert parsed is not None and parsed.title == "t" and parsed.items[0].title == "a"


# -- clean.html_to_text's shortcut --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "  spread\n  over \t lines  ",
        "first para\n\nsecond para\n\n\n third",
        "soft\u00adhyphen zero\u200bwidth\ufeff nbsp\u00a0here",
        "a > b \"q\" 'x'",
        "\n\n \n",
        "東京 — “quoted”",
        "line\r\n\r\nbreaks",
    ],
)
def test_html_to_text_shortcut_matches_lxml(text: str) -> None:
    assert html_to_text(text) == html_to_text(f"{text}<!-- force the lxml path -->")


def test_html_to_text_shortcut_random_sweep() -> None:
    alphabet = list("ab \n\r\t\x0b\x0c\x01\x85é東>\"'") + ["\u00a0", "\u00ad", "\u200b", "\ufeff", "\u2028"]
    rng = random.Random(7)
    for _ in range(500):
        text = "".join(rng.choices(alphabet, k=rng.randint(1, 20)))
        assert html_to_text(text) == html_to_text(f"{text}<!-- lxml -->"), repr(text)


# -- entries.join_url and datetimes.rfc822_fast: the link and date shortcuts ------------------

URL_PARTS = {
    "scheme": ["http://", "https://", "HTTP://", "ftp://", "http:///", "//", ""],
    "host": [
        "news.test",
        "News.Test",
        "a-b.c.test:8080",
        "user@host.test",
        "[::1]",
        "[::1",
        "東京.test",
        "h.test:",
        "",
    ],
    "path": ["", "/", "/a/b", "/a/../b/./c", "//x", "/a;p", "/a;", "/a b", "/a\tb", "/é", "/~u/%7E", "/a\x00", "a"],
    "query": ["", "?", "?a=1&b=2", "?q=a?b", "?x= y"],
    "fragment": ["", "#", "#top", "#a#b"],
}
BASES = ["http://news.test/feeds/main.xml", "https://moved.test/a/b/feed", "http://h.test/x;y?z#w"]


def random_url(rng: random.Random) -> str:
    url = "".join(rng.choice(options) for options in URL_PARTS.values())
    return rng.choice(["", " ", "\n"]) + url if rng.random() < 0.1 else url


def test_join_url_shortcut_matches_urljoin() -> None:
    rng = random.Random(3)
    plain = 0
    for _ in range(5000):
        url, base = random_url(rng), rng.choice(BASES)
        assert entries.join_url(base, url) == _urljoin(base, url), (base, url)
        if entries.is_plain_url(url):
            plain += 1
            assert urljoin(base, url) == url and urlsplit(url).scheme in ("http", "https"), (base, url)
    assert plain > 50  # the shortcut is exercised, not just declined


@pytest.mark.parametrize(
    "url",
    ["http://a.test/x", "https://a.test:8443/p/q?r=1#s", "http://a.test", "http://a.test/x/../y", "http://A.test//z"],
)
def test_plain_urls_take_the_shortcut(url: str) -> None:
    assert entries.is_plain_url(url) and urljoin("http://base.test/f", url) == url


DATE_FORMS = [
    "%a, %d %b %Y %H:%M:%S {tz}",
    "%d %b %Y %H:%M:%S {tz}",
    "%A, %d %b %Y %H:%M:%S {tz}",
    "%a, %d %B %Y %H:%M:%S {tz}",
    "%a,  %d %b %Y %H:%M:%S {tz}",
    "%a %d %b %Y %H:%M:%S {tz}",
    "%a, %d %b %y %H:%M:%S {tz}",
    "%a, %d %b %Y %H:%M {tz}",
    "%Y-%m-%dT%H:%M:%S{tz}",
]
ZONES = ["+0000", "GMT", "gmt", "UT", "UTC", "Z", "-0500", "+0530", "+1400", "-1200", "EST", "+05:30", "", "(CET)"]


def random_date(rng: random.Random) -> str:
    stamp = datetime(rng.choice([1, 1970, 2025, 9999]), 1, 1) + timedelta(
        days=rng.randint(0, 364), seconds=rng.randint(0, 86399)
    )
    text = stamp.strftime(rng.choice(DATE_FORMS)).format(tz=rng.choice(ZONES))
    if rng.random() < 0.1:  # out-of-range fields the shortcut must leave to feedparser
        text = text.replace(stamp.strftime("%H:"), rng.choice(["24:", "99:"]), 1).replace(" 01 ", " 31 ")
    if rng.random() < 0.1:
        text = rng.choice(
            [text.upper(), text.lower(), text.replace(" ", "  "), text.replace(stamp.strftime("%d "), "1 ")]
        )
    return text


def test_rfc822_shortcut_matches_feedparser() -> None:
    rng = random.Random(5)
    taken = 0
    for _ in range(5000):
        text = random_date(rng)
        fast = rfc822_fast(text)
        if fast is not None:
            taken += 1
            assert fast == struct_to_utc(_parse_date(text)), text
    assert taken > 300  # the shortcut is exercised, not just declined


@pytest.mark.parametrize(
    "text",
    [
        "Sat, 01 Mar 2025 00:00:00 +0000",
        "1 Mar 2025 23:59:59 GMT",
        "Tue, 30 Dec 9999 23:00:00 -0100",
        "Mon, 01 Jan 0001 00:30:00 +0100",
    ],
)
def test_rfc822_shortcut_edges(text: str) -> None:
    expected = struct_to_utc(_parse_date(text))
    assert rfc822_fast(text) in (expected, None)
