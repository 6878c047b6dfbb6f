"""HTTP GET for sources: conditional, capped in bytes and time, address-checked.

    Fetcher.get(url)
    | for each hop (at most max_redirects + 1):
    |   check scheme, resolve host, refuse private addresses
    |   GET with stream=True; the total deadline bounds every read, status line
    |   and headers included (deadline.py), and each connect
    |   3xx with Location -> next hop (loop detection)
    | 304 -> FetchResult(status=304);  4xx/5xx -> FetchError(status, retry_after)
    | 2xx -> read decoded chunks until EOF, the byte cap or the deadline

``requests.Response`` never leaves this module; every requests/urllib3 error
is wrapped in ``FetchError`` at this boundary (``TargetError`` when it is about
the URL itself rather than the server's state: see errors.py).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from topicwire.errors import FetchError, TargetError
from topicwire.sources.deadline import Deadline, deadline_session, responses_begun, within
from topicwire.sources.dns import LookupTimeout, lookup
from topicwire.types import FetchResult

DEFAULT_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, "
    "application/json;q=0.8, text/html;q=0.7, application/xhtml+xml;q=0.7, */*;q=0.1"
)
# For article pages (pass as ``accept=``): ask for HTML first.
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# RFC 9110 15.4.2/15.4.9: only these tell us to use the new URL from now on.
PERMANENT_REDIRECTS = frozenset({301, 308})
CHUNK_BYTES = 64 * 1024  # also the most the byte cap can be overshot by
PRIVATE_HINT = "set fetch.allow_private_addresses = true to allow"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Fetcher:
    """One ``requests.Session`` (connection reuse) with topicwire's fetch policy.

    Not meant to be shared between threads: give each worker its own Fetcher.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float = 20.0,
        connect_timeout: float = 10.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 5,
        allow_private_addresses: bool = False,
    ) -> None:
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.allow_private_addresses = allow_private_addresses
        self._session = deadline_session()  # no proxies from the environment either
        self._session.headers.update({"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"})

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        """GET ``url``; raises FetchError for anything but a 2xx or a 304."""
        # One deadline for every hop, connect, header and body byte of this get.
        with within(Deadline.start(self.timeout)) as deadline:
            return self._get(url, deadline, request_headers(etag, last_modified, accept), etag, last_modified)

    def _get(
        self, url: str, deadline: Deadline, headers: dict[str, str], etag: str | None, last_modified: str | None
    ) -> FetchResult:
        hop, seen = url, {url}
        moved: str | None = None  # where an unbroken chain of 301/308 from ``url`` leads
        for _ in range(self.max_redirects + 1):
            response = self._request(url, hop, headers, deadline)
            location = redirect_location(hop, response)
            if location is None:
                result = self._finish(url, hop, response, deadline, etag, last_modified)
                return replace(result, permanent_url=moved) if moved else result
            if response.status_code in PERMANENT_REDIRECTS and moved == (None if hop == url else hop):
                moved = location
            discard(response)
            if location in seen:
                raise FetchError(url, f"redirect loop at {location}")
            seen.add(location)
            hop = location
        raise FetchError(url, f"more than {self.max_redirects} redirects")

    def _request(self, url: str, hop: str, headers: dict[str, str], deadline: Deadline) -> requests.Response:
        try:
            self._check_target(url, hop, deadline)
            return self._send(url, hop, headers, deadline)
        except TargetError as e:
            if same_origin(url, hop):
                raise
            # A redirect elsewhere says nothing about ``url``'s own host (robots.txt
            # must not take it for one: see TargetError).
            raise FetchError(url, e.message) from e

    def _check_target(self, url: str, hop: str, deadline: Deadline) -> None:
        host, port = check_url(url, hop)
        if self.allow_private_addresses:
            return
        for address in resolve(url, host, port, deadline.remaining()):
            if not is_public_address(address):
                raise TargetError(url, f"refused private address {address} ({PRIVATE_HINT})")

    def _send(self, url: str, hop: str, headers: dict[str, str], deadline: Deadline) -> requests.Response:
        remaining = deadline.remaining()
        if remaining <= 0:
            raise FetchError(url, f"timed out after {self.timeout:g} s")
        # The read timeout is only a backstop: deadline.py gives each recv what is left.
        begun = responses_begun()
        try:
            return self._session.get(
                hop,
                headers=headers,
                stream=True,
                allow_redirects=False,
                timeout=(min(self.connect_timeout, remaining), remaining),
            )
        except requests.ReadTimeout as e:
            if responses_begun() == begun:  # no response begun: the TLS handshake timed out
                raise FetchError(url, f"TLS handshake with {urlsplit(hop).hostname} timed out") from e
            raise FetchError(url, f"timed out after {self.timeout:g} s waiting for the response headers") from e
        except requests.RequestException as e:
            raise fetch_error(url, e, hop) from e

    def _finish(
        self,
        url: str,
        final_url: str,
        response: requests.Response,
        deadline: Deadline,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        status = response.status_code
        if not 200 <= status < 300:
            discard(response)
            if status != 304:
                raise status_error(url, response)
            # A 304 may omit the validators; the ones we sent still hold.
            return FetchResult(
                requested_url=url,
                url=final_url,
                status=304,
                etag=validator(response.headers.get("ETag")) or etag,
                last_modified=validator(response.headers.get("Last-Modified")) or last_modified,
                elapsed_ms=deadline.elapsed_ms(),
                headers=lowered_headers(response),
            )
        content = self._read_body(url, final_url, response, deadline)
        media_type, charset = parse_content_type(response.headers.get("Content-Type", ""))
        return FetchResult(
            requested_url=url,
            url=final_url,
            status=status,
            content=content,
            content_type=media_type,
            charset=charset,
            etag=validator(response.headers.get("ETag")),
            last_modified=validator(response.headers.get("Last-Modified")),
            elapsed_ms=deadline.elapsed_ms(),
            headers=lowered_headers(response),
        )

    def _read_body(self, url: str, final_url: str, response: requests.Response, deadline: Deadline) -> bytes:
        too_large = f"response larger than {self.max_bytes} bytes"
        if declared_length(response) > self.max_bytes:
            response.close()
            raise FetchError(url, too_large)
        body = bytearray()
        try:
            # read1 returns after one socket read and, since urllib3 2.6,
            # inflates at most CHUNK_BYTES per call: a dripping server cannot
            # hold us past the deadline, nor a gzip bomb inflate past the cap.
            while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
                body += chunk
                if len(body) > self.max_bytes:
                    raise FetchError(url, too_large)
                if deadline.remaining() <= 0:
                    raise FetchError(url, f"timed out after {self.timeout:g} s reading the body")
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as e:
            response.close()
            raise FetchError(url, f"timed out after {self.timeout:g} s reading the body") from e
        except (urllib3.exceptions.HTTPError, OSError) as e:
            response.close()
            raise fetch_error(url, e, final_url) from e
        except FetchError:
            response.close()
            raise
        response.raw.release_conn()  # body complete: the connection may be reused
        return bytes(body)


def check_url(url: str, hop: str | None = None) -> tuple[str, int]:
    """(host, port) of ``hop`` (default: ``url``); TargetError naming ``url`` when it is no
    http(s) URL with a host and a valid port. Pure: resolves nothing."""
    hop = url if hop is None else hop
    try:
        parts = urlsplit(hop)
        host, port = parts.hostname, parts.port
    except ValueError as e:
        raise TargetError(url, f"invalid URL {hop!r}: {e}") from e
    if parts.scheme not in ("http", "https"):
        raise TargetError(url, f"unsupported URL scheme {parts.scheme!r} (only http, https)")
    if not host:
        raise TargetError(url, f"invalid URL {hop!r}: no host")
    if host.isascii():  # requests encodes other hosts itself (IDNA 2008) and names a failure
        try:
            # urllib3 checks this only when it connects, raising LocationParseError, which is
            # no RequestException: "http://a..b/" ended `once` with allow_private_addresses.
            host.encode("idna")
        except UnicodeError as e:
            raise TargetError(url, f"invalid URL {hop!r}: empty or too long label in host {host!r}") from e
    return host, port or (443 if parts.scheme == "https" else 80)


def same_origin(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        pa, pb = urlsplit(a), urlsplit(b)
    except ValueError:
        return False
    return (pa.scheme.lower(), pa.netloc.lower()) == (pb.scheme.lower(), pb.netloc.lower())


# ETag and Last-Modified are stored and sent back in If-None-Match / If-Modified-Since on
# every later poll: one with CR/LF would be refused by requests (ValueError), and control
# characters or a 60 KB value make servers answer 400 to every poll (issue 13). Real
# validators are short and printable; anything else is dropped (an unconditional GET).
MAX_VALIDATOR_CHARS = 1024


def validator(value: str | None) -> str | None:
    """An ETag or Last-Modified worth sending back; None for one with control characters or too long."""
    if not value:
        return None
    value = value.strip()
    if not value or len(value) > MAX_VALIDATOR_CHARS or not value.isprintable():
        return None
    return value


def request_headers(etag: str | None, last_modified: str | None, accept: str | None) -> dict[str, str]:
    headers = {"Accept": accept or DEFAULT_ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def discard(response: requests.Response) -> None:
    """Drop a body we do not want, keeping the connection alive when it is short.

    304s and redirects are most of a poller's traffic; reading their (empty or
    tiny) bodies lets the pool reuse the connection instead of reconnecting.
    """
    encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
    short = not encoded and 0 <= raw_length(response) <= CHUNK_BYTES  # no bombs here either
    try:
        if response.status_code == 304 or short:
            _ = response.content  # marks the body consumed, so close() releases
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
        pass  # the connection is closed below; the status is what matters
    response.close()


def raw_length(response: requests.Response) -> int:
    try:
        return int(response.headers.get("Content-Length", "-1"))
    except ValueError:
        return -1


def redirect_location(hop: str, response: requests.Response) -> str | None:
    """The absolute next hop of a redirect, or None when this is the last response."""
    location = response.headers.get("Location")
    if response.status_code not in REDIRECT_STATUSES or not location:
        return None
    # RFC 9110 10.2.2: Location may be relative to the URL that was requested.
    return urljoin(hop, location.strip())


def resolve(url: str, host: str, port: int, seconds: float) -> tuple[IPAddress, ...]:
    # The check resolves, then requests resolves again: a DNS answer that
    # changes in between (rebinding) is not caught. Good enough for a feed
    # reader whose sources are configured by its operator.
    try:
        infos = lookup(host, port, socket.AF_UNSPEC, seconds)
    except (socket.gaierror, UnicodeError) as e:
        raise TargetError(url, f"cannot resolve host {host}") from e
    except LookupTimeout as e:
        raise FetchError(url, str(e)) from e
    return tuple(parse_address(str(info[4][0])) for info in infos)


def parse_address(text: str) -> IPAddress:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def is_public_address(address: IPAddress) -> bool:
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def status_error(url: str, response: requests.Response) -> FetchError:
    status = response.status_code
    reason = response.reason or ""
    if isinstance(reason, bytes):
        reason = reason.decode("latin-1")
    return FetchError(
        url,
        f"HTTP {status} {reason}".rstrip(),
        status=status,
        retry_after=parse_retry_after(response.headers.get("Retry-After"), datetime.now(UTC)),
    )


# The longest pause a Retry-After can ask for: a server asking for more is misconfigured
# (or the date is garbage), and 10**30 seconds once overflowed datetime arithmetic and
# ended the run (issue 13). The scheduler's own limit on any delay (policy.MAX_DELAY).
MAX_RETRY_AFTER = 30 * 86400.0


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """RFC 9110 10.2.3: delay-seconds or an HTTP-date, at most MAX_RETRY_AFTER;
    None when absent or unreadable (a negative number is unreadable)."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²".isdigit() is true too
        return min(float(value), MAX_RETRY_AFTER)  # float("9" * 400) is inf: min() bounds it
    try:
        when = parsedate_to_datetime(value)
        if when.tzinfo is None:  # "-0000" parses naive; HTTP-dates are GMT anyway
            when = when.replace(tzinfo=UTC)
        return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def parse_content_type(value: str) -> tuple[str, str | None]:
    """``text/xml; charset="UTF-8"`` -> ("text/xml", "utf-8")."""
    media_type, *params = value.split(";")
    charset = None
    for param in params:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset" and val.strip().strip("\"'"):
            charset = val.strip().strip("\"'").lower()
    return media_type.strip().lower(), charset


def declared_length(response: requests.Response) -> int:
    """Content-Length when it counts decoded bytes (no Content-Encoding), else 0."""
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return 0
    try:
        return int(response.headers.get("Content-Length", "0"))
    except ValueError:
        return 0


def lowered_headers(response: requests.Response) -> tuple[tuple[str, str], ...]:
    return tuple((name.lower(), value) for name, value in response.headers.items())


def fetch_error(url: str, error: BaseException, hop: str) -> FetchError:
    """``error`` as a FetchError, a TargetError when it is about the URL, not the moment."""
    causes = cause_chain(error)
    about_target = _has(
        causes,
        urllib3.exceptions.NameResolutionError,
        socket.gaierror,
        requests.exceptions.SSLError,
        urllib3.exceptions.SSLError,
        requests.exceptions.InvalidURL,
        requests.exceptions.URLRequired,
        urllib3.exceptions.LocationParseError,
    )
    return (TargetError if about_target else FetchError)(url, describe_error(error, hop))


def describe_error(error: BaseException, url: str) -> str:
    """A short, clear message for a requests/urllib3/socket failure."""
    causes = cause_chain(error)
    host = urlsplit(url).hostname or url
    timed_out = [c for c in causes if isinstance(c, LookupTimeout)]
    if timed_out:
        return str(timed_out[0])
    if _has(causes, urllib3.exceptions.NameResolutionError, socket.gaierror):
        return f"cannot resolve host {host}"
    if _has(causes, ConnectionRefusedError):
        return f"connection refused by {host}"
    # urllib3's NewConnectionError subclasses ConnectTimeoutError; requests
    # tells the two apart and raises ConnectTimeout only for a real timeout.
    if _has(causes, requests.ConnectTimeout):
        return f"connect to {host} timed out"
    if _has(causes, requests.ReadTimeout, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        return f"read from {host} timed out"
    if _has(causes, requests.exceptions.SSLError, urllib3.exceptions.SSLError):
        return f"TLS error: {causes[-1]}"
    if _has(causes, requests.exceptions.InvalidURL, requests.exceptions.URLRequired):
        return f"invalid URL: {causes[-1]}"
    if _has(causes, urllib3.exceptions.DecodeError, requests.exceptions.ContentDecodingError):
        return "could not decode the compressed body"
    if _has(causes, urllib3.exceptions.ProtocolError, requests.exceptions.ChunkedEncodingError):
        return f"connection broken: {causes[-1]}"
    return f"request failed: {causes[-1]}"


def _has(causes: tuple[BaseException, ...], *types: type[BaseException]) -> bool:
    return any(isinstance(cause, types) for cause in causes)


def cause_chain(error: BaseException) -> tuple[BaseException, ...]:
    """``error`` and what it wraps: requests hides urllib3 errors in args and .reason."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        inner = getattr(current, "reason", None)
        if not isinstance(inner, BaseException) and current.args:
            inner = current.args[0]
        if not isinstance(inner, BaseException):
            inner = current.__cause__ or current.__context__
        current = inner
    return tuple(chain)


class HttpGetter(Protocol):
    """What the politeness layer needs of a fetcher: ``Fetcher`` or ``PerThreadFetcher``."""

    def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None, accept: str | None = None
    ) -> FetchResult: ...

    def close(self) -> None: ...


class PerThreadFetcher:
    """One ``Fetcher`` (one requests.Session) per worker thread, same ``get``.

    requests does not promise that a Session is safe to share between threads,
    and every poll worker and robots.txt fetch goes through here.
    """

    def __init__(self, **options: object) -> None:
        self._options = options
        self._local = threading.local()
        self._all: list[Fetcher] = []
        self._lock = threading.Lock()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> FetchResult:
        return self._mine().get(url, etag=etag, last_modified=last_modified, accept=accept)

    def _mine(self) -> Fetcher:
        fetcher = getattr(self._local, "fetcher", None)
        if fetcher is None:
            fetcher = Fetcher(**self._options)  # type: ignore[arg-type]
            self._local.fetcher = fetcher
            with self._lock:
                self._all.append(fetcher)
        return fetcher

    def close(self) -> None:
        with self._lock:
            fetchers, self._all = self._all, []
        for fetcher in fetchers:
            fetcher.close()
