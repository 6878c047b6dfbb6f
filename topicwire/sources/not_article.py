"""Why a page's extraction is not stored as an article: the page is a listing, or may be.

A listing page must never become an article (issue 17). ``sources/page.py`` reads what it
can as a listing (teaser groups, lists the extractor read past); for the extraction that is
left, this module says why, if so, it is no article, in words for the log and ``sources``:
the element the page names as its article body holds its links, not the text; most of its
text is the page's link text; it is titled with the site's name over link text; or it
stands under no headline: a record's excerpt, beside link records at a listing's address
(a home, tag or section page) or, anywhere, short beside them or opening with a link to
another page. Pure: an lxml tree and an extraction in, a reason out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from itertools import islice
from urllib.parse import SplitResult, unquote, urlsplit

import lxml.html

from topicwire.extract.clean import HEADINGS, normalize_text, unspaced_script
from topicwire.extract.meta import meta_value
from topicwire.extract.urls import canonicalize_url
from topicwire.sources.marked_body import marked_body
from topicwire.sources.teasers import (
    LISTING_PATH_PARTS,
    Teaser,
    article_like,
    date_only,
    find_teasers,
    first_site_link,
    headline_like,
    in_heading,
    in_list_entry,
    named_page,
    outside_furniture,
    outside_site_furniture,
    query_article,
    site_links,
    word_grams,
)
from topicwire.types import Extracted

# A listing page is never stored as an article (issue 17: a page of 2-5 short links was
# stored under the site's name and matched a topic). Measured on the 815 article pages of
# ../shared/corpus/pages: the page's own link texts make at most 43% of an article's
# extracted text (a "10 things you need to know today" roundup), and at most 13% where the
# extracted title is the site's name (15 pages, blogs whose posts carry the blog's name).
_MAX_ARTICLE_LINK_SHARE = 0.6
_MAX_SITE_TITLED_LINK_SHARE = 0.25
_MIN_ANCHOR_CHARS = 4  # shorter link texts ("AP", "1") would be cut out of ordinary words
_MAX_ANCHORS = 2000  # distinct link texts looked for in the text: a cost bound for huge pages
# A short text under no headline (``_headless``) beside 2+ link records: corpus articles
# whose title is the site's name or 1-2 words, with such records, have 490+ characters of text
# (seelenradio; "Talks go on" is a headline); the scraps taken beside a list, 100-300.
_MAX_HEADLESS_TEXT = 400
_OPENING_WORDS = 6  # of the text, looked for in a record's block
_MIN_TEXT_IN_RECORD = 0.5  # of the text's word 4-grams, in one record's block
_WORD = re.compile(r"\w+")
_MAX_HEADINGS = 500  # headings taken out of a text: a cost bound
_LISTING_LABEL = re.compile(
    r"archiv|categor|catég|kategor|rubri|tag|author|autor|auteur|result|search|browsing|schlagwort|etiqueta"
    r"|カテゴリ|タグ|标签|分类|분류|태그",
    re.I,
)
# A title that opens with a listing's own words, then a tag's or a person's name of at most
# _MAX_LISTED_NAME_WORDS ("Contents tagged with turkey", the issue's example; "Articles by Jane
# Doe", "Search results for “x”", "Beiträge von Anna", "Articles tagués ferry", "Статьи автора")
_LISTING_TITLE = re.compile(
    r"(?:(?:contents?|posts?|articles?|stories|entries|items|everything)\s+"
    r"(?:tagged(?:\s+(?:with|as))?|filed(?:\s+under)?|by|about|under|in)"
    r"|(?:all|more)\s+(?:posts|articles|stories|entries)|(?:archives?|posts|entries)\s+(?:for|of|from)"
    r"|(?:search\s+)?results?\s+for|you\s+searched\s+for|browsing|showing\s+(?:posts|results|articles)"
    r"|(?:beitr(?:ä|ae|a)ge|artikel|eintr(?:ä|ae|a)ge)\s+(?:von|zu|mit|in|über|unter|getaggt|verschlagwortet)"
    r"|alle\s+(?:beitr(?:ä|ae|a)ge|artikel)|suchergebnisse(?:\s+für)?|schlagwort"
    r"|(?:articles?|billets?)\s+(?:de|du|des|sur|par|tagu[ée]s?|class[ée]s?)|tous\s+les\s+articles"
    r"|r[ée]sultats?\s+(?:de\s+(?:la\s+)?recherche(?:\s+pour)?|pour)"
    r"|(?:art[íi]culos|entradas|publicaciones)\s+(?:de|sobre|por|etiquetad[oa]s|en)|resultados\s+de\s+b[úu]squeda"
    r"|(?:статьи|материалы|записи|публикации|новости)\s+(?:автора|по\s+тегу|с\s+тегом|с\s+меткой|рубрики|по\s+теме)"
    r"|результаты\s+поиска)\b",
    re.I,
)
_MAX_LISTED_NAME_WORDS = 3
_SLUG_WORDS = re.compile(r"[^\W_]+")
_MIN_STORY_SLUG_WORDS = 4  # words of the last path part that names a story, not a tag
_LISTING_ADDRESS_KEYS = frozenset({"cat", "tag", "author", "category", "tag_id"})  # WordPress's list queries
# Path parts that name a section's page of its stories (/section/world, /topics/x, /hub/x, /themen/x)
_SECTION_PATH_PARTS = frozenset(
    {"section", "sections", "topic", "topics", "hub", "themen", "thema", "rubrik", "ressort", "rubrique", "rubric"}
    | {"tema", "temas", "kategorie", "categorie", "dossier", "dossiers", "subject", "subjects", "categoria"}
    | {"categorias", "rubrika", "rubriki", "schlagwort", "schlagworte", "stichwort", "etiqueta", "etiquetas"}
    | {"autor", "autoren", "auteur", "auteurs", "autore", "by"}
)
# The site's home: "/index.php", or a language's ("/en/", "/de-at/")
_HOME_PAGE = re.compile(r"(?:index|default|home)\.(?:php|html?|aspx?|jsp)|[a-z]{2}(?:[-_][a-z]{2})?")
_VIEW_KEYS = frozenset({"ref", "amp", "output", "outputtype", "source", "via", "share"})  # the same page
# A home page's list keys: pages, languages, a search, a date's posts; not WordPress's
# page_id/attachment_id/preview (one document), nor q (Drupal's ?q=node/123, a search elsewhere)
_HOME_LIST_KEYS = frozenset(
    {"page", "paged", "pg", "lang", "s", "m", "year", "month", "day", "offset", "start", "limit", "per_page", "sort"}
    | {"order", "show"}
)
_MIN_UNSPACED_TITLE_IN_TEXT = 2
_MIN_UNSPACED_TITLE = 6  # characters of a title in a script written without spaces (CJK, Thai)


def not_article(
    tree: lxml.html.HtmlElement, url: str, article: Extracted, loose: list[Teaser], share: float | None = None
) -> str | None:
    """Why the extracted "article" is a page of links, or None. ``loose``: the page's
    same-site link records outside its furniture (``page._loose_groups``), ``share`` the
    text's ``link_share`` if the caller has it. The element the
    page names as its article body may hold them instead of the text (``marked_body``); a
    short text under no headline is a listing's scrap beside its records or beside the one
    story of a tag page, or the teaser of a listing of one."""
    if loose and (body := marked_body(tree, url, loose, article.text)) is not None and body.holds_list:
        if body.holding_text >= 2:
            return (
                f"its text runs across {body.holding_text} elements marked as article bodies; the first holds "
                f"{body.records} links to the site's pages"
            )
        return (
            f"the element marked as its article body holds {body.records} links to the site's pages and "
            f"{body.text_inside:.0%} of the extracted text"
        )
    records = len(loose)  # 0, or 2+: page._loose_groups keeps groups of two or more
    share = link_share(tree, article.text) if share is None else share
    if share >= _MAX_ARTICLE_LINK_SHARE:
        return f"{share:.0%} of its text is link text"
    if not article.declared_article and share >= _MAX_SITE_TITLED_LINK_SHARE and _titled_as_site(tree, article.title):
        return f"its title is the site's name, {share:.0%} of its text is link text and nothing declares an article"
    listing_address = _listing_address(url)
    # A page that declares an article under the site's name or at a listing's address (a
    # blog theme's og:type on every page: a tag page of one post's excerpt) is judged as one
    # that declares nothing.
    if not _headless(tree, article, listing_address):
        return None
    own = {_same_page(address) for address in _own_addresses(tree, url, article) if address}
    if record := _record_holding(tree, url, article, own):
        return f"its title {article.title!r} is no headline and its text is the record of {record.link.url}"
    chars = len(article.text)
    # At a listing's address a headless text beside records is the listing's lead at any
    # length (bench/listings.py: a home page's or section page's 1,800 characters).
    if chars >= _MAX_HEADLESS_TEXT and not (listing_address and records):
        return None
    if opens_with_link(tree, url, article.text, own):
        return f"its title {article.title!r} is no headline and its {chars} characters open with a link to another page"
    if not listing_address and _title_in_text(tree, article.title or "", article.text):
        return None
    if records:
        where = " at a listing's address" if listing_address else ""
        return (
            f"its title {article.title!r} is no headline and its text is {chars} characters beside {records} "
            f"links{where}"
        )
    if linked := first_site_link(
        tree,
        url,
        lambda link, anchor: (
            (article_like(link.url) or query_article(link.url))
            and not date_only(link.url)
            and _same_page(link.url) not in own
            and outside_furniture(anchor)
            and (in_heading(anchor) or in_list_entry(anchor))
        ),
    ):
        return (
            f"its title {article.title!r} is no headline and its text is {chars} characters beside a link to "
            f"{linked.url}"
        )
    return None


def _record_holding(tree: lxml.html.HtmlElement, url: str, article: Extracted, own: set[str]) -> Teaser | None:
    """The record (a heading linking to another article of the site, with its block) that
    holds most of the article's text: the excerpt of a tag page's one post under its linked
    headline, or the first post of a blog's home page that shows its posts in full (the
    record is found by the longest link to the post, its "Posted on ..." permalink: a
    heading must link the same page). A link to the page itself under another URL (its
    canonical, AMP or ``?ref=`` address, with or without a trailing slash) is no record.
    Corpus articles under no headline hold links in their text and "comments feed" links
    whose block is the whole article: as records, 12 of the 815 were refused.

    Linear: the text's grams are counted once and each block's distinct grams looked up
    (a gram list scanned per record cost 58 s on a 1.9 MB page of 5,000 headed links)."""
    counts = Counter(word_grams(" ".join(article.text.split())))
    total = sum(counts.values())
    if not total:
        return None
    links = site_links(
        tree,
        url,
        lambda link, anchor: (
            (named_page(link.url) or query_article(link.url))
            and headline_like(link.title)
            and _same_page(link.url) not in own
            and not _section_of(link.url, url)
            and outside_site_furniture(anchor)
        ),
    )
    headed = {link.url: link.title for link in reversed(links) if in_heading(link.anchor)}  # the first heading's
    for teaser in find_teasers(links):
        if teaser.link.url not in headed:
            continue  # a link in the text, a "comments feed" link: its block is the whole article
        if len(teaser.block_text) < _MIN_TEXT_IN_RECORD * len(article.text) * 0.5:
            continue  # too short to hold half the text
        if not _headed_above(teaser.block_text, headed[teaser.link.url], article.text):
            continue  # a "Next post" heading under the article: the post's own page
        inside = sum(counts[gram] for gram in set(word_grams(teaser.block_text)))
        if inside >= _MIN_TEXT_IN_RECORD * total:
            return teaser
    return None


def _headed_above(block_text: str, heading: str, text: str) -> bool:
    """The record's linked ``heading`` stands above the text in its block: a teaser's
    headline over its excerpt, not a link to the next post under a post's own text. Read
    as word sequences ("BAKU , Dec 1" in a block is "BAKU, Dec 1" in the text); where the
    text's opening words are not in the block, nothing says the heading is above them."""
    block = " " + " ".join(_WORD.findall(block_text.casefold())) + " "
    head = block.find(" " + " ".join(_WORD.findall(heading.casefold())) + " ")
    start = block.find(" " + " ".join(_WORD.findall(text.casefold())[:_OPENING_WORDS]) + " ")
    return 0 <= head <= start


