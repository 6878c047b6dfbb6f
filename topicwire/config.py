"""The config file: one validated table of keys (miniflux's options table).

Every key has a type, a default, a validator and one line of help; ``KEYS``
is the single source for validation, ``topicwire check`` and the README's
config reference (a test fails if a key is missing there). Errors name the key
path and the bad value, and all of them are reported at once.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from topicwire.errors import ConfigError, QueryError
from topicwire.topics.query import Query, compile_query
from topicwire.topics.rules import TopicRule

# -- value parsers: each returns the parsed value or raises ValueError(hint) ------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


def parse_duration(value: str) -> float:
    """'90s', '15m', '1h30m', '2d' -> seconds."""
    text = value.strip().lower().replace(" ", "") if isinstance(value, str) else ""
    if not text or _DURATION.sub("", text):
        raise ValueError('is not a duration (try "90s", "15m", "1h30m" or "2d")')
    seconds = sum(float(n) * _UNIT[u] for n, u in _DURATION.findall(text))
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    return seconds


def _delay(value: str) -> float:
    """A duration that may be zero ("0s": no pause)."""
    if isinstance(value, str) and value.strip() in ("0", "0s", "0ms"):
        return 0.0
    return parse_duration(value)


MAX_PUBLISH_DELAY = 300.0


def _publish_delay(value: str) -> float:
    """output.publish_delay: 0 (render as soon as the one in flight ends) to 5 minutes."""
    seconds = _delay(value)
    if seconds > MAX_PUBLISH_DELAY:
        raise ValueError("is longer than 5m (a new article would wait that long for its feed)")
    return seconds


def _interval(value: str) -> float | str:
    """A duration, or "auto": adapt to the source's publishing rate."""
    return "auto" if isinstance(value, str) and value.strip().lower() == "auto" else parse_duration(value)


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError("is not a valid name (lower-case letters, digits, '.', '_', '-')")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("is not an http(s) URL")
    return value


def _base_url(value: str) -> str:
    return _http_url(value if value.endswith("/") else value + "/")


def _hub_url(value: str) -> str:
    """output.websub_hub: "" (off) or an absolute http(s) URL without a fragment."""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment or value != value.strip():
        raise ValueError('is not an absolute http(s) URL (try "https://hub.example.org/" or "" for off)')
    return value


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError('is not "host:port" (try "127.0.0.1:8080")')
    return host.strip("[]") or "127.0.0.1", int(port)


def _positive(value: int) -> int:
    if value <= 0:
        raise ValueError("must be a positive number")
    return value


def _fraction(value: float) -> float:
    if not 0 < value <= 1:
        raise ValueError("must be a number in (0, 1]")
    return float(value)


def _kind(value: str) -> str:
    if value not in ("feed", "page", "auto"):
        raise ValueError('must be "feed", "page" or "auto"')
    return value


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Key:
    """One config key: TOML type, default (None = required), parser, help line."""

    type: type | tuple[type, ...]
    default: Any
    help: str
    parse: Callable[[Any], Any] = _identity


