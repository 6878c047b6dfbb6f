"""Exact keys, near-duplicate keys, the dedup decision and the representative (pure; the
near-duplicate index is in the store: tests/test_bands.py)."""

from __future__ import annotations

import random
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from datasketch import MinHash

from topicwire.dedup.fingerprint import (
    MIN_WORDS_FOR_TEXT_KEY,
    article_uid,
    fingerprint,
    normalize_text,
    text_hash,
)
from topicwire.dedup.near import BATCH, NUM_PERM, SCHEME, shingles, signature, similarity
from topicwire.dedup.stories import decide, representative
from topicwire.types import Article, ExactHit, NearHit, StoryMember

NOW = datetime(2025, 7, 7, tzinfo=UTC)
BODY = (
    "The Kremlin acknowledged on Monday that ties between Russia and Azerbaijan have entered a difficult period. " * 3
)


def art(**kw: str) -> Article:
    fields = {"source": "s", "guid": "g", "url": "https://x.test/a", "text": BODY, "method": "trafilatura"} | kw
    return Article(title="t", html="", summary="", published=NOW, updated=NOW, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (BODY, BODY.upper()),
        (BODY, BODY.replace(" ", "\n  ")),
        (BODY, BODY.replace("difficult", "“difficult”")),
        ("Erdoğan said " + BODY, "Erdogan said " + BODY),
    ],
    ids=["case", "whitespace", "quotes", "diacritics"],
)
def test_same_text_same_hash(a: str, b: str) -> None:
    assert text_hash(a) == text_hash(b) != ""


def test_different_text_different_hash() -> None:
    assert text_hash(BODY) != text_hash(BODY + " Peskov added.")


def test_short_text_has_no_text_key() -> None:
    short = " ".join(["word"] * (MIN_WORDS_FOR_TEXT_KEY - 1))
    assert text_hash(short) == "" and text_hash(short + " more") != ""


def test_normalize_text() -> None:
    assert normalize_text("  Türkiye’s «POSITION», ok? ") == "turkiye s position ok"


def test_uid_is_stable_and_per_source_guid() -> None:
    a, b = fingerprint(art()), fingerprint(art(url="https://x.test/other", text="x"))
    assert article_uid(a) == article_uid(b)  # same source + guid: same entry id
    assert article_uid(a) != article_uid(fingerprint(art(source="t")))
    assert len(article_uid(a)) == 24


def hit(reason: str, source: str = "s", text: str = BODY, method: str = "trafilatura") -> ExactHit:
    return ExactHit("u1", reason, source, "story1", text_hash(text), len(text), method)  # type: ignore[arg-type]


EDITED = BODY + " Peskov added that talks would go on."


@pytest.mark.parametrize(
    ("new", "exact", "want"),
    [
        (art(), None, ("new", None, None, "")),
        (art(), hit("guid"), ("duplicate", "u1", "story1", "guid")),
        (art(guid="g2"), hit("url"), ("duplicate", "u1", "story1", "url")),  # GUID changed, URL not
        (art(guid="g2", url="https://x.test/b"), hit("text"), ("duplicate", "u1", "story1", "text")),
        (art(source="wire"), hit("text", source="s"), ("join", "u1", "story1", "text")),  # verbatim copy
        (art(text=EDITED, method="trafilatura"), hit("guid"), ("update", "u1", "story1", "guid")),
        (art(guid="g2", text=EDITED, method="trafilatura"), hit("url"), ("update", "u1", "story1", "url")),
        (art(text=EDITED), hit("url", source="other"), ("duplicate", "u1", "story1", "url")),  # another feed, same page
        (art(text="Short summary from the feed " * 2), hit("guid"), ("duplicate", "u1", "story1", "guid")),
        (art(text=EDITED, method="feed"), hit("guid", method="trafilatura"), ("duplicate", "u1", "story1", "guid")),
    ],
    ids=[
        "nothing-found",
        "same-guid",
        "guid-changed-url-same",
        "guid-and-url-changed-text-same",
        "wire-copy-other-outlet",
        "edited-same-guid",
        "edited-new-guid-same-url",
        "other-source-lists-same-url",
        "much-shorter-text-is-no-edit",
        "feed-summary-never-replaces-page-text",
    ],
)
def test_decide_on_exact_keys(new: Article, exact: ExactHit | None, want: tuple) -> None:
    d = decide(new, fingerprint(new), exact, (), 0.5)
    assert (d.action, d.existing_uid, d.story_id, d.reason) == want


