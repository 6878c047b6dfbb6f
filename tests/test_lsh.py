"""LSH band keys. The index over them is in the store: its answers are checked against
comparing every band by brute force in tests/test_bands.py."""

from __future__ import annotations

import numpy as np

from topicwire.dedup.lsh import BANDS, band_keys


def sig(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2**32, 128, dtype=np.uint32)


def test_band_keys_carry_the_band_number() -> None:
    keys = band_keys(sig(np.random.default_rng(1)))
    assert keys.shape == (BANDS,) and (keys >> np.uint64(58)).tolist() == list(range(BANDS))
