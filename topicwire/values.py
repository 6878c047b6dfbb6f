"""Values from the network, made safe where they enter (issue 13).

    plain_text(title/author/category)  -> text: markup removed, entities decoded,
                                          XML-invalid characters dropped, bounded
    web_url(link)                      -> an absolute http(s) URL, or "" when unusable
    bounded_date(datetime)             -> aware UTC within datetimes.py's year bounds, or None
    noting()                           -> counts what the above removed, for one log line per poll

Every parser and extractor path (RSS, Atom, JSON Feed, listing and article
pages) passes its titles, authors and links through these, and the feed
renderer applies them again on the way out, so a value an older version stored
cannot break a feed either. Pure: no I/O.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

from topicwire.datetimes import bounded

# XML 1.0 (section 2.2) allows tab, LF, CR and these ranges only; lxml refuses
# anything else with ValueError, and lone surrogates cannot be encoded to UTF-8.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A "<" that an HTML parser would take as the start of a tag, comment or declaration.
_TAG_START = re.compile(r"<[A-Za-z/!?]")
# Elements whose content is not text to a reader (HTMLParser hands it over as data).
_HIDDEN = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg", "math"})
# Decoding entities can reveal new markup ("&lt;script&gt;" -> "<script>"): a few passes
# reach a fixed point for anything but deliberately nested escapes, which lose their brackets.
_PASSES = 3

MAX_TITLE_CHARS = 1000  # longer is a body pasted into a title; readers show ~100
MAX_NAME_CHARS = 300  # an author or category
MAX_URL_CHARS = 4096  # browsers cope with more, but no article link needs it
WEB_SCHEMES = frozenset({"http", "https"})
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
# An absolute http(s) URL of printable ASCII with a plain host and a port under 10000:
# web_url would return it unchanged, so it skips the work (render calls it for every entry).
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]*[A-Za-z0-9](?::[0-9]{1,4})?(?:[/?#][!-~]*)?", re.ASCII)


# What the functions below removed or repaired while a `noting()` block runs in this thread:
# the pipeline logs it once per poll (event=source.values_cleaned), so a source whose items
# lose a link, a date or markup is named in the log even though the poll succeeds.
_NOTES: ContextVar[Counter[str] | None] = ContextVar("topicwire_value_notes", default=None)


@contextmanager
def noting() -> Iterator[Counter[str]]:
    """Count, by kind, the values cleaned inside the block (only in this thread)."""
    notes: Counter[str] = Counter()
    token = _NOTES.set(notes)
    try:
        yield notes
    finally:
        _NOTES.reset(token)


def _note(kind: str) -> None:
    notes = _NOTES.get()
    if notes is not None:
        notes[kind] += 1


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (C0 controls, lone surrogates...)."""
    return _XML_ILLEGAL.sub("", text)


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in _HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


# CPython's HTMLParser rescans the rest of the input for every "<" it cannot finish (an
# unclosed quote, "<a<a<a..."): 600 of "<a b='" in one 2,400-character title took 64 ms,
# and a 7 MB feed of 2,000 such titles minutes of CPU on every poll. A value with more
# "<" than a real title or name of its length has (the parser's worst case is about
# "<" count x length) is stripped by a linear regex instead: tags out, entities decoded.
_MAX_PARSER_SCAN = 20_000
_ANY_TAG = re.compile(r"<[^<>]*>?")


def _strip_markup(text: str) -> str:
    if text.count("<") * len(text) > _MAX_PARSER_SCAN:
        return html.unescape(_ANY_TAG.sub("", text))
    parser = _TextOnly()
    try:
        parser.feed(text)
        parser.close()
    except AssertionError:  # CPython's HTMLParser asserts on "<![foo[ ...]]>"
        return html.unescape(re.sub(r"<[^>]*>?", "", text))
    return "".join(parser.parts)


