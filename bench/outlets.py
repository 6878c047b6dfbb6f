"""Real site templates over time: what an outlet's furniture does to its published entries (issue 17).

    python bench/outlets.py [CORPUS_DIR] [--outlets N] [--pages N] [--export DIR]

CORPUS_DIR defaults to ../shared/corpus. Its page sets hold about one page per site, so
this bench makes outlets: it takes corpus pages with rich templates (the most text
outside the article: sidebars, widgets, footers, link lists; table layouts first) and,
for each, puts ``--pages`` (10) other corpus articles' bodies (Zyte ground truth) in that
page's article container (the element holding the page's own main text, checked against
the page's annotation), making pages of one outlet that share a real template.

Each outlet is served as an RSS feed from a loopback server and polled by the real
pipeline (``Pipeline.poll``, full text, its own store): a first poll of ``FIRST`` (4)
pages, then ``LATER`` (2) new pages a poll. After every poll, per outlet:

- template lines: lines of the page outside its article (every line of the page with an
  empty container, of 3+ words, found in none of the outlet's bodies or titles) that
  appear in a published entry (the outlet's catch-all topic feed), first poll and after;
- body recall: the share of the bodies' paragraphs (8+ words) found in the entries after
  the last poll (what stripping must not cost; entries merged as near-copies are one);
- body lines lost: lines of the bodies missing from the article stored for each page
  (merged into a story or not) after the last poll;
- topics ``"T" OR "B"``, T a word that occurs only in the template (on a line the
  extractor keeps when no template is learned, when there is one) and B a word of one
  or two of the outlet's bodies: an entry matched without B in its body is a false
  positive; precision = right / matched.

Run with template learning (the pipeline as it is) and without (``clean_poll``, or on
older code ``apply_template``, replaced by a no-op). ``--news``: every template declares
a news article (og:type), which the templates' own article metadata, taken out, often
did (the extractor read such pages in trafilatura's precision mode until 2026-12-04).
For the figure before a change, run this file with the older code first on ``sys.path``
(copy it into that checkout's bench/).
``--export DIR`` only writes the outlets whose template the extractor keeps some of,
trimmed, with four bodies each, as test fixtures (tests/fixtures/outlets holds three).
No timed assertions; ends with one ``summary:`` line.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import lxml.etree  # noqa: E402
import lxml.html  # noqa: E402
from fixture_server import FixtureServer  # noqa: E402

import topicwire.pipeline as pipeline_module  # noqa: E402

try:  # a poll's template is learned and applied in prepare.py since issue 16 point 4
    import topicwire.prepare as template_module  # noqa: E402
except ImportError:  # older code: in pipeline.py
    template_module = pipeline_module  # type: ignore[misc]
from topicwire.config import load_config  # noqa: E402
from topicwire.extract.article import extract_article  # noqa: E402
from topicwire.extract.charset import decode_html  # noqa: E402
from topicwire.extract.clean import element_paragraphs, normalize_text  # noqa: E402
from topicwire.pipeline import Pipeline, make_fetcher  # noqa: E402
from topicwire.store import Store  # noqa: E402
from topicwire.topics.query import words  # noqa: E402
from topicwire.upkeep import Upkeep  # noqa: E402

NOW = datetime(2026, 1, 5, 8, tzinfo=UTC)
FIRST, LATER = 4, 2  # pages in the first poll, then in each later one
SEED = 17
MIN_TEMPLATE_LINES = 25  # of 3+ words outside the container: a rich template
_CONTAINER_TAGS = ("div", "article", "section", "td", "main", "span", "font", "center", "body")
_TEXT_CHILDREN = ("p", "h2", "h3", "h4", "blockquote", "br", "font", "b", "i", "strong", "em", "span", "a")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Body:
    key: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Outlet:
    name: str
    key: str  # the corpus page whose template it uses
    table: bool  # the article sits in a table cell
    template_html: str  # the page, its article container holding only MARK
    template_lines: tuple[str, ...]
    bodies: tuple[Body, ...]

    def page(self, n: int) -> str:
        body = self.bodies[n]
        html = "".join(f"<p>{escape(p)}</p>" for p in body.paragraphs)
        return self.template_html.replace(MARK, html).replace(TITLE, escape(body.title))


MARK = "<!--topicwire-bench-article-->"
TITLE = "topicwire-bench-title"


# -- corpus ------------------------------------------------------------------------------------


def load_bodies(corpus: Path) -> list[Body]:
    """Zyte ground-truth article bodies of 150-900 words, as paragraphs."""
    folder = corpus / "pages" / "article-extraction-benchmark"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for key, meta in sorted(truth.items()):
        paragraphs = tuple(p for p in (normalize_text(x) for x in str(meta["articleBody"]).split("\n")) if p)
        count = sum(len(p.split()) for p in paragraphs)
        if 150 <= count <= 900 and len(paragraphs) >= 3:
            title = " ".join(paragraphs[0].split()[:9]).rstrip(".,;:")
            out.append(Body(key, title, paragraphs[:30]))
    return out


def corpus_pages(corpus: Path) -> Iterator[tuple[str, str, list[str]]]:
    """(key, html, truth snippets) of every annotated page of both sets."""
    zyte = corpus / "pages" / "article-extraction-benchmark"
    for key, meta in sorted(json.loads((zyte / "ground-truth.json").read_text(encoding="utf-8")).items()):
        body = [p for p in str(meta["articleBody"]).split("\n") if len(p.split()) >= 8]
        yield "zyte/" + key[:12], _read(zyte / meta["stored_as"]), body
    traf = corpus / "pages" / "trafilatura"
    for key, meta in sorted(json.loads((traf / "expectations.json").read_text(encoding="utf-8")).items()):
        if meta.get("annotated") in (False, "False"):
            continue
        snippets = meta["with"] if isinstance(meta["with"], list) else ast.literal_eval(meta["with"])
        yield "traf/" + key[:12], _read(traf / meta["stored_as"]), [s for s in snippets if len(s.split()) >= 3]


def _read(path: Path) -> str:
    return decode_html(gzip.open(path, "rb").read(), None)


# -- outlets -----------------------------------------------------------------------------------


def container(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element holding most of the page's running text directly (paragraphs or <br> lines)."""
    best, best_len = None, 0
    for element in doc.iter(*_CONTAINER_TAGS):
        own = len(normalize_text(element.text or ""))
        for child in element:
            if isinstance(child.tag, str) and child.tag in _TEXT_CHILDREN:
                own += len(normalize_text(child.text_content())) if child.tag != "br" else 0
            own += len(normalize_text(child.tail or ""))
        if own > best_len:
            best, best_len = element, own
    return best


