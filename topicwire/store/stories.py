"""SQL for ``stories`` and ``topic_stories``: articles grouped into stories, and the
stories each topic feed lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from topicwire.store.articles import to_stored
from topicwire.store.codec import from_iso, iso, text
from topicwire.store.dialect import DB
from topicwire.types import StoredStory, StoryMember

_MEMBER = "uid, story_id, source, url, title, published, first_seen, length(text) AS text_len, method, joined"


def create(db: DB, story_id: str, published: datetime, updated: datetime, now: datetime) -> None:
    db.execute(
        "INSERT INTO stories (id, representative, published, updated, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
        (story_id, story_id, iso(published), iso(updated), iso(now), iso(now)),
    )


def members(db: DB, story_id: str) -> tuple[StoryMember, ...]:
    rows = db.execute(
        f"SELECT {_MEMBER} FROM articles WHERE story_id = ? ORDER BY first_seen, published, uid", (story_id,)
    )
    return tuple(_member(r) for r in rows)


def set_story(
    db: DB,
    story_id: str,
    representative: str,
    published: datetime,
    updated: datetime | None,
    now: datetime,
) -> None:
    """After a member joined or changed: its representative, earliest time, and (if given) entry time."""
    db.execute(
        "UPDATE stories SET representative = ?, published = ?, updated = COALESCE(?, updated), last_seen = ? "
        "WHERE id = ?",
        (representative, iso(published), iso(updated) if updated else None, iso(now), story_id),
    )
    db.execute("UPDATE topic_stories SET published = ? WHERE story_id = ?", (iso(published), story_id))


def touch(db: DB, story_id: str, now: datetime) -> None:
    db.execute("UPDATE stories SET last_seen = ? WHERE id = ?", (iso(now), story_id))


def story_of(db: DB, uid: str) -> str | None:
    row = db.execute("SELECT story_id FROM articles WHERE uid = ?", (uid,)).fetchone()
    return row["story_id"] if row else None


def topics_of(db: DB, story_id: str) -> frozenset[str]:
    """The topics whose feeds list the story."""
    return frozenset(r[0] for r in db.execute("SELECT topic FROM topic_stories WHERE story_id = ?", (story_id,)))


def add_topics(db: DB, story_id: str, topics: Sequence[str]) -> None:
    """Only topics with a rule row (see topics.add)."""
    db.executemany(
        "INSERT INTO topic_stories (topic, story_id, published) "
        "SELECT ?, id, published FROM stories WHERE id = ? "
        "AND EXISTS (SELECT 1 FROM topic_rules WHERE topic = ?) ON CONFLICT (topic, story_id) DO NOTHING",
        [(t, story_id, t) for t in topics],
    )


def refresh_topics(db: DB, story_id: str) -> None:
    """A story is in every topic any of its articles is in."""
    db.execute("DELETE FROM topic_stories WHERE story_id = ?", (story_id,))
    db.execute(
        "INSERT INTO topic_stories (topic, story_id, published) "
        "SELECT DISTINCT t.topic, s.id, s.published FROM stories s "
        "JOIN articles a ON a.story_id = s.id JOIN topic_articles t ON t.uid = a.uid WHERE s.id = ?",
        (story_id,),
    )


def rebuild_topic(db: DB, topic: str) -> None:
    """After a topic's article membership was replaced (its rule changed)."""
    db.execute("DELETE FROM topic_stories WHERE topic = ?", (topic,))
    db.execute(
        "INSERT INTO topic_stories (topic, story_id, published) "
        "SELECT DISTINCT t.topic, s.id, s.published FROM topic_articles t "
        "JOIN articles a ON a.uid = t.uid JOIN stories s ON s.id = a.story_id WHERE t.topic = ?",
        (topic,),
    )


def topic_story_ids(db: DB, topic: str, limit: int) -> list[str]:
    rows = db.execute(
        "SELECT story_id FROM topic_stories WHERE topic = ? ORDER BY published DESC, story_id LIMIT ?",
        (topic, limit),
    )
    return [r["story_id"] for r in rows]


def get_many(db: DB, ids: Sequence[str]) -> tuple[StoredStory, ...]:
    """Whole stories (representative, members, topics) in the order of ``ids``; four queries."""
    if not ids:
        return ()
    marks = ",".join("?" * len(ids))
    heads = {r["id"]: r for r in db.execute(f"SELECT * FROM stories WHERE id IN ({marks})", list(ids))}
    reps = [h["representative"] for h in heads.values()]
    rep_marks = ",".join("?" * len(reps))
    articles = {r["uid"]: r for r in db.execute(f"SELECT * FROM articles WHERE uid IN ({rep_marks})", reps)}
    by_story: dict[str, list[StoryMember]] = {}
    for r in db.execute(
        f"SELECT {_MEMBER} FROM articles WHERE story_id IN ({marks}) ORDER BY first_seen, published, uid", ids
    ):
        by_story.setdefault(r["story_id"], []).append(_member(r))
    topics: dict[str, list[str]] = {}
    for r in db.execute(f"SELECT story_id, topic FROM topic_stories WHERE story_id IN ({marks}) ORDER BY topic", ids):
        topics.setdefault(r["story_id"], []).append(r["topic"])
    out = []
    for story_id in ids:
        head = heads.get(story_id)
        rep = articles.get(head["representative"]) if head else None
        if head is None or rep is None:
            continue
        story_topics = tuple(topics.get(story_id, ()))
        out.append(
            StoredStory(
                id=story_id,
                representative=to_stored(rep, story_topics),
                members=tuple(by_story.get(story_id, ())),
                published=from_iso(head["published"]),  # type: ignore[arg-type]
                updated=from_iso(head["updated"]),  # type: ignore[arg-type]
                first_seen=from_iso(head["first_seen"]),  # type: ignore[arg-type]
                last_seen=from_iso(head["last_seen"]),  # type: ignore[arg-type]
                topics=story_topics,
            )
        )
    return tuple(out)


def count(db: DB) -> int:
    return int(db.execute("SELECT COUNT(*) FROM stories").fetchone()[0])


def delete_empty(db: DB) -> int:
    """Stories left without articles (retention deleted them all)."""
    return db.execute("DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM articles)").rowcount


def _member(r: Any) -> StoryMember:
    return StoryMember(
        uid=r["uid"],
        source=r["source"],
        url=text(r["url"]),
        title=text(r["title"]),
        published=from_iso(r["published"]),  # type: ignore[arg-type]
        first_seen=from_iso(r["first_seen"]),  # type: ignore[arg-type]
        text_len=int(r["text_len"] or 0),
        method=r["method"],
        joined=r["joined"],
    )
