"""The labelled set of bench/dedup.py: corpus articles republished by synthetic outlets.

    load_bases     the Zyte expected texts, and topicwire's extraction of the trafilatura
                   eval pages (they come with snippets only), >= 120 words, one of each
    make_pages     each base from one outlet, 1-4 copies from others (verbatim, re-titled,
                   trimmed, datelined, both; sometimes the same outlet under a new GUID),
                   and distinct-but-similar pages ("same topic", "follow-up")
    articles_for   every page in its outlet's template, through extract_article,
                   build_article and the outlet's learned template, as the pipeline does
    TextGen        words drawn by corpus frequency, for bodies and the cost part's store

Everything is seeded: the same corpus gives the same pages and articles.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from html import escape, unescape
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from topicwire.dedup.near import shingles, similarity  # noqa: E402
from topicwire.errors import TopicwireError  # noqa: E402
from topicwire.extract.article import extract_article  # noqa: E402
from topicwire.extract.build import build_article  # noqa: E402
from topicwire.extract.charset import decode_html  # noqa: E402
from topicwire.extract.template import Template  # noqa: E402
from topicwire.sitetemplate import apply_template  # noqa: E402
from topicwire.types import Article, RawItem  # noqa: E402

T0 = datetime(2025, 11, 3, 6, tzinfo=UTC)
MIN_WORDS = 120
VERBATIM = ("verbatim", "retitled", "new-guid")
EDITED = ("trimmed", "dateline", "trimmed+dateline")
DISTRACTORS = ("same-topic", "follow-up")
CITIES = ("MOSCOW", "BAKU", "YEREVAN", "ANKARA", "TBILISI", "BERLIN", "LONDON", "WARSAW", "MADRID", "NEW YORK")
SIDEBAR_HOURS = 6
KICKERS = ("UPDATE 1-", "EXCLUSIVE: ", "Analysis: ", "WATCH: ", "Breaking: ")
# A trimmed copy drops the last paragraph, and a follow-up quotes it, only where it is a minor
# part of the story: some bases are a short intro and one long paragraph, where dropping it
# leaves no copy (Jaccard 0.14-0.17 to the original) and quoting it whole makes the
# "distinct" follow-up 70% the same text (J 0.73).
MINOR_SHARE = 1 / 3


# -- outlets: each wraps a body in its own markup ---------------------------------------
@dataclass(frozen=True)
class Outlet:
    name: str
    page: str  # {title} {canonical} {date} {body} {sidebar} {related} {outlet}
    side: str  # one sidebar headline: {url} {title} {teaser} {time}
    rel: str  # one related link: {url} {title}


_HEAD = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | {outlet}</title>'
    '<link rel="canonical" href="{canonical}"><meta property="og:title" content="{title}">'
    '<meta property="article:published_time" content="{date}"></head><body>'
)
OUTLETS = (
    Outlet(
        "harbor-times",
        _HEAD + '<header><a href="/">Harbor Times</a><nav><a href="/world">World</a> <a href="/business">Business'
        '</a> <a href="/opinion">Opinion</a></nav></header><main><article><h1>{title}</h1><p class="byline">By '
        'Staff Writers | {date}</p>{body}<p class="disclaimer">Harbor Times is not responsible for the content '
        "of external sites. All rights reserved; this material may not be republished without permission of the "
        "publisher and its syndication partners.</p></article><aside><h2>Most read</h2><ol>{sidebar}</ol></aside>"
        '</main><section class="related"><h3>Related stories</h3><ul>{related}</ul></section><footer>© 2025 '
        "Harbor Times Media Group. Privacy policy. Terms of use.</footer></body></html>",
        '<li><a href="{url}">{title}</a></li>',
        '<li><a href="{url}">{title}</a></li>',
    ),
    Outlet(
        "steppe-courier",
        _HEAD + '<div id="top"><div class="menu"><a href="/">Main</a> | <a href="/politics">Politics</a> | <a '
        'href="/economy">Economy</a> | <a href="/region">Region</a></div></div><div class="wrap"><div class="left">'
        '<div class="box"><div class="box-title">Latest news</div>{sidebar}</div></div><div class="center"><div '
        'class="title">{title}</div><div class="txt">{body}<div class="note">Steppe Courier: when using our '
        "materials, a hyperlink to the source is required. The opinions of the authors do not necessarily "
        'coincide with the position of the editors.</div></div><div class="readalso"><b>Read also:</b>{related}'
        '</div></div></div><div class="bottom">Steppe Courier news agency, 2025. Contacts. Advertising.</div>'
        "</body></html>",
        '<div class="lenta-item"><span class="date">{time}</span> <a href="{url}">{title}</a></div>',
        '<a href="{url}">{title}</a><br>',
    ),
    Outlet(
        "eurasia-ledger",
        _HEAD + '<table width="100%"><tr><td colspan="2" class="nav"><a href="/">Eurasia Ledger</a> <a '
        'href="/news">News</a> <a href="/markets">Markets</a></td></tr><tr><td class="content"><h2>{title}</h2>'
        "{body}<p><i>Copyright Eurasia Ledger. Reproduction in whole or in part is prohibited without written "
        'consent.</i></p><p><b>Related:</b></p>{related}</td><td class="sidebar" width="30%"><p><b>Headlines</b>'
        "</p>{sidebar}</td></tr></table></body></html>",
        '<p><a href="{url}">{title}</a><br>{teaser}</p>',
        '<p><a href="{url}">{title}</a></p>',
    ),
    Outlet(
        "black-sea-dispatch",
        _HEAD + '<div class="site-header"><span class="logo">Black Sea Dispatch</span><ul class="menu"><li><a '
        'href="/">Home</a></li><li><a href="/security">Security</a></li><li><a href="/energy">Energy</a></li>'
        '</ul></div><div class="post"><h1 class="post-title">{title}</h1><div class="post-body">{body}<p>'
        "Disclaimer: The views and opinions expressed in this article are those of the original reporters and "
        "do not necessarily reflect the editorial policy of Black Sea Dispatch, which republishes wire material "
        'as received.</p><p><strong>Related:</strong> {related}</p></div></div><div class="widget"><h4>Trending'
        '</h4><ul>{sidebar}</ul></div><div class="footer">Black Sea Dispatch, all rights reserved.</div></body>'
        "</html>",
        '<li><a href="{url}">{title}</a> <span class="teaser">{teaser}</span></li>',
        '<a href="{url}">{title}</a> · ',
    ),
    Outlet(
        "capital-wire",
        _HEAD + '<nav class="top"><a href="/">Capital Wire Service</a> <a href="/latest">Latest</a> <a href="'
        '/world">World</a> <a href="/subscribe">Subscribe</a></nav><div class="article"><h1>{title}</h1>'
        '<div class="article-text">{body}<p class="promo">Sign up for our morning briefing and get the day\'s '
        "most important stories from the region delivered to your inbox before breakfast.</p></div>"
        '<ul class="related-links">{related}</ul></div><div class="rail"><h3>Latest</h3>{sidebar}</div>'
        "<footer>Capital Wire Service. Editorial standards. Contact the newsroom.</footer></body></html>",
        '<div class="rail-item"><time>{time}</time><a href="{url}">{title}</a></div>',
        '<li><a href="{url}">{title}</a></li>',
    ),
    Outlet(
        "levant-monitor",
        _HEAD + '<header class="masthead">Levant Monitor<nav><a href="/">Front page</a> <a href="/mideast">'
        'Middle East</a> <a href="/world">World</a></nav></header><div class="grid"><section class="story">'
        '<h1>{title}</h1><div class="story-content">{body}</div><div class="story-footer"><p>This article '
        "was produced with material from news agencies. Levant Monitor is an independent publication "
        'funded by its readers.</p></div></section><aside class="more"><h2>More on this</h2>{related}</aside>'
        '<aside class="teasers"><h2>Top stories</h2>{sidebar}</aside></div></body></html>',
        '<div class="teaser"><h3><a href="{url}">{title}</a></h3><p>{teaser}</p></div>',
        '<p><a href="{url}">{title}</a></p>',
    ),
    Outlet(
        "baltic-review",
        _HEAD + '<header><div class="brand">Baltic Review</div><nav><a href="/">Home</a> <a href="/eu">EU</a> '
        '<a href="/russia">Russia</a></nav></header><article><h1>{title}</h1><div class="share">Share on '
        'Facebook Share on X Copy link</div><figure><img src="/i/photo.jpg" alt=""><figcaption>Photo: '
        'Baltic Review archive</figcaption></figure>{body}<div class="tags">Tags: news, region, politics</div>'
        '</article><section class="read-next"><h2>Read next</h2><ul>{related}</ul></section><aside><h2>'
        "Popular</h2><ul>{sidebar}</ul></aside><footer>Baltic Review OÜ, 2025</footer></body></html>",
        '<li><a href="{url}">{title}</a></li>',
        '<li><a href="{url}">{title}</a></li>',
    ),
    Outlet(
        "andes-post",
        _HEAD + '<div id="header"><h3>Andes Post</h3><a href="/">Inicio</a> <a href="/mundo">Mundo</a></div>'
        '<div id="content"><div class="post-content"><h1>{title}</h1><p class="meta">Posted on {date}</p>'
        '{body}<div class="post-tags">Filed under: World</div></div><div class="comments"><h4>Leave a comment'
        "</h4><p>Your email address will not be published. Required fields are marked.</p></div><div "
        'class="related-posts"><h4>You may also like</h4><ul>{related}</ul></div></div><div id="sidebar">'
        "<h4>Recent posts</h4><ul>{sidebar}</ul></div></body></html>",
        '<li><a href="{url}">{title}</a></li>',
        '<li><a href="{url}">{title}</a></li>',
    ),
)


# -- the labelled set -------------------------------------------------------------------
@dataclass(frozen=True)
class Base:
    key: str
    host: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    """One page an outlet publishes; ``label`` is the story it truly belongs to."""

    label: str
    kind: str  # original | a VERBATIM, EDITED or DISTRACTORS kind
    base: str  # the base article it was made from
    outlet: Outlet
    guid: str
    url: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime


def paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in re.split(r"\n\s*\n|\n", text) if len(p.strip().split()) >= 3)


def _title(raw: bytes, fallback: str) -> str:
    found = re.search(rb"<title[^>]*>(.*?)</title>", raw, re.S | re.I)
    title = unescape(found.group(1).decode("utf-8", "replace")) if found else ""
    title = re.split(r"\s+[|\-–—]\s+", " ".join(title.split()))[0]
    return title if len(title.split()) >= 3 else " ".join(fallback.split()[:10])


def _zyte(corpus: Path) -> list[Base]:
    folder = corpus / "pages" / "article-extraction-benchmark"
    out = []
    for key, meta in json.loads((folder / "ground-truth.json").read_text("utf-8")).items():
        paras = paragraphs(meta["articleBody"])
        raw = gzip.open(folder / meta["stored_as"]).read()
        out.append(Base(f"zyte:{key[:10]}", urlsplit(meta["url"]).hostname or "", _title(raw, paras[0]), paras))
    return out


def _extract_original(job: tuple[str, str, str, str]) -> Base:
    key, path, url, title = job
    try:
        text = extract_article(decode_html(gzip.open(path).read(), None), url, find_date=False).text
    except TopicwireError:  # a page the extractor refuses (not an article): no base
        text = ""
    paras = paragraphs(text)
    title = title or (" ".join(paras[0].split()[:10]) if paras else key)
    return Base(f"traf:{key[:40]}", urlsplit(url).hostname or "", title, paras)


def _trafilatura(corpus: Path, pool: ProcessPoolExecutor) -> list[Base]:
    folder = corpus / "pages" / "trafilatura"
    meta = json.loads((folder / "expectations.json").read_text("utf-8"))
    jobs = [
        (k, str(folder / m["stored_as"]), m["url"] or f"http://{k}/", m.get("title") or "") for k, m in meta.items()
    ]
    return [b for b in pool.map(_extract_original, jobs, chunksize=8) if b.host != "web.archive.org"]


def load_bases(corpus: Path, pool: ProcessPoolExecutor) -> tuple[list[Base], int]:
    """Bases long enough to compare, without corpus pages that are one article twice."""
    kept: list[Base] = []
    grams: list[frozenset[str]] = []
    dropped = 0
    for b in _zyte(corpus) + _trafilatura(corpus, pool):
        if _words(b.paragraphs) < MIN_WORDS or len(b.paragraphs) < 2:
            continue
        g = shingles("\n\n".join(b.paragraphs))
        if any(similarity(g, o) >= 0.8 for o in grams):
            dropped += 1
            continue
        kept.append(b)
        grams.append(g)
    return kept, dropped


def _slug(title: str, n: int) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower())[:6]
    return "-".join(words or ["story"]) + f"-{n}"


def _page(
    label: str, kind: str, base: str, outlet: Outlet, n: int, title: str, paras: tuple[str, ...], when: datetime
) -> Page:
    url = f"https://{outlet.name}.test/{when:%Y/%m}/{_slug(title, n)}.html"
    return Page(label, kind, base, outlet, f"{outlet.name}-{n}", url, title, paras, when)


def dateline(paras: tuple[str, ...], outlet: Outlet, when: datetime, rng: random.Random) -> tuple[str, ...]:
    agency = outlet.name.split("-")[0].capitalize()
    return (f"{rng.choice(CITIES)}, {when:%b} {when.day} ({agency}) - {paras[0]}",) + paras[1:]


def _copy(base: Base, orig: Page, kind: str, outlet: Outlet, n: int, rng: random.Random) -> Page:
    when = orig.published + timedelta(minutes=rng.randint(20, 720))
    paras, title = base.paragraphs, base.title
    if kind == "retitled":
        title = rng.choice(KICKERS) + title.rstrip(".")
    if "trimmed" in kind and len(paras) > 2 and _share(paras[-1], paras) <= MINOR_SHARE:
        paras = paras[:-1]
    if "dateline" in kind:
        paras = dateline(paras, outlet, when, rng)
    page = _page(base.key, kind, base.key, outlet, n, title, paras, when)
    if kind == "new-guid":  # the original's outlet lists it again under a new id (half: at a new URL too)
        url = orig.url if rng.random() < 0.5 else orig.url.replace(".html", f"-{n}.html")
        page = replace(page, outlet=orig.outlet, guid=f"{orig.outlet.name}-{n}", url=url, title=orig.title)
    return page


def _share(paragraph: str, paras: tuple[str, ...]) -> float:
    """The part of the article's words that ``paragraph`` holds."""
    return len(paragraph.split()) / max(1, _words(paras))


