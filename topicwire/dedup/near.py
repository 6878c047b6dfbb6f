"""Near-duplicate keys (pure): MinHash over word shingles of the main text.

    shingles(text)      -> frozenset of word 5-grams of the normalized text
    signature(shingles) -> 128 MinHash values as 512 bytes (stored with the article)
    band_hashes(sig)    -> its 42 LSH band hashes (lsh.py): the store's index (store/bands.py)
    similarity(a, b)    -> exact Jaccard of two shingle sets: LSH proposes, this confirms

LSH keeps the cost of finding candidates flat as the store grows (one indexed look-up
per band, not a comparison with every article); the index holds only articles seen
within the dedup window, so it does not grow without bound. Candidates are confirmed
on exact shingle sets because a MinHash estimate is off by about 0.04 at J = 0.5 with
128 permutations, too coarse for "different briefing, same spokesman" pairs.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from itertools import islice

import numpy as np
from datasketch import MinHash

from topicwire.dedup.fingerprint import normalize_text

SHINGLE_WORDS = 5
NUM_PERM = 128
SCHEME = "affine32"
# Below this many shingles (about 25 words) a text is a teaser or a caption:
# too little to tell a rewrite from a different story, so only exact keys apply.
MIN_SHINGLES = 20
# Shingles hashed in one update_batch: datasketch holds a shingles x NUM_PERM array and its
# temporaries at once (numpy, outside the GIL), 254 MiB at the peak for the 250,000 shingles
# of a 1.5 MB text, in each poll thread at once (extraction is bounded, this came after
# it); 8,192 at a time keep it under ~10 MiB for the same signature (review of issue 16).
BATCH = 8192

# One set of permutations for the process: building them costs more than hashing a text.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def shingles(text: str) -> frozenset[str]:
    words = normalize_text(text).split()
    if len(words) < SHINGLE_WORDS:
        return frozenset()
    return frozenset(" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1))


def signature(grams: Iterable[str]) -> bytes:
    """MinHash of a shingle set; crc32 is enough to spread shingles (not a security hash).
    Hashed BATCH shingles at a time: the minimum of minima is the same MinHash."""
    m = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32, permutations=_PERMUTATIONS, scheme=SCHEME)
    shingled = iter(grams)
    while batch := [g.encode() for g in islice(shingled, BATCH)]:
        m.update_batch(batch)
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
