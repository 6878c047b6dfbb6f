"""How values are written to and read from columns (portable text forms)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=4096)  # a poll writes the same `now` a few hundred times
def iso(dt: datetime) -> str:
    """Aware datetime -> ISO 8601 in UTC, seconds precision (sorts as text)."""
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


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