@pytest.mark.parametrize(
    ("source", "sims", "want"),
    [
        ("wire", (0.3,), ("new", None)),
        ("wire", (0.55, 0.7), ("join", "u0.7")),
        ("s", (0.6,), ("join", "u0.6")),  # same outlet, a related but different text
        ("s", (0.92,), ("update", "u0.92")),  # same outlet, near-identical: the article edited
    ],
    ids=["below-threshold", "best-of-several", "same-outlet-related", "same-outlet-edit"],
)
def test_decide_on_near_hits(source: str, sims: tuple[float, ...], want: tuple) -> None:
    near = tuple(NearHit(f"u{s}", f"story{s}", "s", s) for s in sims)
    d = decide(art(source=source), fingerprint(art(source=source)), None, near, 0.5)
    assert (d.action, d.existing_uid) == want
    if d.action != "new":
        assert d.reason == "near" and d.similarity == max(sims) and d.story_id == f"story{max(sims)}"


def member(uid: str, text_len: int, hours: int) -> StoryMember:
    when = NOW + timedelta(hours=hours)
    return StoryMember(uid, f"src-{uid}", f"https://{uid}.test/", uid, when, when, text_len)


@pytest.mark.parametrize(
    ("members", "want"),
    [
        ((member("a", 1000, 0),), "a"),
        ((member("a", 500, 0), member("b", 1000, 1)), "b"),  # the fullest text wins
        ((member("a", 950, 2), member("b", 1000, 1), member("c", 980, 0)), "c"),  # nearly as full, and earlier
    ],
    ids=["alone", "fullest", "earliest-of-the-full"],
)
def test_representative(members: tuple[StoryMember, ...], want: str) -> None:
    assert representative(members).uid == want


# -- near-duplicate layer ---------------------------------------------------------------------

WORDS = (
    "kremlin spokesman peskov said reporters moscow talks azerbaijan armenia turkey ankara baku yerevan "
    "ceasefire border troops minister foreign meeting statement week sanctions gas pipeline deal "
    "president visit summit agreement officials region security council crisis military"
).split()


def prose(seed: int, n: int = 300) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + ("." if rng.random() < 0.08 else "") for _ in range(n))


def test_shingles_are_normalized_word_5grams() -> None:
    grams = shingles("The Kremlin, on MONDAY, said: talks go on!")
    assert "the kremlin on monday said" in grams and len(grams) == 4  # 8 words, 4 five-word runs
    assert shingles("too short") == frozenset()


def test_similarity_exact_jaccard_and_short_texts() -> None:
    a = shingles(prose(1))
    assert similarity(a, a) == 1.0
    assert similarity(a, shingles(prose(2))) < 0.05
    assert similarity(a, shingles("only a few words here to compare")) == 0.0


def test_signature_is_deterministic_512_bytes() -> None:
    grams = shingles(prose(1))
    assert signature(grams) == signature(set(grams)) and len(signature(grams)) == 512


def test_a_long_texts_signature_is_the_same_minhash_in_bounded_memory() -> None:
    """A 2 MB page's text has ~250,000 shingles: hashed in one batch they held a shingles x 128
    array and its temporaries at once (254 MiB at the peak), in each poll thread."""
    grams = frozenset(f"w{i} w{i + 1} w{i + 2} w{i + 3} w{i + 4}" for i in range(3 * BATCH))
    whole = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32, scheme=SCHEME)
    whole.update_batch([g.encode() for g in grams])
    tracemalloc.start()
    try:
        sig = signature(grams)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sig == whole.hashvalues.astype(np.uint32).tobytes()
    assert peak < 3 * BATCH * NUM_PERM * 4, peak  # a batch's array and two temporaries (one batch: 3x that)
