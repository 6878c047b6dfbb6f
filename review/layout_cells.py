"""Repro: prune._layout_cells walks every <tr> under each enclosing table, once per level:
levels x rows. A 1.9 MB page (within MAX_PAGE_CHARS) of nested table cells around an <h1>
with many rows in the innermost table."""
import sys, time, lxml.html
from topicwire.extract.prune import prune_page, _layout_cells, _text_stats
L = int(sys.argv[1]) if len(sys.argv) > 1 else 60
R = int(sys.argv[2]) if len(sys.argv) > 2 else 90000
inner = "<table><tr><td><h1>Headline</h1><p>" + "story words " * 50 + "</p></td></tr>" + "<tr><td>x</td></tr>" * R + "</table>"
page = "<html><body>" + "<table><tr><td>" * L + inner + "</td></tr></table>" * L + "</body></html>"
print("page chars", len(page))
tree = lxml.html.fromstring(page)
print("depth of h1", len(list(next(tree.iter("h1")).iterancestors())))
stats = _text_stats(tree)
t = time.perf_counter(); n = sum(1 for _ in _layout_cells(tree, stats)); print(f"_layout_cells: {n} doomed in {time.perf_counter()-t:.1f} s")