def make_outlet(
    name: str, key: str, html: str, truth: list[str], bodies: list[Body], news: bool = False
) -> Outlet | None:
    """The page's template around an empty article container, or None if no container
    holding most of the annotated text is found (or the template is poor). ``news``: the
    template declares every page a news article (og:type "article"), as most outlets do."""
    doc = visible_document(html)
    if doc is None:
        return None
    # The original article's own metadata would make every page of the outlet that article
    # (one canonical URL: one story): the template is the page's visible furniture.
    for element in list(doc.iter("link", "meta", "base")):
        if element.tag == "base" or _is_article_meta(element):
            element.drop_tree()
    head = doc.find(".//head")
    if news and head is not None:
        lxml.etree.SubElement(head, "meta", property="og:type", content="article")
    box = container(doc)
    if box is None or not truth:
        return None
    inside = _fold(box.text_content())
    if sum(_fold(s) in inside for s in truth) < 0.6 * len(truth):
        return None
    table = any(a.tag == "td" for a in box.iterancestors()) or box.tag == "td"
    _empty(box)
    title = doc.find(".//title")
    if title is None:
        head = doc.find(".//head")
        title = lxml.etree.SubElement(head if head is not None else doc, "title")
    title.text = TITLE
    for h1 in doc.iter("h1"):
        h1.text, h1[:] = TITLE, []
        break
    page = lxml.html.tostring(doc, encoding="unicode")
    lines = template_lines(page, bodies)
    if len(lines) < MIN_TEMPLATE_LINES:
        return None
    return Outlet(name, key, table, page, lines, tuple(bodies))