def _section_of(link: str, page: str) -> bool:
    """``link`` is a section the page sits in: its path a prefix of the page's (the blog's
    home ``/blog/`` over ``/blog/2026/12/01/post/``)."""
    try:
        linked, own = urlsplit(link).path.rstrip("/"), urlsplit(page).path
    except ValueError:
        return False
    return bool(linked) and own.startswith(linked + "/")


def _listing_address(url: str) -> bool:
    """The page's own address names a listing: the site's home (``/``, ``/index.php``, ``/en/``;
    not ``/?p=1012``), ``/tag/x/``, ``/category/x/``, ``/author/x/``, a section's page
    (``/section/world``, ``/topics/x``), a date archive (``/2026/12/``) or a list's query
    (``?cat=3``, ``?tag=x``); tracking keys and a list's keys (``?page=2``, ``?lang=en``)
    change none of that, a story's (``?p=1012``, ``?id=71``) make it a document's. A
    one-part address other than a home page (``/news/``) is no listing's: blogs put posts
    at ``/ear-candy/`` (10 of the 815 corpus articles were refused when it was)."""
    try:
        split = _one_view(url)  # "/tag/x/?utm_id=123&ref=12" is "/tag/x/"
    except ValueError:
        return False
    address = split.geturl()
    parts = [unquote(part).lower() for part in split.path.split("/") if part]
    keys = {pair.partition("=")[0].lower() for pair in split.query.split("&") if pair}
    if keys & _LISTING_ADDRESS_KEYS or date_only(address):
        return True
    if not parts or (len(parts) == 1 and _HOME_PAGE.fullmatch(parts[0])):
        # The site's home with a list's own keys (?page=2, ?lang=en, ?s=x) or none; not
        # "/?p=1012", "/index.php?id=71", "/?page_id=12", Drupal's "/?q=node/123",
        # Joomla's "/index.php?option=com_content&id=12"
        return bool(split.netloc) and keys <= _HOME_LIST_KEYS
    if query_article(address):  # "/tag/x/?p=1012": a story by its number
        return False
    sections = LISTING_PATH_PARTS | _SECTION_PATH_PARTS
    listed = (parts[0] in sections and len(parts) <= 2) or (len(parts) > 1 and parts[-2] in sections)
    last = parts[-1]
    words = 1 if unspaced_script(last) else len(_SLUG_WORDS.findall(last.rsplit(".", 1)[0]))
    # "/tag/fake-news/", "/section/world"; not "/category/news/ferry-resumes-after-the-storms/",
    # "/tag/g20/" (a digit: a story's number is likelier than a tag's)
    return bool(listed) and not any(char.isdigit() for char in last) and words < _MIN_STORY_SLUG_WORDS


