"""Exact-duplicate keys of an article (pure).

Three keys, any of which makes two articles the same: the entry's own id
within its source, the canonical URL, and a hash of the normalised main text
(so a wire story republished verbatim under another URL is caught).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from topicwire.types import Article, Fingerprint

# Below this many words a text hash would merge unrelated short teasers
# ("Read more", a one-line summary), so it is not used as a key.
MIN_WORDS_FOR_TEXT_KEY = 25

_WORD = re.compile(r"\w+")


def normalize_text(text: str) -> str:
    """Case, accents, punctuation and spacing folded: what 'the same text' means."""
    if text.isascii():  # nothing to decompose: skip the per-character pass (most English text)
        return " ".join(_WORD.findall(text.lower()))
    folded = unicodedata.normalize("NFKD", text.casefold())
    return " ".join(_WORD.findall("".join(c for c in folded if not unicodedata.combining(c))))


def text_hash(text: str) -> str:
    normalized = normalize_text(text)
    if normalized.count(" ") + 1 < MIN_WORDS_FOR_TEXT_KEY:
        return ""
    return hashlib.sha256(normalized.encode()).hexdigest()


def fingerprint(article: Article) -> Fingerprint:
    return Fingerprint(
        guid_key=f"{article.source}\x1f{article.guid}",
        url_key=article.url,
        text_hash=text_hash(article.text),
    )


def article_uid(fp: Fingerprint) -> str:
    """A stable id derived from the first key an article was stored under.

    Derived, not random, so a store rebuilt from the same sources gives the same
    feed entry ids and readers do not see everything as new again.
    """
    return hashlib.sha256(fp.guid_key.encode()).hexdigest()[:24]
