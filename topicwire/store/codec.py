"""How values are written to and read from columns (portable text forms)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from functools import lru_cache

from topicwire import log
from topicwire.clock import EPOCH


@lru_cache(maxsize=4096)  # a poll writes the same `now` a few hundred times
def iso(dt: datetime) -> str:
    """Aware datetime -> ISO 8601 in UTC, seconds precision (sorts as text)."""
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


# A stored date that does not parse (an older version or a bug wrote it, issue 13) reads
# as the epoch, so the row stays readable everywhere (start-up, feeds, the API) and sorts
# last; the value is logged once. A date without an offset is UTC, as types.py has it.
_LOGGED_MAX = 100  # distinct unreadable values logged per process
_logged: set[str] = set()


def from_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except (ValueError, TypeError):
        _log_unreadable(text)
        return EPOCH
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _log_unreadable(text: object) -> None:
    shown = repr(text)[:80]
    if shown not in _logged and len(_logged) < _LOGGED_MAX:
        _logged.add(shown)
        log.event("store.unreadable_date", logging.WARNING, value=shown, error="read as 1970-01-01T00:00:00+00:00")


def text(value: object) -> str:
    """A TEXT column as str whatever SQLite holds: it is dynamically typed, and a BLOB or a
    number written by an older version or a bug once failed every start-up (issue 13)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def optional_text(value: object) -> str | None:
    return None if value is None else text(value)


def pairs_to_text(pairs: tuple[tuple[str, str], ...]) -> str:
    """Field provenance as a JSON object ("" when none)."""
    return json.dumps(dict(pairs), sort_keys=True) if pairs else ""


def pairs_from_text(text: str | None) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple((str(k), str(v)) for k, v in value.items()) if isinstance(value, dict) else ()
