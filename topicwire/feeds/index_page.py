"""Render ``index.html``: every topic with subscribe links, its latest entries, and source health.

Pure: data and an explicit ``now`` in, bytes out. The same input always gives
the same bytes, and the page shows no render time, only times from the data (last
poll, next due): it is rewritten after every poll, but only when something it
shows changed (the feed server's ETag compares bytes). Every string that came
from a source or the config is HTML-escaped; links are kept only when they are
http(s), since a scraped ``javascript:`` URL in an ``href`` would run in the
reader's browser. Inline CSS only, no JavaScript; a ``<meta http-equiv="refresh">``
reloads the page an operator keeps open.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from topicwire.types import FeedDoc, FeedEntry, SourceState

LATEST = 10  # entries shown per topic
ALSO_SHOWN = 8  # other outlets named per entry; more are counted ("and 3 more")
FAILING_AFTER = 3  # default of fetch.failing_after
REFRESH_SECONDS = 60
ERROR_CHARS = 300  # of a source's last error; `topicwire sources` prints it whole
OPML_NAME = "index.opml"
UNTITLED = "(untitled)"
FORMATS = (("rss", "RSS"), ("atom", "Atom"), ("json", "JSON Feed"))

# C0 controls (except tab/newline) and lone surrogates are parse errors in
# HTML (WHATWG 13.2.5) and cannot be encoded to UTF-8; scraped titles carry them.
_URL_SAFE = "%;/?:@&=+$,-_.!~*'()#[]"  # RFC 3986 reserved and unreserved characters, kept
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

CSS = """\
body{font:15px/1.45 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
.subscribe a{margin-right:.75rem}ol{padding-left:1.4rem}li{margin:.2rem 0}
.meta,time{color:#666;font-size:.9em}time{white-space:nowrap}.wide{overflow-x:auto}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
td.num{text-align:right}td.error{overflow-wrap:anywhere;max-width:24rem}.url{overflow-wrap:anywhere}
.status{font-weight:bold;white-space:nowrap}.ok{color:#1b5e20}.idle{color:#666}.warn{color:#a15c00}
.bad{color:#b00020}.empty{color:#666;font-style:italic}"""


def _text(value: str | None) -> str:
    """Escape for element content and quoted attributes alike."""
    return html.escape(_ILLEGAL.sub("", value or ""), quote=True)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime on the index page: {moment!r} (types.py wants aware UTC)")
    return moment.astimezone(UTC).replace(microsecond=0)


def _when(moment: datetime | None, missing: str = "never") -> str:
    if moment is None:
        return f'<span class="meta">{_text(missing)}</span>'
    utc = _utc(moment)
    return f'<time datetime="{utc.isoformat()}">{utc:%Y-%m-%d %H:%M} UTC</time>'


def _safe_href(url: str) -> str | None:
    cleaned = _ILLEGAL.sub("", url).strip()
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return None
    # Quotes, spaces, "<" and non-ASCII are percent-encoded: a valid URL (what the HTML
    # validator asks of an href), and nothing in it can end the attribute.
    return quote(cleaned, safe=_URL_SAFE) if scheme in ("http", "https") else None


def _link(url: str, label: str) -> str:
    """``label`` (already escaped) linked to ``url`` when that is http(s), else plain."""
    href = _safe_href(url)
    return f'<a href="{_text(href)}">{label}</a>' if href else label


def latest(entries: Sequence[FeedEntry], count: int = LATEST) -> tuple[FeedEntry, ...]:
    """Newest first by published time (ties by id, so the order is stable)."""
    ordered = sorted(entries, key=lambda e: (e.published.astimezone(UTC), e.id), reverse=True)
    return tuple(ordered[:count])


def _also(entry: FeedEntry) -> str:
    """The other outlets that reported the story, each linked to its copy."""
    if not entry.also:
        return ""
    shown = ", ".join(_link(url, _text(name)) for name, url in entry.also[:ALSO_SHOWN])
    more = len(entry.also) - ALSO_SHOWN
    rest = f" and {more} more" if more > 0 else ""
    return f' <span class="meta">· also reported by {shown}{rest}</span>'


def _entry_row(entry: FeedEntry) -> str:
    title = _text(_ILLEGAL.sub("", entry.title).strip() or UNTITLED)
    source = f' <span class="meta">· {_text(entry.source)}</span>' if entry.source else ""
    return f"<li>{_link(entry.link, title)} {_when(entry.published)}{source}{_also(entry)}</li>"


def _subscribe(doc: FeedDoc) -> str:
    stem = quote(doc.name, safe="")
    links = (f'<a href="{_text(stem)}.{ext}">{label}</a>' for ext, label in FORMATS)
    return '<p class="subscribe">Subscribe: ' + " ".join(links) + "</p>"


def _topic_section(doc: FeedDoc) -> str:
    shown = latest(doc.entries)
    rows = "\n".join(_entry_row(e) for e in shown) if shown else ""
    body = f"<ol>\n{rows}\n</ol>" if shown else '<p class="empty">No entries yet.</p>'
    title = doc.title.strip() or doc.name
    # The config's default description is the title: saying it twice tells nothing.
    described = doc.description.strip() and doc.description.strip() != title
    about = f"<p>{_text(doc.description)}</p>\n" if described else ""
    head = f'<section id="topic-{_text(doc.name)}">\n<h2>{_text(title)}</h2>\n'
    return f"{head}{about}{_subscribe(doc)}\n{body}\n</section>"


def status_label(state: SourceState, failing_after: int = FAILING_AFTER) -> str:
    """The status code the ``sources`` command prints (``failing`` included)."""
    return state.shown_status(failing_after)


def _errors(count: int) -> str:
    return "1 error" if count == 1 else f"{count} errors in a row"


def status_words(state: SourceState, now: datetime, failing_after: int = FAILING_AFTER) -> tuple[str, str]:
    """(words for a person, CSS class) for the status ``sources`` shows."""
    label = status_label(state, failing_after)
    if label == "retired":
        since = f" since {_utc(state.retired):%Y-%m-%d}" if state.retired else ""
        return f"Retired: gone (HTTP 410){since}", "bad"
    words, cls = {
        "ok": ("OK", "ok"),
        "not_modified": ("Not modified", "ok"),
        "never": ("Not polled yet", "idle"),
        "error": (f"Error ({_errors(state.error_count)})", "warn"),
        "failing": (f"Failing ({_errors(state.error_count)})", "bad"),
    }.get(label, (label, "idle"))
    if state.retry_until is not None and state.retry_until > now:
        words += f", asked to wait until {_utc(state.retry_until):%H:%M} UTC"
    return words, cls


def _clip(text: str | None, limit: int = ERROR_CHARS) -> str:
    """An error as the page shows it: a server's reason phrase or a parser's complaint can be long."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _source_cell(state: SourceState) -> str:
    name = f"<strong>{_text(state.name)}</strong>"
    where = f'<br><span class="meta url">{_link(state.url, _text(state.url))}</span>'
    moved = " (moved here by a permanent redirect)" if state.config_url and state.url != state.config_url else ""
    return f"{name}{where}{_text(moved)}"


def _next_due(state: SourceState) -> str:
    if state.retired is not None:
        return '<span class="meta">not polled</span>'
    return _when(state.next_due, missing="at start-up")


def _source_row(state: SourceState, now: datetime, failing_after: int) -> str:
    words, cls = status_words(state, now, failing_after)
    cells = (
        ("", _source_cell(state)),
        ("", f'<span class="status {cls}">{_text(words)}</span>'),
        (' class="num"', str(max(state.articles, 0))),
        ("", _when(state.last_polled)),
        ("", _when(state.last_success)),
        ("", _next_due(state)),
        (' class="error"', _text(_clip(state.error))),
    )
    return "<tr>" + "".join(f"<td{attr}>{c}</td>" for attr, c in cells) + "</tr>"


def _summary(sources: Sequence[SourceState], now: datetime, failing_after: int) -> str:
    counts: dict[str, int] = {}
    for s in sources:
        cls = status_words(s, now, failing_after)[1]
        counts[cls] = counts.get(cls, 0) + 1
    names = (("ok", "working"), ("warn", "erroring"), ("bad", "failing or retired"), ("idle", "not polled yet"))
    parts = [f'<span class="{cls}">{counts[cls]} {words}</span>' for cls, words in names if counts.get(cls)]
    if not parts:
        return '<p class="empty">No sources configured.</p>'
    return f'<p id="health"><a href="#sources">{len(sources)} sources</a>: ' + ", ".join(parts) + "</p>"


def _sources_table(sources: Sequence[SourceState], now: datetime, failing_after: int) -> str:
    if not sources:
        return '<p class="empty">No sources configured.</p>'
    names = ("Source", "Status", "Articles", "Last poll", "Last success", "Next due", "Last error")
    head = "<tr>" + "".join(f"<th>{n}</th>" for n in names) + "</tr>"
    rows = "\n".join(_source_row(s, now, failing_after) for s in sources)
    return f'<div class="wide"><table>\n<thead>{head}</thead>\n<tbody>\n{rows}\n</tbody>\n</table></div>'


def _last_poll(sources: Sequence[SourceState]) -> str:
    polled = [s.last_polled for s in sources if s.last_polled is not None]
    return "Last poll " + _when(max(polled, default=None), missing="not yet")


def render_index_html(
    title: str,
    topics: Sequence[FeedDoc],
    sources: Sequence[SourceState],
    now: datetime,
    failing_after: int = FAILING_AFTER,
) -> bytes:
    """The whole page, UTF-8. Topics and sources appear in the order given.

    ``now`` only decides whether a Retry-After pause is still running; it is not printed.
    """
    _utc(now)  # a naive clock is a bug wherever it shows up
    heading = _text(title.strip() or "topicwire")
    sections = "\n".join(_topic_section(d) for d in topics) or '<p class="empty">No topics configured.</p>'
    page = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">\n'
        f"<title>{heading}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n"
        f"<h1>{heading}</h1>\n"
        f'<p class="meta">{_last_poll(sources)} · <a href="#sources">Sources</a> · '
        f'<a href="{OPML_NAME}">All topic feeds (OPML)</a></p>\n'
        f"{_summary(sources, now, failing_after)}\n{sections}\n"
        f'<section id="sources">\n<h2>Sources</h2>\n{_sources_table(sources, now, failing_after)}\n</section>\n'
        "</body>\n</html>\n"
    )
    return page.encode("utf-8")
