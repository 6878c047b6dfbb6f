"""Attributed statements of each article (issue 18): replaced whole whenever the article's
text is (re-)extracted, read per article, per story and per speaker alias."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from topicwire.store.codec import text
from topicwire.store.dialect import DB
from topicwire.types import Statement

_COLUMNS = "speaker, resolved, alias, kind, language, paragraph, start, stop, verb, text"


def replace(db: DB, uid: str, aliases: str, found: Iterable[Statement]) -> None:
    """The article's statements become ``found``; the article's current text key and length
    are recorded with them."""
    db.execute("DELETE FROM statements WHERE uid = ?", (uid,))
    db.executemany(
        f"INSERT INTO statements (uid, position, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (uid, i, s.speaker, s.resolved, s.alias, s.kind, s.language, s.paragraph, s.start, s.end, s.verb, s.text)
            for i, s in enumerate(found)
        ],
    )
    db.execute(
        "INSERT INTO statement_sources (uid, text_hash, text_len, aliases) "
        "SELECT uid, text_hash, length(text), ? FROM articles WHERE uid = ? "
        "ON CONFLICT (uid) DO UPDATE SET text_hash = excluded.text_hash, text_len = excluded.text_len, "
        "aliases = excluded.aliases",
        (aliases, uid),
    )


def of_articles(db: DB, uids: Sequence[str]) -> dict[str, tuple[Statement, ...]]:
    """Each article's statements in order (articles without any are left out)."""
    found: dict[str, list[Statement]] = {}
    for start in range(0, len(uids), 500):  # SQLite's limit on bound parameters
        chunk = list(uids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT uid, {_COLUMNS} FROM statements WHERE uid IN ({marks}) ORDER BY uid, position", chunk
        )
        for row in rows:
            found.setdefault(row["uid"], []).append(_statement(row))
    return {uid: tuple(rows) for uid, rows in found.items()}


def by_alias(db: DB, alias: str, since: str, limit: int) -> list[tuple[Statement, str, str, str, str, str]]:
    """(statement, article uid, story id, url, source, published) of the speaker alias's
    statements in articles published at ``since`` or later, newest first."""
    rows = db.execute(
        f"SELECT s.uid, {', '.join('s.' + c for c in _COLUMNS.split(', '))}, a.story_id, a.url, a.source, a.published "
        "FROM statements s JOIN articles a ON a.uid = s.uid WHERE s.alias = ? AND a.published >= ? "
        "ORDER BY a.published DESC, s.uid, s.position LIMIT ?",
        (alias, since, limit),
    )
    return [
        (
            _statement(r),
            r["uid"],
            text(r["story_id"]) or r["uid"],
            text(r["url"]),
            text(r["source"]),
            text(r["published"]),
        )
        for r in rows
    ]


def stale(db: DB, aliases: str, limit: int) -> Iterator[tuple[str, str]]:
    """(uid, text) of up to ``limit`` articles, newest first, whose statements were never
    extracted or were extracted with other aliases (two index reads per article, no text)."""
    rows = db.execute(
        "SELECT uid, text FROM articles WHERE uid IN ("
        "  SELECT uid FROM articles WHERE uid NOT IN (SELECT uid FROM statement_sources WHERE aliases = ?)"
        "  ORDER BY first_seen DESC LIMIT ?)",
        (aliases, limit),
    )
    for row in rows:
        yield row["uid"], text(row["text"])


def source(db: DB, uid: str) -> tuple[str, int, str] | None:
    """(text_hash, text length, aliases signature) the article's statements were extracted with."""
    row = db.execute("SELECT text_hash, text_len, aliases FROM statement_sources WHERE uid = ?", (uid,)).fetchone()
    return None if row is None else (text(row[0]), int(row[1]), text(row[2]))


def _statement(row: Any) -> Statement:
    return Statement(
        speaker=text(row["speaker"]),
        resolved=text(row["resolved"]),
        text=text(row["text"]),
        kind="direct" if row["kind"] == "direct" else "reported",
        language=text(row["language"]),
        paragraph=int(row["paragraph"]),
        start=int(row["start"]),
        end=int(row["stop"]),
        verb=text(row["verb"]),
        alias=row["alias"] if isinstance(row["alias"], str) else None,
    )
