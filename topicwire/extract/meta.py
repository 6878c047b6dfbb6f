"""Page metadata as the publisher declared it (pure, cheap: markup only, no text heuristics).

    canonical  <link rel=canonical>, og:url             (absolute; a home page is refused)
    title      og:title, twitter:title, JSON-LD headline, the page's only <h1>, <title>
    author     JSON-LD author, <meta name=author> and kin, rel=author / itemprop=author
    published  <meta article:published_time> and kin, JSON-LD datePublished, itemprop
    updated    <meta article:modified_time> and kin, JSON-LD dateModified, itemprop
    language   <html lang>, og:locale, <meta http-equiv=content-language>
    news_article  whether the page declares itself a news article: og:type "article", an Open
               Graph article:published_time, or a JSON-LD NewsArticle (article.py picks
               trafilatura's mode by it)

Each value comes with where it was found ("link:canonical", "meta:og:title", "jsonld",
"h1" ...): Extracted.provenance (issue 4). Dates from the page text (htmldate) are not
here: article.py asks htmldate only when a page declares no date, since its text search
costs more than this whole module and reads CSS cache-busters (``style.css?20240301``)
as publication days.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import lxml.html
from lxml import etree

from topicwire.extract.clean import normalize_text
from topicwire.extract.dates import parse_date
from topicwire.extract.urls import canonicalize_url, host_of

# Checked in this order; the first non-empty one wins. <meta> keys are matched on the
# property, name and itemprop attributes, lower-cased (Open Graph, Dublin Core, schema.org
# microdata, and the CMS-specific names Parse.ly and Sailthru ask publishers to add).
PUBLISHED_KEYS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "dcterms.date",
    "citation_publication_date",
    "date",
)
UPDATED_KEYS = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
AUTHOR_KEYS = ("author", "article:author", "dc.creator", "dcterms.creator", "sailthru.author", "parsely-author")
TITLE_KEYS = ("og:title", "twitter:title")
_LD_ARTICLE = re.compile(r"(?:Article|BlogPosting|Report)$")
_LD_MAX_NODES = 1_000  # @id nodes indexed a page: bounded whatever a page declares
_LD_MAX_CHARS = 200_000  # a JSON-LD block larger than this is a data dump, not page metadata
_BYLINE_PREFIX = re.compile(
    r"^(?:(?:(?:written|posted|published|reporting|edited|article|story|recipe)\s+by|by|von|par|por|di|door|av|от"
    r"|автор|author|autor|przez|publié\s+par|eingestellt\s+von|geschrieben\s+von|verfasst\s+von|erstellt\s+von"
    r"|veröffentlicht\s+von|escrito\s+por|scritto\s+da)(?:\s*:\s*|\s+|$)"
    r"|(?:text(?:\s+und\s+interview)?|texte|interview|words|текст)\s*:\s*)",
    re.IGNORECASE,
)
# A byline line carries more than names (issue 17: "By Anna Petrova · 01 December 2026 13:00 UTC",
# "Updated 3 hours ago"): it is cut into parts at these; a part ends before its first date or
# time ("18.10.2019", "21,", "2:54pm") or status word below ("Published", "Updated", "ago"),
# less a trailing month name or preposition ("Poppy Reid Feb 21", "lupa am 26/10/13").
# Outlet names with digits stay names: "oe24.at", "TAG24", "24horas.cl".
_BYLINE_PARTS = re.compile(r"\s*(?:[|·•–—]|\s-\s|\n)\s*")
_DATE_TOKEN = re.compile(r"^\d[\d./:-]*(?:st|nd|rd|th|am|pm|h|uhr)?[,.]?$", re.IGNORECASE)
# Weekdays and the words of a byline's "when" ("Updated", "Published"): a name ends before them.
_WHEN_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday montag dienstag mittwoch
    donnerstag freitag samstag sonntag today yesterday updated update published posted modified
    last edited veröffentlicht aktualisiert publié publicado опубликовано обновлено publiziert
    stand""".split()
)
_NOT_NAME_WORDS = _WHEN_WORDS | frozenset(
    """ago edit follow minute minutes min hour hours day days week weeks month months year years
    read utc gmt comment comments share e-mail email kontakt contact hace vor stunden minuten
    horas minutos heures назад unknown unbekannt view artikel articles beiträge posts profile
    profil send alles empfehlen""".split()
)
# Leading words of a byline's part that a name may follow ("Published 12.11.2026 by Anna
# Petrova", "2.03.2018 von Dennis Ziesecke"): dates, times, the words of when and "on", "am".
_LEADING_WHEN = _WHEN_WORDS | frozenset("am on at le el il в".split())
_LABEL_WORDS = _NOT_NAME_WORDS | _LEADING_WHEN
# A part that opens with one of these credits a picture, not the article ("Photo: Anna Petrova").
_CREDIT_WORDS = frozenset("photo photos picture image foto fotos bild фото".split())
# Between names and what follows them, dropped: "Jose Altoveros View More Articles",
# "Johanna Kropfitsch, Alle Artikel" (links inside the byline's box).
_TRAILING = frozenset(
    """on am at le el il в jan feb mar apr may jun jul aug sep sept oct nov dec january february
    march april june july august september october november december mo di mi do fr sa so mon
    tue wed thu fri sat sun all alle more mehr weitere""".split()
)
_PARTICLES = frozenset(
    "von van der den de del della di da das dos du la le les los las y e et and und и bin ibn al el ter ten zu of for"
    " the für des do vom zum zur ben bint og och en i a και".split()
)
# Degrees written after a name ("Grant Tinsley, PhD"), squashed: no part of the name.
_DEGREES = frozenset("phd md mba msc bsc mph rd rn dds dvm llm".split())
_MAX_NAME_WORDS = 6  # of one name; "Anna Petrova" and "Maria de los Angeles Ruiz" fit
_MAX_AUTHOR_CHARS = 120  # longer is a bio paragraph, not a byline
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t\xa0]+([,;.])")
# Runs of spaces made one first: the patterns above backtrack over a run from each of its
# characters (a byline of 20,000 spaces took 22 s in _BYLINE_PARTS and _SPACE_BEFORE_PUNCT).
_SPACES = re.compile(r"[^\S\n]+")
_TITLE_SEPARATORS = re.compile(r"\s+[|–—·•-]\s+")  # not ":", headlines use it
_TITLE_SEPARATOR_PIECES = re.compile(r"(\s+[|–—·•-]\s+)")
_MAX_SITE_TITLE_CHARS = 2_000
# Second-level labels of country domains ("abc.net.au", "bbc.co.uk"): no site's name.
_GENERIC_LABELS = frozenset("co com net org gov edu ac or ne go gob nic mil".split())
_LANG = re.compile(r"^[a-zA-Z]{2,3}(?=$|[-_])")
_BYLINE_NAMED = (
    "[@rel='author' or @itemprop='author' or contains(@class, 'author') or contains(@class, 'byline')"
    " or contains(@class, 'Byline')]"
)
# A union of one path per tag, not //*[self::a or self::div ...]: the same elements in the same
# (document) order, found in 25% less time (libxml2 tests each element's name by tag instead of
# evaluating five self:: steps for it; 272 corpus pages, issue 17). /descendant::a, not //a: the
# same nodes (the predicate is no position), but libxml2 rewrites //a as descendant::a only for
# a step without a predicate, and otherwise takes the children of every node of the page
# (all 815 corpus pages: the same elements, 25% less time again).
_BYLINE = etree.XPath(" | ".join(f"/descendant::{tag}{_BYLINE_NAMED}" for tag in ("a", "address", "div", "p", "span")))

