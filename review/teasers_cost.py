"""Repro: page._teasers unions a growing frozenset into every ancestor for every link:
O(links^2) for links sharing ancestors. parse_page runs it on the strict candidates and,
since this change, on every 'loose' same-site link outside nav/header/footer/aside."""
import sys, time
from topicwire.sources.page import parse_page
n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
links = "".join(f'<li><a href="/s/{i}">two words</a></li>' for i in range(n))
page = f"<html><head><title>t</title></head><body><article><h1>Headline here</h1><p>{'Some article prose here. ' * 200}</p></article><ul>{links}</ul></body></html>"
print("page chars", len(page))
t = time.perf_counter()
try:
    p = parse_page(page, "https://x.example/a/1", "s")
    print(p.kind, len(p.items))
except Exception as e:
    print(type(e).__name__, str(e)[:100])
print(f"parse_page {time.perf_counter()-t:.1f} s")
