"""Crash safety: `topicwire once` killed with SIGKILL at random moments (see crash_harness)."""

from __future__ import annotations

from pathlib import Path

import pytest
from crash_harness import run

pytestmark = pytest.mark.slow


def test_kill_9_at_random_moments_leaves_everything_consistent(tmp_path: Path) -> None:
    report = run(tmp_path, rounds=100, seed=7, max_delay=1.0)
    assert not report.problems, report.problems
    assert report.killed >= 50  # the kills really landed mid-run
    assert report.articles > 0
