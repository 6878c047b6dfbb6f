"""The banded LSH index: the same answers as comparing every band by brute force,
across buffer merges, removals and compaction."""

from __future__ import annotations

import numpy as np
import pytest

from topicwire.dedup import lsh
from topicwire.dedup.lsh import BANDS, BandIndex, band_keys


def sig(rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2**32, 128, dtype=np.uint32)


def brute(stored: dict[str, np.ndarray], q: np.ndarray) -> set[str]:
    keys = band_keys(q)
    return {uid for uid, v in stored.items() if (band_keys(v) == keys).any()}


def test_band_keys_carry_the_band_number() -> None:
    keys = band_keys(sig(np.random.default_rng(1)))
    assert keys.shape == (BANDS,) and (keys >> np.uint64(58)).tolist() == list(range(BANDS))


@pytest.mark.parametrize("merge_at", [3, 64, 4096], ids=["tiny-buffer", "some-merges", "no-merge"])
def test_matches_brute_force_through_merges_and_removals(monkeypatch: pytest.MonkeyPatch, merge_at: int) -> None:
    monkeypatch.setattr(lsh, "_MERGE_AT", merge_at)
    rng = np.random.default_rng(7)
    index, stored = BandIndex(), {}
    base = [sig(rng) for _ in range(40)]
    for n in range(400):
        v = base[n % 40].copy()
        v[rng.integers(0, 128, 100)] = rng.integers(0, 2**32, 100, dtype=np.uint32)  # share a few bands
        uid = f"u{n}"
        index.add(uid, v)
        stored[uid] = v
        if n % 7 == 0:  # remove an older one now and then
            gone = f"u{n // 2}"
            index.remove(gone)
            stored.pop(gone, None)
        if n % 13 == 0:
            index.add(uid, base[0])  # re-adding replaces
            stored[uid] = base[0]
    assert len(index) == len(stored)
    for q in [*base, *(sig(rng) for _ in range(20))]:
        assert index.query(q) == brute(stored, q)
    assert all(uid in index for uid in stored) and "u9999" not in index
