"""The story desk: places each new article in a story, using the store's exact keys
and the in-memory near-duplicate index (near.py), then the pure rule (stories.py).

The desk only reads the store (through the two methods of ``DedupReader``); the
pipeline writes what the desk decided, then calls ``record`` so later articles
of the same poll can find this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from topicwire.dedup.fingerprint import fingerprint
from topicwire.dedup.near import NearIndex, comparable, shingles, signature, similarity
from topicwire.dedup.stories import decide
from topicwire.types import Article, DedupDecision, ExactHit, Fingerprint, NearHit


class DedupReader(Protocol):
    def find_article(self, fp: Fingerprint) -> ExactHit | None: ...

    def near_texts(self, uids: tuple[str, ...]) -> tuple[tuple[str, str, str, str], ...]:
        """(uid, story_id, source, text) of each stored article in ``uids``."""
        ...


@dataclass(frozen=True)
class KeyedArticle:
    """An article with its dedup keys, computed before the store's lock is taken."""

    article: Article
    fp: Fingerprint
    grams: frozenset[str]
    sig: bytes  # b"" when the text is too short to compare

    @classmethod
    def of(cls, article: Article) -> KeyedArticle:
        grams = shingles(article.text)
        return cls(article, fingerprint(article), grams, signature(grams) if comparable(grams) else b"")


class StoryDesk:
    def __init__(self, threshold: float, window: timedelta) -> None:
        self.threshold = threshold
        self.index = NearIndex(window)

    def load(self, rows: Iterable[tuple[str, bytes, datetime, datetime]]) -> int:
        """Fill the index from stored (uid, signature, published, first_seen) rows."""
        n = 0
        for uid, sig, published, seen in rows:
            if sig:
                self.index.add(uid, sig, published, seen)
                n += 1
        return n

    def place(self, store: DedupReader, keyed: KeyedArticle) -> DedupDecision:
        exact = store.find_article(keyed.fp)
        near: tuple[NearHit, ...] = ()
        if exact is None and keyed.sig:
            near = self.near_hits(store, keyed)
        return decide(keyed.article, keyed.fp, exact, near, self.threshold)

    def near_hits(self, store: DedupReader, keyed: KeyedArticle) -> tuple[NearHit, ...]:
        found = self.index.candidates(keyed.sig, keyed.article.published)
        if not found:
            return ()
        return tuple(
            NearHit(uid, story_id, source, similarity(keyed.grams, shingles(text)))
            for uid, story_id, source, text in store.near_texts(found)
        )

    def record(self, uid: str, keyed: KeyedArticle, seen: datetime) -> None:
        """Index a stored (or updated) article for the articles that follow."""
        if keyed.sig:
            self.index.add(uid, keyed.sig, keyed.article.published, seen)
        else:
            self.index.remove(uid)

    def expire(self, now: datetime) -> int:
        return self.index.expire(now)
