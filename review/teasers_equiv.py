"""Old vs new page._teasers block choice on a sample of corpus pages (strict and loose links)."""
import random, glob, gzip
from pathlib import Path
from lxml import etree
from topicwire.sources import page as P

def old_teasers_blocks(links):
    urls_below = {}
    for link in links:
        for element in (link.anchor, *link.anchor.iterancestors()):
            urls_below[element] = urls_below.get(element, frozenset()) | {link.url}
    best = {}
    for link in links:
        kept = best.get(link.url)
        if kept is None or len(link.title) > len(kept.title):
            best[link.url] = link
    out = []
    for link in best.values():
        block = link.anchor
        for parent in link.anchor.iterancestors():
            if parent.tag in ("body", "html") or len(urls_below[parent]) > 1:
                break
            block = parent
        out.append(block)
    return out

files = sorted(glob.glob("/work/shared/corpus/pages/**/*.htm*", recursive=True))
random.Random(1).shuffle(files)
checked = diff = 0
for f in files[:80]:
    raw = Path(f).read_bytes()
    if f.endswith(".gz"):
        raw = gzip.decompress(raw)
    from topicwire.extract.charset import decode_html
    html = decode_html(raw, None)
    url = "https://example.org/news/a/1"
    try:
        tree = P.parse_html(html, url)
    except Exception:
        continue
    for links in (P._candidate_links(tree, url), P._site_links(tree, url, lambda l, a: P._loose_target(l) and P._outside_furniture(a))):
        new = [t.block for t in P._teasers(links)]
        old = old_teasers_blocks(links)
        checked += 1
        if new != old:
            diff += 1; print("DIFF", f)
print("checked", checked, "diff", diff)
