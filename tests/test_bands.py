"""The near-duplicate index in the store (issue 16 point 3), on both backends: the same
candidates as comparing every band by brute force, the dedup window by publication and by
when an article was seen, start-up indexing of articles stored before it, a copy placed by
one worker joining the story another worker started, and two copies placed at the same
instant by two workers ending as one story."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from topicwire.changes import StoryChanges
from topicwire.config import Config, load_config
from topicwire.dedup.desk import KeyedArticle, StoryDesk
from topicwire.dedup.fingerprint import article_uid, fingerprint
from topicwire.dedup.lsh import BANDS, band_hashes, band_keys
from topicwire.placement import Placer
from topicwire.store import Store
from topicwire.types import Article, DedupAction

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
WINDOW = timedelta(days=3)
VOCAB = (
    "kremlin spokesman peskov said reporters moscow talks azerbaijan armenia turkey ankara baku yerevan "
    "ceasefire border troops minister foreign meeting statement week sanctions gas pipeline deal president "
    "visit summit agreement officials region security council crisis military grain corridor port shipping"
).split()


def prose(seed: int) -> str:
    rng = random.Random(seed)
    return "\n\n".join(" ".join(rng.choice(VOCAB) for _ in range(60)).capitalize() + "." for _ in range(5))


def article(source: str, guid: str, text: str, published: datetime = NOW) -> Article:
    return Article(source, guid, f"https://{source}.test/{guid}", guid, text, "", "", published, published)


def copy_of(text: str) -> str:
    """Another outlet's copy: a dateline, the last paragraph trimmed."""
    return "MOSCOW, March 1 (Wire) - " + text.rsplit("\n\n", 1)[0]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "config.toml").write_text('[store]\npath = "t.sqlite3"\n[output]\ndir = "feeds"\n')
    return load_config(tmp_path / "config.toml")


@pytest.fixture
def store(store_at: Path | str) -> Iterator[Store]:
    s = Store.open(store_at, NOW)
    yield s
    s.close()


def placer(config: Config) -> Placer:
    return Placer(StoryDesk(config.dedup.similarity, WINDOW), config, StoryChanges())


def place(store: Store, p: Placer, a: Article, now: datetime = NOW) -> tuple[str, DedupAction]:
    with store.transaction() as tx:
        uid, d = p.place(tx, KeyedArticle.of(a), (), now)
    return uid, d.action


# -- the index ---------------------------------------------------------------------------
def random_sig(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2**32, 128, dtype=np.uint32)


def test_band_hashes_are_the_band_keys_under_their_band_number() -> None:
    values = random_sig(np.random.default_rng(1))
    hashes = band_hashes(values.tobytes())
    assert len(hashes) == BANDS and all(0 <= h < 2**58 for h in hashes)
    assert [(band << 58) | h for band, h in enumerate(hashes)] == band_keys(values).tolist()
    assert band_hashes(b"") == ()


def test_candidates_match_brute_force_through_replacements_and_removals(store: Store) -> None:
    """Two articles are candidates when they share a band; setting an article's bands
    replaces them, setting none removes it (as the in-memory index did, tests/test_lsh.py)."""
    rng = np.random.default_rng(7)
    base = [random_sig(rng) for _ in range(20)]
    stored: dict[str, tuple[int, ...]] = {}
    with store.transaction() as tx:
        for n in range(150):
            v = base[n % 20].copy()
            v[rng.integers(0, 128, 100)] = rng.integers(0, 2**32, 100, dtype=np.uint32)  # share a few bands
            a = article("s", f"g{n}", f"text {n}")
            uid = article_uid(fingerprint(a))
            tx.insert_article(uid, a, fingerprint(a), NOW)
            stored[uid] = band_hashes(v.tobytes())
            tx.set_bands(uid, stored[uid], NOW, NOW)
            if n % 7 == 0:  # an article leaves the index now and then (its text became too short)
                gone = next(iter(stored))
                tx.set_bands(gone, (), NOW, NOW)
                del stored[gone]
            if n % 13 == 0:  # an edit replaces the bands
                stored[uid] = band_hashes(base[0].tobytes())
                tx.set_bands(uid, stored[uid], NOW, NOW)
        queries = [band_hashes(v.tobytes()) for v in [*base, *(random_sig(rng) for _ in range(10))]]
        for q in queries:
            found = {uid for uid, *_ in tx.near_candidates(q, NOW, WINDOW, NOW)}
            assert found == {uid for uid, h in stored.items() if any(x == y for x, y in zip(h, q, strict=True))}
    assert store.near_indexed(NOW - WINDOW) == len(stored)


