"""Render ``index.html``: every topic with subscribe links, its latest entries, and source health.

Pure: data and an explicit ``now`` in, bytes out. The same input always gives
the same bytes (the feed server's ETag compares bytes). Every string that came
from a source or the config is HTML-escaped; entry links are kept only when
they are http(s), since a scraped ``javascript:`` URL in an ``href`` would run
in the reader's browser. Inline CSS only, no JavaScript.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from topicwire.types import FeedDoc, FeedEntry, SourceState
from topicwire.values import plain_text

LATEST = 10  # entries shown per topic
FAILING_AFTER = 3  # default of fetch.failing_after
OPML_NAME = "index.opml"
UNTITLED = "(untitled)"
FORMATS = (("rss", "RSS"), ("atom", "Atom"), ("json", "JSON Feed"))

# C0 controls (except tab/newline) and lone surrogates are parse errors in
# HTML (WHATWG 13.2.5) and cannot be encoded to UTF-8; scraped titles carry them.
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

CSS = """\
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
.subscribe a{margin-right:.75rem}ol{padding-left:1.4rem}li{margin:.2rem 0}
.meta,time{color:#666;font-size:.9em}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
.failing{color:#b00020;font-weight:bold}.empty{color:#666;font-style:italic}"""


def _text(value: str | None) -> str:
    """Escape for element content and quoted attributes alike."""
    return html.escape(_ILLEGAL.sub("", value or ""), quote=True)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return '<span class="meta">never</span>'
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime on the index page: {moment!r} (types.py wants aware UTC)")
    utc = moment.astimezone(UTC).replace(microsecond=0)
    return f'<time datetime="{utc.isoformat()}">{utc:%Y-%m-%d %H:%M} UTC</time>'


def _safe_href(url: str) -> str | None:
    cleaned = _ILLEGAL.sub("", url).strip()
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return None
    return cleaned if scheme in ("http", "https") else None


def latest(entries: Sequence[FeedEntry], count: int = LATEST) -> tuple[FeedEntry, ...]:
    """Newest first by published time (ties by id, so the order is stable)."""
    ordered = sorted(entries, key=lambda e: (e.published.astimezone(UTC), e.id), reverse=True)
    return tuple(ordered[:count])


def _entry_row(entry: FeedEntry) -> str:
    title = _text(plain_text(entry.title) or UNTITLED)  # markup removed, not shown as text (issue 13)
    href = _safe_href(entry.link)
    linked = f'<a href="{_text(href)}">{title}</a>' if href else title
    source = f' <span class="meta">· {_text(entry.source)}</span>' if entry.source else ""
    return f"<li>{linked} {_when(entry.published)}{source}</li>"


def _subscribe(doc: FeedDoc) -> str:
    stem = quote(doc.name, safe="")
    links = (f'<a href="{_text(stem)}.{ext}">{label}</a>' for ext, label in FORMATS)
    return '<p class="subscribe">Subscribe: ' + " ".join(links) + "</p>"


def _topic_section(doc: FeedDoc) -> str:
    shown = latest(doc.entries)
    rows = "\n".join(_entry_row(e) for e in shown) if shown else ""
    body = f"<ol>\n{rows}\n</ol>" if shown else '<p class="empty">No entries yet.</p>'
    title = _text(doc.title.strip() or doc.name)
    about = f"<p>{_text(doc.description)}</p>\n" if doc.description.strip() else ""
    return f'<section id="topic-{_text(doc.name)}">\n<h2>{title}</h2>\n{about}{_subscribe(doc)}\n{body}\n</section>'


def status_label(state: SourceState, failing_after: int = FAILING_AFTER) -> str:
    return state.shown_status(failing_after)


def _source_row(state: SourceState, failing_after: int) -> str:
    label = status_label(state, failing_after)
    cls = ' class="failing"' if label == "failing" else ""
    cells = (
        _text(state.name),
        f"<span{cls}>{_text(label)}</span>",
        _when(state.last_success),
        _text(state.error),
    )
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _sources_table(sources: Sequence[SourceState], failing_after: int) -> str:
    if not sources:
        return '<p class="empty">No sources polled yet.</p>'
    head = "<tr><th>Source</th><th>Status</th><th>Last success</th><th>Error</th></tr>"
    rows = "\n".join(_source_row(s, failing_after) for s in sources)
    return f"<table>\n<thead>{head}</thead>\n<tbody>\n{rows}\n</tbody>\n</table>"


def render_index_html(
    title: str,
    topics: Sequence[FeedDoc],
    sources: Sequence[SourceState],
    now: datetime,
    failing_after: int = FAILING_AFTER,
) -> bytes:
    """The whole page, UTF-8. Topics and sources appear in the order given."""
    heading = _text(title.strip() or "topicwire")
    sections = "\n".join(_topic_section(d) for d in topics) or '<p class="empty">No topics configured.</p>'
    page = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{heading}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n"
        f"<h1>{heading}</h1>\n"
        f'<p class="meta">Updated {_when(now)} · <a href="{OPML_NAME}">All topic feeds (OPML)</a></p>\n'
        f"{sections}\n"
        f'<section id="sources">\n<h2>Sources</h2>\n{_sources_table(sources, failing_after)}\n</section>\n'
        "</body>\n</html>\n"
    )
    return page.encode("utf-8")
