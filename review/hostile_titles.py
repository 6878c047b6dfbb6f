"""Repro: HTMLParser-based plain_text is superlinear; a 7 MB feed of 2000 hostile titles
costs minutes of CPU per poll (every poll: parsing happens before the seen check)."""
import sys, time
from datetime import UTC, datetime
from topicwire.sources.feed import parse_feed
from topicwire.types import FetchResult

n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
title = "&lt;a b='" * 400  # escaped in XML: the title text is "<a b='<a b='..." (2400 chars)
items = "".join(
    f"<item><title>{title}</title><link>https://x.example/{i}</link><guid>g{i}</guid></item>" for i in range(n)
)
doc = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://x.example/</link>{items}</channel></rss>'.encode()
print("feed bytes", len(doc))
r = FetchResult(requested_url="https://x.example/feed", url="https://x.example/feed", status=200, content=doc,
                content_type="application/rss+xml", charset="utf-8")
t = time.perf_counter()
p = parse_feed(r, "s")
print(f"{len(p.items)} items parsed in {time.perf_counter()-t:.2f} s")
