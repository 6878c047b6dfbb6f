"""Assemble an Article from a feed entry or teaser and, if fetched, its page (pure)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from topicwire.extract.clean import clean_paragraphs, html_to_text, paragraphs_to_html, summarize
from topicwire.extract.dates import to_utc
from topicwire.extract.urls import canonicalize_url, same_site
from topicwire.types import Article, Extracted, RawItem


def build_article(item: RawItem, page: Extracted | None, now: datetime, *, teaser: bool = False) -> Article:
    """Prefer what the page says; fall back to the entry; dates fall back to ``now``.

    Stored HTML is rebuilt from plain paragraphs, so it is safe by construction
    whatever the source sent (feed HTML, and JSON Feed's unsanitised content_html).
    """
    url = _url(item, page)
    paragraphs = _paragraphs(item, page)
    text = "\n\n".join(paragraphs)
    published = to_utc(_first(page.published if page else None, item.published, now))
    return Article(
        source=item.source,
        guid=item.guid or url,
        url=url,
        title=(item.title or (page.title if page else "") or url).strip(),
        text=text,
        html=paragraphs_to_html(paragraphs),
        summary=summarize(text),
        published=published,
        updated=to_utc(_first(page.updated if page else None, item.updated, published)),
        author=(page.author if page else None) or item.author,
        language=(page.language if page else None) or item.language,
        method=page.method if page else ("teaser" if teaser else "feed"),
    )


def _url(item: RawItem, page: Extracted | None) -> str:
    own = canonicalize_url(item.url) if item.url else ""
    canonical = page.canonical_url if page else None
    # A canonical link pointing at another site or at the home page is a CMS
    # mistake seen in the wild; trusting it would merge unrelated articles.
    if canonical and (not own or same_site(canonical, own)) and urlsplit(canonical).path not in ("", "/"):
        return canonical
    return own


def _paragraphs(item: RawItem, page: Extracted | None) -> tuple[str, ...]:
    if page and page.text.strip():
        return clean_paragraphs(page.text.split("\n\n"))
    return clean_paragraphs(html_to_text(item.content or item.summary).split("\n\n"))


def _first(*values: datetime | None) -> datetime:
    return next(v for v in values if v)
