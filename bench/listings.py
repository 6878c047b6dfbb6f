"""Listing pages on real site templates: is one ever stored as an article? (issue 17)

    python bench/listings.py [CORPUS_DIR] [--templates N] [--corpus-check] [--dump DIR]

CORPUS_DIR defaults to ../shared/corpus. Like bench/outlets.py (whose functions it
imports), it takes corpus pages and finds each one's article container (the element
holding the page's running text, checked against the page's annotation), empties it and
puts a listing body in its place, in the styles real news sites use:

- ``short-links``: 2-5 links, short texts or headlines, short URLs (``/s/12``, ``/?p=1012``,
  ``index.php?id=71``);
- ``cards``: 5-30 records of a linked h2/h3 headline, a teaser sentence and a date, some
  with an image link;
- ``headlines``: 10-50 linked headlines with dates, no teasers;
- ``table``: a table of links and dates (old layouts);
- ``title-date``: a ``<ul>`` of "title — date" items;
- ``tag-page``: "Contents tagged with X" (or "Tag: X", "Search results for ...") over
  records and pagination links;
- ``author``: an author archive: a bio paragraph over records and "Older posts".

Headlines and teasers are other corpus articles' titles and descriptions (the trafilatura
set's annotations); links are same-site, one URL style a page (``/2026/12/01/slug-words/``,
``/news/123456``, ``/s/12``, ``/?p=1012``, ...). ``og:type`` and ``article:published_time``
are set per variant: ``website`` (what a CMS declares on a listing, which it titles as the
listing too: ``<title>`` "Latest | Site", ``og:title`` "Latest") and ``article`` (article
templates often keep both on every page, and the article's ``<title>`` and ``og:title``).
``--template-titles`` keeps the template's titles on ``website`` pages too (this bench
before 2026-12-04's twelfth session). The template's first ``<h1>`` gets the listing's heading.
Scripts are dropped (as in outlets.py), so JSON-LD declares nothing.

Controls: the same templates and variants with another template's article (the text
elements its container held) in the container: they must stay articles.

Each page goes through ``parse_page``: per style, ``listing``, ``article`` (the failure) or
``refused`` (ParseError "not stored as an article" / "neither": acceptable, it says unsure);
``found`` counts listings whose items hold at least half of the body's links;
``article_own_text`` the failures whose extracted text is at least half the template's own
article (the chain's text of the corpus page it was made of: a lead, an info box or a list
of the article the container check let through; marked ``*`` in the list of failures). Templates
are split by a seeded shuffle into a dev and a held-out half: a rule is designed on dev
pages and judged on held-out ones.

``--corpus-check`` instead runs ``parse_page`` on every annotated corpus page (815, all
articles) and lists those that are not articles. ``--dump DIR`` writes every page
classified wrongly (and its URL) there. No timed assertions; ends with one ``summary:`` line.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lxml.etree  # noqa: E402
import lxml.html  # noqa: E402
import trafilatura  # noqa: E402
from outlets import _TEXT_CHILDREN, MARK, ROOT, _empty, _fold, _read, container, visible_document  # noqa: E402

from topicwire.errors import ParseError  # noqa: E402
from topicwire.extract.article import extract_article  # noqa: E402
from topicwire.sources.page import parse_page  # noqa: E402
from topicwire.sources.teasers import word_grams  # noqa: E402

SEED = 17
HEAD = "<!--topicwire-bench-head-->"
HEADING = "topicwire-bench-heading"
MAX_RESIDUE = 0.1  # of the article text left outside the emptied container
_ARTICLE_META = ("og:type", "article:published_time", "article:modified_time", "og:url")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Template:
    key: str
    url: str  # the corpus page's own URL: its host is the site's
    table: bool  # the container sits in a table cell
    html: str  # the page, HEAD in its <head>, MARK in its emptied container, HEADING in its first h1
    body: str  # the text elements the container held, as HTML: a control's article
    title: str  # its first h1's text (or <title>)
    original: str = ""  # the corpus page itself, for what of its article a failure kept


@dataclass(frozen=True)
class Story:
    key: str
    title: str
    teaser: str


# -- corpus ------------------------------------------------------------------------------------


def pages(corpus: Path) -> list[tuple[str, str, str, list[str]]]:
    """(key, url, html, truth snippets) of every annotated page of both sets (815)."""
    out = []
    zyte = corpus / "pages" / "article-extraction-benchmark"
    for key, meta in sorted(json.loads((zyte / "ground-truth.json").read_text(encoding="utf-8")).items()):
        body = [p for p in str(meta["articleBody"]).split("\n") if len(p.split()) >= 8]
        out.append(("zyte/" + key[:12], str(meta.get("url") or ""), _read(zyte / meta["stored_as"]), body))
    traf = corpus / "pages" / "trafilatura"
    for key, meta in sorted(json.loads((traf / "expectations.json").read_text(encoding="utf-8")).items()):
        if meta.get("annotated") in (False, "False"):
            continue
        snippets = meta["with"] if isinstance(meta["with"], list) else eval_list(meta["with"])
        good = [s for s in snippets if len(s.split()) >= 3]
        out.append(("traf/" + key[:12], str(meta.get("url") or ""), _read(traf / meta["stored_as"]), good))
    return out


def eval_list(text: str) -> list[str]:
    value = ast.literal_eval(text)
    return [str(v) for v in value] if isinstance(value, list) else []


def stories(corpus: Path) -> list[Story]:
    """Titles and descriptions (a teaser of 8-60 words) of the trafilatura set's pages."""
    traf = corpus / "pages" / "trafilatura"
    out = []
    for key, meta in sorted(json.loads((traf / "expectations.json").read_text(encoding="utf-8")).items()):
        title, teaser = (
            " ".join(str(meta.get("title") or "").split()),
            " ".join(str(meta.get("description") or "").split()),
        )
        if 4 <= len(title.split()) <= 20 and 8 <= len(teaser.split()) <= 60:
            out.append(Story("traf/" + key[:12], title, teaser))
    return out