def _own_addresses(tree: lxml.html.HtmlElement, url: str, article: Extracted) -> list[str]:
    """The addresses a page gives itself: the fetched one, its canonical, ``og:url`` and
    WordPress's ``rel=shortlink`` (``/?p=1234``, the same post as its slug)."""
    named = [meta_value(tree, ("og:url",)) or ""]
    named += [str(href) for href in tree.xpath("//link[@rel='shortlink']/@href")[:3]]
    return [url, article.canonical_url or ""] + [canonicalize_url(href, url) for href in named if href.strip()]


def _title_in_text(tree: lxml.html.HtmlElement, title: str, text: str) -> bool:
    """The text's prose speaks of what its title of two or more words says: each title
    word (3+ letters; the first 5 letters of longer ones, for "resumes" / "resumed") opens
    a word of the text once the page's headings are taken out of it (a listing's "Top
    stories" heading is in its extracted text too, ``_without_headings``); a word of 4 letters is taken without its
    last ("hits" / "hit"). A label before a colon ("Video:") is
    not the title; a title written without spaces is in the prose as written. A short
    brief ("Ferry resumes": "The ferry ... resumed service on Monday") is one; a cookie
    notice or an about box beside a list is not. A one-word title ("Politics", "News") is
    a section's name, found in any about box or newsletter pitch, and a title that is the
    site's name is in every cookie notice: neither counts.

    Measured (the review's fixes applied): of 126 short briefs under 1-2-word titles beside
    2-4 related links (7 titles, 3 shapes), none was an article before this check and 47
    are now (the rest: one-word titles, "Correction", "Obituary", pages whose title came
    out as the site's name); bench/listings.py, the real listing pages and the 1,920-page
    probe of the issue's class: no listing page more stored as an article."""
    if _titled_as_site(tree, title):
        return False
    title = normalize_text(title).casefold().replace("：", ":")
    title = title.rpartition(":")[2].strip() or title  # "Video: Snowstorm in Baku": a label, then the title
    headings = {
        said
        for heading in islice(tree.iter(*HEADINGS), _MAX_HEADINGS)
        if (said := normalize_text(heading.text_content()))
    }
    paragraphs = "\n".join(line for part in text.split("\n") if (line := normalize_text(part)))
    prose = _folded(_without_headings(paragraphs, headings))
    if unspaced_script(title):
        return len(title) >= _MIN_UNSPACED_TITLE_IN_TEXT and title in prose
    stems = [
        word[: min(5, len(word) - 1)] if len(word) > 3 else word for word in _WORD.findall(title) if len(word) >= 3
    ]
    if len(stems) < 2:
        return False
    words = _WORD.findall(prose)
    return all(any(word.startswith(stem) for word in words) for stem in stems)


