"""``topicwire story ID`` and ``topicwire dedup-check URL1 URL2``: the dedup layer explained."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from topicwire.clock import utc_now
from topicwire.config import Config
from topicwire.daemon.words import counted
from topicwire.dedup.compare import compare, explain
from topicwire.dedup.near import shingles, similarity
from topicwire.extract.urls import canonicalize_url
from topicwire.store import Store
from topicwire.types import StoredArticle, StoredStory


def find_article(store: Store, ref: str) -> StoredArticle | None:
    """An article by uid, by URL as given, or by its canonical form."""
    found = store.article(ref) or store.article_by_url(ref)
    if found is None and ref.startswith(("http://", "https://")):
        found = store.article_by_url(canonicalize_url(ref))
    return found


def cmd_story(config: Config, ref: str) -> int:
    """Print a story (by story id, or any of its articles' id or URL): its articles, each
    with its similarity to the representative the feed entry shows."""
    store = Store.open(config.store, utc_now(), config.pool_size)
    try:
        story = store.story(ref) or _story_of_url(store, ref)
        if story is None:
            print(f"error: no story or article {ref!r} in {store.location}", file=sys.stderr)
            return 2
        texts = {m.uid: a.text for m in story.members if (a := store.article(m.uid))}
    finally:
        store.close()
    rep = story.representative
    rep_grams = shingles(rep.text)
    sources = {m.source for m in story.members}
    print(f"story {story.id}: {rep.title}")
    members = f"{counted(len(story.members), 'article')} from {counted(len(sources), 'source')}"
    print(f"  {members}; topics: {', '.join(story.topics) or '-'}")
    print(f"  published {_t(story.published)}  entry updated {_t(story.updated)}")
    print(f"  first seen {_t(story.first_seen)}  last seen {_t(story.last_seen)}")
    print(f"  {'':2}{'source':<20} {'published':<19} {'similarity':>10}  {'joined':<10} url")
    for m in story.members:
        sim = 1.0 if m.uid == rep.uid else similarity(rep_grams, shingles(texts.get(m.uid, "")))
        mark = "*" if m.uid == rep.uid else " "
        print(f"  {mark} {m.source:<20} {_t(m.published):<19} {sim:>10.2f}  {m.joined or 'started':<10} {m.url}")
    print("  (* the representative: the fullest text, the earliest among nearly as full)")
    return 0


def cmd_dedup_check(config: Config, first: str, second: str) -> int:
    """Tell whether two stored articles (id or URL) would be one story, and why.
    Exit 0 if they would merge, 1 if not, 2 if one is not stored."""
    store = Store.open(config.store, utc_now(), config.pool_size)
    try:
        a, b = find_article(store, first), find_article(store, second)
    finally:
        store.close()
    missing = [ref for ref, found in ((first, a), (second, b)) if found is None]
    if missing or a is None or b is None:
        print(f"error: not a stored article: {', '.join(missing)}", file=sys.stderr)
        return 2
    if b.first_seen < a.first_seen:  # decide as the pipeline did: the later one arrives second
        a, b = b, a
    threshold, window = config.dedup.similarity, timedelta(seconds=config.dedup.window)
    c = compare(a, b, threshold, window)
    for label, art, n in (("A", a, c.shingles[0]), ("B", b, c.shingles[1])):
        shingles = counted(n, "shingle")
        print(f"{label}  {art.source:<20} {_t(art.published)}  story {art.story_id}  {shingles}  {art.url}")
    print(f"same canonical URL  {'yes' if c.same_url else 'no'}")
    print(f"same text           {'yes' if c.same_text else 'no'}")
    print(f"similarity          {c.similarity:.3f} (Jaccard of word 5-shingles; threshold {threshold:.2f})")
    print(f"published apart     {_span(c.apart)} (window {_span(window)})")
    print(f"would merge         {explain(c, threshold)}")
    print(f"now                 {'one story' if a.story_id == b.story_id else 'two stories'}")
    return 0 if c.merges else 1


def _story_of_url(store: Store, ref: str) -> StoredStory | None:
    if ref.startswith(("http://", "https://")):
        return store.story(canonicalize_url(ref))
    return None


def _t(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M")


def _span(d: timedelta) -> str:
    hours = d.total_seconds() / 3600
    return f"{hours / 24:.1f}d" if hours >= 48 else f"{hours:.1f}h"
