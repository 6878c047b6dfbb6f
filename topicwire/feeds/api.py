"""The read-only JSON API other services use (served by ``run`` under ``/api/``).

    GET /api/topics                          topics with their feed URLs and entry counts
    GET /api/topics/NAME/entries?since=ISO   the topic's newest entries, optionally since a time
    GET /api/stories/ID                      one story: its representative's text, every outlet's article
                                             and every article's statements
    GET /api/statements?speaker=ALIAS&since=ISO  the statements of a speaker alias, newest first
    GET /api/sources                         every source's health and schedule

``answer(path, query)`` returns (HTTP status, JSON bytes); it only reads the store.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from topicwire.config import Config, TopicConfig
from topicwire.feeds.entries import entry_id
from topicwire.statements.identity import statement_id
from topicwire.store import Store
from topicwire.types import SourceState, Statement, StoredStory, StoryMember
from topicwire.values import plain_name, plain_text, web_url


class Api:
    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store

    def answer(self, path: str, query: str) -> tuple[int, bytes]:
        parts = [p for p in path.split("/") if p][1:]  # drop "api"
        if parts == ["topics"]:
            return 200, _json({"topics": [self._topic(t) for t in self.config.topics]})
        if len(parts) == 3 and parts[0] == "topics" and parts[2] == "entries":
            return self._entries(parts[1], parse_qs(query).get("since", [""])[0])
        if len(parts) == 2 and parts[0] == "stories":
            story = self.store.story(parts[1])
            if story is None:
                return _error(404, "no such story")
            found = self.store.statements_of([m.uid for m in story.members])
            statements = [
                statement_json(s, m.uid, story.id, m.url, m.source) for m in story.members for s in found.get(m.uid, ())
            ]
            return 200, _json(_story(story, full=True) | {"statements": statements})
        if parts == ["statements"]:
            return self._statements(parse_qs(query))
        if parts == ["sources"]:
            states = self.store.source_states(tuple(s.name for s in self.config.sources))
            return 200, _json({"sources": [_source(s, self.config.fetch.failing_after) for s in states]})
        return _error(404, "unknown API path")

    def _statements(self, params: dict[str, list[str]]) -> tuple[int, bytes]:
        speaker = params.get("speaker", [""])[0].lstrip("@")
        known = [name for name, _ in self.config.aliases]
        if speaker not in known:
            listed = ", ".join(f"@{name}" for name in known) or "none"
            return _error(400, f"speaker: {speaker!r} is not an alias of the config (known: {listed})")
        since = params.get("since", [""])[0]
        cutoff = _since(since)
        if isinstance(cutoff, str):
            return _error(400, cutoff)
        rows = self.store.statements_by_alias(speaker, cutoff, self.config.max_items)
        out = [
            statement_json(s, uid, story, url, source) | {"published": published.isoformat()}
            for s, uid, story, url, source, published in rows
        ]
        return 200, _json({"speaker": speaker, "since": since or None, "statements": out})

    def _topic(self, topic: TopicConfig) -> dict[str, Any]:
        name, base = topic.name, self.config.base_url
        return {
            "name": name,
            "title": topic.title,
            "feeds": {ext: f"{base}{name}.{ext}" for ext in ("rss", "atom", "json")},
            "entries_url": f"{base}api/topics/{name}/entries",
        }

    def _entries(self, name: str, since: str) -> tuple[int, bytes]:
        if self.config.topic(name) is None:
            return _error(404, f"no topic {name!r}")
        cutoff = _since(since)
        if isinstance(cutoff, str):
            return _error(400, cutoff)
        rows = self.store.topic_entries(name, self.config.max_items)
        entries = [_story(s) for s in rows if cutoff is None or max(s.updated, s.published) >= cutoff]
        return 200, _json({"topic": name, "since": since or None, "entries": entries})


def entry_json(s: StoredStory) -> dict[str, Any]:
    """One entry as ``/api/topics/NAME/entries`` lists it (webhooks send the same)."""
    return _story(s)


def _since(since: str) -> datetime | None | str:
    """The ``since`` parameter as a UTC time, None if absent, or the error message."""
    if not since:
        return None
    try:
        cutoff = datetime.fromisoformat(since.replace("Z", "+00:00"))
        # In UTC here: the store compares UTC text, and year 1 at +01:00 has no UTC form
        # (OverflowError was a 500 with a traceback, review 2).
        return (cutoff if cutoff.tzinfo else cutoff.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return f"since: {since!r} is not an ISO 8601 time (try 2025-01-31T12:00:00Z)"


def statement_json(s: Statement, uid: str, story_id: str, url: str, source: str) -> dict[str, Any]:
    return {
        "id": statement_id(story_id, s.text),  # the statements topic's entry id
        "speaker": plain_text(s.speaker),
        "resolved": plain_text(s.resolved),
        "alias": s.alias,
        "text": s.text,
        "kind": s.kind,
        "verb": s.verb,
        "language": s.language,
        "article": uid,
        "story": story_id,
        "url": web_url(url),
        "source": source,
        "paragraph": s.paragraph,
        "start": s.start,
        "end": s.end,
    }


def _story(s: StoredStory, full: bool = False) -> dict[str, Any]:
    a = s.representative
    out: dict[str, Any] = {
        "id": s.id,
        "entry_id": entry_id(s.id),
        # Cleaned again on the way out: the store may hold what an older version let in (issue 13).
        "title": plain_text(a.title),
        "url": web_url(a.url),
        "source": a.source,
        "published": s.published.isoformat(),
        "updated": max(s.updated, s.published).isoformat(),
        "first_seen": s.first_seen.isoformat(),
        "last_seen": s.last_seen.isoformat(),
        "author": plain_name(a.author),
        "language": a.language,
        "summary": a.summary,
        "topics": list(s.topics),
        "articles": [_member(m, m.uid == a.uid) for m in s.members],
    }
    if full:
        out |= {
            "text": a.text,
            "content_html": a.html,
            "method": a.method,
            "provenance": dict(a.provenance),
        }
    return out


def _member(m: StoryMember, shown: bool) -> dict[str, Any]:
    return {
        "id": m.uid,
        "source": m.source,
        "url": web_url(m.url),
        "title": plain_text(m.title),
        "published": m.published.isoformat(),
        "first_seen": m.first_seen.isoformat(),
        "representative": shown,
        "joined": m.joined or None,
    }


def _source(s: SourceState, failing_after: int) -> dict[str, Any]:
    status = s.shown_status(failing_after)
    when = {
        k: v.isoformat() if v else None
        for k, v in (
            ("last_polled", s.last_polled),
            ("last_success", s.last_success),
            ("next_due", s.next_due),
            ("retired", s.retired),
        )
    }
    return {
        "name": s.name,
        "url": s.url,
        "status": status,
        "error": s.error,
        "error_count": s.error_count,
        "articles": s.articles,
        **when,
    }


def _json(value: object) -> bytes:
    # default=: a stored value of a type JSON lacks (a BLOB) is shown as text, not a 500;
    # errors=: a lone surrogate in stored text becomes "?" instead of failing the answer.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_as_text).encode("utf-8", "replace")


def _as_text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _error(status: int, message: str) -> tuple[int, bytes]:
    return status, _json({"error": message})