def make_template(key: str, url: str, html: str, truth: list[str]) -> Template | None:
    """The page around its emptied article container, or None if no container holds most of
    the annotated text, or text of the article is left outside it."""
    doc = visible_document(html)
    if doc is None:
        return None
    for element in list(doc.iter("meta", "base")):
        if element.tag == "base" or (element.get("property") or element.get("name") or "").lower() in _ARTICLE_META:
            element.drop_tree()
    box = container(doc)
    if box is None or not truth or box.tag == "body":
        return None
    if sum(_fold(s) in _fold(box.text_content()) for s in truth) < 0.6 * len(truth):
        return None
    body = (box.text or "") + "".join(
        lxml.html.tostring(c, encoding="unicode") for c in box if isinstance(c.tag, str) and c.tag in _TEXT_CHILDREN
    )
    table = box.tag == "td" or any(a.tag == "td" for a in box.iterancestors())
    _empty(box)
    h1 = next(doc.iter("h1"), None)
    title_element = doc.find(".//title")
    title = _fold(
        h1.text_content() if h1 is not None else title_element.text_content() if title_element is not None else ""
    )
    if h1 is not None:
        h1.text, h1[:] = HEADING, []
    page_body = doc.find(".//body")
    left = _fold((page_body if page_body is not None else doc).text_content())
    if sum(_fold(s) in left for s in truth) > 0.1 * len(truth) or _residue(html, left) > MAX_RESIDUE:
        return None  # the article goes on outside the container: not a template
    head = doc.find(".//head")
    if head is None:
        head = lxml.etree.Element("head")
        doc.insert(0, head)
    head.append(lxml.etree.Comment(HEAD[4:-3]))
    page = lxml.html.tostring(doc, encoding="unicode")
    site = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
    return Template(key, url or f"http://{site}.test/a.html", table, page, body, title, html)


def _residue(html: str, left: str) -> float:
    """The share of the page's article text (bare trafilatura's, lines of 3+ words) still in
    ``left``: the annotation's snippets miss a data table or a second section outside the
    container, which would make the "listing" page an article with a list in it."""
    lines = [line for line in (trafilatura.extract(html) or "").split("\n") if len(line.split()) >= 3]
    total = sum(len(line) for line in lines)
    return sum(len(line) for line in lines if _fold(line) in left) / total if total else 0.0


