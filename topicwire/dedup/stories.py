"""The dedup decision (pure): given what the store found, is this article new?

Issue 5 grows this into near-duplicate story clustering; for now a match on
any exact key (see fingerprint.py) means the same article.
"""

from __future__ import annotations

from topicwire.types import DedupDecision


def decide(existing: tuple[str, str] | None) -> DedupDecision:
    """``existing`` is (uid, reason) of a stored article sharing a key, or None."""
    if existing is None:
        return DedupDecision("new")
    uid, reason = existing
    return DedupDecision("duplicate", existing_uid=uid, reason=reason)