def _words(paras: tuple[str, ...]) -> int:
    return sum(len(p.split()) for p in paras)


def _reordered(text: str, rng: random.Random) -> str:
    """The same words in 4-word runs, shuffled: shares the vocabulary, hardly a 5-word run."""
    words = text.split()
    runs = [words[i : i + 4] for i in range(0, len(words), 4)]
    rng.shuffle(runs)
    return " ".join(w for run in runs for w in run)


def _distractor(base: Base, kind: str, outlet: Outlet, n: int, gen: TextGen, rng: random.Random) -> Page:
    body = gen.paragraphs(max(2, len(base.paragraphs) - 2), rng)
    last = base.paragraphs[-1] if kind == "follow-up" else _reordered(base.paragraphs[-1], rng)
    if kind == "follow-up" and _share(last, base.paragraphs) > MINOR_SHARE:  # quotes it, does not reprint it
        last = " ".join(last.split()[: int(MINOR_SHARE * _words(base.paragraphs))])
    paras = (_reordered(base.paragraphs[0], rng), *body, last)
    when = T0 + timedelta(minutes=rng.randint(0, 48 * 60))
    return _page(f"{kind}:{n}", kind, base.key, outlet, n, f"{base.title.rstrip('.')}: {kind}", paras, when)


def make_pages(bases: list[Base], gen: TextGen, rng: random.Random) -> list[Page]:
    pages: list[Page] = []
    for base in bases:
        outlets = rng.sample(OUTLETS, 5)
        orig = _page(base.key, "original", base.key, outlets[0], len(pages), base.title, base.paragraphs, _minute(rng))
        pages.append(orig)
        for outlet in outlets[1 : 1 + rng.randint(1, 4)]:
            kind = rng.choice(("verbatim", "verbatim", "retitled", *EDITED))
            pages.append(_copy(base, orig, kind, outlet, len(pages), rng))
        if rng.random() < 0.15:
            pages.append(_copy(base, orig, "new-guid", orig.outlet, len(pages), rng))
        for kind in DISTRACTORS:
            if rng.random() < 0.25:
                pages.append(_distractor(base, kind, rng.choice(OUTLETS), len(pages), gen, rng))
    return sorted(pages, key=lambda p: (p.published, p.url))


