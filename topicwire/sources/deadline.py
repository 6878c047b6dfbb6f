"""One deadline for a whole HTTP response, status line and headers included (issue 13).

requests' read timeout bounds each socket read, not the response: a server that
sends its status line and then one header byte a second, one header line a
second, or ``HTTP/1.1 100 Continue`` lines for ever (http.client skips 1xx
responses in a loop) held a request for as long as it liked. Here every read
of a response goes through a ``DeadlineReader``, which sets the socket's
timeout to what is left of the deadline before each recv and refuses to read
once it has passed: nothing a server sends or withholds stretches a request
past its deadline, and no thread is needed to enforce it.

    session = deadline_session()              # connections read through DeadlineReader
    with within(Deadline.start(20)):          # this thread's requests in the block
        session.get(url, timeout=(10, 20))    # -> requests.ReadTimeout at 20 s, whatever comes

The host name lookup waits at most what is left too (sources/dns.py). The TCP connect
and the TLS handshake are bounded as a whole by the connect timeout
(Python's socket timeout is the total for ``connect`` and for ``do_handshake``);
callers give it ``min(connect timeout, what is left)``.

Outside a ``within`` block the session behaves exactly like requests'. Header
size and count stay bounded by http.client itself: a line of at most 64 KiB
(``_MAXLINE``) and at most 100 header lines (``_MAXHEADERS``), for the final
response and for every skipped 1xx one.
"""

from __future__ import annotations

import http.client
import io
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
from urllib3.util.connection import allowed_gai_family

from topicwire.sources.dns import LookupTimeout, lookup


@dataclass(frozen=True)
class Deadline:
    """The total time budget of one request (for a fetch: every hop and chunk)."""

    started: float
    seconds: float

    @classmethod
    def start(cls, seconds: float) -> Deadline:
        return cls(time.monotonic(), seconds)

    def remaining(self) -> float:
        return self.started + self.seconds - time.monotonic()

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


@dataclass
class _Scope:
    deadline: Deadline
    # Responses begun: the request was sent and its status line is awaited. A read
    # timeout before that was the TLS handshake's (urllib3 reports both alike).
    responses: int = 0


# Per thread (each thread has its own context): the scope of the request being made.
_CURRENT: ContextVar[_Scope | None] = ContextVar("topicwire_http_deadline", default=None)


@contextmanager
def within(deadline: Deadline) -> Iterator[Deadline]:
    """Responses read by this thread inside the block end by ``deadline``."""
    token = _CURRENT.set(_Scope(deadline))
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)


def responses_begun() -> int:
    """How many responses this thread began reading inside the current ``within`` block."""
    scope = _CURRENT.get()
    return 0 if scope is None else scope.responses


class DeadlineReader(io.RawIOBase):
    """A socket's bytes, each recv given only what is left of the deadline.

    Raises ``TimeoutError`` (``socket.timeout``) once the deadline has passed,
    which urllib3 turns into ``ReadTimeoutError`` and requests into ``ReadTimeout``.
    """

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        super().__init__()
        self._sock = sock
        # What socket.makefile gives http.client, unbuffered; it also holds a
        # reference on the socket so that http.client's conn.close() leaves it open
        # while the response is still read (as http.client expects of makefile).
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        remaining = self._deadline.remaining()
        if remaining <= 0:
            raise TimeoutError(f"deadline of {self._deadline.seconds:g} s passed")
        self._sock.settimeout(remaining)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineSocket:
    """What ``http.client.HTTPResponse`` needs of a socket: ``makefile("rb")``."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        return io.BufferedReader(DeadlineReader(self._sock, self._deadline))


def _response_factory(deadline: Deadline) -> Callable[..., http.client.HTTPResponse]:
    def response(sock: socket.socket, *args: Any, **kwargs: Any) -> http.client.HTTPResponse:
        return http.client.HTTPResponse(_DeadlineSocket(sock, deadline), *args, **kwargs)  # type: ignore[arg-type]

    return response


def _connect_within(conn: Any, deadline: Deadline) -> socket.socket:
    """urllib3's create_connection, each address given the connect timeout but never more
    than what is left of the deadline: urllib3 alone gives every address getaddrinfo
    returns the whole connect timeout, so a host with four addresses that drop SYNs held
    a get for 4 x fetch.connect_timeout, past fetch.timeout. (A dead IPv6 address still
    leaves the IPv4 one what remains, as before.)"""
    host = conn._dns_host.strip("[]")
    try:
        host.encode("idna")  # as urllib3 checks: a bad label is a LocationParseError, not a crash
    except UnicodeError:
        raise urllib3.exceptions.LocationParseError(f"'{host}', label empty or too long") from None
    per_address = conn.timeout if isinstance(conn.timeout, (int, float)) else float("inf")
    error: OSError = OSError("getaddrinfo returns an empty list")
    for family, kind, proto, _, address in lookup(host, conn.port, allowed_gai_family(), deadline.remaining()):
        left = min(per_address, deadline.remaining())
        if left <= 0:
            error = TimeoutError(f"deadline of {deadline.seconds:g} s passed while connecting")
            break
        sock = socket.socket(family, kind, proto)
        try:
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(left)
            if conn.source_address:
                sock.bind(conn.source_address)
            sock.connect(address)
            return sock
        except OSError as e:
            error = e
            sock.close()
    raise error


class _DeadlineResponses:
    """Mixed into urllib3's connections: http.client builds each response with
    ``self.response_class(self.sock, method=...)``, so this is where to wrap it; and
    each new connection's connect is bounded by the deadline too (``_new_conn``)."""

    def _new_conn(self) -> socket.socket:
        scope = _CURRENT.get()
        if scope is None:
            return super()._new_conn()  # type: ignore[misc, no-any-return]
        try:
            sock = _connect_within(self, scope.deadline)
        except socket.gaierror as e:
            raise urllib3.exceptions.NameResolutionError(self.host, self, e) from e  # type: ignore[attr-defined, arg-type]
        except LookupTimeout as e:  # the message names the lookup (fetch.describe_error)
            raise urllib3.exceptions.NewConnectionError(self, str(e)) from e  # type: ignore[arg-type]
        except TimeoutError as e:
            message = f"Connection to {self.host} timed out. (connect timeout={self.timeout})"  # type: ignore[attr-defined]
            raise urllib3.exceptions.ConnectTimeoutError(self, message) from e
        except OSError as e:
            raise urllib3.exceptions.NewConnectionError(self, f"Failed to establish a new connection: {e}") from e  # type: ignore[arg-type]
        sys.audit("http.client.connect", self, self.host, self.port)  # type: ignore[attr-defined]
        return sock

    @property
    def response_class(self) -> Callable[..., http.client.HTTPResponse]:
        scope = _CURRENT.get()
        if scope is None:
            return http.client.HTTPResponse
        scope.responses += 1
        return _response_factory(scope.deadline)


# http.client types response_class as a class; a property returning a factory is what it
# calls it as (``self.response_class(sock, method=...)``), hence the ignores.
class DeadlineHTTPConnection(_DeadlineResponses, urllib3.connection.HTTPConnection):  # type: ignore[misc]
    pass


class DeadlineHTTPSConnection(_DeadlineResponses, urllib3.connection.HTTPSConnection):  # type: ignore[misc]
    pass


class _HTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class _HTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, its pools making DeadlineHTTP(S)Connections."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def deadline_session() -> requests.Session:
    """A requests.Session whose responses honour ``within``; no proxies from the environment
    (they would connect on our behalf, bypass the address check, and make tests depend on
    the shell)."""
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", DeadlineAdapter())
    session.mount("https://", DeadlineAdapter())
    return session
