"""The config keys, each declared once (miniflux's options table, datasette's SETTINGS).

A key's declaration holds its TOML type, its default, its parser (which checks the bounds),
the bounds as the README shows them, one line of help, and the dataclass attribute it fills.
Validation (load.py), the defaults and the README's config reference (reference.py) all
follow from ``SECTIONS``; a test fails if the README's table is not the generated one.

A default is a value (parsed as if written), ``REQUIRED``, ``None`` (unset: no value) or an
``Inherit`` naming the key whose value an unset one takes (a source's interval is
``defaults.interval``, a topic's title its name).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from topicwire.config.model import Config, DedupConfig, FetchConfig, SourceConfig, TopicConfig, WebhookConfig
from topicwire.config.parsers import (
    DAY,
    HOUR,
    MAX_POLL_GAP,
    MAX_URL_CHARS,
    MINUTE,
    duration_in,
    empty_or,
    identity,
    int_in,
    interval_in,
    list_of,
    parse_base_url,
    parse_css,
    parse_fraction,
    parse_http_url,
    parse_hub_url,
    parse_kind,
    parse_language,
    parse_listen,
    parse_name,
    parse_store_url,
    show_duration,
    text_of,
    url_checked,
)
from topicwire.topics.query import MAX_NESTING, MAX_QUERY_CHARS


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # the default of a key that must be written


@dataclass(frozen=True)
class Inherit:
    """The default of a key that takes another key's value when unset: ``key`` is a path
    (``defaults.interval``) or a key of the same table (``name``); ``shown`` is how the
    README's default column says it."""

    key: str
    shown: str


@dataclass(frozen=True)
class Key:
    """One config key: TOML type, default, help line, parser, bounds, attribute filled."""

    type: type | tuple[type, ...]
    default: Any  # a value, REQUIRED, None (unset: no value) or Inherit(...)
    help: str  # one line: the README's meaning column
    parse: Callable[[Any], Any]
    bounds: str  # what `parse` accepts, as the README shows it
    kind: str  # the README's type column
    field: str | None = None  # the dataclass attribute it fills; None: the key's own name


@dataclass(frozen=True)
class Section:
    """A config table: its keys, the dataclass they fill (None: other keys inherit them or,
    for [aliases], the names are the user's), the README's heading, and for a table without
    keys the README's text in place of the key table."""

    name: str
    keys: Mapping[str, Key]
    fills: type | None
    heading: str
    text: str | None = None


def _dur(default: str, help: str, low: float, high: float, *, zero: bool = False) -> Key:
    bounds = f"{show_duration(low)}..{show_duration(high)}"
    return Key(str, default, help, duration_in(low, high, zero=zero), bounds, "duration")


def _interval(default: Any, help: str) -> Key:
    bounds = f'{show_duration(1)}..{show_duration(MAX_POLL_GAP)} or "auto"'
    return Key(str, default, help, interval_in(1, MAX_POLL_GAP), bounds, 'duration or `"auto"`')


def _bool(default: Any, help: str) -> Key:
    return Key(bool, default, help, identity, "true or false", "boolean")


def _int(default: int, help: str, low: int, high: int) -> Key:
    return Key(int, default, help, int_in(low, high), f"{low}..{high}", "integer")


def _str(default: Any, help: str, max_chars: int, *, kind: str = "string", field: str | None = None) -> Key:
    bounds = f"at most {max_chars} characters, no control characters"
    return Key(str, default, help, text_of(max_chars), bounds, kind, field)


def _url(default: Any, help: str, parse: Callable[[str], Any]) -> Key:
    bounds = f"http(s), at most {MAX_URL_CHARS} characters, no spaces"
    return Key(str, default, help, url_checked(parse), bounds, "URL")


def _hook_url(help: str) -> Key:
    """Off (the empty string) or an absolute http(s) URL: output.websub_hub, topics.webhook."""
    bounds = f'"" or http(s), at most {MAX_URL_CHARS} characters, no spaces'
    return Key(str, "", help, url_checked(parse_hub_url), bounds, "URL")


def _query(default: Any, help: str, bounds: str) -> Key:
    return Key(str, default, help, text_of(MAX_QUERY_CHARS), bounds, "string")


NAME_BOUNDS = "a-z 0-9 . _ -, 1..64"
AS_QUERY = "as `topics.query`"