def test_candidates_are_published_within_the_window_and_seen_within_it(store: Store, config: Config) -> None:
    text = prose(1)
    old = article("a", "old", text, NOW - timedelta(days=30))  # a week-old backlog article, seen now: kept
    place(store, placer(config), old)
    place(store, placer(config), article("b", "recent", prose(2)), NOW)
    hashes = KeyedArticle.of(article("c", "q", copy_of(text))).bands
    with store.transaction() as tx:
        assert [r[0] for r in tx.near_candidates(hashes, NOW - timedelta(days=29), WINDOW, NOW)] == [
            article_uid(fingerprint(old))
        ]
        assert tx.near_candidates(hashes, NOW, WINDOW, NOW) == ()  # published too far apart
        later = NOW + WINDOW + timedelta(seconds=1)
        assert tx.near_candidates(hashes, NOW - timedelta(days=29), WINDOW, later) == ()  # seen a window ago
        assert tx.expire_bands(later - WINDOW) == 2 * BANDS  # both articles' rows
    assert store.near_indexed(NOW - WINDOW) == 0


def test_load_indexes_the_window_s_articles_stored_before_the_index(store: Store, config: Config) -> None:
    """Articles stored before migration 10 have a MinHash but no bands: start-up indexes the
    ones seen within the window, and a copy then joins them."""
    text = prose(3)
    recent, old = article("a", "recent", text), article("a", "old", prose(4))
    with store.transaction() as tx:
        for a, seen in ((recent, NOW), (old, NOW - 2 * WINDOW)):
            keyed = KeyedArticle.of(a)
            tx.insert_article(article_uid(keyed.fp), a, keyed.fp, seen, sig=keyed.sig)
    assert store.near_indexed(NOW - WINDOW) == 0
    p = placer(config)
    p.load(store, NOW)
    p.load(store, NOW)  # idempotent
    assert store.near_indexed(NOW - WINDOW) == 1
    uid, action = place(store, p, article("b", "copy", copy_of(text)))
    assert action == DedupAction.JOIN and store.story_count() == 2


# -- several workers ---------------------------------------------------------------------
def test_a_copy_placed_by_one_worker_joins_the_story_another_started(store_at: Path | str, config: Config) -> None:
    first, second = Store.open(store_at, NOW), Store.open(store_at, NOW)
    text = prose(5)
    started, _ = place(first, placer(config), article("a", "orig", text))
    joined, action = place(second, placer(config), article("b", "copy", copy_of(text)))
    assert action == DedupAction.JOIN
    story = first.article(joined)
    assert story is not None and story.story_id == started and first.story_count() == 1
    first.close()
    second.close()


def test_two_workers_placing_copies_at_the_same_instant_make_one_story(store_at: Path | str, config: Config) -> None:
    """Two connections, two threads, each placing one outlet's copy of the same news at the
    same moment, ten times over: one story each time. On PostgreSQL both units are open and
    past a barrier before they read the index (without the placement lock both would find
    nothing and start a story each); on SQLite BEGIN IMMEDIATE lets one unit in at a time,
    so they meet at the barrier before their units."""
    stores = [Store.open(store_at, NOW), Store.open(store_at, NOW)]
    postgres = isinstance(store_at, str)
    rounds = 10
    texts = [prose(100 + n) for n in range(rounds)]
    barrier = threading.Barrier(2, timeout=30)
    actions: list[DedupAction] = []
    failed: list[BaseException] = []

    def worker(w: int) -> None:
        p = placer(config)
        try:
            for n, text in enumerate(texts):
                keyed = KeyedArticle.of(article(f"outlet{w}", f"r{n}", text if w == 0 else copy_of(text)))
                if not postgres:
                    barrier.wait()
                with stores[w].transaction() as tx:
                    if postgres:
                        barrier.wait()
                    actions.append(p.place(tx, keyed, (), NOW)[1].action)
        except BaseException as e:  # reported by the main thread
            failed.append(e)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(w,)) for w in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failed, failed
    assert sorted(actions).count(DedupAction.NEW) == rounds and actions.count(DedupAction.JOIN) == rounds
    assert stores[0].story_count() == rounds and stores[0].article_count() == 2 * rounds
    for s in stores:
        s.close()