def _without_headings(text: str, headings: set[str]) -> str:
    """``text`` less the headings it holds as written, each where no lowercase word goes on
    after it (a heading the extractor kept before the next block, "Top stories Greg
    Beacham, AP"), not inside a sentence ("A storm warning is in force"); a heading in a
    script without case only where it is a paragraph of its own."""
    for heading in headings:
        unspaced = unspaced_script(heading)  # no case: only a paragraph of its own
        start = text.find(heading)
        while start >= 0:
            end = start + len(heading)
            after = text[end:].lstrip(" ")[:1]
            before = text[:start].rstrip(" ")[-1:]
            inside = (
                (after not in ("", "\n") or before not in ("", "\n"))
                if unspaced
                else (after.isalpha() and not after.isupper())
            )
            if inside:
                start = text.find(heading, end)
                continue
            text = f"{text[:start]} {text[end:]}"
            start = text.find(heading, start + 1)
    return text


def _folded(text: str) -> str:
    return normalize_text(text).casefold()


def _same_page(address: str) -> str:
    """``address`` without what names the same page twice: ``/amp``, ``index.html``,
    ``.amp.html`` / ``.html``, a trailing slash, ``www.``, the scheme, and query keys that
    track or pick a view (``utm_*``, ``ref``, ``amp``, ``output``). Other query keys stay:
    ``/?p=1012`` and ``/?tag=politics`` are two pages of one site, not its home twice."""
    try:
        split = _one_view(address)
    except ValueError:
        return address
    path = unquote(split.path).lower()  # "/%D0%BF..." and "/п..." are one path
    for ending in ("/index.html", "/index.php", "/amp", "/amp/", ".amp.html", ".html", ".htm", "/"):
        if path.endswith(ending):
            path = path[: -len(ending)]
    host = split.netloc.lower().removeprefix("www.")
    query = sorted(pair for pair in split.query.split("&") if pair)
    return f"{host}{path}" + ("?" + "&".join(query) if query else "")


