"""Assemble an Article from a feed entry or teaser and, if fetched, its page (pure).

Each field records where it finally came from (Article.provenance, issue 4):
``page:<origin>`` (the page's own record, e.g. ``page:meta:article:published_time``),
``feed`` or ``teaser`` (the entry, or the listing page's teaser), ``first_seen``
(``now``), ``url`` (a title made of the URL) and ``published`` (no update time: the
publication time stands in).
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar
from urllib.parse import urlsplit

from topicwire.datetimes import to_utc
from topicwire.extract.clean import clean_paragraphs, html_to_text, paragraphs_to_html, summarize
from topicwire.extract.urls import canonicalize_url, same_site
from topicwire.types import Article, Extracted, RawItem
from topicwire.values import plain_name, plain_text, web_url, xml_safe

T = TypeVar("T")
# An article's text is cut (at a paragraph, else a word) past this many characters: a
# hostile page or feed field can hold megabytes of text, and every stored article is
# shingled for dedup, matched against every topic and rendered into every feed it is in
# (a feed holds up to output.max_items entries, each rendered in three formats; issue 13).
# The longest article body of the Zyte benchmark in ../shared/corpus is 53,372 characters;
# a 20,000-word long read fits.
MAX_TEXT_CHARS = 200_000


def build_article(item: RawItem, page: Extracted | None, now: datetime, *, teaser: bool = False) -> Article:
    """Prefer what the page says; fall back to the entry; dates fall back to ``now``.

    Stored HTML is rebuilt from plain paragraphs, so it is safe by construction
    whatever the source sent (feed HTML, and JSON Feed's unsanitised content_html).
    Title and author are plain text and URLs web URLs whatever path found them
    (feed entry, listing teaser, page metadata): ``topicwire.values`` (issue 13).
    """
    entry = "teaser" if teaser else "feed"
    found = dict(page.provenance) if page else {}

    def on_page(name: str) -> str:
        return f"page:{found.get(name, 'extracted')}"

    url = _url(item, page, entry, on_page("canonical_url"))
    paragraphs = _paragraphs(item, page, entry, on_page("text"))
    text = "\n\n".join(paragraphs[0])
    page_title = plain_text(page.title) if page else None
    title = _pick_or((url[0], "url"), (plain_text(item.title), entry), (page_title, on_page("title")))
    published = _pick_or(
        (now, "first_seen"), (page.published if page else None, on_page("published")), (item.published, entry)
    )
    updated = _pick_or(
        (published[0], "published"), (page.updated if page else None, on_page("updated")), (item.updated, entry)
    )
    page_author = plain_name(page.author) if page else None
    author = _pick_or((None, ""), (page_author, on_page("author")), (plain_name(item.author), entry))
    language = _pick_or((None, ""), (page.language if page else None, on_page("language")), (item.language, entry))
    fields: dict[str, tuple[object, str]] = {"url": url, "title": title, "text": (text, paragraphs[1])}
    fields |= {"published": published, "updated": updated, "author": author, "language": language}
    return Article(
        source=item.source,
        guid=xml_safe(item.guid).strip() or url[0],
        url=url[0],
        title=title[0].strip(),
        text=text,
        html=paragraphs_to_html(paragraphs[0]),
        summary=summarize(text),
        published=to_utc(published[0]),
        updated=to_utc(updated[0]),
        author=author[0],
        language=language[0],
        method=page.method if page else entry,
        provenance=tuple((name, origin) for name, (value, origin) in fields.items() if value),
    )


def _url(item: RawItem, page: Extracted | None, entry: str, on_page: str) -> tuple[str, str]:
    own = web_url(canonicalize_url(item.url)) if item.url else ""
    canonical = web_url(page.canonical_url) if page and page.canonical_url else None
    # A canonical link pointing at another site or at the home page is a CMS
    # mistake seen in the wild; trusting it would merge unrelated articles.
    if canonical and (not own or same_site(canonical, own)) and urlsplit(canonical).path not in ("", "/"):
        return canonical, on_page
    return own, entry


def _paragraphs(item: RawItem, page: Extracted | None, entry: str, on_page: str) -> tuple[tuple[str, ...], str]:
    if page and page.text.strip():
        return _within(clean_paragraphs(page.text.split("\n\n"))), on_page
    which = "content" if item.content else "summary"
    return _within(clean_paragraphs(html_to_text(item.content or item.summary).split("\n\n"))), f"{entry}:{which}"


def _within(paragraphs: tuple[str, ...], limit: int = MAX_TEXT_CHARS) -> tuple[str, ...]:
    """The first paragraphs that fit in ``limit`` characters (the first one alone, cut at
    a word, when even it does not)."""
    kept: list[str] = []
    room = limit
    for paragraph in paragraphs:
        if len(paragraph) > room:
            if not kept:
                kept.append(summarize(paragraph, limit))
            break
        kept.append(paragraph)
        room -= len(paragraph) + 2  # the blank line between paragraphs
    return tuple(kept)


def _pick_or(default: tuple[T, str], *candidates: tuple[T | None, str]) -> tuple[T, str]:
    """The first candidate that has a value, with its origin; else ``default``."""
    return next(((value, origin) for value, origin in candidates if value), default)