def visible_document(html: str) -> lxml.html.HtmlElement | None:
    """The page parsed, without scripts, styles, frames and comments; None if it does not parse."""
    try:
        doc = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None
    for dropped in list(doc.iter("script", "style", "noscript", "svg", "template", "iframe")):
        dropped.drop_tree()
    for comment in list(doc.iter(lxml.etree.Comment)):
        comment.drop_tree()
    return doc


def _is_article_meta(element: lxml.html.HtmlElement) -> bool:
    rel, prop = element.get("rel", "").lower(), (element.get("property") or element.get("name") or "").lower()
    if element.tag == "link":
        return rel in ("canonical", "amphtml", "shortlink", "alternate")
    return prop.startswith(("og:", "twitter:", "article:", "dc.", "sailthru", "parsely")) or prop in (
        "description",
        "author",
        "date",
        "pubdate",
        "keywords",
    )


def _empty(box: lxml.html.HtmlElement) -> None:
    """Remove the container's running text; MARK (a comment) shows where bodies go."""
    first = None
    box.text = None
    for child in list(box):
        if isinstance(child.tag, str) and child.tag in _TEXT_CHILDREN:
            first = box.index(child) if first is None else first
            box.remove(child)
        else:
            child.tail = None
    box.insert(first or 0, lxml.etree.Comment(MARK[4:-3]))


def template_lines(page: str, bodies: list[Body]) -> tuple[str, ...]:
    """Lines of 3+ words of the page without its article, found in none of the bodies."""
    doc = lxml.html.document_fromstring(page.replace(MARK, "").replace(TITLE, ""))
    body = doc.find(".//body")
    lines = element_paragraphs(body if body is not None else doc)
    own = " \n ".join(_fold(p) for b in bodies for p in (*b.paragraphs, b.title))
    return tuple(dict.fromkeys(line for line in lines if len(line.split()) >= 3 and _fold(line) not in own))


def choose(corpus: Path, count: int, per_outlet: int, news: bool = False) -> list[Outlet]:
    """``count`` outlets from the pages with the richest templates, table layouts first."""
    bodies = load_bodies(corpus)
    rng = random.Random(SEED)
    found: list[Outlet] = []
    for key, html, truth in corpus_pages(corpus):
        own_bodies = [b for b in bodies if not key.startswith("zyte/" + b.key[:12])]
        picked = rng.sample(own_bodies, per_outlet)
        outlet = make_outlet(f"o{len(found):02d}", key, html, truth, picked, news)
        if outlet is not None:
            found.append(outlet)
    found.sort(key=lambda o: (not o.table, -len(o.template_lines), o.key))
    return [replace_name(o, f"o{i:02d}") for i, o in enumerate(found[:count])]


def replace_name(outlet: Outlet, name: str) -> Outlet:
    return Outlet(name, outlet.key, outlet.table, outlet.template_html, outlet.template_lines, outlet.bodies)


# -- topics ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    name: str
    template_word: str
    body_word: str
    holders: frozenset[int]  # pages whose body has body_word


