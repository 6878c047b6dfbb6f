"""How values are written to and read from columns (portable text forms)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(dt: datetime) -> str:
    """Aware datetime -> ISO 8601 in UTC, seconds precision (sorts as text)."""
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
