"""The LSH band hashes of a MinHash signature (pure): what the store's near-duplicate index
keeps (store/bands.py), one row per band of each recent article.

Two articles become candidates when they share at least one band: all ROWS MinHash values
of that band equal. Candidates are then confirmed on their exact shingle sets (near.py).
"""

from __future__ import annotations

import numpy as np

# 42 bands of 3 rows use 126 of the 128 MinHash values. Probability that a pair
# with Jaccard similarity J becomes a candidate: 1 - (1 - J^3)^42, i.e. 99.6% at
# J = 0.5, 68% at 0.3, 4% at 0.1, 0.03% at 0.02; candidates are then confirmed
# on the exact shingle sets, so a low LSH threshold costs time, never precision.
BANDS = 42
ROWS = 3
_PRIME = np.uint64(0x100000001B3)  # FNV-1a 64-bit prime: mixes the rows of a band
_HASH_BITS = 58  # of each band's hash, kept under the band's number in band_keys
_HASH_MASK = np.uint64((1 << _HASH_BITS) - 1)

_BAND_TAG = np.arange(BANDS, dtype=np.uint64) << np.uint64(_HASH_BITS)  # the band number in the top 6 bits


def band_keys(values: np.ndarray) -> np.ndarray:
    """The BANDS keys of one signature (uint32 MinHash values): 58 bits of each band's
    hash under the band's number, so the keys of different bands never meet."""
    bands = values[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    h = np.zeros(BANDS, dtype=np.uint64)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps, as a hash should
        for j in range(ROWS):
            h = (h ^ bands[:, j]) * _PRIME
    return (h >> np.uint64(64 - _HASH_BITS)) | _BAND_TAG


def band_hashes(sig: bytes) -> tuple[int, ...]:
    """Each band's 58-bit hash of a stored signature (bytes of uint32 MinHash values),
    band number = position: a signed 64-bit integer on both databases. () for no signature."""
    if not sig:
        return ()
    keys = band_keys(np.frombuffer(sig, dtype=np.uint32))
    return tuple((keys & _HASH_MASK).tolist())
