"""What a failed daemon's stderr shows in an assertion: its tail, or on a native crash
faulthandler's whole dump (every thread's stack). The tail of a crash printed only the
main thread's stack, waiting in a pool, not the thread that crashed (CI, issue 17)."""

from __future__ import annotations

CRASH_DUMP_CHARS = 30_000


def failure_log(log: str, tail: int = 3000) -> str:
    start = log.find("Fatal Python error")
    return log[start : start + CRASH_DUMP_CHARS] if start >= 0 else log[-tail:]