def _minute(rng: random.Random) -> datetime:
    return T0 + timedelta(minutes=rng.randint(0, 48 * 60))


def render(page: Page, most_read: list[Page], others: list[Page], rng: random.Random) -> str:
    """The outlet's page around the body: a "most read" sidebar (with teasers in some
    templates) and related links that name other stories."""
    o = page.outlet

    def fill(fmt: str, p: Page) -> str:
        teaser = " ".join(p.paragraphs[0].split()[:25])
        return fmt.format(url=escape(p.url), title=escape(p.title), teaser=escape(teaser), time=f"{p.published:%H:%M}")

    body = "".join(f"<p>{escape(p)}</p>" for p in page.paragraphs)
    return o.page.format(
        title=escape(page.title),
        canonical=escape(page.url),
        date=page.published.isoformat(),
        body=body,
        sidebar="".join(fill(o.side, p) for p in most_read),
        related="".join(fill(o.rel, p) for p in rng.sample(others, 4)),
        outlet=o.name,
    )


def most_read(pages: list[Page], outlet: Outlet, when: datetime) -> list[Page]:
    """An outlet's "most read" list: 8 recent stories, the same for SIDEBAR_HOURS, as a
    CMS recomputes it (so the outlet's template learner sees it on many pages)."""
    slot = int((when - T0).total_seconds() // (SIDEBAR_HOURS * 3600))
    start = T0 + timedelta(hours=slot * SIDEBAR_HOURS)
    recent = [p for p in pages if p.published < start][-200:] or pages[:50]
    return random.Random(f"{outlet.name}/{slot}").sample(recent, min(8, len(recent)))


def _article(job: tuple[Page, str]) -> Article:
    page, html = job
    item = RawItem(page.outlet.name, page.url, page.guid, page.title, published=page.published)
    # find_date=False as Pipeline.article_for passes when the feed entry dates the article
    return build_article(item, extract_article(html, page.url, find_date=False), page.published)


def articles_for(pages: list[Page], pool: ProcessPoolExecutor, rng: random.Random) -> list[Article]:
    """Extract every page (in worker processes), then apply each outlet's template in order."""
    jobs = [(p, render(p, most_read(pages, p.outlet, p.published), pages, rng)) for p in pages]
    templates: dict[str, Template] = {}
    out = []
    for article in pool.map(_article, jobs, chunksize=16):
        template = templates.get(article.source, Template(article.source))
        article, templates[article.source] = apply_template(article, template)
        out.append(article)
    return out


# -- generated text ---------------------------------------------------------------------
class TextGen:
    """Words drawn by their corpus frequency into sentences and paragraphs (seeded)."""

    def __init__(self, texts: Iterable[str], seed: int) -> None:
        counts = Counter(w for t in texts for w in re.findall(r"[^\W\d_]{2,}", t.lower()))
        self.vocab = np.array(list(counts))
        cdf = np.cumsum(np.array(list(counts.values()), dtype=float))
        self.cdf = cdf / cdf[-1]  # searched directly: Generator.choice(p=) rebuilds it on every call
        self.np = np.random.default_rng(seed)

    def words(self, n: int) -> list[str]:
        picks = np.searchsorted(self.cdf, self.np.random(n), side="right")
        return self.vocab[np.minimum(picks, len(self.vocab) - 1)].tolist()

    def paragraphs(self, count: int, rng: random.Random, words: int = 0) -> tuple[str, ...]:
        per = max(12, words // count) if words else rng.randint(30, 90)
        out = []
        for _ in range(count):
            w = self.words(per)
            cuts = sorted(rng.sample(range(6, per), min(per // 15, per - 7)))
            for c in reversed(cuts):
                w[c - 1] += "."
            out.append(" ".join(w).capitalize() + ".")
        return tuple(out)


def generated(gen: TextGen, n: int, start: int, rng: random.Random) -> Iterator[Article]:
    for i in range(start, start + n):
        words = rng.randint(200, 800)
        paras = gen.paragraphs(max(2, words // 90), rng, words)
        when = T0 - timedelta(seconds=rng.randint(0, 2 * 86400))
        yield generated_article(f"gen-{i % 50}", i, paras, when)


def generated_article(source: str, i: int, paras: tuple[str, ...], when: datetime) -> Article:
    text = "\n\n".join(paras)
    url = f"https://{source}.test/a/{i}"
    return Article(source, url, url, f"Generated {i}", text, "", text[:200], when, when, method="trafilatura")
