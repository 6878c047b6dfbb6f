"""When ``run`` regenerates the feeds: coalesced, at most one render at a time.

A poll that stores new articles only says so (``changed``). A one-shot job of the
daemon's Jobs (daemon/jobs.py) renders ``delay`` seconds (``output.publish_delay``)
after the first change it has not published yet, so the thousand polls of a start-up
round cost a few renders instead of a thousand (issue 19), and a lone new article still
reaches the feeds within ``delay`` plus one render. Changes that arrive while a render runs
are taken up by the next one, ``delay`` after the first of them (or at once
when that time has already passed).

``flush`` renders now, in the caller's thread, and covers every change so far:
the start-up publish, a reload, and the last one at a clean stop, so nothing
stored is left unpublished. Every render passes the time of the oldest change
it shows, so the pipeline logs and exports the delay from store to feed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from topicwire import log
from topicwire.daemon.jobs import Jobs
from topicwire.errors import TopicwireError

# publish(since): since = time.monotonic() of the oldest change shown, None when none is pending
Publish = Callable[[float | None], object]


class PublishScheduler:
    def __init__(
        self,
        publish: Publish,
        delay: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        jobs: Jobs | None = None,
        name: str = "publish",
    ) -> None:
        self._publish = publish
        self.delay = delay  # a reload may change it; read when the next render is scheduled
        self._clock = clock
        self._jobs = jobs  # None: renders only on flush (tests of the bookkeeping)
        self.name = name
        self._cond = threading.Lock()
        self._since: float | None = None  # the oldest change not yet taken by a render
        self._stopped = False
        self._render = threading.Lock()  # one render at a time: the job's or a flush

    def changed(self) -> None:
        """New articles are stored (committed or queued for the group commit)."""
        with self._cond:
            if self._since is None:
                self._since = self._clock()
                self._arm()

    def flush(self) -> None:
        """Render now and cover every change so far (waits for a render in flight)."""
        with self._render:
            since = self._take()
            try:
                self._publish(since)
            except BaseException:
                self._failed(since)  # what it took stays pending: the job renders it later
                raise

    def no_render(self) -> threading.Lock:
        """Held, no render runs (a reload's store preparation deletes removed topics' files)."""
        return self._render

    def stop(self) -> None:
        """No render is scheduled any more (one in flight finishes; the daemon's Jobs.stop
        waits for it); pending changes stay for ``flush``."""
        with self._cond:
            self._stopped = True
        if self._jobs is not None:
            self._jobs.cancel(self.name)

    @property
    def pending(self) -> bool:
        with self._cond:
            return self._since is not None

    def _arm(self) -> None:
        """The render job at the first pending change plus ``delay`` (held: ``_cond``)."""
        if self._jobs is not None and not self._stopped and self._since is not None:
            self._jobs.at(self.name, self._run, self._since + self.delay - self._clock())

    def _take(self) -> float | None:
        # Taken before the render reads the store: a change marked after this is
        # rendered again next time, never lost.
        with self._cond:
            since, self._since = self._since, None
            return since

    def _failed(self, since: float | None) -> None:
        """A render failed: its changes (or, for a flush with none, a change now) are pending
        again, as old as they were, and the job renders them (at once if already due)."""
        with self._cond:
            now = self._clock()
            self._since = min(since or now, self._since or now)
            self._arm()

    def _run(self) -> None:
        """The job: render what is pending (a flush may have taken it meanwhile)."""
        with self._render:
            since = self._take()
            if since is None:
                return
            try:
                self._publish(since)
            except Exception as e:
                # A full disk, a store error, or a bug: the daemon must live on. Again after
                # another delay, not in a loop (not _failed: an old since is due at once).
                expected = isinstance(e, (TopicwireError, OSError))
                log.event("feeds.failed", logging.ERROR, error=str(e) if expected else repr(e))
                self.changed()
