"""The ingestion pipeline, written down once:

    store.due_sources(now)   (daemon/scheduler.py decides when; `once` polls all)
    | fetch          -> FetchResult     (sources/fetch.py: HTTP, conditional GET, caps)
    | parse          -> ParsedSource    (sources/feed.py entries, sources/page.py links)
    | extract        -> Article         (extract/: full text, boilerplate, dates, canonical URL)
    | dedupe         -> DedupDecision   (dedup/: exact keys: guid, canonical URL, text)
    | statements     -> Statement...    (statements/: who said what, pure; stored with the article)
    | store.save     -> uids            (store/: the only place with SQL)
    | match topics   -> topic names     (topics/: rules compiled once, pure)

and the stories it changed are marked (topicwire/changes.py) for the publisher
(feeds/publisher.py), which renders and writes the feed files: this module ingests.

Fetch, parse and extract run in worker threads and touch the store only to
read; each poll's results are then saved in one transaction (one writer), so
a crash leaves either the whole poll or none of it, and the HTTP validators
are saved with the articles they led to.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from topicwire import log
from topicwire.changes import StoryChanges
from topicwire.clock import Clock, utc_now
from topicwire.config import Config, SourceConfig
from topicwire.cpu import CpuPool
from topicwire.dedup.desk import KeyedArticle, StoryDesk
from topicwire.errors import FetchError, ParseError, SourceError, Throttled
from topicwire.extract.article import extract_article
from topicwire.extract.bound import bound_page
from topicwire.extract.build import build_article
from topicwire.extract.charset import decode_html
from topicwire.extract.layout import Layout
from topicwire.extract.shape import MAX_ELEMENTS
from topicwire.extract.template import Template, from_json, to_json, unsettled
from topicwire.extract.urls import canonicalize_url
from topicwire.lxmlock import holding_lxml
from topicwire.metrics import Metrics
from topicwire.placement import Placer
from topicwire.prepare import Keys, keys_of, prepare_poll
from topicwire.schedule import MAX_DELAY, adaptive_interval, freshness_floor, jitter_for, next_due
from topicwire.sitetemplate import RECLEAN_SCAN, Recleaned, reclean_plan
from topicwire.sources.discover import discover_feeds
from topicwire.sources.feed import parse_feed
from topicwire.sources.fetch import HTML_ACCEPT, PerThreadFetcher
from topicwire.sources.hosts import HostLimiter
from topicwire.sources.items import is_fresh, item_keys, newest, unique_items
from topicwire.sources.page import parse_page
from topicwire.sources.polite import PoliteFetcher, Purpose
from topicwire.sources.robots import RobotsCache
from topicwire.sources.sniff import html_instead_of_feed, sniff_kind
from topicwire.statements import StatementExtractor
from topicwire.store import Store, Transaction
from topicwire.topics.rules import TopicRules
from topicwire.types import (
    Article,
    DedupAction,
    DedupDecision,
    Extracted,
    FetchResult,
    MatchDoc,
    ParsedSource,
    PollOutcome,
    PollStatus,
    RawItem,
    Statement,
)
from topicwire.values import noting

# A stored deferral beyond this predates the bound on Retry-After (issue 13): it is ignored.
R = TypeVar("R")
# Feed documents at least this big are parsed in a worker process (cpu.py); smaller ones
# here. bench/steady.py (1,000 feeds of 20 items, ~10 KB each): with every parse and every
# MinHash shipped to two workers `once` took 26.9 s of CPU against 8.5 s in one process.
OFFLOAD_BYTES = 256 * 1024
MAX_RETRY_SPAN = timedelta(seconds=MAX_DELAY)
# Article pages extracted at the same time, across the whole process (`once`'s source
# pool and `run`'s scheduler threads alike). An extraction holds ~27x its page in memory
# (issue 13: four 9 MB pages at once took 1,156 MB); with pages bounded to
# extract.bound.MAX_PAGE_CHARS, two at a time stay far under 500 MB. More would buy
# little: trafilatura is Python, so extractions mostly wait on the GIL for each other.
EXTRACTIONS = threading.BoundedSemaphore(2)


@dataclass(frozen=True)
class Prepared:
    """One new item, extracted and ready to save, with the keys it was listed under."""

    article: Article
    item_keys: tuple[str, ...]
    keys: Keys | None = None  # computed with the poll's other pure work (prepare.py), if it was


@dataclass(frozen=True)
class Collected:
    """Everything a poll found before anything is written."""

    result: FetchResult
    title: str
    prepared: tuple[Prepared, ...]
    skipped: int
    failed: int
    published: tuple[datetime, ...] = ()  # every listed entry's date: the publishing rate
    ttl_minutes: int | None = None
    complete: bool = True  # False when a stop cut the poll short: keep no validators then
    template: Template | None = None  # the source's page template after this poll's pages
    recleaned: tuple[Recleaned, ...] = ()  # stored articles holding what just became template


def make_fetcher(config: Config, store: Store | None = None) -> PoliteFetcher:
    """One HTTP session behind one per-host budget and one robots.txt cache. On a shared
    store (PostgreSQL) the budget's spacing and Retry-After pauses are kept in the store
    too, for every worker (sources/hosts.py HostBoard); on SQLite one process polls and
    its in-memory budget is the whole truth, with no store write per request."""
    f = config.fetch
    fetcher = PerThreadFetcher(
        user_agent=f.user_agent,
        timeout=f.timeout,
        connect_timeout=f.connect_timeout,
        max_bytes=f.max_bytes,
        max_redirects=f.max_redirects,
        allow_private_addresses=f.allow_private_addresses,
    )
    board = store.hosts if store is not None and store.shared else None
    limiter = HostLimiter(per_host_concurrency=f.per_host_concurrency, min_delay=f.per_host_delay, board=board)
    robots = RobotsCache(fetcher, f.user_agent) if f.respect_robots else None
    return PoliteFetcher(fetcher, limiter, robots)


class Pipeline:
    """Polls sources into the store. What outlives a reload is passed in: the story desk
    (the near-duplicate index, while [dedup] is unchanged), the story changes the
    publisher takes, and the metrics; each defaults to a new one (``once``, tests)."""

    def __init__(
        self,
        config: Config,
        store: Store,
        fetcher: PoliteFetcher,
        clock: Clock = utc_now,
        *,
        desk: StoryDesk | None = None,
        changes: StoryChanges | None = None,
        metrics: Metrics | None = None,
        cpu: CpuPool | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.fetcher = fetcher
        self.clock = clock
        self.matcher = TopicRules([t.rule for t in config.topics])
        # Set on SIGTERM: polls stop fetching article pages and save what they have;
        # items left out are not marked known, so the next run fetches them.
        self.stopping = threading.Event()
        self.metrics = metrics if metrics is not None else Metrics.off()
        self.cpu = cpu if cpu is not None else CpuPool(1)  # parsing, extraction, dedup keys
        self.changes = changes if changes is not None else StoryChanges()
        self.placer = Placer(desk if desk is not None else new_desk(config), config, self.changes)

    # -- one poll ----------------------------------------------------------------------
    def poll(self, source: SourceConfig, spread: float = 0.0) -> PollOutcome:
        """Poll one source; ``spread``: seconds added to its next-due time (daemon/scheduler.spreads)."""
        outcome = self._poll(source, spread)
        self.metrics.observe_poll(outcome)
        return outcome

    def _poll(self, source: SourceConfig, spread: float = 0.0) -> PollOutcome:
        started = time.monotonic()
        state = self.store.source_state(source.name)
        if state and state.retired:
            return PollOutcome(source.name, PollStatus.RETIRED, error=state.error)
        if state and state.retry_until and self.clock() < state.retry_until <= self.clock() + MAX_RETRY_SPAN:
            # The server asked for a pause (429/503 Retry-After): never sooner, even across restarts.
            log.event("source.deferred", source=source.name, until=state.retry_until.isoformat())
            return PollOutcome(
                source.name, PollStatus.DEFERRED, next_due=state.retry_until, retry_until=state.retry_until
            )
        url = state.url if state else source.url
        try:
            collected = self.collect(source, url)
        except SourceError as e:
            return self.record_failure(source, e, state.error_count if state else 0, started)
        outcome = self.save(source, collected, started, state.interval if state else None, spread)
        log.event(
            "source.updated",
            source=source.name,
            status=outcome.status,
            new=outcome.new,
            dup=outcome.duplicates,
            known=outcome.skipped,
            failed=outcome.failed,
            not_modified=outcome.status == PollStatus.NOT_MODIFIED,
            ms=outcome.ms,
        )
        if outcome.moved_to:
            log.event("source.moved", logging.WARNING, source=source.name, url=url, to=outcome.moved_to)
        return outcome

    def record_failure(self, source: SourceConfig, e: SourceError, errors: int, started: float) -> PollOutcome:
        now = self.clock()
        if isinstance(e, Throttled):
            # Our own politeness held the request back; the server said nothing, so it is no failure.
            wait = e.retry_after or source.interval
            log.event("source.deferred", source=source.name, error=str(e), ms=_ms(started))
            return PollOutcome(
                source.name, PollStatus.DEFERRED, error=str(e), next_due=now + timedelta(seconds=min(wait, MAX_DELAY))
            )
        status_code = e.status if isinstance(e, FetchError) else None
        retry_after = e.retry_after if isinstance(e, FetchError) else None
        gone = status_code == 410  # RFC 9110 15.5.11: permanent; stop asking
        due = (
            None
            if gone
            else next_due(
                now,
                interval=source.interval,
                error_count=errors + 1,
                retry_after=retry_after,
                rand=random.random(),
                cap=self.config.fetch.max_backoff,
            )
        )
        outcome = PollOutcome(
            source.name,
            PollStatus.RETIRED if gone else PollStatus.ERROR,
            error=str(e),
            ms=_ms(started),
            next_due=due,
            http_status=status_code,
            retry_until=now + timedelta(seconds=min(retry_after, MAX_DELAY)) if retry_after else None,
        )
        with self.store.transaction() as tx:
            tx.record_poll(outcome, now)
        event = "source.retired" if gone else "source.failed"
        log.event(event, logging.WARNING, source=source.name, error=str(e), errors=errors + 1, ms=outcome.ms)
        return outcome

    def collect(self, source: SourceConfig, url: str) -> Collected:
        etag, last_modified = self.store.validators(url)
        purpose: Purpose = "page" if source.kind == "page" else "feed"
        result = self.fetcher.get(url, etag=etag, last_modified=last_modified, purpose=purpose)
        self.metrics.fetch_seconds.observe(result.elapsed_ms / 1000)
        if result.not_modified:
            return Collected(result, "", (), 0, 0)
        if source.kind == "auto" and sniff_kind(result) == "page":
            result = self.discover(source, result)
        parsed, cleaned = self.parse(source, result)
        if cleaned:
            # Items kept, values not: name the source and what went (issue 13).
            log.event("source.values_cleaned", logging.WARNING, source=source.name, **dict(sorted(cleaned.items())))
        if parsed.kind == "article":
            # The source URL is itself an article page: parse_page extracted it to classify it.
            item = parsed.items[0]
            prepared = (Prepared(_article(item, parsed.article, self.clock()), item_keys(item)),)
            return Collected(result, parsed.title, prepared, 0, 0)
        return self.collect_items(source, result, parsed)

    def discover(self, source: SourceConfig, page: FetchResult) -> FetchResult:
        """An HTML page that advertises a feed: poll the feed (and from now on, only it)."""
        with holding_lxml():  # lxmlock.py
            found = discover_feeds(decode_html(page.content, page.charset), page.url)
        if not found:
            return page
        feed = self.fetcher.get(found[0].url, purpose="feed")
        log.event("source.discovered", source=source.name, url=page.url, feed=found[0].url)
        return replace(feed, requested_url=page.requested_url, permanent_url=found[0].url)

    def parse(self, source: SourceConfig, result: FetchResult) -> tuple[ParsedSource, dict[str, int]]:
        """The document's items, and the values cleaned on the way (values.noting)."""
        kind = source.kind if source.kind != "auto" else sniff_kind(result)
        if kind == "feed":
            if len(result.content) < OFFLOAD_BYTES:  # shipping it costs more than parsing it here
                with holding_lxml():  # lxmlock.py
                    return _noting(_parse_declared_feed, result, source.name)
            return self.cpu.call(_noting, _parse_declared_feed, result, source.name)
        html, cut = self.bounded_html(source.name, result)
        # A page source's page is extracted to tell a listing from an article.
        with self._extraction_slot():
            return self.cpu.call(
                _noting, parse_page, html, result.url, source.name, source.link_selector or None, cut=cut
            )

    def _extraction_slot(self) -> AbstractContextManager[object]:
        """In this process extractions share EXTRACTIONS (memory); worker processes are
        bounded by their number."""
        return EXTRACTIONS if self.cpu.inline else nullcontext()

    def collect_items(self, source: SourceConfig, result: FetchResult, parsed: ParsedSource) -> Collected:
        items = unique_items(parsed.items)
        known = self.store.known_item_times(source.name, [k for i in items for k in item_keys(i)])
        fresh = [i for i in items if is_fresh(i, known)]
        taken = newest(fresh, self.config.fetch.max_new_items)
        if parsed.unread:
            log.event(
                "source.trimmed", logging.WARNING, source=source.name, read=len(parsed.items), unread=parsed.unread
            )
        if len(taken) < len(fresh):
            # The rest are not marked known and the poll keeps no validators (complete is
            # False below), so the next poll fetches the feed again and takes the next batch.
            log.event("source.capped", source=source.name, taken=len(taken), left=len(fresh) - len(taken))
        got: list[tuple[Article, Layout, RawItem]] = []
        failed = 0
        for item in taken:
            if self.stopping.is_set():
                break
            article, layout, ok = self.article_for(source, item, teaser=parsed.kind == "listing")
            failed += not ok
            if article is not None:
                got.append((article, layout, item))
        articles = tuple(a for a, _, _ in got)
        template: Template | None = None
        recleaned: tuple[Recleaned, ...] = ()
        keys: tuple[Keys | None, ...] = (None,) * len(articles)
        if fresh and source.fulltext:
            # The whole poll is learned before any page is stripped (issue 17); with the
            # poll's keys and statements, in a worker process when there are any (prepare.py).
            layouts = [layout for _, layout, _ in got]
            similarity = self.config.dedup.similarity
            poll = self.cpu.call(prepare_poll, articles, self.load_template(source.name), layouts, similarity)
            articles, template, keys = poll.articles, poll.template, poll.keys
            recleaned, template = self.reclean_plan(source.name, template, articles)
        prepared = [Prepared(a, item_keys(item), k) for a, k, (_, _, item) in zip(articles, keys, got, strict=True)]
        dates = tuple(d for i in items if (d := i.published or i.updated))
        complete = len(prepared) == len(fresh)
        return Collected(
            result,
            parsed.title,
            tuple(prepared),
            len(items) - len(fresh),
            failed,
            dates,
            parsed.ttl_minutes,
            complete,
            template,
            recleaned,
        )

    def reclean_plan(
        self, source: str, template: Template, poll: tuple[Article, ...]
    ) -> tuple[tuple[Recleaned, ...], Template]:
        """Stored articles of ``source`` to clean of blocks that just became template (issue 17)."""
        if not unsettled(template):  # no block became template: nothing to read
            return (), template
        stored = self.store.source_articles(source, RECLEAN_SCAN)
        return reclean_plan(template, stored, frozenset(a.url for a in poll))

    def load_template(self, source: str) -> Template:
        data = self.store.template(source)
        if data:
            try:
                return from_json(data)
            except ValueError as e:  # a damaged or older template is relearned, not fatal
                log.event("template.reset", logging.WARNING, source=source, error=str(e))
        return Template(source)

    def article_for(self, source: SourceConfig, item: RawItem, *, teaser: bool) -> tuple[Article | None, Layout, bool]:
        """The article for one new item: its page's main text when fulltext is on,
        else (or when the page fails) what the feed or teaser gave; the page's layout
        (extract/layout.py, () without a page); and whether the page, if any, was read."""
        now = self.clock()
        if not (source.fulltext and item.url):
            return _fallback(item, now, teaser), (), True
        if self.store.has_article_url(canonicalize_url(item.url), other_than=source.name):
            # Another source already stored this page (a feed and its Atom twin): the
            # entry alone is enough to record the sighting. (The same source listing a
            # stored URL again means the entry was updated: fetch the page again.)
            return _fallback(item, now, teaser), (), True
        try:
            page = self.fetcher.get(item.url, accept=HTML_ACCEPT, purpose="page")
            # The entry's own date stands in for the page's, so no costly date search then.
            has_date = item.published is not None or item.updated is not None
            extracted = self.extract(source.name, page, find_date=not has_date)
        except SourceError as e:
            log.event("article.failed", logging.WARNING, source=source.name, url=item.url, error=str(e))
            return _fallback(item, now, teaser), (), False
        return _article(item, extracted, now, teaser=teaser), extracted.layout, True

    def extract(self, source: str, page: FetchResult, *, find_date: bool = True) -> Extracted:
        """The page's article, within what one page may cost (extract/bound.py)."""
        html, cut = self.bounded_html(source, page)
        with self._extraction_slot():
            extracted = self.cpu.call(extract_article, html, page.url, find_date=find_date, cut=cut)
        if not cut and dict(extracted.provenance).get("text", "").endswith(":cut"):  # extract/shape.py
            log.event("page.cut", logging.WARNING, source=source, url=page.url, elements=MAX_ELEMENTS)
        return extracted

    def bounded_html(self, source: str, page: FetchResult) -> tuple[str, bool]:
        """The page's HTML as the extractor may take it, and whether it was cut (logged)."""
        html, cut = bound_page(decode_html(page.content, page.charset))
        if cut:
            log.event("page.cut", logging.WARNING, source=source, url=page.url, bytes=len(page.content), kept=len(html))
        return html, cut

    def save(
        self, source: SourceConfig, collected: Collected, started: float, interval: float | None, spread: float = 0.0
    ) -> PollOutcome:
        now = self.clock()
        new = dup = 0
        r = collected.result
        # Pure work before taking the store's lock: other workers' polls wait on it.
        decided = [(p, *self.decide(p.article, p.keys)) for p in collected.prepared]
        # Re-cleaned texts' statements too: up to RECLEAN_MAX extractions would hold the lock.
        again = [(c, *self.decide(c.article)) for c in collected.recleaned]
        with self.store.transaction() as store:
            # Before the poll's own articles: an edit among them then replaces the cleaned text.
            for c, keyed, topics, statements in again:
                self.placer.reclean(store, c.uid, c.story_id, keyed, topics, now, statements)
            for p, keyed, topics, statements in decided:
                uid, decision = self.place(store, keyed, topics, now, statements)
                if decision.action in (DedupAction.NEW, DedupAction.JOIN):
                    new += 1
                    self.metrics.extractions.labels(p.article.method).inc()
                else:
                    dup += 1
                store.add_item_keys(source.name, p.item_keys, uid, now)
            self.placer.expire(store, now)
            if collected.template is not None:
                store.save_template(source.name, to_json(collected.template), now)
            moved = r.permanent_url if r.permanent_url and r.permanent_url != r.requested_url else None
            if not r.not_modified and collected.complete:
                store.save_validators(moved or r.requested_url, r.etag, r.last_modified, now)
            interval = self.interval_for(source, collected, interval, now)
            floor = freshness_floor(dict(r.headers), collected.ttl_minutes, now)
            # Jitter on every next-due time, or sources polled together stay together (issue 19).
            jitter = spread + jitter_for(interval) * random.random()
            outcome = PollOutcome(
                source.name,
                PollStatus.NOT_MODIFIED if r.not_modified else PollStatus.OK,
                new=new,
                duplicates=dup,
                skipped=collected.skipped,
                failed=collected.failed,
                title=collected.title,
                ms=_ms(started),
                next_due=next_due(now, interval=interval, floor=floor, rand=random.random(), jitter=jitter),
                interval=interval,
                moved_to=moved,
                http_status=r.status,
            )
            store.record_poll(outcome, now)
        if again:
            self.report_recleaned(source.name, [(c.topics, topics) for c, _, topics, _ in again])
        return outcome

    def decide(
        self, article: Article, keys: Keys | None = None
    ) -> tuple[KeyedArticle, tuple[str, ...], tuple[Statement, ...]]:
        """An article's dedup keys, topics and statements: pure, before the store's lock.
        ``keys``: its keys and statements when the poll's work computed them (prepare.py);
        else here: one article's MinHash costs less than shipping it to a worker."""
        keys = keys if keys is not None else keys_of(article)
        return keys.keyed, self.matcher.match(MatchDoc.of(article)), self.statements.resolve(keys.statements)

    def report_recleaned(self, source: str, topics: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
        """One event and the metrics for a poll's re-cleaned articles: (topics before, after) each."""
        left = sum(len(set(before) - set(after)) for before, after in topics)
        joined = sum(len(set(after) - set(before)) for before, after in topics)
        log.event("template.recleaned", source=source, articles=len(topics), topics_left=left, topics_joined=joined)
        self.metrics.recleaned.labels(source).inc(len(topics))
        self.metrics.recleaned_topics_left.labels(source).inc(left)

    def place(
        self,
        store: Transaction,
        keyed: KeyedArticle,
        topics: tuple[str, ...],
        now: datetime,
        statements: tuple[Statement, ...] | None = None,
    ) -> tuple[str, DedupDecision]:
        """Store one article where the story desk puts it (see placement.py)."""
        return self.placer.place(store, keyed, topics, now, statements)

    @property
    def statements(self) -> StatementExtractor:
        return self.placer.statements

    @property
    def desk(self) -> StoryDesk:
        return self.placer.desk

    def interval_for(self, source: SourceConfig, collected: Collected, known: float | None, now: datetime) -> float:
        """The configured interval, or for ``interval = "auto"`` one fitted to the entries' dates."""
        if not source.adaptive:
            return source.interval
        if not collected.published:  # a 304 says nothing new about the rate
            return known or source.interval
        f = self.config.fetch
        return adaptive_interval(collected.published, now, f.min_interval, f.max_interval)


def new_desk(config: Config) -> StoryDesk:
    """The story desk for ``[dedup]`` (its near-duplicate index is in the store: store/bands.py)."""
    return StoryDesk(config.dedup.similarity, timedelta(seconds=config.dedup.window))


def _noting(fn: Callable[..., R], *args: Any, **kwargs: Any) -> tuple[R, dict[str, int]]:
    """``fn``'s result and the values cleaned while it ran: counted where it runs (a worker
    process, cpu.py), named in this process's log."""
    with noting() as cleaned:
        return fn(*args, **kwargs), dict(cleaned)


def _parse_declared_feed(result: FetchResult, source: str) -> ParsedSource:
    """parse_feed, but an HTML page is an error naming it, not an empty feed. Only when
    nothing was salvaged: a feed behind a PHP warning's ``<br />`` still sniffs as HTML."""
    try:
        parsed = parse_feed(result, source)
    except ParseError as e:
        if html := html_instead_of_feed(result):
            raise ParseError(result.url, html) from e
        raise
    if not parsed.items and (html := html_instead_of_feed(result)):
        raise ParseError(result.url, html)
    return parsed


def _fallback(item: RawItem, now: datetime, teaser: bool) -> Article:
    return _article(item, None, now, teaser=teaser)


def _article(item: RawItem, extracted: Extracted | None, now: datetime, *, teaser: bool = False) -> Article:
    """build_article in a poll's thread: it cleans the entry's HTML with lxml (lxmlock.py)."""
    with holding_lxml():
        return build_article(item, extracted, now, teaser=teaser)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
