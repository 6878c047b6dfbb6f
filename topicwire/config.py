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

from cssselect import GenericTranslator, SelectorError

from topicwire.errors import ConfigError, QueryError
from topicwire.topics.match import unknown_values
from topicwire.topics.query import MAX_NESTING, MAX_QUERY_CHARS, Query, compile_query
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


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):  # match() with "$" let "kremlin\n" through
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
    bad_host = len(host) > 255 or any(c.isspace() or not c.isprintable() for c in host)
    if not sep or bad_host or not port.isascii() or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError('is not "host:port" (try "127.0.0.1:8080")')
    return host.strip("[]") or "127.0.0.1", int(port)


# -- bounds: every key has them, `check` enforces them, the README shows them (issue 13) ---------
# A value that passed `check` once broke `once`: a timeout of 10**400 s (inf: OverflowError), a
# retention of a million years (a date before year 1), max_redirects = -1, a User-Agent with
# CR/LF (requests refuses it in every request). Each parser below checks its key's range.

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_TEXT = re.compile(r"[\x20-\x7e]+")  # RFC 9110 5.5 field-value, ASCII visible chars and SP
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")
MAX_URL_CHARS = 2048


def show_duration(seconds: float) -> str:
    """120 -> "2m", 0.1 -> "100ms": the bounds as the README and the errors show them."""
    if seconds == 0:
        return "0s"
    for unit in ("d", "h", "m", "s"):
        if seconds >= _UNIT[unit] and seconds % _UNIT[unit] == 0:
            return f"{int(seconds // _UNIT[unit])}{unit}"
    return f"{round(seconds * 1000)}ms"


def _duration_in(low: float, high: float, *, zero: bool = False) -> Callable[[Any], float]:
    def parse(value: str) -> float:
        seconds = _delay(value) if zero else parse_duration(value)
        if not low <= seconds <= high:  # also inf: "9" * 400 + "s" is a float overflow, not an error
            raise ValueError(f"must be between {show_duration(low)} and {show_duration(high)}")
        return seconds

    return parse


def _interval_in(low: float, high: float) -> Callable[[Any], float | str]:
    within = _duration_in(low, high)
    return lambda value: "auto" if isinstance(value, str) and value.strip().lower() == "auto" else within(value)


