"""URL canonicalization: one spelling per article, so dedup can compare URLs.

Only changes that cannot point to another resource are made: scheme and host
case (RFC 3986 §6.2.2.1), default ports (§6.2.3), the fragment (never sent to
the server) and click-tracking parameters. Other parameters keep their order
and their exact encoding, since some CMSs route on them (``?p=123``).
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "yclid", "_ga", "igshid", "ref_src"}
)


def canonicalize_url(url: str, base: str | None = None) -> str:
    """Absolute, normalized form of ``url`` (resolved against ``base`` if given)."""
    url = url.strip()
    try:
        parts = urlsplit(urljoin(base, url) if base else url)
    except ValueError:  # e.g. an unbalanced "[" in the host: leave it for the caller to reject
        return url
    scheme = parts.scheme.lower()
    netloc = _netloc(scheme, parts.netloc)
    path = parts.path or ("/" if netloc else "")
    return urlunsplit((scheme, netloc, path, _strip_tracking(parts.query), ""))


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on the same site (same host, ignoring a leading ``www.``)."""
    host_a, host_b = _site_host(a), _site_host(b)
    return bool(host_a) and host_a == host_b


def host_of(url: str) -> str:
    """Lower-cased host name of ``url`` ("" if it has none or does not parse)."""
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""


def _site_host(url: str) -> str:
    host = host_of(url)
    return host[4:] if host.startswith("www.") else host


def _netloc(scheme: str, netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    host, colon, port = hostport.rpartition(":")
    if not colon or "]" in port:  # no port (an IPv6 literal's colons are inside [])
        host, port = hostport, ""
    host = host.lower().rstrip(".")
    if port and port.isdigit() and int(port) == _DEFAULT_PORTS.get(scheme):
        port = ""
    return f"{userinfo}{at}{host}{':' if port else ''}{port}"


def _strip_tracking(query: str) -> str:
    kept = [pair for pair in query.split("&") if pair and not _is_tracking(pair)]
    return "&".join(kept)


def _is_tracking(pair: str) -> bool:
    name = unquote_plus(pair.partition("=")[0]).strip().lower()
    return name.startswith("utm_") or name in _TRACKING_PARAMS