QUERY_BOUNDS = f"at most {MAX_QUERY_CHARS} characters, nested at most {MAX_NESTING} deep"
ADAPTIVE_START = 15 * MINUTE  # an interval = "auto" source's interval until it has a history

STORE: Mapping[str, Key] = {
    "path": _str(
        "var/topicwire.sqlite3",
        "SQLite database file (WAL mode; created with its folder)",
        4096,
        kind="path",
        field="store_path",
    ),
    "url": Key(
        str,
        "",
        "PostgreSQL database instead of the SQLite file: `postgresql://user:password@host:5432/db` (libpq's URL"
        " form; `?host=/run/postgresql` for a unix socket); its password never appears in logs or messages;"
        " not together with `store.path` (see [PostgreSQL](#postgresql))",
        url_checked(parse_store_url),
        f'"" or postgresql://..., at most {MAX_URL_CHARS} characters, no spaces',
        "URL",
        "store_url",
    ),
    "pool_size": Key(
        int,
        16,
        "PostgreSQL only: the most connections one topicwire process (`run`, `once`, a command) keeps open to"
        " the database (a `run`'s poll threads, feed server, publisher, claims, lease renewals and per-host"
        " politeness share them; a request for one waits at most 5 s, then that step fails and is tried again);"
        " at least `fetch.concurrency` + 4 is best. Ignored with `store.path`",
        int_in(4, 1000),
        "4..1000",
        "integer",
        "pool_size",
    ),
    "keep": _dur(
        "90d",
        "retention: articles first seen and published longer ago are deleted (after `once`, and every 6 hours in"
        " `run`), except each topic feed's `output.max_items` newest; their entry ids stay known so they are not"
        " ingested again; the file is vacuumed when over a quarter of it is free",
        HOUR,
        36500 * DAY,
    ),
}

OUTPUT: Mapping[str, Key] = {
    "dir": _str("var/feeds", "folder the feed files are written to", 4096, kind="path", field="output_dir"),
    "base_url": _url(
        "http://127.0.0.1:8080/",
        "public URL of that folder, used for self links and OPML",
        parse_base_url,
    ),
    "max_items": _int(100, "newest entries per feed", 1, 10000),
    "title": _str("topicwire", "title of `index.opml`", 200),
    "update_on_new_source": _bool(
        False,
        "when another outlet joins a story, change its feed entry's updated time (readers may show it again as"
        ' changed); off: only the "Also reported by" list grows',
    ),
    "websub_hub": _hook_url(
        "WebSub hub (absolute `http(s)` URL): every feed advertises it and it is pinged when a feed changes;"
        ' empty: off (see "WebSub" under Output)'
    ),
    "publish_delay": _dur(
        "3s",
        "`run` regenerates the feeds this long after the first new article not yet in them, once for all that"
        ' arrived meanwhile (at most one render at a time); `"0s"` to `"5m"`. A new article reaches its feeds'
        " within this delay plus one render; the delay is logged (`delay_ms` on `feeds.published`) and exported"
        " (`topicwire_publish_delay_seconds`). `once`, a reload and a clean stop publish at once",
        0,
        300,
        zero=True,
    ),
}

DEDUP: Mapping[str, Key] = {
    "similarity": Key(
        (float, int),
        0.5,
        "least similarity (Jaccard of word 5-shingles of the main text) for two articles to become one story",
        parse_fraction,
        "0 < x <= 1",
        "number in (0, 1]",
    ),
    "window": _dur(
        "3d",
        "two articles merge only if published within this much of each other; also how long the near-duplicate"
        " index remembers an article",
        MINUTE,
        365 * DAY,
    ),
}

SERVER: Mapping[str, Key] = {
    "listen": Key(
        str,
        "127.0.0.1:8080",
        "where `run` serves the output folder",
        parse_listen,
        "port 0..65535, host without spaces",
        '`"host:port"`',
    ),
}

DAEMON: Mapping[str, Key] = {
    "workers": _int(
        0,
        "processes full-text extraction, a full-text poll's template, dedup keys and statements, and the"
        " parsing of big feeds (256 KB or more) run in, for `run` and `once` (`--workers N` overrides it);"
        " 0: one per CPU; 1: all in the daemon's own process",
        0,
        64,
    ),
    "lease": _dur(
        "2m",
        "how long a worker's claim on a source holds unless renewed: a running poll's claim is renewed every"
        " third of it (at most every minute), so a worker killed mid-poll keeps its sources this long before"
        " another polls them",
        1,
        DAY,
    ),
}

