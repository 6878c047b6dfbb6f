"""Placing each new article in a story, and keeping stories right as they change.

The story desk (dedup/desk.py) decides; this module acts on the store inside
the poll's transaction: a new article starts a story, another outlet's copy
joins one, an edit replaces the stored text; each writes the article's LSH band
hashes with it (the near-duplicate index is in the store, store/bands.py). Every
story touched is recorded so the next publish reads it again (topicwire/changes.py;
feeds/doc_cache.py keeps the rest).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from topicwire import log
from topicwire.changes import StoryChanges
from topicwire.clock import EPOCH
from topicwire.config import Config
from topicwire.dedup.desk import KeyedArticle, StoryDesk
from topicwire.dedup.fingerprint import article_uid
from topicwire.dedup.lsh import band_hashes
from topicwire.dedup.near import valid_signature
from topicwire.dedup.stories import representative
from topicwire.statements import StatementExtractor
from topicwire.statements.identity import statement_id
from topicwire.statements.speakers import SpeakerQuery
from topicwire.store import Store, Transaction
from topicwire.types import Article, DedupAction, DedupDecision, Statement

_BLANK = Article("", "", "", "", "", "", "", EPOCH, EPOCH)  # only its text is set, to key stored texts


class Placer:
    def __init__(self, desk: StoryDesk, config: Config, changes: StoryChanges) -> None:
        self.desk = desk
        self.update_on_new_source = config.update_on_new_source
        self.statements = StatementExtractor(dict(config.aliases))
        self.changes = changes  # every story placed into or changed, for the next publish
        # Statements topics with a webhook: their entries are statements, pushed one by one
        # (issue 18); the store pushes the other webhook topics' stories itself.
        self.statement_hooks = {t.name: SpeakerQuery(t.statements) for t in config.topics if t.statements and t.webhook}

    def place(
        self,
        tx: Transaction,
        keyed: KeyedArticle,
        topics: tuple[str, ...],
        now: datetime,
        statements: tuple[Statement, ...] | None = None,
    ) -> tuple[str, DedupDecision]:
        """Store one article where the desk puts it; return its uid and the decision.
        ``statements`` are the article's (extracted here if not given): stored with a new
        article, and replacing the stored ones when an edit replaces its text."""
        d = self.desk.place(tx, keyed, now)
        a, fp = keyed.article, keyed.fp
        if d.action in (DedupAction.NEW, DedupAction.JOIN):
            uid, story_id = article_uid(fp), d.story_id or ""
            joined = (
                "" if d.action == DedupAction.NEW else ("text" if d.reason == "text" else f"near {d.similarity:.2f}")
            )
            tx.insert_article(uid, a, fp, now, story_id=story_id, joined=joined, sig=keyed.sig)
            found = self.save_statements(tx, uid, a.text, statements)
            tx.add_topics(uid, story_id or uid, topics, now)
            self.push_statements(tx, story_id or uid, topics, found, now)
            tx.set_bands(uid, keyed.bands, a.published, now)
            if d.action == DedupAction.JOIN:
                self.rechoose_representative(tx, story_id, now, bump=self.update_on_new_source)
                sim = f"{d.similarity:.2f}"
                log.event("story.joined", story=story_id, article=uid, source=a.source, reason=d.reason, similarity=sim)
            self._mark(story_id or uid)
            return uid, d
        uid, story_id = d.existing_uid or "", d.story_id or ""
        if d.action == DedupAction.UPDATE:
            tx.update_article(uid, a, fp, keyed.sig, now)
            found = self.save_statements(tx, uid, a.text, statements)
            tx.set_article_topics(uid, story_id, topics, now)
            self.push_statements(tx, story_id, topics, found, now)
            tx.set_bands(uid, keyed.bands, a.published, now)
            self.rechoose_representative(tx, story_id, now, edited=uid)
            self._mark(story_id)
            log.event("article.updated", article=uid, source=a.source, reason=d.reason)
        else:
            tx.touch_article(uid, now, a.updated if d.reason == "guid" else None)
        return uid, d

    def reclean(
        self,
        tx: Transaction,
        uid: str,
        story_id: str,
        keyed: KeyedArticle,
        topics: tuple[str, ...],
        now: datetime,
        statements: tuple[Statement, ...] | None = None,
    ) -> None:
        """A stored article whose source's template grew, saved cleaned (issue 17): like an
        edit (text, dedup keys, topics decided again, same uid and story), except that the
        feed entry's updated time stays: the news did not change, only our cleaning of it,
        and a bump would re-announce every cleaned entry to readers."""
        tx.update_article(uid, keyed.article, keyed.fp, keyed.sig, now)
        tx.set_article_topics(uid, story_id, topics, now)
        self.save_statements(tx, uid, keyed.article.text, statements)  # the text changed: read again
        tx.set_bands(uid, keyed.bands, keyed.article.published, now)
        self.rechoose_representative(tx, story_id, now)
        self._mark(story_id)

    def save_statements(
        self, tx: Transaction, uid: str, text: str, found: tuple[Statement, ...] | None
    ) -> tuple[Statement, ...]:
        found = self.statements.extract(text) if found is None else found
        tx.set_statements(uid, self.statements.signature, found)
        return found

    def push_statements(
        self, tx: Transaction, story_id: str, topics: tuple[str, ...], found: tuple[Statement, ...], now: datetime
    ) -> None:
        """An outbox row per statement a webhook statements topic takes from this article:
        what its feed gains (a new article, another outlet's copy, an edit). The entry is the
        statement's feed id, so a statement already pushed for the story is not pushed again."""
        for topic in topics:
            query = self.statement_hooks.get(topic)
            if query is not None:
                ids = dict.fromkeys(statement_id(story_id, s.text) for s in found if query.takes(s))
                tx.enqueue(topic, "statement", ids, now)

    def rechoose_representative(
        self, tx: Transaction, story_id: str, now: datetime, *, bump: bool = False, edited: str = ""
    ) -> None:
        """A member joined or changed: choose the representative again. The entry's updated
        time moves when the shown text was edited, or on a join if the config asks for it."""
        members = tx.story_members(story_id)
        if not members:
            return
        rep = representative(members)
        published = min(m.published for m in members)
        tx.set_story(story_id, rep.uid, published, now if bump or edited == rep.uid else None, now)

    def expire(self, tx: Transaction, now: datetime) -> int:
        """Drop from the near-duplicate index the articles seen a dedup window ago (placements
        ignore them already: this keeps the index the window's size)."""
        return tx.expire_bands(now - self.desk.window)

    def load(self, store: Store, now: datetime) -> None:
        """Index the articles first seen within the dedup window that the store's near-duplicate
        index lacks: stored before it was in the store (migration 10), or with a missing or
        broken MinHash (computed again). Idempotent: what is indexed is not read again."""
        since = now - self.desk.window
        recent = store.unindexed_signatures(since)
        # A signature of the wrong size (an older version or a bug, issue 13) is recomputed like a missing one.
        broken = [uid for uid, sig, _, _, _ in recent if sig is not None and not valid_signature(sig)]
        texts = {uid: body for uid, _, _, body in store.near_texts(tuple(broken))} if broken else {}
        rows, missing = [], []
        for uid, sig, text, published, seen in recent:
            if sig is None or uid in texts:  # stored before near-duplicates existed, or broken
                sig = KeyedArticle.of(replace(_BLANK, text=texts.get(uid, text))).sig
                missing.append((uid, sig))
            rows.append((uid, sig, published, seen))
        indexed = [(uid, band_hashes(sig), p, seen) for uid, sig, p, seen in rows if sig and valid_signature(sig)]
        if missing or indexed:
            with store.transaction() as tx:
                for uid, sig in missing:
                    tx.set_signature(uid, sig)
                for uid, hashes, published, seen in indexed:
                    tx.set_bands(uid, hashes, published, seen)
        log.event("dedup.loaded", articles=store.near_indexed(since), computed=len(missing), indexed=len(indexed))

    def _mark(self, story_id: str) -> None:
        self.changes.mark(story_id)
