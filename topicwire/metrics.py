"""Prometheus metrics (prometheus-client), served on ``/metrics`` by ``run``.

Counters and histograms are fed by the pipeline as it works; figures that the
store or the host limiter already hold (articles, store size, last success,
deferrals) are read at scrape time, so they are right after a restart too. An info
metric names the worker (``host:pid``) among those sharing a store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client import Counter as _Counter
from prometheus_client import Histogram as _Histogram
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from topicwire.types import DeliveryState, PollOutcome, SourceState

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60, 120)
# Store to feed: output.publish_delay (3 s by default, up to 5 min) plus a render.
PUBLISH_DELAY_BUCKETS = (0.5, 1, 2, 3, 4, 5, 7.5, 10, 20, 30, 60, 120, 300, 600)


class Metrics:
    """Every counter and histogram ``run`` exports. ``Metrics.off()`` has the same
    attributes and records nothing (``once``, tests, benchmarks), so the stages that
    feed it never ask whether metrics are on (issue 15)."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        Counter = _Counter if enabled else _off
        Histogram = _Histogram if enabled else _off
        self.polls = Counter("topicwire_polls", "Polls by source and outcome", ["source", "outcome"], registry=r)
        self.articles = Counter("topicwire_articles", "Articles by source and result", ["source", "result"], registry=r)
        self.extractions = Counter(
            "topicwire_extractions", "Stored articles by extraction method", ["method"], registry=r
        )
        self.recleaned = Counter(
            "topicwire_template_recleaned",
            "Stored articles cleaned again when their source's template grew (issue 17)",
            ["source"],
            registry=r,
        )
        self.recleaned_topics_left = Counter(
            "topicwire_template_recleaned_topics_left",
            "Topics that re-cleaned articles no longer match and left",
            ["source"],
            registry=r,
        )
        self.poll_seconds = Histogram(
            "topicwire_poll_seconds", "Whole poll: fetch, parse, extract, store", buckets=LATENCY_BUCKETS, registry=r
        )
        self.fetch_seconds = Histogram(
            "topicwire_fetch_seconds", "One source document's HTTP fetch", buckets=LATENCY_BUCKETS, registry=r
        )
        self.render_seconds = Histogram(
            "topicwire_feed_render_seconds", "Regenerating every topic feed", buckets=LATENCY_BUCKETS, registry=r
        )
        self.publish_delay_seconds = Histogram(
            "topicwire_publish_delay_seconds",
            "From the first stored change a publish shows to its feeds written (run's coalesced publishing)",
            buckets=PUBLISH_DELAY_BUCKETS,
            registry=r,
        )

        self.webhook_attempts = Counter(
            "topicwire_webhook_attempts",
            "Webhook delivery attempts by topic and result (delivered, failed)",
            ["topic", "result"],
            registry=r,
        )
        self.webhook_dead = Counter(
            "topicwire_webhook_dead", "Webhook deliveries given up after webhooks.max_attempts", ["topic"], registry=r
        )

    @classmethod
    def off(cls) -> Metrics:
        return cls(enabled=False)

    def observe_poll(self, outcome: PollOutcome) -> None:
        self.polls.labels(outcome.source, outcome.status).inc()
        self.poll_seconds.observe(outcome.ms / 1000)
        if outcome.new:
            self.articles.labels(outcome.source, "new").inc(outcome.new)
        if outcome.duplicates:
            self.articles.labels(outcome.source, "duplicate").inc(outcome.duplicates)

    def add_state(self, read: Callable[[], StoreFigures]) -> None:
        """Figures read at scrape time (store, limiter)."""
        self.registry.register(_StateCollector(read))

    def add_outbox(self, read: Callable[[], tuple[DeliveryState, ...]]) -> None:
        """The webhook outbox by topic and status, read from the store at scrape time."""
        self.registry.register(_OutboxCollector(read))

    def add_worker(self, worker: str, backend: str) -> None:
        """``topicwire_worker_info{worker="host:pid", store="SQLite"} 1``: which of the workers
        sharing a store this is (the id it claims sources under, as ``topicwire stats`` lists)."""
        self.registry.register(_InfoCollector("topicwire_worker", "This worker", {"worker": worker, "store": backend}))

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


# states, bytes, articles, stories, limiter
StoreFigures = tuple[tuple[SourceState, ...], int, int, int, Mapping[str, int]]


class _StateCollector(Collector):
    def __init__(self, read: Callable[[], StoreFigures]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        states, size, articles, stories, limiter = self._read()
        yield _gauge("topicwire_stored_articles", "Articles in the store", articles)
        yield _gauge("topicwire_stories", "Stories in the store (one feed entry each)", stories)
        yield _gauge("topicwire_store_bytes", "Store size on disk (database and WAL files)", size)
        last = GaugeMetricFamily(
            "topicwire_last_success_timestamp_seconds", "Last successful poll per source", labels=["source"]
        )
        errors = GaugeMetricFamily("topicwire_source_consecutive_errors", "Failures in a row", labels=["source"])
        for s in states:
            if s.last_success:
                last.add_metric([s.name], s.last_success.timestamp())
            errors.add_metric([s.name], s.error_count)
        yield last
        yield errors
        deferred = GaugeMetricFamily("topicwire_deferrals", "Politeness deferrals in force", labels=["kind"])
        for kind, value in limiter.items():
            deferred.add_metric([kind], value)
        yield deferred


class _OutboxCollector(Collector):
    def __init__(self, read: Callable[[], tuple[DeliveryState, ...]]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        outbox = GaugeMetricFamily(
            "topicwire_webhook_outbox",
            "Webhook deliveries in the store by topic and status (pending, failed: retrying, dead, delivered)",
            labels=["topic", "status"],
        )
        for s in self._read():
            for status in ("pending", "failed", "dead", "delivered"):
                outbox.add_metric([s.topic, status], getattr(s, status))
        yield outbox


class _InfoCollector(Collector):
    def __init__(self, name: str, doc: str, labels: Mapping[str, str]) -> None:
        self._name, self._doc, self._labels = name, doc, dict(labels)

    def collect(self) -> Iterator[InfoMetricFamily]:
        yield InfoMetricFamily(self._name, self._doc, value=self._labels)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


class _Nothing:
    """A counter or histogram that records nothing: ``labels()`` returns itself."""

    def labels(self, *values: str) -> _Nothing:
        return self

    def inc(self, amount: float = 1) -> None:
        pass

    def observe(self, value: float) -> None:
        pass


_NOTHING = _Nothing()


def _off(*args: Any, **kwargs: Any) -> Any:
    return _NOTHING