def _one_view(address: str) -> SplitResult:
    """``address`` canonicalized (no tracking keys: ``utm_*``, ``fbclid``) and without the
    query keys that pick a view of the same page (``ref``, ``amp``, ``output``); ValueError
    if it cannot be split."""
    split = urlsplit(canonicalize_url(address))
    pairs = (pair for pair in split.query.split("&") if pair and pair.partition("=")[0].lower() not in _VIEW_KEYS)
    return split._replace(query="&".join(pairs))


def opens_with_link(tree: lxml.html.HtmlElement, url: str, text: str, own: set[str] | None = None) -> bool:
    """``text`` opens with a headline that links to another page of the site: a teaser (a
    tag page listing one story), not an article under its own headline. ``own``: the page's
    own addresses (``_same_page`` forms), whose links are no other page."""
    opening = normalize_text(text.split("\n", 1)[0])
    if not headline_like(opening):
        return False
    wanted = opening.casefold()
    keep = own or set()
    return (
        first_site_link(tree, url, lambda link, _: link.title.casefold() == wanted and _same_page(link.url) not in keep)
        is not None
    )


def _headless(tree: lxml.html.HtmlElement, article: Extracted, listing_address: bool = False) -> bool:
    """The page's title is no headline: the site's name, or one or two words ("Latest",
    "World", "Top stories", "Tag-Archiv: Politik"), after a one-word label and a colon if
    it has one ("Category: Politics", "カテゴリー: ニュース"; "Breaking news: Peskov quits"
    is a headline; "Tag Archives: Media" is not), or, at a listing's address, a listing's
    own words and a name ("Contents tagged with turkey", "Articles by Jane Doe"). A page
    that declares an article is headless only where its title is the site's name, or is
    no headline at a listing's address."""
    title = normalize_text(article.title or "")
    if not title:
        return not article.declared_article
    if _titled_as_site(tree, title):
        return True
    if article.declared_article and not listing_address:
        return False
    label, colon, rest = title.replace("：", ":").rpartition(":")
    named = rest.strip() if colon and rest.strip() and _a_label(label) else title
    words = named.split()
    if listing_address and _listing_title(named):
        return True  # "Contents tagged with turkey", "Articles by Jane Doe"
    unspaced = len(named.replace(" ", "")) >= _MIN_UNSPACED_TITLE and unspaced_script(named)
    return not (len(words) > 2 or unspaced)


