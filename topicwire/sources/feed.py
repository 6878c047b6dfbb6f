"""Which parser reads a fetched feed document: the dispatcher (one module per format below).

    parse_feed(result, source)
    | JSON Feed?  -> jsonfeed.parse_json_feed: the json module   (jsonfeed.org/version/1.1)
    | plain RSS?  -> fastfeed.parse_fast: lxml, feedparser's values  (None: not sure)
    | else        -> xmlfeed.parse_xml_feed: feedparser (RSS 0.9x-2.0, Atom, RDF, CDF)

The values every format shares (links, ids, titles, dates, which entries of a long
feed are read) are made in entries.py; feedparser's internals are reached only
through feedparser_private.py. Pure: bytes in, values out, no I/O.
"""

from __future__ import annotations

from topicwire.sources.fastfeed import parse_fast
from topicwire.sources.jsonfeed import parse_json_feed
from topicwire.sources.sniff import is_json_feed
from topicwire.sources.xmlfeed import parse_xml_feed
from topicwire.types import FetchResult, ParsedSource


def parse_feed(result: FetchResult, source: str) -> ParsedSource:
    """Parse a fetched feed; ParseError when the body is not a feed at all."""
    if is_json_feed(result.content_type, result.content):
        return parse_json_feed(result, source)
    fast = parse_fast(result, source)  # plain RSS with lxml, ~15x cheaper (bench/README.md)
    if fast is not None:
        return fast
    return parse_xml_feed(result, source)
