"""A host name lookup never holds a fetch past fetch.timeout (issue 13's DNS gap).

The system resolver cannot be given a timeout and a slow name server cannot be served on
127.0.0.1 without changing the machine's resolv.conf, so the resolver itself is replaced
by one that answers after its own wait (as a resolver does for a domain whose name
servers do not answer): everything else, the fetcher and its deadline, is the real code.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_fetch import UA, fetch_error

from topicwire.sources import dns
from topicwire.sources.fetch import Fetcher

SLOW = 4.0  # seconds the resolver takes for *.slow.test


@pytest.fixture
def slow_resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith(".slow.test"):
            asked.append(host)
            time.sleep(SLOW)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield asked


@pytest.mark.parametrize("private", [True, False], ids=["connect", "private-address-check"])
def test_a_slow_lookup_ends_at_the_deadline(slow_resolver: list[str], private: bool) -> None:
    fetcher = Fetcher(user_agent=UA, timeout=1.0, allow_private_addresses=private)
    started = time.monotonic()
    error = fetch_error(fetcher, "http://feeds.slow.test/rss")
    took = time.monotonic() - started
    fetcher.close()
    assert took < 1.8, took  # was SLOW (and 30 s or more with a real resolver's retries)
    assert error.message.startswith("DNS lookup of feeds.slow.test took more than"), error.message
    assert slow_resolver == ["feeds.slow.test"]


def test_slow_lookups_never_grow_the_threads(slow_resolver: list[str]) -> None:
    """Twenty polls at once of hosts whose lookups hang: each ends at its deadline, and the
    resolver threads stay RESOLVERS however many wait."""
    errors: list[float] = []

    def one(n: int) -> None:
        started = time.monotonic()
        with pytest.raises(dns.LookupTimeout):
            dns.lookup(f"h{n}.slow.test", 80, socket.AF_UNSPEC, 0.5)
        errors.append(time.monotonic() - started)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 20 and max(errors) < 1.2
    resolvers = [t for t in threading.enumerate() if t.name.startswith("dns")]
    assert 0 < len(resolvers) <= dns.RESOLVERS


def test_ip_literals_are_not_sent_to_the_resolver_threads() -> None:
    assert dns.lookup("127.0.0.1", 80, socket.AF_UNSPEC, 1.0)[0][4][0] == "127.0.0.1"
    assert dns.lookup("::1", 80, socket.AF_INET6, 1.0)[0][4][0] == "::1"