_DUR = (str,)
# Section -> key -> Key. "sources" and "topics" describe each [[sources]]/[[topics]] item.
KEYS: Mapping[str, Mapping[str, Key]] = {
    "store": {
        "path": Key(str, "var/topicwire.sqlite3", "SQLite database file"),
        "keep": Key(_DUR, "90d", "how long articles are kept (each feed keeps its newest entries)", parse_duration),
    },
    "output": {
        "dir": Key(str, "var/feeds", "folder the feed files are written to"),
        "base_url": Key(str, "http://127.0.0.1:8080/", "public URL of that folder (self links, OPML)", _base_url),
        "max_items": Key(int, 100, "newest entries per feed", _positive),
        "title": Key(str, "topicwire", "title of index.opml and the feed listing"),
        "update_on_new_source": Key(
            bool, False, "bump a story's entry updated time when another outlet joins it (readers may re-show it)"
        ),
        "websub_hub": Key(
            str, "", "WebSub hub advertised in every feed and pinged when one changes (empty: off)", _hub_url
        ),
        "publish_delay": Key(
            _DUR, "3s", "run: feeds are regenerated this long after the first unpublished new article", _publish_delay
        ),
    },
    "dedup": {
        "similarity": Key(
            (float, int), 0.5, "least word-shingle Jaccard similarity for two texts to be one story", _fraction
        ),
        "window": Key(_DUR, "3d", "publication-time window within which near-duplicates merge", parse_duration),
    },
    "server": {
        "listen": Key(str, "127.0.0.1:8080", "host:port of the built-in feed server started by `run`", _listen),
    },
    "fetch": {
        "user_agent": Key(
            str,
            "topicwire/0.1 (+https://example.org/topicwire)",
            "User-Agent header sent with every request",
        ),
        "timeout": Key(
            _DUR,
            "20s",
            "deadline for one whole HTTP response (connect, headers and body)",
            parse_duration,
        ),
        "connect_timeout": Key(_DUR, "10s", "deadline for opening a connection", parse_duration),
        "max_bytes": Key(int, 10485760, "largest response body accepted, after decompression", _positive),
        "max_redirects": Key(int, 5, "redirects followed before giving up", _identity),
        "allow_private_addresses": Key(
            bool, False, "allow loopback/private/link-local targets (off: refused after DNS)"
        ),
        "concurrency": Key(int, 4, "sources fetched at the same time", _positive),
        "per_host_concurrency": Key(int, 2, "requests in flight to one host (feeds and pages together)", _positive),
        "per_host_delay": Key(_DUR, "1s", "least time between two requests to one host", _delay),
        "respect_robots": Key(bool, True, "honour robots.txt for page sources and article pages"),
        "min_interval": Key(_DUR, "5m", 'shortest interval of an interval = "auto" source', parse_duration),
        "max_interval": Key(_DUR, "6h", 'longest interval of an interval = "auto" source', parse_duration),
        "max_backoff": Key(_DUR, "6h", "longest wait after consecutive failures", parse_duration),
        "failing_after": Key(int, 3, "consecutive failures after which a source is shown as failing", _positive),
    },
    "defaults": {
        "interval": Key(_DUR, "15m", 'default poll interval of a source, or "auto"', _interval),
        "fulltext": Key(bool, True, "fetch each article page and extract its main text"),
    },
    "sources": {
        "name": Key(str, None, "unique short name, used in logs and `source:` queries", _name),
        "url": Key(str, None, "feed URL or HTML page URL", _http_url),
        "kind": Key(str, "auto", "feed | page | auto (sniffed from the response)", _kind),
        "interval": Key(_DUR, "", 'poll interval, or "auto" (default: defaults.interval)', _interval),
        "fulltext": Key(bool, "", "override defaults.fulltext for this source"),
    },
    "topics": {
        "name": Key(str, None, "file stem of the topic's feeds", _name),
        "title": Key(str, "", "feed title (default: the name)"),
        "query": Key(str, None, "topic rule in the query language (see README)"),
        "description": Key(str, "", "feed description"),
        "exclude": Key(str, "", "articles matching this query are left out of the topic"),
        "sources": Key(list, [], "only articles from these sources (names); empty: all"),
        "languages": Key(list, [], 'only articles in these languages ("en" also takes "en-US"); empty: all'),
    },
}
ALIASES_HELP = "named term sets reusable in topic queries as @name"


# -- the validated config ------------------------------------------------------------------


@dataclass(frozen=True)
class DedupConfig:
    similarity: float = 0.5
    window: float = 3 * 86400.0


@dataclass(frozen=True)
class FetchConfig:
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


@dataclass(frozen=True)
class SourceConfig:
    name: str
    url: str
    kind: str
    interval: float  # seconds; for an adaptive source, the interval until it has history
    fulltext: bool
    adaptive: bool = False  # interval = "auto"