def plain_text(value: object, limit: int = MAX_TITLE_CHARS) -> str:
    """A title, author or category as plain text: what a reader should see, nothing to render.

    RSS titles are HTML by convention and many readers render them so; one rule
    serves every source and format: tags (and the content of script/style) are
    removed, entities decoded, whitespace collapsed, XML-invalid characters
    dropped, at most ``limit`` characters. ``AT&amp;T`` gives "AT&T" (the
    writer escapes it again, once); "a < b" stays, since it is no tag. A title
    *about* tags loses them: "Use <b> for bold" gives "Use for bold", because a
    reader rendering titles as HTML would take the <b> as markup.
    """
    if not isinstance(value, str) or not value:
        return ""
    if ("<" in value or "&" in value) and _NOTES.get() is not None and _TAG_START.search(html.unescape(value)):
        _note("markup_removed")
    # The renderer asks for the same titles and names in three formats, publish after publish;
    # only short values are memoized, so the memo holds at most ~8192 x 1 KB.
    return _plain_memo(value, limit) if len(value) <= _MEMO_CHARS else _plain(value, limit)


_MEMO_CHARS = 1024


@lru_cache(maxsize=8192)
def _plain_memo(value: str, limit: int) -> str:
    return _plain(value, limit)


def _plain(value: str, limit: int) -> str:
    text = value[: limit * 4]  # markup may shrink it; more is never a title
    if not text.isprintable() or not text.isascii():
        text = xml_safe(text)
    if "&" in text or "<" in text:
        text = _without_markup(text)
    text = " ".join(text.split())
    return text[:limit].rstrip()


def _without_markup(text: str) -> str:
    if "&" in text or _TAG_START.search(text):
        text = _strip_markup(text)  # entities are decoded once: "&amp;amp;" is the text "&amp;"
    for _ in range(_PASSES - 1):
        if not _TAG_START.search(text):
            break
        text = _strip_markup(text)
    text = _TAG_START.sub(lambda m: m.group(0)[1:], text)  # nested escapes: drop the bracket
    return xml_safe(text)  # "&#1;" decodes to a control character


# "Jane Doe <jane@example.org>": the address in angle brackets is no tag.
_BRACKETED_ADDRESS = re.compile(r"<\s*([^<>\s@]+@[^<>\s@]+)\s*>")


def plain_name(value: object) -> str | None:
    """An author or category: ``plain_text`` at MAX_NAME_CHARS; None when nothing is left.

    An e-mail address in angle brackets is kept, in parentheses (RSS's own form).
    """
    if isinstance(value, str) and "@" in value:
        value = _BRACKETED_ADDRESS.sub(r"(\1)", value)
    return plain_text(value, MAX_NAME_CHARS) or None


def web_url(value: object, base: str | None = None) -> str:
    """An absolute http(s) URL, or "" when ``value`` cannot be one.

    As browsers do (WHATWG URL): leading/trailing controls and spaces are
    stripped, tabs and newlines inside removed, other controls, spaces and
    XML-invalid characters percent-encoded. The host must be present, the port
    a number, and the whole at most MAX_URL_CHARS.
    """
    if not isinstance(value, str):
        return ""
    if base is None and len(value) <= MAX_URL_CHARS and _PLAIN_URL.fullmatch(value):
        return value  # the common case: nothing to resolve, encode or refuse
    text = value.strip(_C0_AND_SPACE)
    text = re.sub("[\t\n\r]", "", text)
    if not text or len(text) > MAX_URL_CHARS:
        _note("links_refused")
        return ""
    encoded = re.sub("[\x00-\x20\x7f]|" + _XML_ILLEGAL.pattern, lambda m: _percent(m.group(0)), text)
    try:
        url = urljoin(base, encoded) if base else encoded
        parts = urlsplit(url)
        _ = parts.port  # ValueError when not a number in 0..65535
    except ValueError:
        _note("links_refused")
        return ""
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname or len(url) > MAX_URL_CHARS:
        _note("links_refused")
        return ""
    if encoded != value.strip():
        _note("links_repaired")
    return url


def _percent(char: str) -> str:
    return quote(char.encode("utf-8", "surrogatepass"), safe="")


def bounded_date(value: datetime | None) -> datetime | None:
    """``value`` as aware UTC when its year is within datetimes.py's bounds; else None,
    counted as a dropped date."""
    utc = bounded(value)
    if utc is None and value is not None:
        _note("dates_dropped")
    return utc