def topics_for(outlet: Outlet, kept_lines: tuple[str, ...], rng: random.Random) -> list[Topic]:
    """Up to 3 topics: a word only in the template (from kept lines first) OR a rare body word."""
    body_words = [set(words(" ".join((*b.paragraphs, b.title)))) for b in outlet.bodies]
    everywhere = set().union(*body_words)
    lines = list(kept_lines) + [line for line in outlet.template_lines if line not in kept_lines]
    chosen: list[str] = []
    for line in lines:
        for word in words(line):
            if word.isalpha() and len(word) >= 5 and word not in everywhere and word not in chosen:
                if word not in ("and", "or", "not", "near", "title", "text", "source", "lang", "author"):
                    chosen.append(word)
                    break
        if len(chosen) == 3:
            break
    rare = sorted(w for w in everywhere if w.isalpha() and len(w) >= 6 and sum(w in b for b in body_words) in (1, 2))
    out = []
    for i, word in enumerate(chosen):
        body_word = rng.choice(rare)
        rare.remove(body_word)
        holders = frozenset(n for n, b in enumerate(body_words) if body_word in b)
        out.append(Topic(f"{outlet.name}-t{i}", word, body_word, holders))
    return out


def kept_template_lines(outlet: Outlet) -> tuple[str, ...]:
    """Template lines the extractor keeps on the outlet's first page (no template learned)."""
    text = _fold(extract_article(outlet.page(0), "http://outlet.test/a/0.html").text)
    return tuple(line for line in outlet.template_lines if _fold(line) in text)


# -- the run -----------------------------------------------------------------------------------


@dataclass
class Figures:
    lines_first: int = 0  # template lines in published entries after the first poll
    lines_later: int = 0  # ... the most after any later poll
    entries_first: int = 0  # entries holding any, after the first poll
    entries_later: int = 0
    matched: int = 0  # template-word topics, after the last poll
    false_pos: int = 0
    false_pos_first: int = 0
    published: int = 0  # entries in the outlet's feed after the last poll (near-copies merge)
    body_found: int = 0  # body paragraphs (8+ words) in those entries, after the last poll
    body_total: int = 0
    body_lost: int = 0  # lines of the bodies missing from their stored articles, after the last poll


def run_outlet(outlet: Outlet, topics: list[Topic], server: FixtureServer, folder: Path, polls: int) -> Figures:
    base = f"{server.url}/{outlet.name}"
    for n in range(len(outlet.bodies)):
        server.route(f"/{outlet.name}/a/{n}.html", outlet.page(n), headers={"Content-Type": "text/html"})
    topic_lines = "".join(
        f'[[topics]]\nname = "{t.name}"\nquery = \'"{t.template_word}" OR "{t.body_word}"\'\n' for t in topics
    )
    (folder / "c.toml").write_text(
        '[fetch]\nallow_private_addresses = true\nper_host_delay = "0s"\nrespect_robots = false\n'
        f'[[sources]]\nname = "{outlet.name}"\nurl = "{base}/feed.xml"\nkind = "feed"\n'
        f'[[topics]]\nname = "all"\nquery = "source:{outlet.name}"\n{topic_lines}'
    )
    config = load_config(folder / "c.toml")
    clock = [NOW]
    store = Store.open(config.store_path, NOW)
    pipeline = Pipeline(config, store, make_fetcher(config), lambda: clock[0])
    Upkeep.of(pipeline).prepare()
    figures = Figures()
    lines = [_fold(line) for line in outlet.template_lines]
    try:
        shown = FIRST
        for poll in range(polls):
            server.route(f"/{outlet.name}/feed.xml", rss(base, shown), headers={"Content-Type": "application/rss+xml"})
            pipeline.poll(config.sources[0])
            entries = [s.representative for s in store.topic_entries("all", 100)]
            found = [sum(line in _fold(e.text) for line in lines) for e in entries]
            wrong = sum(
                1
                for t in topics
                for s in store.topic_entries(t.name, 100)
                if _page_number(s.representative.url) not in t.holders
            )
            if poll == 0:
                figures.lines_first, figures.entries_first = sum(found), sum(map(bool, found))
                figures.false_pos_first = wrong
            else:
                figures.lines_later = max(figures.lines_later, sum(found))
                figures.entries_later = max(figures.entries_later, sum(map(bool, found)))
            figures.published = len(entries)
            shown = min(shown + LATER, len(outlet.bodies))
            clock[0] += timedelta(hours=1)
        for entry in entries:  # recall: what stripping must never cost
            n = _page_number(entry.url)
            body = outlet.bodies[n].paragraphs if 0 <= n < len(outlet.bodies) else ()
            own = [_fold(p) for p in body if len(p.split()) >= 8]
            figures.body_found += sum(p in _fold(entry.text) for p in own)
            figures.body_total += len(own)
        figures.body_lost = lost_body_lines(outlet, store)
        figures.matched = sum(len(store.topic_entries(t.name, 100)) for t in topics)
        figures.false_pos = wrong
    finally:
        store.close()
    return figures