FETCH: Mapping[str, Key] = {
    "user_agent": Key(
        str,
        "topicwire/0.1 (+https://example.org/topicwire)",
        "User-Agent sent with every request; put a contact URL in it",
        text_of(512, header=True),
        "1..512 printable ASCII characters (no CR/LF)",
        "string",
    ),
    "timeout": _dur(
        "20s",
        "deadline for a whole response: DNS lookup, connect, headers and body (a server dripping bytes is cut off)",
        0.1,
        10 * MINUTE,
    ),
    "connect_timeout": _dur("10s", "deadline for opening a connection", 0.1, 10 * MINUTE),
    "max_bytes": _int(10485760, "largest body accepted, counted after decompression", 1024, 256 * 1024 * 1024),
    "max_redirects": _int(5, "redirects followed (loops are detected)", 0, 20),
    "allow_private_addresses": _bool(
        False,
        "when false, loopback, private, link-local, multicast and reserved addresses are refused after DNS"
        " resolution and after every redirect",
    ),
    "concurrency": _int(4, "sources fetched at the same time", 1, 256),
    "per_host_concurrency": _int(
        2, "requests in flight to one host: feed polls, listing pages and article pages share it", 1, 64
    ),
    "per_host_delay": _dur(
        "1s",
        "least time between two requests to one host (a larger robots.txt `Crawl-delay` wins)",
        0,
        HOUR,
        zero=True,
    ),
    "respect_robots": _bool(
        True,
        "honour robots.txt for `page` sources and article pages; feeds are polled regardless, as feed readers do",
    ),
    "min_interval": _dur("5m", 'shortest interval an `interval = "auto"` source may get', 1, MAX_POLL_GAP),
    "max_interval": _dur("6h", 'longest interval an `interval = "auto"` source may get', 1, MAX_POLL_GAP),
    "max_backoff": _dur(
        "6h", "longest wait after consecutive failures (the wait doubles per failure, with jitter)", 1, MAX_POLL_GAP
    ),
    "failing_after": _int(3, "consecutive failures after which `sources` shows a source as `failing`", 1, 1000),
    "max_new_items": _int(
        100,
        "new items taken from one poll of a source, newest first (by the entry's date; an undated entry counts as"
        " new as the dated one listed before it); the rest are not marked seen and the cut poll keeps no"
        " ETag/Last-Modified, so the next poll fetches the feed again and takes the next batch; logged as"
        " `event=source.capped source=X taken=100 left=49900`",
        1,
        10_000,
    ),
}

DEFAULTS: Mapping[str, Key] = {
    "interval": _interval(
        "15m", 'poll interval of a source that sets none; `"auto"` adapts it to the source\'s publishing rate'
    ),
    "fulltext": _bool(
        True,
        "fetch each new article's page and extract its main text; when false the feed's own content (or a listing"
        " page's teaser) is used",
    ),
}

SOURCES: Mapping[str, Key] = {
    "name": Key(
        str,
        REQUIRED,
        "unique short name (`a-z 0-9 . _ -`), used in logs, `sources` and `source:` queries",
        parse_name,
        NAME_BOUNDS,
        "string",
    ),
    "url": _url(REQUIRED, "a feed URL or an HTML page URL", parse_http_url),
    "kind": Key(
        str,
        "auto",
        "`feed`, `page` (an article page or a listing page) or `auto` (sniffed from the response); a `feed` source"
        " that serves an HTML page fails, saying so",
        parse_kind,
        "feed, page or auto",
        "string",
    ),
    "interval": _interval(
        Inherit("defaults.interval", "`defaults.interval`"),
        'how often it is polled; `"auto"`: about twice per mean gap between its recent entries, clamped to'
        " `fetch.min_interval`..`fetch.max_interval`",
    ),
    "fulltext": _bool(Inherit("defaults.fulltext", "`defaults.fulltext`"), "per-source override"),
    "link_selector": Key(
        str,
        "",
        "`page` and `auto` sources: a CSS selector (CSS3, lxml's cssselect) of the article links on the listing"
        " page, for a site whose listing topicwire does not recognise (each selected element, or its first `<a>`,"
        " is one item; its block's text is the teaser); empty: detected. A page that matches no links fails with"
        " that error",
        lambda value: parse_css(text_of(1000)(value)),
        "at most 1000 characters, no control characters",
        "string",
    ),
}