def _listing_title(title: str) -> bool:
    """A listing's own words and a name of at most ``_MAX_LISTED_NAME_WORDS`` words (quotes
    and guillemets no words): "Posts tagged with New York City", "Résultats de la recherche
    pour « ferry »". Only at a listing's address: "Results for Ohio primaries" is a headline."""
    title = unicodedata.normalize("NFC", title)
    if not (opening := _LISTING_TITLE.match(title)):
        return False
    return sum(any(c.isalnum() for c in word) for word in title[opening.end() :].split()) <= _MAX_LISTED_NAME_WORDS


def _a_label(label: str) -> bool:
    """The words before a title's colon name a listing ("Category", "Tag Archives",
    "Search Results for", "Архивы рубрики"), or are one word; "Breaking news" is part of
    a headline."""
    return len(label.split()) == 1 or (len(label.split()) <= 4 and _LISTING_LABEL.search(label) is not None)


def link_share(tree: lxml.html.HtmlElement, text: str) -> float:
    """The share of ``text`` (in characters) made of the page's link texts, each counted as
    often as the page links it: a headline list is nearly all links, prose a little."""
    rest = normalize_text(text).casefold()
    total, words = len(rest), set(rest.split())
    anchors = Counter(normalize_text(a.text_content()).casefold() for a in tree.iter("a"))
    # Only anchors whose first word is in the text can be in it; at most the longest
    # _MAX_ANCHORS of those are looked for (40,000 distinct anchors took 7.6 s unbounded).
    found = [(a, n) for a, n in anchors.items() if len(a) >= _MIN_ANCHOR_CHARS and a.split(" ", 1)[0] in words]
    for anchor, times in sorted(found, key=lambda item: -len(item[0]))[:_MAX_ANCHORS]:
        if anchor in rest:
            rest = rest.replace(anchor, " ", times)
    return 1 - len(" ".join(rest.split())) / total if total else 0.0


def _titled_as_site(tree: lxml.html.HtmlElement, title: str | None) -> bool:
    """The title is the site's name: og:site_name, or the text of a link to the site's home."""
    wanted = normalize_text(title or "").casefold()
    if not wanted:
        return False
    if wanted == normalize_text(meta_value(tree, ("og:site_name",)) or "").casefold():
        return True
    homes = (a for a in tree.iter("a") if _links_home((a.get("href") or "").strip()))
    return any(normalize_text(a.text_content()).casefold() == wanted for a in homes)


def _links_home(href: str) -> bool:
    """``href`` names a site's home (``/``, ``https://site/``); an unparseable one
    (``http://[cookie-settings]/``: urlsplit raises ValueError) names nothing."""
    try:
        return bool(href) and urlsplit(href).path in ("", "/")
    except ValueError:
        return False