def lost_body_lines(outlet: Outlet, store: Store) -> int:
    """Lines of the bodies put in the outlet's pages missing from the article stored for
    each page (or, for a page whose article was merged into another's as an edit, from all
    of the outlet's): what stripping must never cost. The extractor loses some on its own;
    learning on and off tell what the template cost."""
    stored = {_page_number(s.url): _fold(s.text) for s in store.source_articles(outlet.name, 100)}
    anywhere = "\n".join(stored.values())
    return sum(_fold(p) not in stored.get(n, anywhere) for n, body in enumerate(outlet.bodies) for p in body.paragraphs)


def _page_number(url: str) -> int:
    tail = url.rsplit("/", 1)[-1].split(".")[0]
    return int(tail) if tail.isdigit() else -1


def rss(base: str, shown: int) -> str:
    items = "".join(
        f"<item><title>Page {n}</title><link>{base}/a/{n}.html</link><guid>{base}/a/{n}</guid>"
        f"<pubDate>{format_datetime(NOW - timedelta(hours=100 - n))}</pubDate></item>"
        for n in range(shown)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet</title>{items}</channel></rss>'


@contextmanager
def without_template() -> Iterator[None]:
    """The pipeline with template learning replaced by a no-op (either code generation)."""
    name = "clean_poll" if hasattr(template_module, "clean_poll") else "apply_template"
    kept = getattr(template_module, name)
    setattr(template_module, name, _unchanged)
    try:
        yield
    finally:
        setattr(template_module, name, kept)


def _unchanged(articles: Any, template: Any, *_: Any) -> tuple[Any, Any]:
    """The articles as extracted (``clean_poll``, and before it ``apply_template``)."""
    return articles, template


def measure(outlets: list[Outlet], topics: dict[str, list[Topic]], polls: int, learn: bool) -> dict[str, Figures]:
    out = {}
    with FixtureServer() as server, tempfile.TemporaryDirectory() as tmp:
        for outlet in outlets:
            folder = Path(tmp) / outlet.name / ("with" if learn else "without")
            folder.mkdir(parents=True)
            if learn:
                out[outlet.name] = run_outlet(outlet, topics[outlet.name], server, folder, polls)
            else:
                with without_template():
                    out[outlet.name] = run_outlet(outlet, topics[outlet.name], server, folder, polls)
    return out


# -- export ------------------------------------------------------------------------------------


def export(outlets: list[Outlet], topics: dict[str, list[Topic]], folder: Path, pages: int) -> None:
    """Trimmed outlets for tests/fixtures/outlets: template page, bodies, lines, topic words."""
    for outlet in outlets:
        target = folder / outlet.name
        target.mkdir(parents=True, exist_ok=True)
        (target / "template.html").write_text(_trim(outlet.template_html), encoding="utf-8")
        data = {
            "from": outlet.key,
            "table": outlet.table,
            "bodies": [{"title": b.title, "paragraphs": list(b.paragraphs[:6])} for b in outlet.bodies[:pages]],
            "template_lines": list(outlet.template_lines),
            "template_words": [t.template_word for t in topics[outlet.name]],
        }
        (target / "outlet.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _trim(html: str) -> str:
    """Only structure and text: attributes other than class and id go, as do head, forms and media."""
    doc = lxml.html.document_fromstring(html)
    for element in list(doc.iter("head", "form", "img", "picture", "video", "audio", "object", "input", "button")):
        if element.tag == "head":
            for child in list(element):
                if child.tag != "title":
                    element.remove(child)
        else:
            element.drop_tree()
    for element in doc.iter():
        if isinstance(element.tag, str):
            for attribute in [a for a in element.attrib if a not in ("class", "id", "href")]:
                del element.attrib[attribute]
            if "href" in element.attrib:
                element.attrib["href"] = "#"
    return lxml.html.tostring(doc, encoding="unicode")


# -- report ------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return _SPACE.sub(" ", normalize_text(text)).casefold().strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--outlets", type=int, default=24)
    parser.add_argument("--pages", type=int, default=10, help="pages per outlet (8 or more)")
    parser.add_argument("--export", default="", help="only write the outlets, trimmed, to this folder")
    parser.add_argument(
        "--news", action="store_true", help='every template declares a news article (<meta property="og:type">)'
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    outlets = choose(Path(args.corpus), args.outlets, args.pages, args.news)
    rng = random.Random(SEED)
    kept = {o.name: kept_template_lines(o) for o in outlets}
    topics = {o.name: topics_for(o, kept[o.name], rng) for o in outlets}
    if args.export:  # no measuring: outlets whose template the extractor keeps some of
        export([o for o in outlets if kept[o.name]], topics, Path(args.export), 4)
        return 0
    polls = 1 + -(-(args.pages - FIRST) // LATER)
    learned = measure(outlets, topics, polls, learn=True)
    bare = measure(outlets, topics, polls, learn=False)
    print(f"{len(outlets)} outlets x {args.pages} pages; polls: {FIRST} pages, then {LATER} a poll ({polls} polls)")
    head = f"{'outlet':7} {'page':18} {'tbl':3} {'tmpl':>4} {'kept':>4}"
    print(f"{head} | without: lines 1st/later lost fp 1st/last | with: lines 1st/later lost fp 1st/last")
    for o in outlets:
        w, b = learned[o.name], bare[o.name]
        print(
            f"{o.name:7} {o.key:18} {'T' if o.table else '':3} {len(o.template_lines):4} {len(kept[o.name]):4} | "
            f"{b.lines_first:5}/{b.lines_later:<5} {b.body_lost:4} {b.false_pos_first}/{b.false_pos:<3} | "
            f"{w.lines_first:5}/{w.lines_later:<5} {w.body_lost:4} {w.false_pos_first}/{w.false_pos}"
        )
    line = []
    for label, figures in (("without", bare), ("with", learned)):
        fs = list(figures.values())
        matched = sum(f.matched for f in fs)
        fp = sum(f.false_pos for f in fs)
        precision = (matched - fp) / matched if matched else 1.0
        found, total = sum(f.body_found for f in fs), sum(f.body_total for f in fs)
        line.append(
            f"{label}: lines first={sum(f.lines_first for f in fs)} later={sum(f.lines_later for f in fs)} "
            f"entries_with_lines first={sum(f.entries_first for f in fs)} later={sum(f.entries_later for f in fs)} "
            f"fp first={sum(f.false_pos_first for f in fs)} last={fp} precision={precision:.3f} "
            f"entries={sum(f.published for f in fs)} body_recall={found / max(total, 1):.4f} "
            f"body_lines_lost={sum(f.body_lost for f in fs)}"
        )
    tables = sum(o.table for o in outlets)
    n_topics = sum(len(t) for t in topics.values())
    print(f"{n_topics} template-word topics; {tables} table layouts; {time.monotonic() - started:.0f} s")
    print(f"summary: outlets={len(outlets)} pages={args.pages} {' | '.join(line)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
