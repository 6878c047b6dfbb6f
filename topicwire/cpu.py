"""Where the CPU-bound pure stages run: in this process, or in worker processes.

Feed parsing, full-text extraction and dedup keys are pure functions of bytes and text
(STYLE: decide purely), so they can run in other processes while this one fetches,
stores and serves; one process has one GIL, and these stages were most of a poll's CPU
(bench/README.md). ``CpuPool(1)`` runs every call inline; ``CpuPool(n)`` keeps n worker
processes, started on first use with the "spawn" method: a fork of a daemon holding
threads and locks can deadlock in the child, and a forkserver would be their parent, so
they could not tell when the daemon dies. A worker that dies (the OOM killer, a
crash in a C extension) costs only the calls in flight: they run again here, inline,
and the pool is started afresh for the next ones. A daemon that dies (kill -9, a second
SIGTERM's immediate exit) takes its workers with it within a quarter of a second: they would
otherwise keep its stdout and stderr open, and their parent's slot in systemd's cgroup.
"""

from __future__ import annotations

import faulthandler
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import ParamSpec, TypeVar

from topicwire import log
from topicwire.lxmlock import holding_lxml

P = ParamSpec("P")
R = TypeVar("R")


def default_workers() -> int:
    """One worker process per CPU this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class CpuPool:
    def __init__(self, workers: int = 1) -> None:
        self.workers = workers if workers > 0 else default_workers()
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    @property
    def inline(self) -> bool:
        return self.workers <= 1

    def call(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``fn(*args, **kwargs)``, in a worker process when there are any. ``fn`` must be a
        module-level function and its arguments and result picklable."""
        if self.inline:
            with holding_lxml():  # the stages parse with lxml, one thread at a time (lxmlock.py)
                return fn(*args, **kwargs)
        pool = self._started()
        try:
            return pool.submit(fn, *args, **kwargs).result()
        except BrokenProcessPool:
            self._broken(pool)
            with holding_lxml():
                return fn(*args, **kwargs)

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=context, initializer=_watch_parent, initargs=(os.getpid(),)
                )
            return self._pool

    def _broken(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
                log.event("cpu.worker_died", logging.WARNING, workers=self.workers)
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _watch_parent(daemon: int) -> None:
    """In each worker: exit as soon as the daemon is gone (polled four times a second).
    A dead daemon's children are given to another parent at once, even while the daemon
    is a zombie its own parent has not reaped: so the parent's pid is what is checked.
    A worker killed by a fatal signal writes its stack to stderr first, as the daemon does
    (daemon/cli.py)."""
    if not faulthandler.is_enabled():
        with suppress(OSError, ValueError, AttributeError):  # stderr closed or not a file
            faulthandler.enable()

    def watch() -> None:
        while os.getppid() == daemon:
            time.sleep(0.25)
        os._exit(0)

    threading.Thread(target=watch, name="watch-daemon", daemon=True).start()
