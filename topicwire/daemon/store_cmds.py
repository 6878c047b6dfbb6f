"""The commands about the store itself rather than its news: ``migrate`` (a copy between
backends) and the workers part of ``stats`` (issue 16 point 5)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from topicwire import log
from topicwire.clock import utc_now
from topicwire.daemon.words import counted
from topicwire.store import Store, Worker
from topicwire.store.backend import is_url, redact
from topicwire.store.codec import iso
from topicwire.store.copy import Progress, copy_store

LOGGED_EVERY = 10_000  # rows between progress lines when stderr is not a terminal


def cmd_migrate(source: str, target: str) -> int:
    """Copy the store FROM (a SQLite file or a postgresql:// URL) into TO (either too): every
    table, counts checked and printed. TO is created or migrated to this version's schema
    first; FROM is only read. Running it again adds nothing; a TO that holds part of FROM
    (an interrupted run) gets the rest. Stop the daemons on FROM first."""
    progress, close = _progress()
    try:
        copied = copy_store(_where(source), _where(target), iso(utc_now()), progress)
    finally:
        close()
    print(f"{'TABLE':<20} {'SOURCE':>9} {'BEFORE':>9} {'ADDED':>9} {'TARGET':>9}")
    for c in copied:
        print(f"{c.table:<20} {c.source:>9} {c.before:>9} {c.added:>9} {c.after:>9}")
    added = sum(c.added for c in copied)
    print(f"copied {_shown(source)} -> {_shown(target)}: {added} rows added; every source row is in the target")
    return 0


def _progress() -> tuple[Progress, Callable[[], None]]:
    """A tqdm bar per table on a terminal (as `once`), else a log line per table and every
    LOGGED_EVERY rows. Returns the callback and what closes the last bar."""
    if sys.stderr.isatty():
        return _bars()
    logged: dict[str, int] = {}

    def line(table: str, done: int, total: int) -> None:
        if done == total:
            log.event("migrate.table", table=table, rows=total)
        elif done - logged.get(table, 0) >= LOGGED_EVERY:
            logged[table] = done
            log.event("migrate.progress", table=table, done=done, total=total)

    return line, lambda: None


def _bars() -> tuple[Progress, Callable[[], None]]:
    from tqdm import tqdm  # only on a terminal: plain log lines otherwise

    bar: dict[str, Any] = {}

    def update(table: str, done: int, total: int) -> None:
        if bar.get("table") != table:
            close()
            bar.update(table=table, bar=tqdm(total=total, desc=table, unit="row"), done=0)
        bar["bar"].update(done - bar["done"])
        bar["done"] = done

    def close() -> None:
        if "bar" in bar:
            bar.pop("bar").close()

    return update, close


def _where(text: str) -> Path | str:
    return text if is_url(text) else Path(text)


def _shown(text: str) -> str:
    return redact(text) if is_url(text) else text


def worker_lines(store: Store, now: datetime) -> list[str]:
    """``stats``' lines on the workers sharing the store: each with its claims and the age
    of its last heartbeat; lease owners with no row are shown as such."""
    found = store.workers()
    lines = [f"workers      {len(found)}" + ("" if found else " (no daemon running)")]
    lines += [f"  {w.id:<32} {counted(w.claims, 'claim'):<10} {_heartbeat(w, now)}" for w in found]
    return lines


def _heartbeat(w: Worker, now: datetime) -> str:
    if w.heartbeat is None:
        return "no heartbeat (leases run out unless it comes back)"
    started = f", started {w.started:%Y-%m-%d %H:%M:%S}" if w.started else ""
    return f"last heartbeat {_age((now - w.heartbeat).total_seconds())} ago{started}"


def _age(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"
