"""The site bench/scale.py polls: N RSS feeds of full-text pages made from ../shared/corpus.

    Site.build(corpus, feeds, items, seed)
      templates   corpus pages with their article taken out (bench/outlets.make_outlet: the
                  page's own HTML outside the article, its article metadata dropped), kept
                  only where topicwire's extractor gets a probe body back whole and finds no
                  date or canonical URL left in the template (the original page's, on every
                  page: copies dated years apart never meet in dedup's window), so a story
                  that splits is not one the extractor could not read
      sentences   of the Zyte articles' bodies (ground truth)
      stories     one per feed slot, except that 1 story in SHARED_SHARE is carried by 2-4
                  feeds as near-copies (a dateline, another title, sometimes the last
                  paragraph cut); which slots belong together is ``Site.groups``
    site.feed_bytes[n]  RSS 2.0 of feed n, built once (``build_feeds``, given the server's URL)
    site.page(n, i)     the page of item i of feed n, built on request from the template's
                        bytes and the story's seed: 40,000 pages of ~60 KB are never all held
    SiteServer(site)    bench/steady.py's server (TCP_NODELAY, keep-alive) serving /f/N.xml and
                        /p/N/I.html, recording each feed request's time and User-Agent

A paragraph is 2-4 sentences drawn from anywhere in the corpus, not a corpus paragraph:
with whole paragraphs, a feed's 20 pages drawn from ~1,400 paragraphs repeat some on 3
pages, and template learning (extract/template.py, MIN_PAGES) rightly strips a block
repeated across a source's pages, cutting stories the bench wants intact.
Everything is seeded: the same corpus, sizes and seed give the same site.
"""

from __future__ import annotations

import json
import random
import re
import time
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from outlets import MARK, TITLE, corpus_pages, make_outlet
from steady import FeedServer

from topicwire.extract.article import extract_article
from topicwire.extract.clean import normalize_text

SHARED_SHARE = 0.2  # of stories: carried by 2-4 feeds
CITIES = ("MOSCOW", "BAKU", "ANKARA", "TBILISI", "BERLIN", "LONDON", "WARSAW", "MADRID", "NAIROBI", "LIMA")
KICKERS = ("UPDATE 1-", "Analysis: ", "Breaking: ", "WATCH: ")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_CHARSET_META = re.compile(rb"<meta[^>]*(?:charset|http-equiv)[^>]*>", re.I)
RECALL = 0.9  # of a probe body's paragraphs the extractor must return from a template
BLOAT = 1.5  # ... and at most this many times its words


@dataclass(frozen=True)
class Template:
    key: str  # the corpus page it comes from
    before: tuple[bytes, ...]  # the HTML before the article, split where the title goes
    after: tuple[bytes, ...]  # ... and after it

    def render(self, title: str, body: str) -> bytes:
        t = escape(title).encode()
        return t.join(self.before) + body.encode() + t.join(self.after)


@dataclass(frozen=True)
class Story:
    title: str
    paragraphs: tuple[str, ...]


def load_sentences(corpus: Path) -> list[str]:
    """Sentences of 6-60 words from every Zyte article body, in corpus order."""
    folder = corpus / "pages" / "article-extraction-benchmark"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for _, meta in sorted(truth.items()):
        for paragraph in str(meta["articleBody"]).split("\n"):
            out += [s for s in _SENTENCE.split(normalize_text(paragraph)) if 6 <= len(s.split()) <= 60]
    return out


def make_template(key: str, html: str, truth: list[str], probe: Story) -> Template | None:
    outlet = make_outlet("o", key, html, truth, [])
    if outlet is None or outlet.template_html.count(MARK) != 1:
        return None
    raw = _CHARSET_META.sub(b"", outlet.template_html.encode())  # served as UTF-8 whatever it was
    head, _, tail = raw.partition(MARK.encode())
    template = Template(key, tuple(head.split(TITLE.encode())), tuple(tail.split(TITLE.encode())))
    html = template.render(probe.title, body_html(probe)).decode()
    found = extract_article(html, "http://probe.test/a/1.html", find_date=False)  # the feed gives dates
    if found.published or found.updated or found.canonical_url:
        return None  # the original page's date or URL, on every page: copies would not meet
    kept = sum(p in found.text for p in probe.paragraphs) / len(probe.paragraphs)
    words = sum(len(p.split()) for p in probe.paragraphs)
    return template if kept >= RECALL and len(found.text.split()) <= BLOAT * words else None


def body_html(story: Story) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)