Found = tuple[str, str]  # (value, origin)
T = TypeVar("T")


@dataclass(frozen=True)
class PageMeta:
    """What the page's markup declares; ``provenance`` says where each field was found."""

    canonical_url: str | None = None
    title: str | None = None
    author: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    language: str | None = None
    news_article: bool = False
    provenance: tuple[tuple[str, str], ...] = ()


def read_meta(tree: lxml.html.HtmlElement, url: str) -> PageMeta:
    """Metadata of the page ``tree`` fetched from ``url``, each field with its origin."""
    metas = meta_index(tree)
    ld = jsonld_article(tree)
    canonical, title, author = _canonical(tree, metas, url), _title(tree, metas, ld, url), _author(tree, metas, ld, url)
    published = _date(tree, metas, ld, PUBLISHED_KEYS, "datePublished")
    updated = _date(tree, metas, ld, UPDATED_KEYS, "dateModified")
    language = _language(tree, metas)
    found = {"canonical_url": canonical, "title": title, "author": author, "published": published}
    found |= {"updated": updated, "language": language}
    return PageMeta(
        canonical_url=_value(canonical),
        title=_value(title),
        author=_value(author),
        published=_value(published),
        updated=_value(updated),
        language=_value(language),
        news_article=_declares_news_article(metas, ld),
        provenance=tuple((name, pair[1]) for name, pair in found.items() if pair is not None),
    )