@dataclass(frozen=True)
class TopicConfig:
    name: str
    title: str
    query: Query
    description: str
    exclude: Query | None = None
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @property
    def rule(self) -> TopicRule:
        return TopicRule(self.name, self.query, self.exclude, self.sources, self.languages)


@dataclass(frozen=True)
class Config:
    path: Path
    store_path: Path
    keep: float
    output_dir: Path
    base_url: str
    max_items: int
    title: str
    listen: tuple[str, int]
    fetch: FetchConfig
    aliases: tuple[tuple[str, tuple[str, ...]], ...]
    sources: tuple[SourceConfig, ...]
    topics: tuple[TopicConfig, ...]
    update_on_new_source: bool = False
    dedup: DedupConfig = DedupConfig()
    websub_hub: str = ""  # "" = off
    publish_delay: float = 3.0  # seconds; run's coalesced publishing (daemon/publisher.py)

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)


def default_config_path(cwd: Path | None = None) -> Path:
    """``./config.toml``, then ``$TOPICWIRE_CONFIG``."""
    local = (cwd or Path.cwd()) / "config.toml"
    if local.exists() or not os.environ.get("TOPICWIRE_CONFIG"):
        return local
    return Path(os.environ["TOPICWIRE_CONFIG"])


def load_config(path: Path) -> Config:
    """Read and validate ``path``; raise ConfigError listing every problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read config file: {e.strerror}") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e
    return _Validator(path).build(raw)


class _Validator:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def fail(self, key: str, value: Any, hint: str) -> None:
        self.problems.append(f"{key}: {_show(value)} {hint}")

    def build(self, raw: dict[str, Any]) -> Config:
        known = set(KEYS) | {"aliases"}
        for section in raw:
            if section not in known:
                self.fail(
                    section,
                    raw[section],
                    f"is not a known section (known: {', '.join(sorted(known))})",
                )
        sec = {
            name: self.section(name, raw.get(name, {}))
            for name in ("store", "output", "server", "fetch", "defaults", "dedup")
        }
        fetch = sec["fetch"]
        if fetch["min_interval"] and fetch["max_interval"] and fetch["min_interval"] > fetch["max_interval"]:
            self.fail("fetch.min_interval", raw["fetch"].get("min_interval"), "is longer than fetch.max_interval")
        aliases = self.aliases(raw.get("aliases", {}))
        sources = self.sources(raw.get("sources", []), sec["defaults"])
        topics = self.topics(raw.get("topics", []), dict(aliases), {s.name for s in sources})
        if self.problems:
            raise ConfigError(self.problems)
        base = self.path.resolve().parent
        return Config(
            path=self.path,
            store_path=base / sec["store"]["path"],
            keep=sec["store"]["keep"],
            output_dir=base / sec["output"]["dir"],
            base_url=sec["output"]["base_url"],
            max_items=sec["output"]["max_items"],
            title=sec["output"]["title"],
            listen=sec["server"]["listen"],
            fetch=FetchConfig(**sec["fetch"]),
            update_on_new_source=sec["output"]["update_on_new_source"],
            websub_hub=sec["output"]["websub_hub"] or "",
            publish_delay=sec["output"]["publish_delay"],
            dedup=DedupConfig(**sec["dedup"]),
            aliases=aliases,
            sources=sources,
            topics=topics,
        )

    def section(self, name: str, table: Any, where: str | None = None) -> dict[str, Any]:
        where = where or name
        if not isinstance(table, dict):
            self.fail(where, table, "must be a table")
            table = {}
        keys = KEYS[name]
        for key in table:
            if key not in keys:
                self.fail(f"{where}.{key}", table[key], f"is not a known key (known: {', '.join(keys)})")
        return {key: self.value(f"{where}.{key}", spec, table) for key, spec in keys.items()}

    def value(self, where: str, spec: Key, table: dict[str, Any]) -> Any:
        key = where.rsplit(".", 1)[1]
        if key not in table:
            if spec.default is None:
                self.problems.append(f"{where}: is required")
            if spec.default in (None, ""):
                return None
            return spec.parse(spec.default)
        value = table[key]
        if not isinstance(value, spec.type) or (spec.type is int and isinstance(value, bool)):
            self.fail(where, value, f"must be {_type_name(spec.type)}")
            return None
        try:
            return spec.parse(value)
        except ValueError as e:
            self.fail(where, value, str(e))
            return None

    def aliases(self, table: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if not isinstance(table, dict):
            self.fail("aliases", table, "must be a table of name = [terms]")
            return ()
        out = []
        for name, terms in table.items():
            ok = isinstance(terms, list) and terms and all(isinstance(t, str) and t.strip() for t in terms)
            if not ok:
                self.fail(f"aliases.{name}", terms, "must be a non-empty list of strings")
                continue
            out.append((name, tuple(terms)))
        return tuple(out)

    def items(self, name: str, array: Any) -> list[tuple[str, dict[str, Any]]]:
        if not isinstance(array, list):
            self.fail(name, array, f"must be an array of tables ([[{name}]])")
            return []
        items = [(f"{name}[{i}]", self.section(name, t, f"{name}[{i}]")) for i, t in enumerate(array)]
        seen: dict[str, str] = {}
        for where, item in items:
            if item["name"] in seen:
                self.fail(f"{where}.name", item["name"], f"is already used by {seen[item['name']]}")
            seen.setdefault(item["name"], where)
        return items

    def sources(self, array: Any, defaults: dict[str, Any]) -> tuple[SourceConfig, ...]:
        out = []
        for _, s in self.items("sources", array):
            if s["name"] is None or s["url"] is None:
                continue
            interval = s["interval"] if s["interval"] is not None else defaults["interval"]
            fulltext = s["fulltext"] if s["fulltext"] is not None else defaults["fulltext"]
            adaptive = interval == "auto"
            # An adaptive source starts at the 15-minute default until it has a history.
            seconds = parse_duration("15m") if adaptive or interval is None else interval
            out.append(SourceConfig(s["name"], s["url"], s["kind"] or "auto", seconds, fulltext, adaptive))
        return tuple(out)

    def topics(
        self, array: Any, aliases: dict[str, tuple[str, ...]], source_names: set[str]
    ) -> tuple[TopicConfig, ...]:
        out = []
        for where, t in self.items("topics", array):
            if t["name"] is None or t["query"] is None:
                continue
            query = self.query(f"{where}.query", t["query"], aliases)
            exclude = self.query(f"{where}.exclude", t["exclude"], aliases) if t["exclude"] else None
            sources = self.names(f"{where}.sources", t["sources"] or [])
            for name in sources:
                if name not in source_names:
                    self.fail(
                        f"{where}.sources",
                        name,
                        f"is not a configured source (known: {', '.join(sorted(source_names))})",
                    )
            languages = tuple(
                x.lower().replace("_", "-") for x in self.names(f"{where}.languages", t["languages"] or [])
            )
            if query is None or (t["exclude"] and exclude is None):
                continue
            title = t["title"] or t["name"]
            out.append(TopicConfig(t["name"], title, query, t["description"] or title, exclude, sources, languages))
        return tuple(out)

    def query(self, where: str, text: str, aliases: dict[str, tuple[str, ...]]) -> Query | None:
        try:
            return compile_query(text, aliases)
        except QueryError as e:
            self.problems.append(f"{where}: {e}")
            return None

    def names(self, where: str, values: list[Any]) -> tuple[str, ...]:
        if not all(isinstance(v, str) and v for v in values):
            self.fail(where, values, "must be a list of non-empty strings")
            return ()
        return tuple(values)


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "a whole number", bool: "true or false", list: "a list"}
    types = t if isinstance(t, tuple) else (t,)
    return " or ".join(names.get(x, x.__name__) for x in types)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{...}"
    return repr(value)
