"""Review of issue 16 point 1/3 and issue 19 (every timed job in one APScheduler, `once`
claiming its sources, dead workers' leases): the leases a starting `run` or `once` ends."""

from __future__ import annotations

import socket

from topicwire.daemon.heartbeat import dead_here

HERE = socket.gethostname()


def test_odd_lease_owners_never_stop_a_start() -> None:
    """A lease owner is any text in the store: one whose "pid" is a Unicode digit or beyond
    any C long raised (ValueError, OverflowError) out of dead_here, and so out of the start
    of `once` and of `run` on a shared store."""
    huge = f"{HERE}:{'9' * 20}"  # no such process: its lease ends
    assert dead_here([f"{HERE}:²", f"{HERE}:٣", huge, f"{HERE}:", f"{HERE}:-5"], HERE) == (huge,)
