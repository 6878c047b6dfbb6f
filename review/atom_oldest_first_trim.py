"""Repro: trim_entries (Atom/RDF over MAX_DOCUMENT_TAGS) keeps entries in document order,
assuming newest first. An Atom feed listing oldest first (RFC 4287 sets no order) with
full-text content loses its NEWEST entries on every poll, for ever; the RSS fast path and
JSON Feed rank by date (newest_indices) and keep them."""
from topicwire.sources.feed import parse_feed
from topicwire.types import FetchResult
body = "&lt;p&gt;para&lt;/p&gt;" * 600  # 1,200 escaped tags of full text per entry
entries = "".join(
    f'<entry><title>Entry {i}</title><link href="https://x.example/{i}"/><id>urn:{i}</id>'
    f'<updated>2026-01-{1 + i // 24:02d}T{i % 24:02d}:00:00Z</updated><content type="html">{body}</content></entry>'
    for i in range(40)  # oldest first: entry 39 is the newest
)
doc = f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2026-01-02T00:00:00Z</updated>{entries}</feed>'.encode()
p = parse_feed(FetchResult(requested_url="https://x.example/f", url="https://x.example/f", status=200, content=doc, content_type="application/atom+xml", charset="utf-8"), "s")
titles = [i.title for i in p.items]
print(len(titles), "read,", p.unread, "unread; newest read:", max(titles, key=lambda t: int(t.split()[1])))
assert "Entry 39" in titles, "the newest entry is never read"