def _int_in(low: int, high: int) -> Callable[[int], int]:
    def parse(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return parse


def _text(max_chars: int, *, header: bool = False) -> Callable[[str], str]:
    """A string of at most ``max_chars``; no control characters (they break logs, files and
    feeds); ``header``: printable ASCII only, since it is sent as an HTTP header (CR/LF would
    split it, and http.client encodes headers as Latin-1)."""

    def parse(value: str) -> str:
        if len(value) > max_chars:
            raise ValueError(f"is longer than {max_chars} characters")
        if header and not _HEADER_TEXT.fullmatch(value):
            raise ValueError("must be printable ASCII (no CR, LF or other control characters)")
        if _CONTROL.search(value):
            raise ValueError("contains a control character")
        return value

    return parse


def _url_text(parse: Callable[[str], str]) -> Callable[[str], str]:
    """``parse`` after the checks every configured URL gets: length, no spaces or controls, a valid port."""

    def checked(value: str) -> str:
        if len(value) > MAX_URL_CHARS:
            raise ValueError(f"is longer than {MAX_URL_CHARS} characters")
        if value and (_CONTROL.search(value) or any(c.isspace() for c in value)):
            raise ValueError("contains a space or a control character")
        try:
            _ = urlsplit(value).port
        except ValueError as e:
            raise ValueError(f"is not a valid URL ({e})") from e
        return parse(value)

    return checked


def _list_of(max_items: int, item: Callable[[str], str] | None = None) -> Callable[[list[Any]], list[Any]]:
    def parse(values: list[Any]) -> list[Any]:
        if len(values) > max_items:
            raise ValueError(f"has more than {max_items} entries")
        for value in values:
            if item is not None and isinstance(value, str) and value:
                item(value)
        return values

    return parse


def _language(value: str) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise ValueError(f'{value!r} is not a language code (try "en" or "pt-BR")')
    return value


def _fraction(value: float) -> float:
    if not 0 < value <= 1:  # NaN fails this too
        raise ValueError("must be a number in (0, 1]")
    return float(value)


def _kind(value: str) -> str:
    if value not in ("feed", "page", "auto"):
        raise ValueError('must be "feed", "page" or "auto"')
    return value


def _css(value: str) -> str:
    """A CSS selector lxml can run (sources.link_selector); "" is off."""
    if value:
        try:
            GenericTranslator().css_to_xpath(value)
        except SelectorError as e:
            raise ValueError(f"is not a valid CSS selector ({e})") from e
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
    bounds: str = ""  # what `parse` accepts, as the README's reference table shows it


_DUR = (str,)
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
MAX_POLL_GAP = 30 * DAY  # the scheduler's longest delay (schedule.py MAX_DELAY)


def _dur(default: str, help: str, low: float, high: float, *, zero: bool = False) -> Key:
    return Key(_DUR, default, help, _duration_in(low, high, zero=zero), f"{show_duration(low)}..{show_duration(high)}")


def _interval_key(default: str, help: str) -> Key:
    bounds = f'{show_duration(1)}..{show_duration(MAX_POLL_GAP)} or "auto"'
    return Key(_DUR, default, help, _interval_in(1, MAX_POLL_GAP), bounds)


def _int(default: int, help: str, low: int, high: int) -> Key:
    return Key(int, default, help, _int_in(low, high), f"{low}..{high}")


def _str(default: str | None, help: str, max_chars: int, parse: Callable[[str], Any] | None = None) -> Key:
    check = _text(max_chars)
    parser = check if parse is None else (lambda value: parse(check(value)))
    return Key(str, default, help, parser, f"at most {max_chars} characters, no control characters")


def _url(default: str | None, help: str, parse: Callable[[str], Any]) -> Key:
    return Key(str, default, help, _url_text(parse), f"http(s), at most {MAX_URL_CHARS} characters, no spaces")


BOOL_BOUNDS = "true or false"

# Section -> key -> Key. "sources" and "topics" describe each [[sources]]/[[topics]] item.
KEYS: Mapping[str, Mapping[str, Key]] = {
    "store": {
        "path": _str("var/topicwire.sqlite3", "SQLite database file", 4096),
        "keep": _dur("90d", "how long articles are kept (each feed keeps its newest entries)", HOUR, 36500 * DAY),
    },
    "output": {
        "dir": _str("var/feeds", "folder the feed files are written to", 4096),
        "base_url": _url("http://127.0.0.1:8080/", "public URL of that folder (self links, OPML)", _base_url),
        "max_items": _int(100, "newest entries per feed", 1, 10000),
        "title": _str("topicwire", "title of index.opml and the feed listing", 200),
        "update_on_new_source": Key(
            bool,
            False,
            "bump a story's entry updated time when another outlet joins it (readers may re-show it)",
            bounds=BOOL_BOUNDS,
        ),
        "websub_hub": Key(
            str,
            "",
            "WebSub hub advertised in every feed and pinged when one changes (empty: off)",
            _url_text(_hub_url),
            f'"" or http(s), at most {MAX_URL_CHARS} characters, no spaces',
        ),
        "publish_delay": _dur(
            "3s", "run: feeds are regenerated this long after the first unpublished new article", 0, 300, zero=True
        ),
    },
    "dedup": {
        "similarity": Key(
            (float, int),
            0.5,
            "least word-shingle Jaccard similarity for two texts to be one story",
            _fraction,
            "0 < x <= 1",
        ),
        "window": _dur("3d", "publication-time window within which near-duplicates merge", MINUTE, 365 * DAY),
    },
    "server": {
        "listen": Key(
            str,
            "127.0.0.1:8080",
            "host:port of the built-in feed server started by `run`",
            _listen,
            "port 0..65535, host without spaces",
        ),
    },
    "fetch": {
        "user_agent": Key(
            str,
            "topicwire/0.1 (+https://example.org/topicwire)",
            "User-Agent header sent with every request",
            _text(512, header=True),
            "1..512 printable ASCII characters (no CR/LF)",
        ),
        "timeout": _dur("20s", "deadline for one whole HTTP response (connect, headers and body)", 0.1, 10 * MINUTE),
        "connect_timeout": _dur("10s", "deadline for opening a connection", 0.1, 10 * MINUTE),
        "max_bytes": _int(10485760, "largest response body accepted, after decompression", 1024, 256 * 1024 * 1024),
        "max_redirects": _int(5, "redirects followed before giving up", 0, 20),
        "allow_private_addresses": Key(
            bool, False, "allow loopback/private/link-local targets (off: refused after DNS)", bounds=BOOL_BOUNDS
        ),
        "concurrency": _int(4, "sources fetched at the same time", 1, 256),
        "per_host_concurrency": _int(2, "requests in flight to one host (feeds and pages together)", 1, 64),
        "per_host_delay": _dur("1s", "least time between two requests to one host", 0, HOUR, zero=True),
        "respect_robots": Key(bool, True, "honour robots.txt for page sources and article pages", bounds=BOOL_BOUNDS),
        "min_interval": _dur("5m", 'shortest interval of an interval = "auto" source', 1, MAX_POLL_GAP),
        "max_interval": _dur("6h", 'longest interval of an interval = "auto" source', 1, MAX_POLL_GAP),
        "max_backoff": _dur("6h", "longest wait after consecutive failures", 1, MAX_POLL_GAP),
        "failing_after": _int(3, "consecutive failures after which a source is shown as failing", 1, 1000),
        "max_new_items": _int(100, "new items taken from one poll of a source, newest first", 1, 10_000),
    },
    "defaults": {
        "interval": _interval_key("15m", 'default poll interval of a source, or "auto"'),
        "fulltext": Key(bool, True, "fetch each article page and extract its main text", bounds=BOOL_BOUNDS),
    },
    "sources": {
        "name": Key(str, None, "unique short name, used in logs and `source:` queries", _name, "a-z 0-9 . _ -, 1..64"),
        "url": _url(None, "feed URL or HTML page URL", _http_url),
        "kind": Key(str, "auto", "feed | page | auto (sniffed from the response)", _kind, "feed, page or auto"),
        "interval": _interval_key("", 'poll interval, or "auto" (default: defaults.interval)'),
        "fulltext": Key(bool, "", "override defaults.fulltext for this source", bounds=BOOL_BOUNDS),
        "link_selector": _str(
            "", "page sources: CSS selector of the article links on the listing page (empty: detected)", 1000, _css
        ),
    },
    "topics": {
        "name": Key(str, None, "file stem of the topic's feeds", _name, "a-z 0-9 . _ -, 1..64"),
        "title": _str("", "feed title (default: the name)", 200),
        "query": Key(
            str,
            None,
            "topic rule in the query language (see README)",
            _text(MAX_QUERY_CHARS),
            f"at most {MAX_QUERY_CHARS} characters, nested at most {MAX_NESTING} deep",
        ),
        "description": _str("", "feed description", 2000),
        "exclude": Key(
            str,
            "",
            "articles matching this query are left out of the topic",
            _text(MAX_QUERY_CHARS),
            "as `topics.query`",
        ),
        "statements": Key(
            str,
            "",
            "a speaker query: the feed's entries are the statements of the topic's stories whose speaker matches it",
            _text(MAX_QUERY_CHARS),
            "as `topics.query`",
        ),
        "sources": Key(
            list, [], "only articles from these sources (names); empty: all", _list_of(1000), "at most 1000"
        ),
        "languages": Key(
            list,
            [],
            'only articles in these languages ("en" also takes "en-US"); empty: all',
            _list_of(100, _language),
            "at most 100 language codes",
        ),
        "webhook": Key(
            str,
            "",
            "URL each new entry of the topic is POSTed to as JSON (empty: off)",
            _url_text(_hub_url),
            f'"" or http(s), at most {MAX_URL_CHARS} characters, no spaces',
        ),
        "webhook_secret": Key(
            str,
            "",
            "key of the HMAC-SHA256 signature of each webhook body (empty: unsigned)",
            lambda value: value and _text(512, header=True)(value),
            "at most 512 printable ASCII characters",
        ),
    },
    "webhooks": {
        "max_attempts": _int(12, "attempts of one webhook delivery before it is marked dead", 1, 100),
        "retry_base": _dur("1m", "wait after a delivery's first failed attempt (doubles per attempt)", 0.1, DAY),
        "retry_max": _dur("6h", "longest wait between two attempts of one delivery", 0.1, 7 * DAY),
    },
}
MAX_ALIAS_TERMS = 1000
MAX_TERM_CHARS = 200
ALIASES_BOUNDS = f"at most {MAX_ALIAS_TERMS} terms of at most {MAX_TERM_CHARS} characters"
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
    max_new_items: int = 100


@dataclass(frozen=True)
class SourceConfig:
    name: str
    url: str
    kind: str
    interval: float  # seconds; for an adaptive source, the interval until it has history
    fulltext: bool
    adaptive: bool = False  # interval = "auto"
    link_selector: str = ""  # page sources: CSS selector of the listing's article links


@dataclass(frozen=True)
class TopicConfig:
    name: str
    title: str
    query: Query
    description: str
    exclude: Query | None = None
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    webhook: str = ""  # "" = no push
    webhook_secret: str = ""  # "" = unsigned
    statements: Query | None = None  # a speaker query: the feed lists statements (issue 18)

    @property
    def rule(self) -> TopicRule:
        return TopicRule(self.name, self.query, self.exclude, self.sources, self.languages)


@dataclass(frozen=True)
class WebhookConfig:
    """[webhooks]: how failed deliveries are retried (feeds/webhooks.py)."""

    max_attempts: int = 12
    retry_base: float = 60.0
    retry_max: float = 6 * 3600.0


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
    webhooks: WebhookConfig = WebhookConfig()
    publish_delay: float = 3.0  # seconds; run's coalesced publishing (daemon/coalesce.py)

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
    except RecursionError as e:
        # tomllib recurses once per level of nested arrays or inline tables (issue 13).
        raise ConfigError(f"{path}: not valid TOML: arrays or inline tables nested too deeply") from e
    try:
        return _Validator(path).build(raw)
    except RecursionError as e:  # a nesting tomllib survived but a value's repr() does not
        raise ConfigError(f"{path}: a value is nested too deeply") from e


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
            for name in ("store", "output", "server", "fetch", "defaults", "dedup", "webhooks")
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
            webhooks=WebhookConfig(**sec["webhooks"]),
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
            if len(terms) > MAX_ALIAS_TERMS or any(len(t) > MAX_TERM_CHARS or _CONTROL.search(t) for t in terms):
                self.fail(
                    f"aliases.{name}", f"[{len(terms)} terms]", f"must have {ALIASES_BOUNDS}, no control characters"
                )
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
        for where, s in self.items("sources", array):
            if s["name"] is None or s["url"] is None:
                continue
            interval = s["interval"] if s["interval"] is not None else defaults["interval"]
            fulltext = s["fulltext"] if s["fulltext"] is not None else defaults["fulltext"]
            adaptive = interval == "auto"
            # An adaptive source starts at the 15-minute default until it has a history.
            seconds = parse_duration("15m") if adaptive or interval is None else interval
            kind = s["kind"] or "auto"
            if s["link_selector"] and kind == "feed":
                self.fail(f"{where}.link_selector", s["link_selector"], 'applies to page sources only (kind = "feed")')
            out.append(SourceConfig(s["name"], s["url"], kind, seconds, fulltext, adaptive, s["link_selector"] or ""))
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
            statements = self.query(f"{where}.statements", t["statements"], aliases) if t["statements"] else None
            sources = self.names(f"{where}.sources", t["sources"] or [])
            for name in sources:
                if name not in source_names:
                    self.fail(
                        f"{where}.sources",
                        name,
                        f"is not a configured source (known: {', '.join(sorted(source_names))})",
                    )
            for key, compiled in (("query", query), ("exclude", exclude)):
                self.known_sources(f"{where}.{key}", compiled, source_names)
            languages = tuple(
                x.lower().replace("_", "-") for x in self.names(f"{where}.languages", t["languages"] or [])
            )
            if t["webhook"] and t["statements"]:
                # The outbox sends stories; a statements topic's entries are statements, which
                # it cannot push yet: refused rather than sending what the feed never shows.
                self.fail(f"{where}.webhook", t["webhook"], "is not supported on a statements topic yet")
            if query is None or (t["exclude"] and exclude is None) or (t["statements"] and statements is None):
                continue
            title = t["title"] or t["name"]
            description = t["description"] or title
            hook = (t["webhook"] or "", t["webhook_secret"] or "")
            rest = (exclude, sources, languages, *hook, statements)
            out.append(TopicConfig(t["name"], title, query, description, *rest))
        return tuple(out)

    def query(self, where: str, text: str, aliases: dict[str, tuple[str, ...]]) -> Query | None:
        try:
            return compile_query(text, aliases)
        except QueryError as e:
            self.problems.append(f"{where}: {e}")
            return None

    def known_sources(self, where: str, query: Query | None, source_names: set[str]) -> None:
        """``source:gamma`` with no source gamma is the typo ``sources = ["gamma"]`` is refused for."""
        for value in unknown_values(query, "source", source_names) if query else ():
            known = ", ".join(sorted(source_names)) or "none"
            self.fail(where, f"source:{value}", f"names no configured source (known: {known})")

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