def choose(found: list[Template], count: int, rng: random.Random) -> list[Template]:
    """``count`` templates, a fifth of them table layouts where there are that many."""
    tables = [t for t in found if t.table]
    picked = rng.sample(tables, min(len(tables), max(count // 5, 1)))
    rest = [t for t in found if not t.table]
    return picked + rng.sample(rest, count - len(picked))


# -- listing bodies ----------------------------------------------------------------------------

URL_STYLES: dict[str, Callable[[random.Random, str], str]] = {
    "dated-slug": lambda r, s: f"/2026/12/{r.randint(1, 28):02d}/{s}/",
    "news-id": lambda r, s: f"/news/{r.randint(100000, 999999)}",
    "section-slug-id": lambda r, s: f"/world/{s}-{r.randint(1000, 99999)}.html",
    "short": lambda r, s: f"/s/{r.randint(1, 999)}",
    "wp-query": lambda r, s: f"/?p={r.randint(100, 9999)}",
    "php-id": lambda r, s: f"/index.php?id={r.randint(1, 999)}",
    "slug": lambda r, s: f"/{s}",
}
SHORT_URLS = ("short", "wp-query", "php-id", "news-id")
MONTHS = "January February March April May June July August September October November December".split()


def slug(title: str) -> str:
    words = _WORD.findall(title.lower())[:6]
    return "-".join(words) if len(words) >= 2 else f"item-{len(title)}"


def date(rng: random.Random, style: int) -> str:
    day, month, hour = rng.randint(1, 28), rng.randint(1, 12), rng.randint(0, 23)
    return (
        f"{day} {MONTHS[month - 1]} 2026",
        f"{day:02d}.{month:02d}.2026",
        f"{MONTHS[month - 1][:3]} {day}, 2026",
        f"2026-{month:02d}-{day:02d} {hour:02d}:{rng.randint(0, 59):02d}",
    )[style]


@dataclass
class Body:
    heading: str
    html: str
    hrefs: list[str]


class Maker:
    """Listing bodies for one page: one URL style and one date style, as a site has."""

    def __init__(self, rng: random.Random, pool: list[Story], urls: tuple[str, ...] = tuple(URL_STYLES)) -> None:
        self.rng, self.pool = rng, pool
        self.url_style = URL_STYLES[rng.choice(urls)]
        self.date_style = rng.randrange(4)
        self.hrefs: list[str] = []

    def stories(self, low: int, high: int) -> list[Story]:
        return self.rng.sample(self.pool, self.rng.randint(low, high))

    def href(self, story: Story) -> str:
        href = self.url_style(self.rng, slug(story.title))
        self.hrefs.append(href)
        return escape(href, {"'": "&#39;"})

    def date(self) -> str:
        return date(self.rng, self.date_style)

    def link(self, story: Story, text: str | None = None) -> str:
        return f"<a href='{self.href(story)}'>{escape(text or story.title)}</a>"

    def record(self, story: Story, tag: str = "h2", teaser: bool = True, image: bool = False) -> str:
        """A card: linked headline, date, teaser; maybe an image linking the same page."""
        href = self.href(story)
        picture = f"<a href='{href}'><img src='/img/{slug(story.title)}.jpg' alt=''></a>" if image else ""
        text = f"<p>{escape(story.teaser)}</p>" if teaser else ""
        return (
            f"<{tag} class='entry-title'><a href='{href}'>{escape(story.title)}</a></{tag}>"
            f"{picture}<span class='date'>{self.date()}</span>{text}"
        )


def short_links(m: Maker) -> Body:
    chosen = m.stories(2, 5)
    short = m.rng.random() < 0.5
    links = [m.link(s, " ".join(s.title.split()[: m.rng.randint(2, 4)]) if short else None) for s in chosen]
    shape = m.rng.randrange(3)
    if shape == 0:
        html = "<ul>" + "".join(f"<li>{a}</li>" for a in links) + "</ul>"
    elif shape == 1:
        html = "<p>" + "<br>".join(links) + "</p>"
    else:
        html = "".join(f"<div class='item'>{a}</div>" for a in links)
    return Body(m.rng.choice(("Latest", "News", "Top stories")), html, m.hrefs)


def cards(m: Maker) -> Body:
    tag, wrap = m.rng.choice(("h2", "h3")), m.rng.choice(("article", "div", "li"))
    image = m.rng.random() < 0.5
    records = "".join(f"<{wrap} class='post'>{m.record(s, tag, image=image)}</{wrap}>" for s in m.stories(5, 30))
    html = f"<ul class='posts'>{records}</ul>" if wrap == "li" else records
    return Body(m.rng.choice(("Latest news", "World", "Politics", "Business")), html, m.hrefs)


def headlines(m: Maker) -> Body:
    items = []
    for s in m.stories(10, 50):
        when = f"<span class='date'>{m.date()}</span>"
        items.append(f"<li>{when} {m.link(s)}</li>" if m.rng.random() < 0.5 else f"<li>{m.link(s)} {when}</li>")
    return Body(
        m.rng.choice(("All news", "News feed", "Archive")), f"<ul class='news-list'>{''.join(items)}</ul>", m.hrefs
    )


def table(m: Maker) -> Body:
    rows = "".join(f"<tr><td class='date'>{m.date()}</td><td>{m.link(s)}</td></tr>" for s in m.stories(10, 40))
    return Body(
        m.rng.choice(("News archive", "Press releases")), f"<table class='list' width='100%'>{rows}</table>", m.hrefs
    )


def title_date(m: Maker) -> Body:
    dash = m.rng.choice((" — ", " - ", ", "))
    items = "".join(f"<li>{m.link(s)}{dash}{m.date()}</li>" for s in m.stories(8, 30))
    return Body(m.rng.choice(("Recent posts", "Archives")), f"<ul>{items}</ul>", m.hrefs)


def pager(m: Maker, older: bool) -> str:
    if older:
        return "<div class='nav-links'><a href='/page/2/'>« Older posts</a></div>"
    pages = "".join(f"<a href='?page={n - 1}'>{n}</a> " for n in range(2, m.rng.randint(4, 9)))
    return f"<div class='pager'><span>1</span> {pages}<a href='?page=1'>next ›</a> <a href='?page=9'>last »</a></div>"


def tag_page(m: Maker) -> Body:
    word = m.rng.choice(m.pool).title.split()[0]
    heading = m.rng.choice((f"Contents tagged with {word}", f"Tag: {word}", f"Search results for “{word}”"))
    teasers = m.rng.random() < 0.6
    rows = "".join(f"<div class='views-row'>{m.record(s, 'h3', teaser=teasers)}</div>" for s in m.stories(5, 20))
    return Body(heading, rows + pager(m, older=False), m.hrefs)


def author(m: Maker) -> Body:
    name = m.rng.choice(("Jane Doe", "Ahmed Karimov", "María López", "Tom O'Neill"))
    bio = (
        f"<div class='author-bio'><p>{name} is a staff reporter covering politics and foreign affairs. "
        "Before joining the paper, she worked for regional newspapers for ten years.</p></div>"
    )
    teasers = m.rng.random() < 0.7
    rows = "".join(f"<article class='post'>{m.record(s, 'h2', teaser=teasers)}</article>" for s in m.stories(5, 25))
    return Body(f"Articles by {name}", bio + rows + pager(m, older=True), m.hrefs)


STYLES: dict[str, Callable[[Maker], Body]] = {
    "short-links": short_links,
    "cards": cards,
    "headlines": headlines,
    "table": table,
    "title-date": title_date,
    "tag-page": tag_page,
    "author": author,
}
VARIANTS = {
    "website": "<meta property='og:type' content='website'>",
    "article": "<meta property='og:type' content='article'>"
    "<meta property='article:published_time' content='2026-12-01T08:00:00+00:00'>",
}


_TITLE = re.compile(r"(<title[^>]*>)(.*?)(</title>)", re.I | re.S)
_OG_TITLE = re.compile(r"""(<meta\s[^>]*property=["']og:title["'][^>]*content=["'])([^"']*)""", re.I)
_OG_SITE = re.compile(r"""<meta\s[^>]*property=["']og:site_name["'][^>]*content=["']([^"']*)""", re.I)
TEMPLATE_TITLES = False  # --template-titles: website pages keep the template's article titles


def listing_titles(html: str, heading: str, url: str) -> str:
    """``html`` titled as the listing a CMS serves: ``<title>`` "heading | site" (the site
    as its og:site_name says, else its host) and ``og:title`` the heading."""
    site_name = _OG_SITE.search(html)
    site = site_name.group(1) if site_name else urlsplit(url).netloc or "site"
    html = _TITLE.sub(lambda m: m.group(1) + escape(f"{heading} | {site}") + m.group(3), html, count=1)
    return _OG_TITLE.sub(lambda m: m.group(1) + escape(heading, {'"': "&quot;", "'": "&#39;"}), html, count=1)


def listing_page(template: Template, body: Body, variant: str) -> str:
    html = template.html.replace(HEAD, VARIANTS[variant])
    if variant == "website" and not TEMPLATE_TITLES:
        html = listing_titles(html, body.heading, template.url)
    if HEADING in html:
        return html.replace(HEADING, escape(body.heading)).replace(MARK, body.html)
    return html.replace(MARK, f"<h1>{escape(body.heading)}</h1>{body.html}")


def control_page(template: Template, donor: Template, variant: str) -> str:
    html = template.html.replace(HEAD, VARIANTS[variant])
    if HEADING in html:
        return html.replace(HEADING, escape(donor.title)).replace(MARK, donor.body)
    return html.replace(MARK, f"<h1>{escape(donor.title)}</h1>{donor.body}")


# -- the run -----------------------------------------------------------------------------------


def classify(html: str, url: str) -> tuple[str, tuple[str, ...]]:
    """("listing" | "article" | "refused" | "error", the listing's item URLs)."""
    try:
        parsed = parse_page(html, url, "bench")
    except ParseError as e:
        return ("refused" if "not stored as an article" in str(e) or "neither" in str(e) else "error"), ()
    return parsed.kind, tuple(item.url for item in parsed.items)


def page_url(template: Template, style: str, rng: random.Random) -> str:
    """Where such a listing lives on the template's site."""
    split = urlsplit(template.url)
    site = f"{split.scheme or 'http'}://{split.netloc or 'site.test'}"
    path = {"tag-page": "/tag/topic/", "author": "/author/staff/"}.get(style) or rng.choice(
        ("/", "/news/", "/section/world", "/index.php?cat=3", "/category/politics/")
    )
    return site + path


def found_body(items: tuple[str, ...], hrefs: list[str], url: str) -> bool:
    wanted = {urljoin(url, h).rstrip("/") for h in hrefs}
    return sum(i.rstrip("/") in wanted for i in items) >= 0.5 * len(wanted)


@dataclass
class Tally:
    counts: Counter[str]
    failures: list[str]


OWN_ARTICLE = 0.5  # of a failure's extracted text found in the chain's text of the template's own page


def own_article_share(html: str, url: str, template: Template, cache: dict[str, set[tuple[str, ...]]]) -> float:
    """The share of the text extracted from a listing page stored as an article that is the
    template's own article (``extract_article`` of the corpus page it was made of): text of
    the article the container check let through (an info box, a lead, a list in the body's
    other element), which makes the page an article with a list rather than a listing."""
    if template.key not in cache:
        try:
            own = extract_article(template.original, template.url).text
        except ParseError:
            own = ""
        cache[template.key] = set(word_grams(" ".join(own.split())))
    try:
        grams = word_grams(" ".join(extract_article(html, url).text.split()))
    except ParseError:
        return 0.0
    return sum(g in cache[template.key] for g in grams) / len(grams) if grams else 0.0


def run(
    templates: list[Template], pool: list[Story], rng: random.Random, dump: Path | None = None
) -> dict[tuple[str, str, str], Tally]:
    """(half, style, variant) -> outcomes; style "control" for the article controls. ``dump``:
    a folder to write the pages classified wrongly to (their URL in the file name's .url twin)."""
    out: dict[tuple[str, str, str], Tally] = {}
    own_texts: dict[str, set[tuple[str, ...]]] = {}
    half = len(templates) // 2
    for n, template in enumerate(templates):
        part = "dev" if n < half else "held"
        others = [s for s in pool if s.key != template.key]
        for style, make in STYLES.items():
            for variant in VARIANTS:
                urls = SHORT_URLS if style == "short-links" else tuple(URL_STYLES)
                body = make(Maker(rng, others, urls))
                url = page_url(template, style, rng)
                html = listing_page(template, body, variant)
                kind, items = classify(html, url)
                tally = out.setdefault((part, style, variant), Tally(Counter(), []))
                tally.counts[kind] += 1
                tally.counts["found"] += kind == "listing" and found_body(items, body.hrefs, url)
                if kind == "article":
                    own = own_article_share(html, url, template, own_texts) >= OWN_ARTICLE
                    tally.failures.append(template.key + "*" * own)
                    tally.counts["own"] += own
                    _dump(dump, f"{part}-{style}-{variant}-{template.key}", html, url)
        donor = templates[(n + 1) % len(templates)]
        for variant in VARIANTS:
            html = control_page(template, donor, variant)
            kind, _items = classify(html, template.url)
            tally = out.setdefault((part, "control", variant), Tally(Counter(), []))
            tally.counts[kind] += 1
            if kind != "article":
                tally.failures.append(f"{template.key}<-{donor.key}:{kind}")
                _dump(dump, f"{part}-control-{variant}-{template.key}", html, template.url)
    return out


def _dump(folder: Path | None, name: str, html: str, url: str) -> None:
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9.-]+", "_", name)
        (folder / f"{stem}.html").write_text(html, encoding="utf-8")
        (folder / f"{stem}.url").write_text(url + "\n", encoding="utf-8")


def report(templates: list[Template], out: dict[tuple[str, str, str], Tally]) -> str:
    half = len(templates) // 2
    tables = sum(t.table for t in templates)
    print(f"{len(templates)} templates ({tables} table layouts); dev {half}, held out {len(templates) - half}")
    print(f"{'style':12} {'variant':8} | dev: listing found article refused | held: listing found article refused")
    totals: Counter[str] = Counter()
    for style in (*STYLES, "control"):
        for variant in VARIANTS:
            cells = []
            for part in ("dev", "held"):
                c = out[(part, style, variant)].counts
                cells.append(f"{c['listing']:7} {c['found']:5} {c['article']:7} {c['refused'] + c['error']:7}")
                if style == "control":
                    totals[f"{part}_control_not_article"] += sum(c.values()) - c["article"]
                else:
                    for kind in ("listing", "article", "refused", "error", "own"):
                        totals[f"{part}_{kind}"] += c[kind]
            print(f"{style:12} {variant:8} |     {cells[0]} |      {cells[1]}")
    for key, tally in sorted(out.items()):
        if tally.failures:
            print(f"  {'/'.join(key)}: {' '.join(sorted(set(tally.failures)))}")
    return " ".join(
        f"{part}: listing={totals[f'{part}_listing']} article={totals[f'{part}_article']} "
        f"article_own_text={totals[f'{part}_own']} "
        f"refused={totals[f'{part}_refused'] + totals[f'{part}_error']} "
        f"control_not_article={totals[f'{part}_control_not_article']}"
        for part in ("dev", "held")
    )


def corpus_check(corpus: Path) -> int:
    """Every annotated corpus page (all articles) through parse_page."""
    counts: Counter[str] = Counter()
    for key, url, html, _truth in pages(corpus):
        # A page without its URL gets an article's address: at the site's home page a
        # headless text beside records is refused (not_article._listing_address).
        kind, _items = classify(html, url or "http://corpus.test/a.html")
        counts[kind] += 1
        if kind != "article":
            print(f"  {key} {url}: {kind}")
    print(
        f"summary: corpus_pages={sum(counts.values())} article={counts['article']} "
        f"listing={counts['listing']} refused={counts['refused']} error={counts['error']}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    parser.add_argument("--templates", type=int, default=40)
    parser.add_argument("--corpus-check", action="store_true", help="only classify the 815 corpus pages")
    parser.add_argument("--dump", default="", help="write the pages classified wrongly to this folder")
    parser.add_argument("--template-titles", action="store_true", help="website pages keep the template's titles")
    args = parser.parse_args(argv)
    global TEMPLATE_TITLES
    TEMPLATE_TITLES = args.template_titles
    corpus = Path(args.corpus)
    if args.corpus_check:
        return corpus_check(corpus)
    started = time.monotonic()
    found = [t for t in (make_template(*page) for page in pages(corpus)) if t is not None]
    rng = random.Random(SEED)
    templates = choose(found, args.templates, rng)
    rng.shuffle(templates)  # the first half is dev, the second held out
    out = run(templates, stories(corpus), rng, Path(args.dump) if args.dump else None)
    line = report(templates, out)
    print(f"{len(found)} usable templates in the corpus; {time.monotonic() - started:.0f} s")
    print(f"summary: templates={len(templates)} styles={len(STYLES)} variants={len(VARIANTS)} {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
