"""Config value parsers: each turns one TOML value into the checked Python value, or raises
ValueError(hint) with the words that follow the key and the value in the error
(``sources[2].interval: "5 minutes" is not a duration (try ...)``).

The bounds of every key are checked here (issue 13): a value that passed `check` once broke
`once` (a timeout of 10**400 s is inf and an OverflowError, a retention of a million years a
date before year 1, max_redirects = -1, a User-Agent with CR/LF that requests refuses).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from cssselect import GenericTranslator, SelectorError

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_TEXT = re.compile(r"[\x20-\x7e]+")  # RFC 9110 5.5 field-value, ASCII visible chars and SP
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")
MAX_URL_CHARS = 2048
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
MAX_POLL_GAP = 30 * DAY  # the scheduler's longest delay (schedule.py MAX_DELAY)


# -- durations ------------------------------------------------------------------------------


def parse_duration(value: str) -> float:
    """'90s', '15m', '1h30m', '2d' -> seconds."""
    text = value.strip().lower().replace(" ", "") if isinstance(value, str) else ""
    if not text or _DURATION.sub("", text):
        raise ValueError('is not a duration (try "90s", "15m", "1h30m" or "2d")')
    seconds = sum(float(n) * _UNIT[u] for n, u in _DURATION.findall(text))
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    return seconds


def parse_delay(value: str) -> float:
    """A duration that may be zero ("0s": no pause)."""
    if isinstance(value, str) and value.strip() in ("0", "0s", "0ms"):
        return 0.0
    return parse_duration(value)


def show_duration(seconds: float) -> str:
    """120 -> "2m", 0.1 -> "100ms": the bounds as the README and the errors show them."""
    if seconds == 0:
        return "0s"
    for unit in ("d", "h", "m", "s"):
        if seconds >= _UNIT[unit] and seconds % _UNIT[unit] == 0:
            return f"{int(seconds // _UNIT[unit])}{unit}"
    return f"{round(seconds * 1000)}ms"


def duration_in(low: float, high: float, *, zero: bool = False) -> Callable[[Any], float]:
    def parse(value: str) -> float:
        seconds = parse_delay(value) if zero else parse_duration(value)
        if not low <= seconds <= high:  # also inf: "9" * 400 + "s" is a float overflow, not an error
            raise ValueError(f"must be between {show_duration(low)} and {show_duration(high)}")
        return seconds

    return parse


def interval_in(low: float, high: float) -> Callable[[Any], float | str]:
    within = duration_in(low, high)
    return lambda value: "auto" if isinstance(value, str) and value.strip().lower() == "auto" else within(value)


# -- numbers --------------------------------------------------------------------------------


def int_in(low: int, high: int) -> Callable[[int], int]:
    def parse(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return value

    return parse


def parse_fraction(value: float) -> float:
    if not 0 < value <= 1:  # NaN fails this too
        raise ValueError("must be a number in (0, 1]")
    return float(value)


# -- text -----------------------------------------------------------------------------------


def text_of(max_chars: int, *, header: bool = False) -> Callable[[str], str]:
    """A string of at most ``max_chars``; no control characters (they break logs, files and
    feeds); ``header``: printable ASCII only, since it is sent as an HTTP header (CR/LF would
    split it, and http.client encodes headers as Latin-1)."""

    def parse(value: str) -> str:
        if len(value) > max_chars:
            raise ValueError(f"is longer than {max_chars} characters")
        if header and not _HEADER_TEXT.fullmatch(value):
            raise ValueError("must be printable ASCII (no CR, LF or other control characters)")
        if CONTROL.search(value):
            raise ValueError("contains a control character")
        return value

    return parse


def parse_name(value: str) -> str:
    if not _NAME.fullmatch(value):  # match() with "$" let "kremlin\n" through
        raise ValueError("is not a valid name (lower-case letters, digits, '.', '_', '-')")
    return value


def parse_kind(value: str) -> str:
    if value not in ("feed", "page", "auto"):
        raise ValueError('must be "feed", "page" or "auto"')
    return value


def parse_language(value: str) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise ValueError(f'{value!r} is not a language code (try "en" or "pt-BR")')
    return value


def parse_css(value: str) -> str:
    """A CSS selector lxml can run (sources.link_selector); "" is off."""
    if value:
        try:
            GenericTranslator().css_to_xpath(value)
        except SelectorError as e:
            raise ValueError(f"is not a valid CSS selector ({e})") from e
    return value


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    bad_host = len(host) > 255 or any(c.isspace() or not c.isprintable() for c in host)
    if not sep or bad_host or not port.isascii() or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError('is not "host:port" (try "127.0.0.1:8080")')
    return host.strip("[]") or "127.0.0.1", int(port)


def list_of(max_items: int, item: Callable[[str], str] | None = None) -> Callable[[list[Any]], list[Any]]:
    def parse(values: list[Any]) -> list[Any]:
        if len(values) > max_items:
            raise ValueError(f"has more than {max_items} entries")
        for value in values:
            if item is not None and isinstance(value, str) and value:
                item(value)
        return values

    return parse


# -- URLs -----------------------------------------------------------------------------------


def parse_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("is not an http(s) URL")
    return value


def parse_base_url(value: str) -> str:
    return parse_http_url(value if value.endswith("/") else value + "/")


def parse_hub_url(value: str) -> str:
    """output.websub_hub, topics.webhook: "" (off) or an absolute http(s) URL without a fragment."""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment or value != value.strip():
        raise ValueError('is not an absolute http(s) URL (try "https://hub.example.org/" or "" for off)')
    return value


def url_checked(parse: Callable[[str], str]) -> Callable[[str], str]:
    """``parse`` after the checks every configured URL gets: length, no spaces or controls, a valid port."""

    def checked(value: str) -> str:
        if len(value) > MAX_URL_CHARS:
            raise ValueError(f"is longer than {MAX_URL_CHARS} characters")
        if value and (CONTROL.search(value) or any(c.isspace() for c in value)):
            raise ValueError("contains a space or a control character")
        try:
            _ = urlsplit(value).port
        except ValueError as e:
            raise ValueError(f"is not a valid URL ({e})") from e
        return parse(value)

    return checked


def identity(value: Any) -> Any:
    return value


def empty_or(parse: Callable[[str], str]) -> Callable[[str], str]:
    """ "" (off), or a value ``parse`` accepts."""
    return lambda value: value and parse(value)


def parse_store_url(value: str) -> str:
    """store.url: "" (SQLite at store.path) or a postgresql:// URL (libpq's form). The
    error never repeats the value: it may hold a password."""
    if value and not value.startswith(("postgresql://", "postgres://")):
        raise ValueError('is not a PostgreSQL URL (try "postgresql://user@host/db", or "" for SQLite at store.path)')
    return value
