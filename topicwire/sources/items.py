"""Which of a document's items to take: their keys, each listed once, the new and the
edited among them, the newest first when a poll is capped. Pure (the store says what is
known; the pipeline asks)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime

from topicwire.sources.entries import newest_indices
from topicwire.types import RawItem


def newest(items: list[RawItem], limit: int) -> list[RawItem]:
    """The ``limit`` newest of ``items`` in their feed order (sources/entries.newest_indices)."""
    return [items[i] for i in newest_indices([i.published or i.updated for i in items], limit)]


def is_fresh(item: RawItem, known: dict[str, datetime | None]) -> bool:
    """Never seen, or seen but its entry says it was updated after what we stored (an edit)."""
    times = [known[k] for k in item_keys(item) if k in known]
    if not times:
        return True
    stored = [t for t in times if t is not None]
    return bool(item.updated and stored and item.updated > max(stored))


def item_keys(item: RawItem) -> tuple[str, ...]:
    return tuple(k for k in (item.guid, item.url) if k)


def unique_items(items: tuple[RawItem, ...]) -> list[RawItem]:
    """Give keyless items a content key; drop items listed twice (same guid or URL)."""
    seen: set[str] = set()
    out = []
    for item in map(_with_key, items):
        keys = item_keys(item)
        if keys and seen.intersection(keys):
            continue
        seen.update(keys)
        out.append(item)
    return out


def _with_key(item: RawItem) -> RawItem:
    # An entry with neither id nor link (RSS allows it) is known by its content;
    # without a key every such entry would share the guid "" and merge into one.
    if item.guid or item.url:
        return item
    digest = hashlib.sha256(f"{item.title}\x1f{item.summary}{item.content}".encode()).hexdigest()
    return replace(item, guid=f"sha256:{digest[:32]}")
