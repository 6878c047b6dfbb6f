"""feedparser's 745 HTML sanitizer cases through topicwire's real path (issue 4, safety).

Each file of ../shared/corpus/feeds/wellformed/sanitize/ is parsed by
sources/feed.py parse_feed and every entry built into an Article by
extract/build.py build_article. What topicwire stores and publishes (Article.html,
Article.summary, Article.title) must hold no script, style, iframe, object or embed,
no on*= handler, no javascript:/data:/vbscript: URL and no tag or attribute outside
extract/clean.py's allow-list. Each file's "Expect:" comment says what feedparser's
sanitizer keeps; the visible text of that is asserted to survive in the article.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from conftest import CORPUS, corpus_path

from topicwire.extract.build import build_article
from topicwire.extract.clean import SAFE_ATTRIBUTES, SAFE_TAGS, html_to_text, normalize_text
from topicwire.sources.feed import parse_feed
from topicwire.types import Article, FetchResult

SANITIZE = ("feeds", "wellformed", "sanitize")
CASES = sorted(p.name for p in CORPUS.joinpath(*SANITIZE).glob("*.xml"))
NOW = datetime(2024, 1, 1, tzinfo=UTC)
# Where feedparser's own test suite serves these files; relative links resolve against it.
BASE = "http://127.0.0.1:8097/tests/wellformed/sanitize/"
DANGEROUS_TAG = re.compile(r"<\s*/?\s*(?:script|style|iframe|object|embed|applet|frame|meta|link|svg|math)\b", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
BAD_SCHEME = re.compile(r"^\s*(?:javascript|data|vbscript):", re.I)
# "Expect: not bozo and entries[0]['content'][0]['value'] == '...'" -> (field, literal)
EXPECT = re.compile(r"(entries\[0\]|feed)\[['\"](\w+)['\"]\](?:\[0\]\[['\"]value['\"]\])?\s*==\s*(u?(['\"]).*\4)\s*$")
ENTRY_TEXT_FIELDS = ("description", "summary", "content")


@pytest.mark.parametrize("name", CASES or ["corpus-absent"], ids=CASES or ["corpus-absent"])
def test_sanitizer_case(name: str) -> None:
    path = corpus_path(*SANITIZE, name)
    raw = path.read_bytes()
    result = FetchResult(BASE + name, BASE + name, 200, raw, "application/xml")
    parsed = parse_feed(result, "sweep")
    articles = [build_article(item, None, NOW) for item in parsed.items]
    for article in articles:
        assert_safe(article)
    assert_plain_text_is_inert(parsed.title)
    scope, field, kept = expected_text(raw)
    if scope != "entry":
        return  # feed-level text (tagline, copyright, info) is never stored
    assert len(articles) == 1
    if kept and field == "title":
        assert kept in articles[0].title
    elif kept and field in ENTRY_TEXT_FIELDS:
        assert kept in normalize_text(articles[0].text)


def assert_safe(article: Article) -> None:
    stored = article.html
    assert not DANGEROUS_TAG.search(stored), stored
    assert not HANDLER.search(stored), stored
    wrapper = lxml.html.fragment_fromstring(stored, create_parent="div")
    for node in wrapper.iterdescendants():
        assert node.tag in SAFE_TAGS, node.tag
        assert set(node.attrib) <= SAFE_ATTRIBUTES, dict(node.attrib)
        assert not any(BAD_SCHEME.match(v) for v in node.attrib.values())
    assert_plain_text_is_inert(article.summary)
    assert_plain_text_is_inert(article.title)


def assert_plain_text_is_inert(text: str) -> None:
    """Summary and titles are plain text, escaped wherever they are rendered. A "<" is
    allowed ("<!DOCTYPE ~" is a real feed title in the corpus); a tag that would run if
    someone forgot to escape, or a javascript: link, is not."""
    assert not DANGEROUS_TAG.search(text), text
    assert not HANDLER.search(text), text
    assert not BAD_SCHEME.match(text), text


def expected_text(raw: bytes) -> tuple[str, str, str]:
    """(scope, field, visible text) of what the file's Expect line says feedparser keeps;
    scope "none" when it only says "not bozo"."""
    header = raw.split(b"-->", 1)[0].decode("utf-8", "replace")
    line = next(line for line in header.splitlines() if line.strip().startswith("Expect:"))
    match = EXPECT.search(line)
    if match is None:
        assert line.split(":", 1)[1].strip() == "not bozo", line
        return "none", "", ""
    literal = string_literal(ast.parse(match.group(3), mode="eval").body)
    return ("feed" if match.group(1) == "feed" else "entry"), match.group(2), normalize_text(html_to_text(literal))


def string_literal(node: ast.expr) -> str:
    """A string constant, or a sum of them: feedparser writes '<!-' + '- x -' + '->'."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    assert isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add), ast.dump(node)
    return string_literal(node.left) + string_literal(node.right)


def test_allow_list_is_what_the_writers_emit() -> None:
    """The allow-list is not wider than the markup topicwire writes."""
    assert SAFE_TAGS == {"p", "h3", "ul", "li", "blockquote"}
    assert not SAFE_ATTRIBUTES


def test_corpus_cases_are_all_collected() -> None:
    folder = corpus_path(*SANITIZE)
    assert len(CASES) == len(list(Path(folder).glob("*.xml"))) == 745
