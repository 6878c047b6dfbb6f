"""The validated config as the rest of topicwire reads it: frozen dataclasses, no defaults.

Every value comes from a key's declaration in keys.py (its default, its parser and the
attribute it fills); nothing here repeats a default, so a default is changed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from topicwire.topics.query import Query
from topicwire.topics.rules import TopicRule


@dataclass(frozen=True)
class DedupConfig:
    """[dedup]: when two texts are one story (dedup/)."""

    similarity: float
    window: float


@dataclass(frozen=True)
class FetchConfig:
    """[fetch]: HTTP limits, politeness and the scheduler's bounds."""

    user_agent: str
    timeout: float
    connect_timeout: float
    max_bytes: int
    max_redirects: int
    allow_private_addresses: bool
    concurrency: int
    per_host_concurrency: int
    per_host_delay: float
    respect_robots: bool
    min_interval: float
    max_interval: float
    max_backoff: float
    failing_after: int
    max_new_items: int


@dataclass(frozen=True)
class SourceConfig:
    """One [[sources]] table. The defaults below are for tests that build one by hand."""

    name: str
    url: str
    kind: str
    interval: float  # seconds; for an adaptive source, the interval until it has history
    fulltext: bool
    adaptive: bool = False  # interval = "auto"
    link_selector: str = ""  # page sources: CSS selector of the listing's article links


@dataclass(frozen=True)
class TopicConfig:
    """One [[topics]] table, its queries compiled."""

    name: str
    title: str
    query: Query
    description: str
    exclude: Query | None
    sources: tuple[str, ...]
    languages: tuple[str, ...]
    webhook: str  # "" = no push
    webhook_secret: str  # "" = unsigned
    statements: Query | None  # a speaker query: the feed lists statements (issue 18)

    @property
    def rule(self) -> TopicRule:
        return TopicRule(self.name, self.query, self.exclude, self.sources, self.languages)


@dataclass(frozen=True)
class WebhookConfig:
    """[webhooks]: how failed deliveries are retried (feeds/webhooks.py)."""

    max_attempts: int
    retry_base: float
    retry_max: float


@dataclass(frozen=True)
class Config:
    """The whole file: [store], [output] and [server] keys flattened, the rest by section."""

    path: Path
    store_path: Path
    store_url: str  # "" = the SQLite file at store_path
    pool_size: int  # PostgreSQL: connections one process keeps at most (store/postgres.py)
    keep: float
    output_dir: Path
    base_url: str
    max_items: int
    title: str
    update_on_new_source: bool
    websub_hub: str  # "" = off
    publish_delay: float  # seconds; run's coalesced publishing
    listen: tuple[str, int]
    workers: int  # 0 = one per CPU (see topicwire/cpu.py)
    lease: float  # seconds a claim on a source holds (daemon/scheduler.py)
    fetch: FetchConfig
    dedup: DedupConfig
    webhooks: WebhookConfig
    aliases: tuple[tuple[str, tuple[str, ...]], ...]
    sources: tuple[SourceConfig, ...]
    topics: tuple[TopicConfig, ...]

    @property
    def store(self) -> Path | str:
        """Where the store is, as Store.open takes it: the PostgreSQL URL, else the SQLite path."""
        return self.store_url or self.store_path

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def topic(self, name: str) -> TopicConfig | None:
        return next((t for t in self.topics if t.name == name), None)
