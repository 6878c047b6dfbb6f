"""Near-duplicate layer (pure, in memory): MinHash + LSH over word shingles of the main text.

    shingles(text)      -> frozenset of word 5-grams of the normalized text
    signature(shingles) -> 128 MinHash values as 512 bytes (stored with the article)
    NearIndex           -> LSH over the signatures of recently published articles
    similarity(a, b)    -> exact Jaccard of two shingle sets: LSH proposes, this confirms

LSH (lsh.py) keeps the cost of finding candidates flat as the store grows (a few hash
look-ups per band, not a comparison with every article); the index holds only
articles published within the dedup window of the newest one seen, so it does
not grow without bound. Candidates are confirmed on exact shingle sets because
a MinHash estimate is off by about 0.04 at J = 0.5 with 128 permutations, too
coarse for "different briefing, same spokesman" pairs.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np
from datasketch import MinHash

from topicwire.dedup.fingerprint import normalize_text
from topicwire.dedup.lsh import BandIndex

SHINGLE_WORDS = 5
NUM_PERM = 128
SCHEME = "affine32"
# Below this many shingles (about 25 words) a text is a teaser or a caption:
# too little to tell a rewrite from a different story, so only exact keys apply.
MIN_SHINGLES = 20

# One set of permutations for the process: building them costs more than hashing a text.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def shingles(text: str) -> frozenset[str]:
    words = normalize_text(text).split()
    if len(words) < SHINGLE_WORDS:
        return frozenset()
    return frozenset(" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1))


def signature(grams: Iterable[str]) -> bytes:
    """MinHash of a shingle set; crc32 is enough to spread shingles (not a security hash)."""
    m = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32, permutations=_PERMUTATIONS, scheme=SCHEME)
    m.update_batch([g.encode() for g in grams])
    return m.hashvalues.astype(np.uint32).tobytes()


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity; 0 when either text is too short to compare."""
    if len(a) < MIN_SHINGLES or len(b) < MIN_SHINGLES:
        return 0.0
    return len(a & b) / len(a | b)


def comparable(grams: frozenset[str]) -> bool:
    return len(grams) >= MIN_SHINGLES


def valid_signature(sig: object) -> bool:
    """A stored MinHash this index can read: NUM_PERM 32-bit values."""
    return isinstance(sig, bytes) and len(sig) == NUM_PERM * 4


def _values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype=np.uint32)


class NearIndex:
    """LSH over the articles seen within the window.

    Entries expire by when they were *seen*, not published: a feed added with a
    week of backlog still finds the wire copies that arrive with it. Not
    thread-safe: the pipeline uses it under the store's write lock.
    """

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._lsh = BandIndex()  # candidates from J ~ 0.3 up (see lsh.py); the exact check decides
        self._published: dict[str, datetime] = {}
        self._seen: dict[str, datetime] = {}
        self._by_seen: list[tuple[datetime, str]] = []  # heap, oldest first; stale rows skipped

    def __len__(self) -> int:
        return len(self._published)

    def __contains__(self, uid: str) -> bool:
        return uid in self._published

    def add(self, uid: str, sig: bytes, published: datetime, seen: datetime) -> None:
        self.remove(uid)
        self._lsh.add(uid, _values(sig))
        self._published[uid] = published
        self._seen[uid] = seen
        heapq.heappush(self._by_seen, (seen, uid))

    def remove(self, uid: str) -> None:
        if self._published.pop(uid, None) is not None:
            del self._seen[uid]
            self._lsh.remove(uid)

    def candidates(self, sig: bytes, published: datetime) -> tuple[str, ...]:
        """Indexed articles likely similar to ``sig`` and published within the window of it."""
        found = self._lsh.query(_values(sig))
        return tuple(sorted(uid for uid in found if abs(self._published[uid] - published) <= self.window))

    def expire(self, now: datetime) -> int:
        """Forget articles seen more than a window ago; return how many."""
        horizon, dropped = now - self.window, 0
        while self._by_seen and self._by_seen[0][0] < horizon:
            seen, uid = heapq.heappop(self._by_seen)
            if self._seen.get(uid) == seen:
                self.remove(uid)
                dropped += 1
        return dropped
