"""The ingestion pipeline, written down once:

    store.due_sources(now)   (daemon/scheduler.py decides when; `once` polls all)
    | fetch          -> FetchResult     (sources/fetch.py: HTTP, conditional GET, caps)
    | parse          -> ParsedSource    (sources/feed.py entries, sources/page.py links)
    | extract        -> Article         (extract/: full text, boilerplate, dates, canonical URL)
    | dedupe         -> DedupDecision   (dedup/: exact keys: guid, canonical URL, text)
    | store.save     -> uids            (store/: the only place with SQL)
    | match topics   -> topic names     (topics/: rules compiled once, pure)
    | render+publish -> feed files      (feeds/: RSS, Atom, JSON Feed; atomic writes)

Fetch, parse and extract run in worker threads and touch the store only to
read; each poll's results are then saved in one transaction (one writer), so
a crash leaves either the whole poll or none of it, and the HTTP validators
are saved with the articles they led to.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from topicwire import log
from topicwire.config import Config, SourceConfig
from topicwire.dedup.fingerprint import article_uid, fingerprint
from topicwire.dedup.stories import decide
from topicwire.errors import SourceError
from topicwire.extract.article import extract_article
from topicwire.extract.build import build_article
from topicwire.extract.charset import decode_html
from topicwire.feeds.publish import publish_index, publish_topic
from topicwire.sources.feed import parse_feed
from topicwire.sources.fetch import HTML_ACCEPT, Fetcher
from topicwire.sources.page import parse_page
from topicwire.sources.sniff import sniff_kind
from topicwire.store import Store
from topicwire.topics.match import TopicMatcher
from topicwire.types import (
    Article,
    FeedDoc,
    FeedEntry,
    FetchResult,
    MatchDoc,
    ParsedSource,
    PollOutcome,
    RawItem,
    StoredArticle,
)

Clock = Callable[[], datetime]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Prepared:
    """One new item, extracted and ready to save, with the keys it was listed under."""

    article: Article
    item_keys: tuple[str, ...]


@dataclass(frozen=True)
class Collected:
    """Everything a poll found before anything is written."""

    result: FetchResult
    title: str
    prepared: tuple[Prepared, ...]
    skipped: int
    failed: int


def make_fetcher(config: Config) -> Fetcher:
    f = config.fetch
    return Fetcher(
        user_agent=f.user_agent,
        timeout=f.timeout,
        connect_timeout=f.connect_timeout,
        max_bytes=f.max_bytes,
        max_redirects=f.max_redirects,
        allow_private_addresses=f.allow_private_addresses,
    )


class Pipeline:
    def __init__(
        self, config: Config, store: Store, fetcher: Fetcher, clock: Clock = utc_now
    ) -> None:
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        self.matcher = TopicMatcher([(t.name, t.query) for t in config.topics])

    # -- start-up ----------------------------------------------------------------------
    def prepare_store(self) -> None:
        """Register configured sources; re-evaluate topics whose rule is new or changed."""
        self.store.sync_sources(tuple((s.name, s.url, s.kind) for s in self.config.sources))
        stale = [t for t in self.config.topics if self.store.topic_rule(t.name) != t.query.source]
        if not stale:
            return
        docs = self.store.match_docs()
        matcher = TopicMatcher([(t.name, t.query) for t in stale])
        members: dict[str, list[str]] = {t.name: [] for t in stale}
        for uid, doc in docs:
            for name in matcher.match(doc):
                members[name].append(uid)
        with self.store.transaction():
            for t in stale:
                self.store.replace_topic(t.name, t.query.source, members[t.name], self.clock())
                log.event(
                    "topic.reevaluated",
                    topic=t.name,
                    articles=len(docs),
                    matched=len(members[t.name]),
                )

    # -- one poll ----------------------------------------------------------------------
    def poll(self, source: SourceConfig) -> PollOutcome:
        started = time.monotonic()
        try:
            collected = self.collect(source)
        except SourceError as e:
            outcome = PollOutcome(source.name, "error", error=str(e), ms=_ms(started))
            with self.store.transaction():
                self.store.record_poll(outcome, self.clock())
            log.event(
                "source.failed", logging.WARNING, source=source.name, error=str(e), ms=outcome.ms
            )
            return outcome
        outcome = self.save(source, collected, started)
        log.event(
            "source.updated",
            source=source.name,
            status=outcome.status,
            new=outcome.new,
            dup=outcome.duplicates,
            known=outcome.skipped,
            failed=outcome.failed,
            not_modified=outcome.status == "not_modified",
            ms=outcome.ms,
        )
        return outcome

    def collect(self, source: SourceConfig) -> Collected:
        etag, last_modified = self.store.validators(source.url)
        result = self.fetcher.get(source.url, etag=etag, last_modified=last_modified)
        if result.not_modified:
            return Collected(result, "", (), 0, 0)
        parsed = self.parse(source, result)
        if parsed.kind == "article":
            # The source URL is itself an article page: extract it from what we have.
            item = parsed.items[0]
            page = extract_article(decode_html(result.content, result.charset), result.url)
            prepared = (Prepared(build_article(item, page, self.clock()), _keys(item)),)
            return Collected(result, parsed.title, prepared, 0, 0)
        return self.collect_items(source, result, parsed)

    def parse(self, source: SourceConfig, result: FetchResult) -> ParsedSource:
        kind = source.kind if source.kind != "auto" else sniff_kind(result)
        if kind == "feed":
            return parse_feed(result, source.name)
        return parse_page(decode_html(result.content, result.charset), result.url, source.name)

    def collect_items(
        self, source: SourceConfig, result: FetchResult, parsed: ParsedSource
    ) -> Collected:
        items = _unique(parsed.items)
        known = self.store.known_items(source.name, [k for i in items for k in _keys(i)])
        fresh = [i for i in items if not known.intersection(_keys(i))]
        prepared, failed = [], 0
        for item in fresh:
            article, ok = self.article_for(source, item, teaser=parsed.kind == "listing")
            failed += not ok
            if article is not None:
                prepared.append(Prepared(article, _keys(item)))
        return Collected(result, parsed.title, tuple(prepared), len(items) - len(fresh), failed)

    def article_for(
        self, source: SourceConfig, item: RawItem, *, teaser: bool
    ) -> tuple[Article | None, bool]:
        """The article for one new item: its page's main text when fulltext is on,
        else (or when the page fails) what the feed or teaser gave."""
        now = self.clock()
        if not (source.fulltext and item.url):
            return _fallback(item, now, teaser), True
        try:
            page = self.fetcher.get(item.url, accept=HTML_ACCEPT)
            extracted = extract_article(decode_html(page.content, page.charset), page.url)
        except SourceError as e:
            log.event(
                "article.failed", logging.WARNING, source=source.name, url=item.url, error=str(e)
            )
            return _fallback(item, now, teaser), False
        return build_article(item, extracted, now), True

    def save(self, source: SourceConfig, collected: Collected, started: float) -> PollOutcome:
        now = self.clock()
        new = dup = 0
        with self.store.transaction() as store:
            for p in collected.prepared:
                fp = fingerprint(p.article)
                decision = decide(store.find_article(fp))
                if decision.action == "new":
                    uid = article_uid(fp)
                    store.insert_article(uid, p.article, fp, now)
                    store.add_topics(uid, self.matcher.match(_match_doc(p.article)), now)
                    new += 1
                else:
                    uid = decision.existing_uid or ""
                    store.touch_article(uid, now)
                    dup += 1
                store.add_item_keys(source.name, p.item_keys, uid, now)
            r = collected.result
            if not r.not_modified:
                store.save_validators(source.url, r.etag, r.last_modified, now)
            status = "not_modified" if r.not_modified else "ok"
            outcome = PollOutcome(
                source.name,
                status,
                new=new,
                duplicates=dup,
                skipped=collected.skipped,
                failed=collected.failed,
                title=collected.title,
                ms=_ms(started),
            )
            store.record_poll(outcome, now)
        return outcome

    # -- feeds -------------------------------------------------------------------------
    def publish(self) -> int:
        """Regenerate every topic feed and index.opml; return how many files changed."""
        docs = [self.feed_doc(t.name, t.title, t.description) for t in self.config.topics]
        changed = 0
        for doc in docs:
            changed += len(publish_topic(self.config.output_dir, doc))
        publish_index(self.config.output_dir, docs, self.config.title)
        log.event("feeds.published", topics=len(docs), changed=changed)
        return changed

    def feed_doc(self, name: str, title: str, description: str) -> FeedDoc:
        rows = self.store.topic_entries(name, self.config.max_items)
        entries = tuple(_entry(a) for a in rows)
        updated = max((e.updated for e in entries), default=EPOCH)
        return FeedDoc(name, title, description, self.config.base_url, updated, entries)


def _entry(a: StoredArticle) -> FeedEntry:
    return FeedEntry(
        id=f"urn:topicwire:article:{a.uid}",
        title=a.title,
        link=a.url,
        published=a.published,
        updated=max(a.updated, a.published),
        summary=a.summary,
        content_html=a.html,
        author=a.author,
        categories=a.topics,
        source=a.source,
    )


def _fallback(item: RawItem, now: datetime, teaser: bool) -> Article:
    return build_article(item, None, now, teaser=teaser)


def _keys(item: RawItem) -> tuple[str, ...]:
    return tuple(k for k in (item.guid, item.url) if k)


def _unique(items: tuple[RawItem, ...]) -> list[RawItem]:
    """Give keyless items a content key; drop items listed twice (same guid or URL)."""
    seen: set[str] = set()
    out = []
    for item in map(_with_key, items):
        keys = _keys(item)
        if keys and seen.intersection(keys):
            continue
        seen.update(keys)
        out.append(item)
    return out


def _with_key(item: RawItem) -> RawItem:
    # An entry with neither id nor link (RSS allows it) is known by its content;
    # without a key every such entry would share the guid "" and merge into one.
    if item.guid or item.url:
        return item
    digest = hashlib.sha256(f"{item.title}\x1f{item.summary}{item.content}".encode()).hexdigest()
    return replace(item, guid=f"sha256:{digest[:32]}")


def _match_doc(a: Article) -> MatchDoc:
    return MatchDoc(a.title, a.text, a.source, a.language, a.author)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
