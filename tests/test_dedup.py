"""Exact-duplicate keys and the dedup decision (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from topicwire.dedup.fingerprint import (
    MIN_WORDS_FOR_TEXT_KEY,
    article_uid,
    fingerprint,
    normalize_text,
    text_hash,
)
from topicwire.dedup.stories import decide
from topicwire.types import Article

NOW = datetime(2025, 7, 7, tzinfo=UTC)
BODY = (
    "The Kremlin acknowledged on Monday that ties between Russia and Azerbaijan have entered a difficult period. " * 3
)


def art(**kw: str) -> Article:
    fields = {"source": "s", "guid": "g", "url": "https://x.test/a", "text": BODY} | kw
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


@pytest.mark.parametrize(
    ("existing", "action", "uid", "reason"),
    [
        (None, "new", None, ""),
        (("u1", "url"), "duplicate", "u1", "url"),
        (("u2", "text"), "duplicate", "u2", "text"),
    ],
    ids=["nothing-found", "url-match", "text-match"],
)
def test_decide(existing: tuple[str, str] | None, action: str, uid: str | None, reason: str) -> None:
    d = decide(existing)
    assert (d.action, d.existing_uid, d.reason) == (action, uid, reason)
