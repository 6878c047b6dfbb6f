"""Reading the config file: TOML in, a validated ``Config`` out, or one ConfigError listing
every problem at once, each naming the key path and the bad value
(``sources[2].interval: "5 minutes" is not a duration (try ...)``).

Which keys exist, their defaults, bounds and the attributes they fill come from keys.py;
this module only walks the tables, resolves inherited values and checks what spans keys
(a topic naming an unknown source, min_interval above max_interval).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from topicwire.config.keys import (
    ADAPTIVE_START,
    ALIASES_BOUNDS,
    KEYS,
    MAX_ALIAS_TERMS,
    MAX_TERM_CHARS,
    REQUIRED,
    Inherit,
    Key,
    field_of,
)
from topicwire.config.model import Config, DedupConfig, FetchConfig, SourceConfig, TopicConfig, WebhookConfig
from topicwire.config.parsers import CONTROL
from topicwire.errors import ConfigError, QueryError
from topicwire.store.backend import redact
from topicwire.topics.match import unknown_values
from topicwire.topics.query import Query, compile_query


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
    """One pass over one file's tables; ``problems`` collects every error before raising."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.base = path.resolve().parent  # relative paths resolve against the config's folder
        self.problems: list[str] = []

    def note_problem(self, key: str, value: Any, hint: str) -> None:
        """Record ``key: value hint`` and go on (all problems are reported at once)."""
        self.problems.append(f"{key}: {_show(value)} {hint}")

    def build(self, raw: dict[str, Any]) -> Config:
        known = set(KEYS) | {"aliases"}
        for section in raw:
            if section not in known:
                self.note_problem(section, raw[section], f"is not a known section (known: {', '.join(sorted(known))})")
        tables = {name: self.section(name, raw.get(name, {})) for name in TABLES}
        fetch = tables["fetch"]
        if fetch["min_interval"] and fetch["max_interval"] and fetch["min_interval"] > fetch["max_interval"]:
            self.note_problem(
                "fetch.min_interval", raw["fetch"].get("min_interval"), "is longer than fetch.max_interval"
            )
        self.one_store(raw.get("store"))
        aliases = self.aliases(raw.get("aliases", {}))
        sources = self.sources(raw.get("sources", []), tables)
        topics = self.topics(raw.get("topics", []), dict(aliases), {s.name for s in sources})
        if self.problems:
            raise ConfigError(self.problems)
        flat = self.fields("store", tables["store"]) | self.fields("output", tables["output"])
        return Config(
            path=self.path,
            **flat,
            **self.fields("server", tables["server"]),
            **self.fields("daemon", tables["daemon"]),
            fetch=FetchConfig(**self.fields("fetch", fetch)),
            dedup=DedupConfig(**self.fields("dedup", tables["dedup"])),
            webhooks=WebhookConfig(**self.fields("webhooks", tables["webhooks"])),
            aliases=aliases,
            sources=sources,
            topics=topics,
        )

    def one_store(self, table: Any) -> None:
        """A store is a SQLite file or a PostgreSQL database: both written is an error."""
        if isinstance(table, dict) and table.get("url") and "path" in table:
            hint = "and store.path are both given: use store.path (SQLite) or store.url (PostgreSQL)"
            self.note_problem("store.url", table["url"], hint)

    def fields(self, name: str, values: dict[str, Any]) -> dict[str, Any]:
        """A table's values by the dataclass attributes they fill; paths resolved."""
        out = {}
        for key, value in values.items():
            spec = KEYS[name][key]
            out[field_of(key, spec)] = self.base / value if spec.kind == "path" else value
        return out

    def section(self, name: str, table: Any, where: str | None = None) -> dict[str, Any]:
        where = where or name
        if not isinstance(table, dict):
            self.note_problem(where, table, "must be a table")
            table = {}
        keys = KEYS[name]
        for key in table:
            if key not in keys:
                self.note_problem(f"{where}.{key}", table[key], f"is not a known key (known: {', '.join(keys)})")
        return {key: self.value(f"{where}.{key}", spec, table) for key, spec in keys.items()}

    def value(self, where: str, spec: Key, table: dict[str, Any]) -> Any:
        """The parsed value; unset: the parsed default, or the default itself when it is
        None or an Inherit (resolved by ``inherit``); a problem: None."""
        key = where.rsplit(".", 1)[1]
        if key not in table:
            if spec.default is REQUIRED:
                self.problems.append(f"{where}: is required")
                return None
            if spec.default is None or isinstance(spec.default, Inherit):
                return spec.default
            return spec.parse(spec.default)
        value = table[key]
        if not isinstance(value, spec.type) or (spec.type is int and isinstance(value, bool)):
            self.note_problem(where, value, f"must be {_type_name(spec.type)}")
            return None
        try:
            return spec.parse(value)
        except ValueError as e:
            self.note_problem(where, value, str(e))
            return None

    def aliases(self, table: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
        if not isinstance(table, dict):
            self.note_problem("aliases", table, "must be a table of name = [terms]")
            return ()
        out = []
        for name, terms in table.items():
            ok = isinstance(terms, list) and terms and all(isinstance(t, str) and t.strip() for t in terms)
            if not ok:
                self.note_problem(f"aliases.{name}", terms, "must be a non-empty list of strings")
                continue
            if len(terms) > MAX_ALIAS_TERMS or any(len(t) > MAX_TERM_CHARS or CONTROL.search(t) for t in terms):
                self.note_problem(
                    f"aliases.{name}", f"[{len(terms)} terms]", f"must have {ALIASES_BOUNDS}, no control characters"
                )
                continue
            out.append((name, tuple(terms)))
        return tuple(out)

    def items(
        self, name: str, array: Any, tables: dict[str, dict[str, Any]] | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """Each [[name]] table's values, inherited ones resolved; a repeated name is a problem."""
        if not isinstance(array, list):
            self.note_problem(name, array, f"must be an array of tables ([[{name}]])")
            return []
        items = [(f"{name}[{i}]", self.section(name, t, f"{name}[{i}]")) for i, t in enumerate(array)]
        seen: dict[str, str] = {}
        for where, item in items:
            self.inherit(name, item, tables or {})
            if item["name"] in seen:
                self.note_problem(f"{where}.name", item["name"], f"is already used by {seen[item['name']]}")
            seen.setdefault(item["name"], where)
        return items

    @staticmethod
    def inherit(name: str, item: dict[str, Any], tables: dict[str, dict[str, Any]]) -> None:
        """Fill each unset Inherit key of a [[name]] table from the key it names, in declaration
        order (a topic's description is its title, which is its name). An empty string is unset
        too: a topic's ``title = ""`` has always meant its name."""
        for key, spec in KEYS[name].items():
            if isinstance(spec.default, Inherit) and (isinstance(item[key], Inherit) or item[key] == ""):
                section, _, other = spec.default.key.rpartition(".")
                item[key] = tables[section][other] if section else item[other]

    def sources(self, array: Any, tables: dict[str, dict[str, Any]]) -> tuple[SourceConfig, ...]:
        out = []
        for where, s in self.items("sources", array, tables):
            if s["name"] is None or s["url"] is None:
                continue
            if s["link_selector"] and s["kind"] == "feed":
                self.note_problem(
                    f"{where}.link_selector", s["link_selector"], 'applies to page sources only (kind = "feed")'
                )
            adaptive = s["interval"] == "auto"
            seconds = ADAPTIVE_START if adaptive or s["interval"] is None else s["interval"]
            out.append(SourceConfig(**self.fields("sources", s) | {"interval": seconds, "adaptive": adaptive}))
        return tuple(out)

    def topics(
        self, array: Any, aliases: dict[str, tuple[str, ...]], source_names: set[str]
    ) -> tuple[TopicConfig, ...]:
        out = []
        for where, t in self.items("topics", array):
            if t["name"] is None or t["query"] is None:
                continue
            query = self.query(f"{where}.query", t["query"], aliases)
            optional = {key: self.query(f"{where}.{key}", t[key], aliases) if t[key] else None for key in OPTIONAL}
            sources = self.names(f"{where}.sources", t["sources"] or [])
            for name in sources:
                if name not in source_names:
                    known = ", ".join(sorted(source_names))
                    self.note_problem(f"{where}.sources", name, f"is not a configured source (known: {known})")
            for key, compiled in (("query", query), ("exclude", optional["exclude"])):
                self.known_sources(f"{where}.{key}", compiled, source_names)
            languages = tuple(
                x.lower().replace("_", "-") for x in self.names(f"{where}.languages", t["languages"] or [])
            )
            if query is None or any(t[key] and optional[key] is None for key in OPTIONAL):
                continue
            built: dict[str, Any] = {"query": query, **optional, "sources": sources, "languages": languages}
            out.append(TopicConfig(**self.fields("topics", t) | built))
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
            self.note_problem(where, f"source:{value}", f"names no configured source (known: {known})")

    def names(self, where: str, values: list[Any]) -> tuple[str, ...]:
        if not all(isinstance(v, str) and v for v in values):
            self.note_problem(where, values, "must be a list of non-empty strings")
            return ()
        return tuple(values)


OPTIONAL = ("exclude", "statements")  # a topic's optional queries: unset or "" is none
# The tables other than [[sources]] and [[topics]], in the order their problems are reported.
TABLES = ("store", "output", "server", "daemon", "fetch", "defaults", "dedup", "webhooks")


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "a whole number", bool: "true or false", list: "a list"}
    types = t if isinstance(t, tuple) else (t,)
    return " or ".join(names.get(x, x.__name__) for x in types)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{redact(value)}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{...}"
    return repr(value)