def _declares_news_article(metas: dict[str, str], ld: dict[str, object]) -> bool:
    return (
        metas.get("og:type", "").lower().startswith("article")
        or "article:published_time" in metas
        or any(t.endswith("NewsArticle") for t in _ld_types(ld))
    )


def _value(found: tuple[T, str] | None) -> T | None:
    return found[0] if found is not None else None


def meta_index(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """First non-empty content of every ``<meta>`` key (property, name, itemprop, http-equiv), lower-cased."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (meta.get(attr) or "").strip().lower()
            if key and key not in found and (text := normalize_text(content)):
                found[key] = text
    return found


def meta_value(tree: lxml.html.HtmlElement, keys: tuple[str, ...]) -> str | None:
    """Content of the first non-empty ``<meta>`` (property, name or itemprop) in ``keys`` order."""
    found = _pick(meta_index(tree), keys)
    return found[0] if found else None


def page_language(tree: lxml.html.HtmlElement) -> str | None:
    """The page's declared language ("en"), from ``<html lang>``, ``og:locale`` or content-language."""
    found = _language(tree, meta_index(tree))
    return found[0] if found else None


def language_code(value: str | None) -> str | None:
    """Primary language subtag, lower-cased: "en-GB" and "en_US" are both "en"."""
    match = _LANG.match((value or "").strip())
    return match.group(0).lower() if match else None


def _pick(metas: dict[str, str], keys: tuple[str, ...]) -> Found | None:
    return next(((metas[key], f"meta:{key}") for key in keys if key in metas), None)


# -- JSON-LD -----------------------------------------------------------------------------------


def jsonld_article(tree: lxml.html.HtmlElement) -> dict[str, object]:
    """The page's schema.org Article (NewsArticle, BlogPosting ...) object, else its first
    object with a ``datePublished``, else {}. Broken JSON is skipped: CMSs emit plenty."""
    found: dict[str, object] = {}
    fallback: dict[str, object] = {}
    nodes: dict[str, dict[str, object]] = {}
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = script.text or ""
        if len(text) > _LD_MAX_CHARS:
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested past the stack (issue 13)
            continue
        for obj in _ld_objects(data):
            if isinstance(node_id := obj.get("@id"), str) and len(nodes) < _LD_MAX_NODES:
                if "name" in obj or node_id not in nodes:  # a bare {"@id"} stub names nothing
                    nodes[node_id] = obj
            if not found and any(_LD_ARTICLE.search(t) for t in _ld_types(obj)):
                found = obj
            if not fallback and "datePublished" in obj:
                fallback = obj
    article = found or fallback
    if article and nodes and (author := _ld_resolved(article.get("author"), nodes)) is not None:
        article = {**article, "author": author}
    return article


def _ld_resolved(value: object, nodes: dict[str, dict[str, object]]) -> object | None:
    """``value`` (an author) with references to other nodes of the page's JSON-LD replaced by
    the nodes, or None when it holds none. Yoast SEO, on millions of WordPress sites, writes the
    article's author as ``{"@id": ".../#/schema/person/..."}`` and the Person with its name
    elsewhere in the ``@graph`` (6 of the eval set's dev pages and 4 held out name their author
    only so; bench/metadata.py)."""
    if isinstance(value, list):
        items = value[:10]
        resolved = [_ld_resolved(item, nodes) for item in items]
        if not any(resolved):
            return None
        return [new if new is not None else old for new, old in zip(resolved, items, strict=True)]
    if isinstance(value, dict) and "name" not in value and isinstance(ref := value.get("@id"), str):
        return nodes.get(ref)
    return None


def _ld_objects(data: object, depth: int = 0) -> Iterator[dict[str, object]]:
    """Objects of a JSON-LD document: top level, lists and ``@graph`` (two levels deep)."""
    if depth > 2:
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        yield from _ld_objects(data.get("@graph"), depth + 1)


def _ld_types(obj: dict[str, object]) -> tuple[str, ...]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return tuple(k for k in kinds if isinstance(k, str))


def _ld_text(ld: dict[str, object], key: str) -> str | None:
    value = ld.get(key)
    return normalize_text(value) or None if isinstance(value, str) else None


def _ld_names(value: object, depth: int = 0) -> list[str]:
    """Names from a JSON-LD author: a string, a Person/Organization, or a list of them."""
    if depth > 2:  # lists of lists of authors: deeper is no byline (and could exhaust the stack)
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [name for item in value[:10] for name in _ld_names(item, depth + 1)]
    return []


# -- fields ------------------------------------------------------------------------------------


def _canonical(tree: lxml.html.HtmlElement, metas: dict[str, str], url: str) -> Found | None:
    """``<link rel=canonical>``, else ``og:url``, made absolute against ``url``."""
    candidates = [
        (link.get("href") or "", "link:canonical")
        for link in tree.iter("link")
        if "canonical" in (link.get("rel") or "").lower().split()
    ]
    candidates.append((metas.get("og:url", ""), "meta:og:url"))
    for href, origin in candidates:
        canonical = canonicalize_url(href, base=url) if href.strip() else ""
        if _plausible_canonical(canonical, url):
            return canonical, origin
    return None


def _plausible_canonical(canonical: str, url: str) -> bool:
    """Reject the usual template mistakes: no host, or the home page for an article."""
    if not canonical.startswith(("http://", "https://")) or not host_of(canonical):
        return False
    is_home = canonical.split("//", 1)[1].rstrip("/").count("/") == 0
    return not is_home or canonicalize_url(url) == canonical


def _title(tree: lxml.html.HtmlElement, metas: dict[str, str], ld: dict[str, object], url: str) -> Found | None:
    found = _declared_title(tree, metas, ld)
    if found is None:
        return None
    title, origin = found
    return without_site_name(title, _site_keys(metas, url)), origin


def _declared_title(tree: lxml.html.HtmlElement, metas: dict[str, str], ld: dict[str, object]) -> Found | None:
    found = _pick(metas, TITLE_KEYS)
    if found:
        return found
    if headline := _ld_text(ld, "headline"):
        return headline, "jsonld"
    h1s = list(tree.iter("h1"))
    if len(h1s) == 1 and (text := normalize_text(h1s[0].text_content())):
        return text, "h1"
    element = next(tree.iter("title"), None)
    text = normalize_text(element.text_content()) if element is not None else ""
    # "Headline | Site name": the longest part is the headline.
    return (max(_TITLE_SEPARATORS.split(text), key=len), "title") if text else None


def _author(tree: lxml.html.HtmlElement, metas: dict[str, str], ld: dict[str, object], url: str) -> Found | None:
    candidates: list[Found] = [(", ".join(_ld_names(ld.get("author"))), "jsonld")]
    candidates += [(metas[key], f"meta:{key}") for key in AUTHOR_KEYS if key in metas]
    found = next(((author, origin) for value, origin in candidates if (author := _author_name(value))), None)
    found = found or _byline(tree)
    return (_names_only(found[0], _site_keys(metas, url)), found[1]) if found else None


def _names_only(author: str, sites: frozenset[str]) -> str:
    """``author`` less the pieces beside a name that are the site's own name or a degree:
    "Rob Picheta, CNN" on cnn.com, "Grant Tinsley, PhD" (bench/metadata.py, eval dev pages)."""
    pieces = author.split(", ")
    names = [p for p in pieces if _squash(p) not in _DEGREES and not _is_site(p, sites)]
    return ", ".join(names) if names and len(names) < len(pieces) else author


def _byline(tree: lxml.html.HtmlElement) -> Found | None:
    """The page's byline element (rel/itemprop=author, class author or byline): one XPath
    scan, only for pages whose head declares no author."""
    for element in _BYLINE(tree)[:5]:
        if any(a.tag in ("time", "figure") or "comment" in (a.get("class") or "") for a in element.iterancestors()):
            continue
        # A byline's elements part its words: "Carrie Arnold<span>November 5, 2021</span>".
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", " ".join(element.itertext())))
        rest = _BYLINE_PREFIX.sub("", text.strip())
        if not rest:  # a bare "By": its name is in the next element
            continue
        if author := _author_name(text):
            return author, "byline"
        # The first byline with a name's place decides (a later one is often a related story's).
        # A label alone ("Posted", "Publiziert am") and a box longer than a byline (a menu of
        # all the site's authors, a date line with the author's bio) only hold one: their own
        # bylines come next in document order (bench/metadata.py, eval dev pages).
        if not _label_only(rest) and len(normalize_text(text)) <= _MAX_AUTHOR_CHARS:
            return None
    return None


def _label_only(text: str) -> bool:
    return all(word.strip(".,:;").casefold() in _LABEL_WORDS for word in text.split())


def _author_name(value: str) -> str | None:
    """The names in a byline or an author field, or None: authors are names (issue 17).

    article:author is often a profile URL; a long text is a bio; a date, a time or
    "Updated 3 hours ago" beside the name is dropped, and alone is no author. Where a
    part says "By ...", only such parts name the authors ("von X · in Uncategorized")."""
    text = _SPACES.sub(" ", value).strip()
    if "://" in text or len(normalize_text(text)) > _MAX_AUTHOR_CHARS:
        return None
    parts = [_after_when(normalize_text(part)) for part in _BYLINE_PARTS.split(html.unescape(text))]
    marked = [i for i, part in enumerate(parts) if _BYLINE_PREFIX.match(part)]
    if marked:  # a bare "By" stands before its name: "By\nCelia Parbey"
        bare = {i + 1 for i in marked if not _BYLINE_PREFIX.sub("", parts[i])}
        parts = [part for i, part in enumerate(parts) if i in marked or i in bare]
    names = [_before_date(_BYLINE_PREFIX.sub("", part)) for part in parts if not _credit(part)]
    # Of a part's comma-separated pieces, the names: "Anna Petrova, politics and elections"
    pieces = (piece.strip() for name in names for piece in name.split(","))
    return ", ".join(dict.fromkeys(piece for piece in pieces if _is_name(piece))) or None


def _after_when(part: str) -> str:
    """``part`` from the first word that is no date, time or word of when, if a byline
    prefix ("by", "von") follows them; else ``part``."""
    words = part.split()
    start = next((i for i, w in enumerate(words) if not _when(w)), len(words))
    rest = " ".join(words[start:])
    return rest if start and _BYLINE_PREFIX.match(rest) else part


def _when(word: str) -> bool:
    return bool(_DATE_TOKEN.match(word)) or word.strip(".,:;").casefold() in _LEADING_WHEN


def _credit(part: str) -> bool:
    words = part.split(maxsplit=1)
    return bool(words) and words[0].strip(".,:;").casefold() in _CREDIT_WORDS


def _before_date(part: str) -> str:
    words = part.split()
    cut = next((i for i, w in enumerate(words) if _DATE_TOKEN.match(w) or _status_word(w) or w[0] == "@"), len(words))
    while cut and words[cut - 1].casefold().strip(".,") in _TRAILING and cut < len(words):
        cut -= 1
    return " ".join(words[:cut]).strip(" ,;:/~-")


def _status_word(word: str) -> bool:
    return word.strip(".,:;'’()").casefold() in _NOT_NAME_WORDS


def _is_name(text: str) -> bool:
    """A few words of letters each (split at commas and "and"), none a date or status word; of
    two or more words, none a lowercase common word ("politics and elections" is no name)."""
    if len(words := text.split()) > 1 and any(_common_word(w) for w in words):
        return False
    parts = [p.strip() for p in re.split(r",|\s+(?:and|und|et|и)\s+", text)]
    return all(p and _one_name(p) for p in parts)


def _one_name(text: str) -> bool:
    words = [w.strip(".'’()").casefold() for w in text.split()]
    return (
        0 < len(words) <= _MAX_NAME_WORDS
        and any(c.isalpha() for c in text)
        and not _NOT_NAME_WORDS.intersection(words)
        and not all(w in _TRAILING for w in words)
    )


def _common_word(word: str) -> bool:
    """A lowercase word of several letters that is no name particle ("von", "de", "bin"):
    names of two or more words are capitalised ("gazociąg Jamalski" is a tag; a one-word
    handle such as "freeman1984" may be lowercase)."""
    # Not islower(): Georgian's letters are lowercase, and its names have no capitals
    # (title() leaves them as they are), as caseless scripts' have none.
    return word[:1] != word[:1].title() and word.isalpha() and word not in _PARTICLES


def _date(
    tree: lxml.html.HtmlElement, metas: dict[str, str], ld: dict[str, object], keys: tuple[str, ...], ld_key: str
) -> tuple[datetime, str] | None:
    candidates: list[Found] = [(metas[key], f"meta:{key}") for key in keys if key in metas]
    candidates.append((_ld_text(ld, ld_key) or "", "jsonld"))
    # <time itemprop=datePublished datetime=...>; <meta itemprop> is in ``metas`` already.
    candidates += [
        (el.get("datetime") or "", f"itemprop:{ld_key}") for el in tree.iter("time") if el.get("itemprop") == ld_key
    ]
    for value, origin in candidates:
        if parsed := parse_date(value):
            return parsed, origin
    return None


def _language(tree: lxml.html.HtmlElement, metas: dict[str, str]) -> Found | None:
    candidates: list[Found] = [
        (tree.get("lang") or "", "html:lang"),
        (tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "", "html:xml:lang"),
        (metas.get("og:locale", ""), "meta:og:locale"),
        (metas.get("content-language", ""), "meta:content-language"),
    ]
    return next(((code, origin) for value, origin in candidates if (code := language_code(value))), None)


# -- the site's name in a title ------------------------------------------------------------------


def without_site_name(title: str, sites: frozenset[str]) -> str:
    """``title`` less the site's name that CMSs put after or before the headline ("Headline |
    Site", "Headline - example.de", "SITE - Headline"): a feed entry's title is the headline.
    The eval set's annotators left the site's name out of 600 titles (bench/metadata.py)."""
    if len(title) > _MAX_SITE_TITLE_CHARS:  # a body pasted into og:title: values.py cuts it anyway
        return title
    pieces = _TITLE_SEPARATOR_PIECES.split(title)  # headline part, separator, part, separator, ...
    parts = pieces[::2]
    # After the headline: from the first part that is the site's name on.
    cut = next((i for i in range(1, len(parts)) if _is_site(parts[i], sites)), None)
    if cut is not None:
        pieces = pieces[: 2 * cut - 1]
        parts = pieces[::2]
    # Before it: "BMAS - Headline", up to the last part that is the site's name.
    start = next((i for i in range(len(parts) - 2, -1, -1) if _is_site(parts[i], sites)), None)
    if start is not None:
        pieces = pieces[2 * start + 2 :]
    return "".join(pieces)


def _site_keys(metas: dict[str, str], url: str) -> frozenset[str]:
    """The site's names, squashed: og:site_name, application-name, the host with and without
    its top-level domain and its name under it ("edition.cnn.com": "editioncnncom", "editioncnn",
    "cnn"; "co", "com", "net" ... of "bbc.co.uk", "abc.net.au" are none)."""
    host = host_of(url) or ""
    host = host[4:] if host.startswith("www.") else host
    labels = host.split(".")
    under_tld = labels[-2] if len(labels) >= 2 and labels[-2] not in _GENERIC_LABELS else ""
    names = (metas.get("og:site_name", ""), metas.get("application-name", ""), host, host.rpartition(".")[0], under_tld)
    return frozenset(key for name in names if len(key := _squash(name)) >= 3)


def _is_site(part: str, sites: frozenset[str]) -> bool:
    """``part`` is the site's name: the same letters and digits, or a name of the site's host
    followed by at most a legal form ("Journalistenwatch e.V." on journalistenwatch.com)."""
    key = _squash(part)
    if not key or len(part.split()) > 6:
        return False
    return key in sites or any(len(site) >= 6 and key.startswith(site) and len(key) - len(site) <= 3 for site in sites)


def _squash(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())
