import time, lxml.html
from topicwire.sources.page import _link_share
prose = " ".join(f"w{i}" for i in range(40000))  # ~200k chars of text
anchors = "".join(f'<a href="/t/{i}">anchor text {i:07d}</a>' for i in range(40000))
page = f"<html><body><p>{prose}</p><div>{anchors}</div></body></html>"
print("page chars", len(page))
tree = lxml.html.fromstring(page)
t = time.perf_counter(); s = _link_share(tree, prose); print(f"share {s:.2f} in {time.perf_counter()-t:.1f} s")
