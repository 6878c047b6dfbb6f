"""What a failed daemon's stderr shows in an assertion: its tail, or on a native crash
faulthandler's whole dump (every thread's stack) with the lines before it (glibc's reason
for a SIGABRT, "free(): invalid pointer") and the log's tail. The tail alone of a crash
printed only the main thread's stack, waiting in a pool, not the thread that crashed (CI,
issue 17)."""

from __future__ import annotations

CRASH_DUMP_CHARS = 30_000
_LINES_BEFORE = 3


def failure_log(log: str, tail: int = 3000) -> str:
    start = log.find("Fatal Python error")
    if start < 0:
        return log[-tail:]
    for _ in range(_LINES_BEFORE):
        start = max(log.rfind("\n", 0, max(start - 1, 0)), 0)
    dump = log[start : start + CRASH_DUMP_CHARS]
    return dump if start + CRASH_DUMP_CHARS >= len(log) else f"{dump}\n[...]\n{log[-tail:]}"