TOPICS: Mapping[str, Key] = {
    "name": Key(
        str,
        REQUIRED,
        "file stem of the topic's feeds (`NAME.rss`, `NAME.atom`, `NAME.json`)",
        parse_name,
        NAME_BOUNDS,
        "string",
    ),
    # An empty title or description is unset too, as it always was (load.py).
    "title": _str(Inherit("name", "the name"), "feed title", 200),
    "query": _query(REQUIRED, "the rule, see [Topic queries](#topic-queries)", QUERY_BOUNDS),
    "description": _str(Inherit("title", "the title"), "feed description", 2000),
    "exclude": _query(
        None, "a query; articles matching it are left out (`exclude = 'football OR \"Eurovision\"'`)", AS_QUERY
    ),
    "statements": _query(
        None,
        "a speaker query in the query language (`statements = \"@kremlin\"`, `'@kremlin AND NOT Putin'`), matched"
        " against each statement's speaker (as written and the name a pronoun stands for; Russian case endings"
        " stemmed): the feed's entries are then the statements of the topic's stories whose speaker matches, not"
        " the stories (see [Statements](#statements))",
        AS_QUERY,
    ),
    "sources": Key(
        list, [], "only articles from these configured sources", list_of(1000), "at most 1000", "list of names"
    ),
    "languages": Key(
        list,
        [],
        'only articles in these languages; `"en"` also takes `"en-US"`',
        list_of(100, parse_language),
        "at most 100 language codes",
        "list of codes",
    ),
    "webhook": _hook_url("each new entry of the topic is POSTed here as JSON (see [Webhooks](#webhooks)); empty: off"),
    "webhook_secret": Key(
        str,
        "",
        "key of the `X-Topicwire-Signature` HMAC-SHA256 of each body; empty: unsigned",
        empty_or(text_of(512, header=True)),
        "at most 512 printable ASCII characters",
        "string",
    ),
}

WEBHOOKS: Mapping[str, Key] = {
    "max_attempts": _int(12, "attempts of one delivery before it is marked dead", 1, 100),
    "retry_base": _dur(
        "1m",
        "wait after the first failed attempt; it doubles with each further one (times 0.75-1.25, jitter)",
        0.1,
        DAY,
    ),
    "retry_max": _dur(
        "6h", "longest wait between two attempts (a receiver's longer `Retry-After` is cut to it)", 0.1, 7 * DAY
    ),
}

# [aliases] has free names, not keys: `aliases.NAME = ["term", ...]`.
MAX_ALIAS_TERMS = 1000
MAX_TERM_CHARS = 200
ALIASES_BOUNDS = f"at most {MAX_ALIAS_TERMS} terms of at most {MAX_TERM_CHARS} characters"
ALIASES_HELP = (
    '`aliases.NAME = ["term", "a phrase", "prefix*"]`: named term sets reusable in topic queries as `@NAME`.'
    " Each term is a word, a phrase of several words, or a prefix ending in `*`."
    f" Bounds: {ALIASES_BOUNDS}."
)

# In the README's order.
SECTIONS: tuple[Section, ...] = (
    Section("store", STORE, Config, "`[store]`"),
    Section("output", OUTPUT, Config, "`[output]`"),
    Section("dedup", DEDUP, DedupConfig, "`[dedup]`"),
    Section("server", SERVER, Config, "`[server]`"),
    Section("daemon", DAEMON, Config, "`[daemon]`"),
    Section("fetch", FETCH, FetchConfig, "`[fetch]`"),
    Section("defaults", DEFAULTS, None, "`[defaults]`"),
    Section("aliases", {}, None, "`[aliases]`", ALIASES_HELP),
    Section("sources", SOURCES, SourceConfig, "`[[sources]]` (one table per source)"),
    Section("topics", TOPICS, TopicConfig, "`[[topics]]` (one table per topic feed)"),
    Section("webhooks", WEBHOOKS, WebhookConfig, "`[webhooks]`"),
)
KEYS: Mapping[str, Mapping[str, Key]] = {s.name: s.keys for s in SECTIONS if s.keys}


def field_of(name: str, key: Key) -> str:
    """The dataclass attribute ``key`` (called ``name`` in its table) fills."""
    return key.field or name
