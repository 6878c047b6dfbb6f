"""Every feedparser name topicwire uses besides ``feedparser.parse``: the one place that
reaches inside it.

fastfeed.py mirrors feedparser's strict parser value for value, and JSON Feed HTML
goes through feedparser's sanitizer, so both need feedparser's internals: names
with a leading underscore (``_parse_date``, ``_sanitize_html``, ``_FeedParserMixin``,
``_cp1252``, ``_urljoin``) and undocumented module-level helpers. None of them is
public API; pyproject.toml pins ``feedparser<7`` for them. Each is looked up by
``_private`` below, so a feedparser release that moves one fails at import with the
name and the installed version; tests/test_feedparser_private.py checks every name
listed here against the installed feedparser (issue 15 point 3).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any


def feedparser_version() -> str:
    try:
        return metadata.version("feedparser")
    except metadata.PackageNotFoundError:
        return "not installed"


def _private(module: str, name: str) -> Any:  # noqa: ANN401 - typed where it is bound below
    """``module.name`` from the installed feedparser; ImportError naming both and the version."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise ImportError(
            f"feedparser {feedparser_version()} has no {module}.{name}, which topicwire uses "
            "(topicwire/sources/feedparser_private.py; pinned feedparser<7 in pyproject.toml)"
        ) from e


# -- dates ------------------------------------------------------------------------------------
# feedparser's date handlers chain (W3DTF, RFC 822, and a dozen regional forms), UTC.
parse_date_struct: Callable[[str], time.struct_time | None] = _private("feedparser.datetimes", "_parse_date")

# -- encodings and URLs -----------------------------------------------------------------------
# (HTTP headers, bytes, info dict to fill) -> the document as UTF-8, as feedparser decodes it.
convert_to_utf8: Callable[[dict[str, str], bytes, dict[str, object]], bytes] = _private(
    "feedparser.encodings", "convert_to_utf8"
)
make_safe_absolute_uri: Callable[[str], str] = _private("feedparser.urls", "make_safe_absolute_uri")
urljoin: Callable[[str, str], str] = _private("feedparser.urls", "_urljoin")
# (markup, base URI, encoding, content type) -> markup with relative URIs made absolute.
resolve_relative_uris: Callable[[str, str, str, str], str] = _private("feedparser.urls", "resolve_relative_uris")

# -- markup -----------------------------------------------------------------------------------
# (markup, encoding, content type) -> markup held to feedparser's element/attribute whitelist.
sanitize_html: Callable[[str, str, str], str] = _private("feedparser.sanitizer", "_sanitize_html")
# The windows-1252 code points feedparser maps to what they meant (its _redecode step).
CP1252: Mapping[int, str] = _private("feedparser.html", "_cp1252")

# -- the strict parser's element handling ---------------------------------------------------------
_MIXIN = _private("feedparser.mixin", "_FeedParserMixin")
_STRICT_PARSER = _private("feedparser.api", "StrictFeedParser")
# namespace URI -> the prefix feedparser reports elements of that namespace under.
NAMESPACES: Mapping[str, str] = _MIXIN.namespaces
# RSS text of unknown type: does feedparser take it as HTML? (its "consumers must guess")
looks_like_html: Callable[[str], bool] = _MIXIN.looks_like_html


def has_handler(name: str) -> bool:
    """Does feedparser's strict parser handle the element ``name`` ("prefix:local") itself?"""
    method = name.replace(":", "_")
    return hasattr(_STRICT_PARSER, f"_start_{method}") or hasattr(_STRICT_PARSER, f"_end_{method}")
