"""`topicwire explain` (issue 6): why a topic takes an article or not, with snippets of the hits."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_server import FixtureServer
from hypothesis import given
from hypothesis import strategies as st
from test_rules import ALIASES, EQUIVALENCE, docs, queries

from topicwire.clock import utc_now
from topicwire.daemon.cli import main
from topicwire.store import Store
from topicwire.topics.explain import MAX_SNIPPETS, Explanation, TermReport, explain, render_explanation, word_spans
from topicwire.topics.query import compile_query, words
from topicwire.topics.rules import TopicRule, TopicRules
from topicwire.types import MatchDoc

SITE = Path(__file__).resolve().parent / "fixtures" / "site"

# word positions: On0 Monday1 in2 Moscow3 the4 Kremlin5 spokesman6 Dmitry7 Peskov8 said9 that10
# talks11 with12 Erdoğan13 on14 the15 South16 Caucasian17 corridor18 went19 well20 while21
# Iranian22 observers23 and24 Iran25 s26 envoy27 attended28 Football29 fans30 were31 not32 amused33
TEXT = (
    "On Monday in Moscow the Kremlin spokesman Dmitry Peskov said that talks with Erdoğan on the\n"
    "South Caucasian corridor went well, while Iranian observers and Iran’s envoy attended.  Football"
    " fans were not amused."
)
DOC = MatchDoc(
    title="Kremlin spokesman, Dmitry Peskov, said talks went well",
    text=TEXT,
    source="tass",
    language="en-US",
    author="İlham Aliyev",
)


def rule(query: str, exclude: str | None = None, **filters: tuple[str, ...]) -> TopicRule:
    return TopicRule("t", compile_query(query, ALIASES), compile_query(exclude) if exclude else None, **filters)


def report(e: Explanation, term: str) -> TermReport:
    return next(t for t in e.terms if t.term == term)


def hits(e: Explanation, term: str) -> dict[str, tuple[int, tuple[str, ...]]]:
    return {h.field: (h.count, h.snippets) for h in report(e, term).hits}


PESKOV_TEXT = (
    "On Monday in Moscow the Kremlin spokesman Dmitry [[Peskov]] said that talks with Erdoğan on the South ..."
)
SNIPPETS = [
    (
        "Peskov",
        "peskov",
        {
            "title": (1, ("Kremlin spokesman, Dmitry [[Peskov]], said talks went well",)),
            "text": (1, (PESKOV_TEXT,)),
        },
        "word-in-both-fields-context-and-newline",
    ),
    (
        "Erdogan",
        "erdogan",
        {
            "text": (
                1,
                (
                    "... Kremlin spokesman Dmitry Peskov said that talks with [[Erdoğan]] on the South Caucasian"
                    " corridor went well, while ...",
                ),
            )
        },
        "diacritics-shown-as-written",
    ),
    (
        "Iran*",
        "iran*",
        {
            "text": (
                2,
                (
                    "... on the South Caucasian corridor went well, while [[Iranian]] observers and Iran’s envoy"
                    " attended. Football fans ...",
                    "... Caucasian corridor went well, while Iranian observers and [[Iran]]’s envoy attended."
                    " Football fans were not amused.",
                ),
            )
        },
        "prefix-each-word-and-end-of-text",
    ),
    (
        '"South Cauc*"',
        '"south cauc*"',
        {
            "text": (
                1,
                (
                    "... Peskov said that talks with Erdoğan on the [[South Caucasian]] corridor went well, while"
                    " Iranian observers and Iran ...",
                ),
            )
        },
        "phrase-prefix-across-a-newline",
    ),
    (
        "Peskov NEAR/5 Erdogan",
        "(peskov NEAR/5 erdogan)",
        {
            "text": (
                1,
                (
                    "On Monday in Moscow the Kremlin spokesman Dmitry [[Peskov]] said that talks with [[Erdoğan]]"
                    " on the South Caucasian corridor went well, while ...",
                ),
            )
        },
        "near-marks-both-sides",
    ),
    (
        '"Dmitry Peskov" NEAR/1 Peskov',
        '("dmitry peskov" NEAR/1 peskov)',
        {
            "title": (1, ("Kremlin spokesman, [[Dmitry Peskov]], said talks went well",)),
            "text": (
                1,
                (
                    "On Monday in Moscow the Kremlin spokesman [[Dmitry Peskov]] said that talks with Erdoğan"
                    " on the South ...",
                ),
            ),
        },
        "near-overlapping-sides-one-mark",
    ),
    ("Peskov NEAR/4 Erdogan", "(peskov NEAR/4 erdogan)", {}, "near-beyond-distance-no-hit"),
    (
        "title:(Peskov NEAR/1 said)",
        "title:(peskov NEAR/1 said)",
        {"title": (1, ("Kremlin spokesman, Dmitry [[Peskov]], [[said]] talks went well",))},
        "scoped-near",
    ),
    ("title:Erdogan", "title:erdogan", {}, "scope-excludes-text"),
    ("author:Ilham", "author:ilham", {"author": (1, ("[[İlham]] Aliyev",))}, "author-diacritics"),
    ("source:TASS", "source:tass", {"source": (1, ("[[tass]]",))}, "source-value"),
    ("lang:en", "lang:en", {"lang": (1, ("[[en-US]]",))}, "language-value"),
    ("lang:ru", "lang:ru", {}, "language-refused-value"),
]


@pytest.mark.parametrize(("query", "term", "expected"), [s[:3] for s in SNIPPETS], ids=[s[3] for s in SNIPPETS])
def test_hits_and_snippets(query: str, term: str, expected: dict[str, tuple[int, tuple[str, ...]]]) -> None:
    e = explain(rule(query), DOC)
    assert hits(e, term) == expected
    assert e.matched is e.query_matched is bool(expected)


def test_alias_reports_each_term_and_where_it_was_looked_for() -> None:
    e = explain(rule("@kremlin AND NOT Lavrov"), DOC)
    assert [t.term for t in e.terms] == ["kremlin", "peskov", '"kremlin spokesman"', "lavrov"]
    lavrov = report(e, "lavrov")
    assert (lavrov.negated, lavrov.fields, lavrov.hits) == (True, ("title", "text"), ())
    assert not report(e, "peskov").negated and e.matched


def test_exclude_terms_are_reported_and_refuse() -> None:
    e = explain(rule("Peskov", exclude="football OR cricket"), DOC)
    assert (e.matched, e.query_matched, e.exclude_matched) == (False, True, True)
    football = report(e, "football")
    assert football.part == "exclude"
    assert football.hits[0].snippets == (
        "... while Iranian observers and Iran’s envoy attended. [[Football]] fans were not amused.",
    )
    assert report(e, "cricket").hits == ()
    assert "NO MATCH (the exclude query matches)" in render_explanation(e)


@pytest.mark.parametrize(
    ("filters", "refused", "reason"),
    [
        ({"sources": ("ria", "interfax")}, (True, False), "source 'tass' is not one of the topic's sources"),
        ({"languages": ("ru",)}, (False, True), "language en-US is not one of the topic's languages"),
        ({"sources": ("tass",), "languages": ("en",)}, (False, False), ""),
    ],
    ids=["source-refused", "language-refused", "both-admit"],
)
def test_source_and_language_filters(
    filters: dict[str, tuple[str, ...]], refused: tuple[bool, bool], reason: str
) -> None:
    e = explain(rule("Peskov", **filters), DOC)
    assert (e.source_refused, e.language_refused) == refused
    assert e.query_matched and e.matched is not any(refused)
    assert reason in render_explanation(e)


def test_snippets_are_capped_but_counted() -> None:
    e = explain(rule("Peskov"), MatchDoc("", " ".join(["Peskov said"] * 5)))
    count, snippets = hits(e, "peskov")["text"]
    assert count == 5 and len(snippets) == MAX_SNIPPETS
    assert snippets[0] == "[[Peskov]] said Peskov said Peskov said Peskov said Peskov ..."


def test_render_for_a_terminal() -> None:
    e = explain(rule("Peskov NOT Lavrov", exclude="cricket", languages=("en",)), DOC)
    assert render_explanation(e).splitlines() == [
        "t: MATCH",
        "  query     (peskov AND NOT lavrov)  -> matched",
        "  exclude   cricket  -> not matched",
        "  languages en  -> ok (article: en-US)",
        "query terms:",
        "  peskov: title, once",
        "      Kremlin spokesman, Dmitry [[Peskov]], said talks went well",
        "  peskov: text, once",
        f"      {PESKOV_TEXT}",
        "  NOT lavrov: not found (looked in title, text)",
        "exclude terms:",
        "  cricket: not found (looked in title, text)",
    ]


@pytest.mark.parametrize(
    "text",
    ["Turkeyʼs ﬁnal Straße İstanbul", "Йошкар-Ола ёлка", "cafe\u0301s Diyarbakır Łódź", "", "  —  "],
    ids=["apostrophe-ligature-sharp-s-dotted-i", "cyrillic", "combining-mark", "empty", "no-words"],
)
def test_word_spans_map_folded_words_to_the_original(text: str) -> None:
    tokens, spans = word_spans(text)
    assert tokens == words(text)
    assert [words(text[a:b]) for a, b in spans] == [(t,) for t in tokens]


@EQUIVALENCE
@given(st.text())
def test_word_spans_agree_with_words(text: str) -> None:
    assert word_spans(text)[0] == words(text)


@EQUIVALENCE
@given(queries, st.none() | queries, docs)
def test_explain_decides_like_the_rules(query: str, exclude: str | None, document: MatchDoc) -> None:
    r = TopicRule("t", compile_query(query, ALIASES), compile_query(exclude, ALIASES) if exclude else None, ("tass",))
    e = explain(r, document)
    assert e.matched == bool(TopicRules([r]).match(document))
    for term in e.terms:
        for hit in term.hits:
            assert 1 <= len(hit.snippets) <= min(hit.count, MAX_SNIPPETS)
            assert all("[[" in s and "]]" in s for s in hit.snippets)
    assert render_explanation(e).startswith("t: MATCH" if e.matched else "t: NO MATCH (")


# --- the command, on a store filled from the fixture site -------------------------------------

CONFIG = """
[fetch]
allow_private_addresses = true
per_host_delay = "0s"
[aliases]
kremlin = ["Kremlin", "Peskov"]
[[sources]]
name = "site"
url = "{base}/feeds/rss.xml"
[[topics]]
name = "kremlin"
query = "@kremlin"
[[topics]]
name = "caucasus"
query = "Karabakh OR Crimea"
exclude = "Greta"
"""


@pytest.fixture
def config(tmp_path: Path, fixture_server: FixtureServer) -> Path:
    fixture_server.serve_dir("/", SITE)
    path = tmp_path / "c.toml"
    path.write_text(CONFIG.format(base=fixture_server.url))
    assert main(["-c", str(path), "once"]) == 0
    return path


def test_explain_command(config: Path, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"{fixture_server.url}/articles/001.html"
    capsys.readouterr()
    assert main(["-c", str(config), "explain", "kremlin", url]) == 0
    out = capsys.readouterr().out
    assert "Russia Says Open to Talks" in out and "kremlin: MATCH" in out
    assert "Kremlin spokesman Dmitry [[Peskov]] said Moscow" in out
    store = Store.open(config.parent / "var" / "topicwire.sqlite3", utc_now())
    try:
        stored = store.article_by_url(url)
    finally:
        store.close()
    assert stored is not None
    # by id, and by a URL that canonicalizes to the stored one: the same answer
    assert main(["-c", str(config), "explain", "kremlin", stored.uid]) == 0
    assert capsys.readouterr().out == out
    assert main(["-c", str(config), "explain", "kremlin", f"{url}?utm_source=rss#top"]) == 0
    assert capsys.readouterr().out == out
    assert main(["-c", str(config), "explain", "caucasus", url]) == 1
    out = capsys.readouterr().out
    assert "caucasus: NO MATCH (the query does not match)" in out
    assert "  karabakh: not found (looked in title, text)" in out


@pytest.mark.parametrize(
    ("topic", "article", "message"),
    [
        ("nope", "/articles/001.html", "explain: no topic 'nope' (known: kremlin, caucasus)"),
        ("kremlin", "/articles/999.html", "explain: no stored article with id or URL '{base}/articles/999.html'"),
        ("kremlin", "not-an-id", "explain: no stored article with id or URL 'not-an-id'"),
    ],
    ids=["unknown-topic", "unknown-url", "unknown-id"],
)
def test_explain_command_errors(
    config: Path,
    fixture_server: FixtureServer,
    capsys: pytest.CaptureFixture[str],
    topic: str,
    article: str,
    message: str,
) -> None:
    base = fixture_server.url
    argument = base + article if article.startswith("/") else article
    capsys.readouterr()
    assert main(["-c", str(config), "explain", topic, argument]) == 2
    assert capsys.readouterr().err.strip() == f"error: {message.format(base=base)}"


STORY_TEXT = (
    "Kremlin spokesman Dmitry Peskov told reporters on Tuesday that Moscow remained open to talks on the "
    "grain corridor, but that any agreement would have to take the new realities on the ground into account. "
    "He added that no meeting between the presidents had been scheduled so far and that the ministers would "
    "continue their contacts in the coming weeks."
)


def _outlet_feed(base: str, outlet: str, title: str) -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{outlet}</title><link>{base}/</link>'
        f"<item><title>{title}</title><link>{base}/{outlet}/talks.html</link>"
        f"<guid isPermaLink='false'>{outlet}-talks</guid><pubDate>Tue, 20 Jun 2023 15:40:00 GMT</pubDate>"
        f"<description>&lt;p&gt;{STORY_TEXT}&lt;/p&gt;</description></item>"
        "</channel></rss>"
    ).encode()


def test_explain_answers_for_the_story_not_one_copy(
    tmp_path: Path, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 17: the feed holds stories. A copy the rule refuses (here by `sources`) is in the
    feed through another outlet's copy of the same story; explain says so and exits 0."""
    base = fixture_server.url
    for outlet, title in (("wire", "Kremlin open to grain talks"), ("outlet-b", "Moscow says talks possible")):
        fixture_server.route(f"/{outlet}.xml", _outlet_feed(base, outlet, title))
    path = tmp_path / "c.toml"
    path.write_text(
        '[fetch]\nallow_private_addresses = true\nper_host_delay = "0s"\n[defaults]\nfulltext = false\n'
        '[aliases]\nkremlin = ["Kremlin", "Peskov"]\n'
        + "".join(f'[[sources]]\nname = "{o}"\nurl = "{base}/{o}.xml"\nkind = "feed"\n' for o in ("wire", "outlet-b"))
        + '[[topics]]\nname = "kremlin"\nquery = "@kremlin"\nsources = ["wire"]\n'
    )
    assert main(["-c", str(path), "once"]) == 0
    capsys.readouterr()
    assert main(["-c", str(path), "explain", "kremlin", f"{base}/outlet-b/talks.html"]) == 0
    out = capsys.readouterr().out
    assert "kremlin: MATCH through 1 of 2 articles (in the feed now: yes)" in out
    assert f"> outlet-b             NO MATCH  {base}/outlet-b/talks.html" in out
    assert f"  wire                 MATCH     {base}/wire/talks.html" in out
    assert "this article (outlet-b):\nkremlin: NO MATCH (source 'outlet-b' is not one of the topic's sources)" in out
    assert f"the story is in the feed through wire's copy ({base}/wire/talks.html):\nkremlin: MATCH" in out
    # the copy that matches answers for itself, with the story around it
    assert main(["-c", str(path), "explain", "kremlin", f"{base}/wire/talks.html"]) == 0
    out = capsys.readouterr().out
    assert "this article (wire):\nkremlin: MATCH" in out and "through wire's copy" not in out
