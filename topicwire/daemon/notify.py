"""systemd integration: sd_notify READY/STOPPING/RELOADING and watchdog pings.

Pings are sent only while ``healthy()`` says the scheduler runs and the store
answers (miniflux pings its database first), so a wedged daemon is restarted
by systemd instead of looking alive. Outside systemd (no NOTIFY_SOCKET) every
call is a no-op.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

import sdnotify

from topicwire import log

# A notify socket that nobody reads fills up (the kernel queues 10 datagrams) and a blocking
# send would then stall the daemon, its shutdown included. systemd reads at once: a second is
# plenty, and a lost ping is better than a daemon that cannot stop.
SEND_TIMEOUT = 1.0


class Notifier:
    def __init__(self, healthy: Callable[[], bool]) -> None:
        self._healthy = healthy
        self._enabled = bool(os.environ.get("NOTIFY_SOCKET"))
        self._notifier = sdnotify.SystemdNotifier() if self._enabled else None
        if self._notifier is not None and self._notifier.socket is not None:
            self._notifier.socket.settimeout(SEND_TIMEOUT)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send(self, state: str) -> None:
        if self._notifier is not None:
            self._notifier.notify(state)

    def ready(self) -> None:
        self.send(f"READY=1\nSTATUS=polling\nMAINPID={os.getpid()}")
        interval = watchdog_interval()
        if interval:
            self._thread = threading.Thread(target=self._watchdog, args=(interval,), name="watchdog", daemon=True)
            self._thread.start()

    def stopping(self) -> None:
        self._stop.set()
        self.send("STOPPING=1")

    def _watchdog(self, interval: float) -> None:
        while not self._stop.wait(interval):
            if self._healthy():
                self.send("WATCHDOG=1")
            else:
                log.event("watchdog.unhealthy", logging.WARNING)


def watchdog_interval() -> float | None:
    """Half of WATCHDOG_USEC (sd_watchdog_enabled(3) advises pinging at half the timeout)."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec.isdigit() or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 2_000_000