@dataclass
class Site:
    feeds: int
    items: int
    seed: int
    templates: list[Template]
    sentences: list[str]
    story_of: array  # [feed * items + item] -> story number
    copy_of: array  # [feed * items + item] -> 0 for the first carrier, 1.. for near-copies
    stories: int
    t0: datetime
    feed_bytes: list[bytes]

    @classmethod
    def build(cls, corpus: Path, feeds: int, items: int, seed: int = 16) -> Site:
        sentences = load_sentences(corpus)
        site = cls(feeds, items, seed, [], sentences, array("i"), array("b"), 0, datetime.now(UTC), [])
        probe = site.probe()
        for key, html, truth in corpus_pages(corpus):
            if len(site.templates) >= feeds:
                break
            template = make_template(key, html, truth, probe)
            if template is not None:
                site.templates.append(template)
        site.assign()
        return site

    def probe(self) -> Story:
        """The shortest body a story may have (5 paragraphs of 2 sentences): a template still
        holding text of its own (a second article, a long teaser) shows against it."""
        rng = random.Random(self.seed - 1)
        paragraphs = tuple(" ".join(rng.sample(self.sentences, 2)) for _ in range(5))
        return Story(" ".join(paragraphs[0].split()[:9]), paragraphs)

    def assign(self) -> None:
        """Each slot gets a story; 1 in 1/SHARED_SHARE stories goes to 2-4 distinct feeds."""
        rng = random.Random(self.seed)
        self.story_of = array("i", [0]) * (self.feeds * self.items)
        self.copy_of = array("b", [0]) * (self.feeds * self.items)
        filled = [0] * self.feeds
        open_feeds = list(range(self.feeds))
        story = 0
        while open_feeds:
            k = rng.randint(2, 4) if rng.random() < SHARED_SHARE else 1
            for copy, feed in enumerate(rng.sample(open_feeds, min(k, len(open_feeds)))):
                slot = feed * self.items + filled[feed]
                self.story_of[slot], self.copy_of[slot] = story, copy
                filled[feed] += 1
                if filled[feed] == self.items:
                    open_feeds.remove(feed)
            story += 1
        self.stories = story

    def groups(self) -> dict[int, list[tuple[int, int]]]:
        """Story number -> the (feed, item) slots carrying it."""
        out: dict[int, list[tuple[int, int]]] = {}
        for slot, story in enumerate(self.story_of):
            out.setdefault(story, []).append(divmod(slot, self.items))
        return out

    def story(self, number: int, copy: int = 0) -> Story:
        rng = random.Random(self.seed * 1_000_003 + number)
        paragraphs = [
            " ".join(self.sentences[rng.randrange(len(self.sentences))] for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(5, 9))
        ]
        title = " ".join(paragraphs[0].split()[:9]).rstrip(".,;:")
        if copy:  # a near-copy: another outlet's dateline and headline, perhaps shortened
            edit = random.Random((self.seed * 1_000_003 + number) * 8 + copy)
            paragraphs[0] = f"{edit.choice(CITIES)} (Outlet {copy}) - {paragraphs[0]}"
            title = edit.choice(KICKERS) + title
            if len(paragraphs) >= 6 and edit.random() < 0.5:
                paragraphs.pop()
        return Story(title, tuple(paragraphs))

    def published(self, feed: int, item: int) -> datetime:
        slot = feed * self.items + item
        return self.t0 - timedelta(minutes=self.story_of[slot] % 1440 - 7 * self.copy_of[slot])

    def page(self, feed: int, item: int) -> bytes:
        slot = feed * self.items + item
        story = self.story(self.story_of[slot], self.copy_of[slot])
        return self.templates[feed % len(self.templates)].render(story.title, body_html(story))

    def build_feeds(self, base: str) -> None:
        self.feed_bytes = [self._rss(base, n) for n in range(self.feeds)]

    def _rss(self, base: str, feed: int) -> bytes:
        entries = []
        for item in range(self.items):
            story = self.story(self.story_of[feed * self.items + item], self.copy_of[feed * self.items + item])
            link = self.url(base, feed, item)
            teaser = " ".join(story.paragraphs[0].split()[:25])
            entries.append(
                f"<item><title>{escape(story.title)}</title><link>{link}</link><guid>{link}</guid>"
                f"<pubDate>{format_datetime(self.published(feed, item))}</pubDate>"
                f"<description>{escape(teaser)}</description></item>"
            )
        return (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Outlet {feed}</title>'
            f"<link>{base}/</link><description>bench</description>{''.join(entries)}</channel></rss>"
        ).encode()

    @staticmethod
    def url(base: str, feed: int, item: int) -> str:
        return f"{base}/p/{feed}/{item}.html"


class SiteServer(FeedServer):
    """bench/steady.py's server (TCP_NODELAY, backlog, no reverse DNS) serving a Site."""

    def __init__(self, site: Site) -> None:
        super().__init__()
        self.RequestHandlerClass = SiteHandler
        self.site = site
        site.build_feeds(self.url)
        self.feed_hits: list[tuple[float, int, str]] = []  # (monotonic time, feed, User-Agent)

    def hit(self, feed: int, agent: str) -> None:
        with self._lock:
            self.feed_hits.append((time.monotonic(), feed, agent))


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SiteServer

    def do_GET(self) -> None:
        body, kind = self._find()
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _find(self) -> tuple[bytes | None, str]:
        site, parts = self.server.site, self.path.strip("/").split("/")
        try:
            if parts[0] == "f" and len(parts) == 2:
                feed = int(parts[1].removesuffix(".xml"))
                self.server.hit(feed, self.headers.get("User-Agent", ""))
                return site.feed_bytes[feed], "application/rss+xml; charset=utf-8"
            if parts[0] == "p" and len(parts) == 3:
                feed, item = int(parts[1]), int(parts[2].removesuffix(".html"))
                if item < site.items:
                    return site.page(feed, item), "text/html; charset=utf-8"
        except (ValueError, IndexError):
            pass
        return None, ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass
