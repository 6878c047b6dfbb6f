"""Values that cross stage boundaries (see pipeline.py).

All are frozen dataclasses; collections are tuples; datetimes are
timezone-aware UTC. ``feedparser`` dicts and ``requests.Response`` never leave
``sources/``. Statuses are ``StrEnum``s: each member is its own text, so what the
store, the logs, the JSON API and the metrics labels hold is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal

SourceKind = Literal["feed", "page", "auto"]


@dataclass(frozen=True)
class FetchResult:
    """One HTTP exchange, after redirects. ``content`` is empty on a 304."""

    requested_url: str
    url: str  # final URL after redirects
    status: int
    content: bytes = b""
    content_type: str = ""  # media type only, lower-cased: "application/rss+xml"
    charset: str | None = None  # from the Content-Type header, if any
    etag: str | None = None
    last_modified: str | None = None
    elapsed_ms: int = 0
    headers: tuple[tuple[str, str], ...] = ()  # response headers, names lower-cased
    permanent_url: str | None = None  # where 301/308 redirects from requested_url led, if any

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class RawItem:
    """An entry of a feed, or an article link found on a listing page.

    ``content``/``summary`` are HTML as the source gave them (already
    sanitized by feedparser for feeds); for a listing-page teaser, ``summary``
    is the teaser text.
    """

    source: str  # source name from the config
    url: str  # absolute link to the article page ("" if the entry has none)
    guid: str = ""  # the entry's id as published ("" if none)
    title: str = ""
    summary: str = ""
    content: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    author: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class ParsedSource:
    """What one fetched document yielded."""

    kind: Literal["feed", "listing", "article"]
    title: str
    items: tuple[RawItem, ...]
    language: str | None = None
    ttl_minutes: int | None = None  # RSS <ttl>: the publisher's "do not poll sooner"
    unread: int = 0  # entries left unread: past entries.MAX_ENTRIES or the markup budget (issue 13)
    # kind "article": the page's extraction, done to classify it (sources/page.py), so the
    # pipeline does not extract the same page again (issue 15 point 4)
    article: Extracted | None = None


@dataclass(frozen=True)
class Extracted:
    """What the extractor found on one article page (pure output of extract/)."""

    text: str  # main text, paragraphs separated by a blank line
    html: str  # the same main text as safe HTML (<p>, <ul>, <blockquote>...)
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    language: str | None = None
    canonical_url: str | None = None
    method: str = "trafilatura"  # which extractor produced the text
    # Where each metadata field came from: (("published", "meta:article:published_time"), ...)
    provenance: tuple[tuple[str, str], ...] = ()
    # The page declares a news article (og:type article, article:published_time, JSON-LD NewsArticle)
    declared_article: bool = False
    # Every text block of the page with its place, as keys (extract/layout.py): what the
    # source's template is learned from, kept or not by the extractor (issue 17)
    layout: tuple[tuple[str, str, int, str], ...] = ()


@dataclass(frozen=True)
class Article:
    """A normalized article, ready for dedup and the store."""

    source: str
    guid: str  # the entry's own id, else its canonical URL
    url: str  # canonical URL (tracking parameters stripped)
    title: str
    text: str  # plain main text, paragraphs separated by "\n\n"
    html: str  # safe HTML of the main text
    summary: str  # plain text, a few hundred characters at most
    published: datetime
    updated: datetime
    author: str | None = None
    language: str | None = None
    method: str = "feed"  # trafilatura | feed | teaser
    # Where each field came from, e.g. (("url", "page:canonical"), ("published", "feed")...)
    provenance: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Fingerprint:
    """Keys under which an article is the same as one already stored."""

    guid_key: str  # "<source>\x1f<guid>"
    url_key: str  # canonical URL
    text_hash: str  # sha256 of the normalized main text ("" if too short)


@dataclass(frozen=True)
class ExactHit:
    """A stored article sharing an exact key with a new one (see dedup/fingerprint.py)."""

    uid: str
    reason: Literal["guid", "url", "text"]
    source: str
    story_id: str
    text_hash: str
    text_len: int
    method: str


@dataclass(frozen=True)
class NearHit:
    """A stored article whose text is close to a new one's (LSH candidate, confirmed)."""

    uid: str
    story_id: str
    source: str
    similarity: float  # exact Jaccard of word 5-shingles


class DedupAction(StrEnum):
    """What the story desk decided for a new article (see DedupDecision)."""

    NEW = "new"
    DUPLICATE = "duplicate"
    UPDATE = "update"
    JOIN = "join"


@dataclass(frozen=True)
class DedupDecision:
    """What to do with a new article.

    ``new``: a new article in a new story. ``duplicate``: a sighting of ``existing_uid``.
    ``update``: ``existing_uid`` was edited; replace its text. ``join``: a new article
    (another outlet's copy) in story ``story_id``.
    """

    action: DedupAction
    existing_uid: str | None = None
    story_id: str | None = None
    reason: str = ""  # guid | url | text | near
    similarity: float = 0.0


@dataclass(frozen=True)
class StoryMember:
    """One article of a story, as listed by ``topicwire story`` and "Also reported by"."""

    uid: str
    source: str
    url: str
    title: str
    published: datetime
    first_seen: datetime
    text_len: int
    method: str = "feed"
    joined: str = ""  # how it joined the story: "" (started it), "text", "near 0.87"


@dataclass(frozen=True)
class StoredArticle:
    """An article as the store returns it."""

    uid: str  # stable id, assigned once, never changes
    source: str
    url: str
    title: str
    text: str
    html: str
    summary: str
    published: datetime
    updated: datetime
    first_seen: datetime
    author: str | None = None
    language: str | None = None
    method: str = "feed"
    topics: tuple[str, ...] = ()
    story_id: str = ""
    provenance: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StoredStory:
    """A story: every article of the same news, from one or many outlets.

    ``id`` is the uid of the article that started it and never changes; the feed
    entry shows ``representative`` (the fullest text, the earliest among equals).
    """

    id: str
    representative: StoredArticle
    members: tuple[StoryMember, ...]
    published: datetime  # the earliest member's
    updated: datetime  # the feed entry's updated time
    first_seen: datetime
    last_seen: datetime
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchDoc:
    """The fields a topic query is evaluated against."""

    title: str
    text: str
    source: str = ""
    language: str | None = None
    author: str | None = None

    @classmethod
    def of(cls, a: Article | StoredArticle) -> MatchDoc:
        """What the topics see of an article: the one place these fields are picked."""
        return cls(a.title, a.text, a.source, a.language, a.author)


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a generated feed."""

    id: str  # permanent: "urn:topicwire:article:<uid>"
    title: str
    link: str
    published: datetime
    updated: datetime
    summary: str
    content_html: str
    author: str | None = None
    categories: tuple[str, ...] = ()
    source: str = ""
    also: tuple[tuple[str, str], ...] = ()  # the other outlets' (source, url): "Also reported by"


@dataclass(frozen=True)
class FeedDoc:
    """One topic feed to render in every format."""

    name: str  # file stem
    title: str
    description: str
    base_url: str  # "http://127.0.0.1:8080/" (ends with "/")
    updated: datetime
    entries: tuple[FeedEntry, ...] = field(default_factory=tuple)
    publisher: str = "topicwire"  # output.title: the Atom feed's author, for entries that name none

    def url(self, ext: str) -> str:
        return f"{self.base_url}{self.name}.{ext}"


class PollStatus(StrEnum):
    """How one poll ended; the sources table keeps the last one (store/sources.py)."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"  # a 304
    ERROR = "error"
    RETIRED = "retired"  # 410 Gone: not polled until its URL changes in the config
    DEFERRED = "deferred"  # a Retry-After or our own politeness: nothing was asked


@dataclass(frozen=True)
class SourceState:
    """A source's health and schedule as the store records it (``topicwire sources``)."""

    name: str
    url: str  # the URL polled: the configured one, or where a 301/308 moved it
    kind: str
    title: str
    status: str  # "never" (not polled yet), else the last PollStatus as stored
    error: str | None
    error_count: int  # consecutive failures
    last_polled: datetime | None
    last_success: datetime | None
    articles: int
    config_url: str = ""
    next_due: datetime | None = None
    interval: float | None = None  # the interval in force (adaptive sources change it)
    retired: datetime | None = None  # 410 Gone: not polled until its URL changes in the config
    retry_until: datetime | None = None  # a 429/503 Retry-After: not polled before this

    def shown_status(self, failing_after: int) -> str:
        """``status``, or "failing" once an erroring source has failed ``failing_after`` times in a row."""
        return "failing" if self.status == PollStatus.ERROR and self.error_count >= failing_after else self.status


@dataclass(frozen=True)
class PollOutcome:
    """What one poll of one source did; logged as ``event=source.updated``."""

    source: str
    status: PollStatus
    new: int = 0
    duplicates: int = 0
    skipped: int = 0  # items already known, not fetched again
    failed: int = 0  # article pages that could not be fetched or extracted
    error: str | None = None
    title: str = ""
    ms: int = 0
    next_due: datetime | None = None
    interval: float | None = None
    moved_to: str | None = None  # a 301/308 chain led here; polled from now on
    http_status: int | None = None
    retry_until: datetime | None = None  # the server's Retry-After, as a time


@dataclass(frozen=True)
class Delivery:
    """One row of the webhook outbox (store/deliveries.py): a new entry of a topic to POST."""

    id: int
    topic: str
    kind: str  # "story" (statements may follow)
    entry: str  # the story id
    created: datetime
    attempts: int
    body: bytes | None  # the JSON as first sent; None before the first attempt

    @property
    def key(self) -> str:
        """The Idempotency-Key: the same for every attempt of this delivery, and for no other."""
        return f"{self.topic}/{self.kind}/{self.entry}"


class DeliveryStatus(StrEnum):
    """A webhook outbox row's state (the ``deliveries.status`` column)."""

    PENDING = "pending"  # not sent yet, or to be retried at ``next_try``
    DELIVERED = "delivered"
    DEAD = "dead"  # gave up after webhooks.max_attempts


@dataclass(frozen=True)
class DeliveryState:
    """A topic's outbox in figures, for `topicwire deliveries` and /metrics."""

    topic: str
    pending: int = 0  # never attempted yet
    failed: int = 0  # attempted, failing, will be retried
    dead: int = 0  # gave up after webhooks.max_attempts
    delivered: int = 0
    last_error: str | None = None
    last_try: datetime | None = None
    next_try: datetime | None = None  # the soonest retry of a failing one


StatementKind = Literal["direct", "reported"]


@dataclass(frozen=True)
class Statement:
    """One attributed statement in an article's text (statements/extract.py)."""

    speaker: str  # as written: "Kremlin spokesman Dmitry Peskov", "he", "Пескова"
    resolved: str  # the named speaker a pronoun refers to; else ``speaker``
    text: str  # the quote's inside, or the reported clause
    kind: StatementKind
    language: str
    paragraph: int  # index among the text's lines that hold text
    start: int  # character span of ``text`` in the article text
    end: int
    verb: str = ""  # the reporting verb as written ("" for a continued quote)
    alias: str | None = None  # filled by ``with_aliases``


@dataclass(frozen=True)
class HostNotes:
    """What every worker sharing a store has noted of one host (store/hosts.py): the
    Retry-After deferrals in force, (url, until) with url "" for the whole host, and the
    robots.txt Crawl-delay a worker read there (seconds; None: none known)."""

    pauses: tuple[tuple[str, float], ...] = ()
    crawl_delay: float | None = None
