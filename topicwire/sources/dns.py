"""Host name lookups bounded by the request's deadline (issue 13's one gap: DNS).

``socket.getaddrinfo`` cannot be given a timeout: the system resolver waits its own
(``options timeout:5 attempts:2`` per name server in resolv.conf: 30 s and more with
three servers), so a domain whose name servers answer slowly or not at all held a
fetch past ``fetch.timeout``, however the HTTP exchange itself was bounded. Here a
lookup runs in a small pool of resolver threads and the fetch waits only for what is
left of its deadline; a lookup still running then finishes in its thread, alone.

The pool is bounded (RESOLVERS threads), so slow lookups never grow the thread count;
while all are busy, further lookups queue and each still ends at its own deadline.
Addresses given as IP literals (and ``localhost``) are looked up in the calling
thread: there is nothing to wait for.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

RESOLVERS = 8  # resolver threads for the whole process; a poll's lookups are short when DNS is well

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()

AddrInfo = tuple[Any, ...]


class LookupTimeout(TimeoutError):
    """A host name lookup that did not end within the request's deadline."""


def lookup(host: str, port: int | None, family: int, seconds: float) -> list[AddrInfo]:
    """``socket.getaddrinfo(host, port, family, SOCK_STREAM)`` within ``seconds``; a lookup
    that takes longer raises LookupTimeout naming the host (socket.gaierror as before)."""
    if _immediate(host):
        return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    if seconds <= 0:
        raise LookupTimeout(f"no time left to look up {host}")
    future = _resolvers().submit(socket.getaddrinfo, host, port, family, socket.SOCK_STREAM)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        future.cancel()  # still queued: never run; running: ends in its thread
        raise LookupTimeout(f"DNS lookup of {host} took more than {seconds:.3g} s") from None


def _immediate(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _resolvers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=RESOLVERS, thread_name_prefix="dns")
        return _pool
