"""Repro: fetch.timeout is not a deadline for connecting. urllib3 tries every address
getaddrinfo returns, each with the full connect timeout, so a host with N addresses that
drop SYNs holds one get() for N x connect_timeout, past fetch.timeout (and past the
webhook worker's stop() join). Loopback listeners with a full accept queue drop SYNs."""

from __future__ import annotations

import socket
import time

import pytest

from topicwire.errors import FetchError
from topicwire.sources.fetch import Fetcher


@pytest.fixture
def blackhole():
    """A port on 127.0.0.1 whose SYNs are dropped (listen backlog full)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(8):  # fill the accept queue; later connects hang
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(c)
    time.sleep(0.2)
    probe = socket.socket()
    probe.settimeout(0.5)
    with pytest.raises(OSError):  # TimeoutError
        probe.connect(("127.0.0.1", port))
    probe.close()
    yield port
    for c in fillers:
        c.close()
    server.close()


def test_get_ends_by_its_deadline_whatever_the_addresses(blackhole: int, monkeypatch) -> None:
    real = socket.getaddrinfo

    def many(host, port, *args, **kwargs):
        if host == "multi.test":  # a host with four A records, all black holes
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", blackhole))] * 4
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", many)
    fetcher = Fetcher(user_agent="t", timeout=2.0, connect_timeout=1.5, allow_private_addresses=True)
    started = time.monotonic()
    with pytest.raises(FetchError):
        fetcher.get(f"http://multi.test:{blackhole}/feed")
    took = time.monotonic() - started
    fetcher.close()
    assert took < 2.5, f"get() took {took:.1f} s with fetch.timeout 2 s"


@pytest.mark.parametrize("host", ["a..b", "x" * 64 + ".example", ".example"])
def test_a_host_with_an_empty_or_long_label_is_a_target_error_not_a_crash(host: str) -> None:
    """urllib3 refuses such a host only when connecting, with LocationParseError (no
    RequestException): with allow_private_addresses = true (no resolving first) it escaped
    Fetcher.get and ended `once` for a feed entry linking http://a..b/x."""
    from topicwire.errors import TargetError

    fetcher = Fetcher(user_agent="t", timeout=2.0, connect_timeout=1.0, allow_private_addresses=True)
    try:
        with pytest.raises(TargetError, match="label"):
            fetcher.get(f"http://{host}/x")
    finally:
        fetcher.close()
