"""The topic query language: parsing, matching, errors, and TopicMatcher == matches."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from topicwire.errors import ConfigError, QueryError
from topicwire.topics import Query, TopicMatcher, compile_query, matches
from topicwire.topics import match as match_module
from topicwire.topics.query import Alias, And, Near, Not, Or, Scoped, Term, fold, words
from topicwire.types import MatchDoc

ALIASES = {
    "kremlin": ["Kremlin", "Peskov", "Kremlin spokesman", "Kremlin spokesperson", "Putin"],
    "caucasus": ["South Cauc*", "Karabakh"],
}

# the production config's topics, verbatim
TOPICS = {
    "kremlin-statements": "@kremlin AND (said OR says OR stated OR stressed OR told OR noted"
    " OR added OR expressed OR emphasized OR announced)",
    "caucasus": "Azerbaij* OR Armenia* OR Karabakh OR Artsakh OR Baku OR Yerevan OR Tbilisi"
    ' OR Caucasus OR "South Caucasus" OR Georgia*',
    "turkey": "Turkey OR Turkish OR Türkiye OR Erdogan OR Ankara",
}


def doc(
    title: str = "",
    text: str = "",
    source: str = "tass",
    language: str | None = "en",
    author: str | None = None,
) -> MatchDoc:
    return MatchDoc(title=title, text=text, source=source, language=language, author=author)


# --- parsing: precedence, implicit AND, scopes, aliases (canonical form) ---------------------

PARSES = [
    ("a OR b AND c", "(a OR (b AND c))", "and-binds-tighter-than-or"),
    ("a AND b OR c", "((a AND b) OR c)", "and-before-or-left"),
    ("NOT a AND b", "(NOT a AND b)", "not-binds-tighter-than-and"),
    ("NOT a OR b", "(NOT a OR b)", "not-binds-tighter-than-or"),
    ("NOT (a OR b)", "NOT (a OR b)", "not-of-group"),
    ("NOT NOT a", "NOT NOT a", "double-not"),
    ("Kremlin said", "(kremlin AND said)", "implicit-and"),
    ("a b OR c", "((a AND b) OR c)", "implicit-and-binds-like-and"),
    ("a NOT b", "(a AND NOT b)", "implicit-and-with-not"),
    ("a and b or not c", "((a AND b) OR NOT c)", "keywords-any-case"),
    ("Android Order Notes", "(android AND order AND notes)", "keyword-prefixed-words"),
    ("a AND (b AND c) AND d", "(a AND b AND c AND d)", "nested-and-flattened"),
    ("((a))", "a", "redundant-parens"),
    ('"Kremlin spokesman"', '"kremlin spokesman"', "phrase"),
    ('"South Cauc*"', '"south cauc*"', "phrase-prefix"),
    ("Azerbaij*", "azerbaij*", "prefix"),
    ('"and"', '"and"', "quoted-keyword-is-a-word"),
    ("ria-novosti", '"ria-novosti"', "punctuated-word-is-a-phrase"),
    ("title:(Putin OR Peskov)", "title:(putin OR peskov)", "scoped-group"),
    ("TITLE:Putin", "title:putin", "field-any-case"),
    ('text: "South Caucasus"', 'text:"south caucasus"', "space-after-colon"),
    ("title:(NOT x)", "title:(NOT x)", "scoped-not"),
    ("NOT title:x", "NOT title:x", "not-of-scoped"),
    ("title:a b", "(title:a AND b)", "scope-covers-one-term"),
    ("@caucasus", '("south cauc*" OR karabakh)', "alias-expands-to-or"),
    ("title:@caucasus", 'title:("south cauc*" OR karabakh)', "scoped-alias"),
    ("@Caucasus OR x", '("south cauc*" OR karabakh OR x)', "alias-any-case-flattened"),
    # NEAR/n: tighter than NOT, AND and OR; operands are terms; an alias stays an alias
    ("a NEAR/10 b", "(a NEAR/10 b)", "near"),
    ("a near/3 b", "(a NEAR/3 b)", "near-any-case"),
    ("a NEAR/007 b", "(a NEAR/7 b)", "near-leading-zeros"),
    ("@kremlin NEAR/10 @caucasus AND Baku", "((@kremlin NEAR/10 @caucasus) AND baku)", "near-before-and"),
    ("a OR b NEAR/2 c", "(a OR (b NEAR/2 c))", "near-before-or"),
    ("NOT a NEAR/2 b", "NOT (a NEAR/2 b)", "near-before-not"),
    ("x a NEAR/2 b y", "(x AND (a NEAR/2 b) AND y)", "near-inside-implicit-and"),
    ('"Kremlin spokes*" NEAR/5 Pesk*', '("kremlin spokes*" NEAR/5 pesk*)', "near-phrase-and-prefix"),
    ("title:(a NEAR/5 b)", "title:(a NEAR/5 b)", "scoped-near"),
    ("(a NEAR/1 b) NOT c", "((a NEAR/1 b) AND NOT c)", "parenthesised-near"),
    ("Nearby Near-East", '(nearby AND "near-east")', "near-prefixed-words"),
    ('"near"', '"near"', "quoted-near-is-a-word"),
]


@pytest.mark.parametrize(("query", "canonical"), [p[:2] for p in PARSES], ids=[p[2] for p in PARSES])
def test_parse(query: str, canonical: str) -> None:
    compiled = compile_query(query, ALIASES)
    assert str(compiled) == canonical
    assert compiled.source == query
    # the canonical form is itself a query with the same tree
    assert compile_query(canonical, ALIASES).root == compiled.root


def test_tree_shape() -> None:
    root = compile_query('title:(Putin OR "Kremlin spokes*") NOT Peskov').root
    assert root == And(
        (
            Scoped(
                "title",
                Or(
                    (
                        Term(("putin",), False, "putin"),
                        Term(("kremlin", "spokes"), True, "kremlin spokes"),
                    )
                ),
            ),
            Not(Term(("peskov",), False, "peskov")),
        )
    )


def test_near_tree_shape() -> None:
    root = compile_query('@caucasus NEAR/4 "Kremlin spokes*"', ALIASES).root
    assert root == Near(
        Alias("caucasus", (Term(("south", "cauc"), True, "south cauc"), Term(("karabakh",), False, "karabakh"))),
        Term(("kremlin", "spokes"), True, "kremlin spokes"),
        4,
    )


def test_query_is_frozen_and_hashable() -> None:
    query = compile_query("a OR b")
    assert isinstance(query, Query)
    assert hash(query) == hash(compile_query("a OR b"))
    with pytest.raises(AttributeError):
        query.source = "c"  # type: ignore[misc]


# --- folding and words ------------------------------------------------------------------------

WORDS = [
    ("Erdoğan", ("erdogan",), "turkish-g-breve"),
    ("Çavuşoğlu", ("cavusoglu",), "cedilla"),
    ("İstanbul", ("istanbul",), "dotted-capital-i"),
    ("Diyarbakır", ("diyarbakir",), "dotless-i"),
    ("Łódź", ("lodz",), "polish"),
    ("Straße", ("strasse",), "casefold-sharp-s"),
    ("Turkey’s", ("turkey", "s"), "curly-apostrophe"),
    ("Turkey's", ("turkey", "s"), "straight-apostrophe"),
    ("Turkeyʼs", ("turkey", "s"), "modifier-apostrophe"),
    ("Kremlin spokesman, Dmitry", ("kremlin", "spokesman", "dmitry"), "punctuation"),
    ("Йошкар-Ола ёлка", ("иошкар", "ола", "елка"), "cyrillic"),
    ("ﬁnal", ("final",), "ligature"),
    ("", (), "empty"),
]


@pytest.mark.parametrize(("text", "expected"), [w[:2] for w in WORDS], ids=[w[2] for w in WORDS])
def test_words(text: str, expected: tuple[str, ...]) -> None:
    assert words(text) == expected


def test_fold_keeps_ascii_punctuation() -> None:
    assert fold("RIA-Novosti") == "ria-novosti"


# --- matching ---------------------------------------------------------------------------------

PESKOV = doc(
    title="Kremlin spokesman, Dmitry Peskov, said talks went well",
    text="Erdoğan visited Türkiye’s capital. Çavuşoğlu told reporters about Turkeyfest.",
    source="tass",
    language="en-US",
    author="İlham Aliyev",
)
CAUCASUS = doc(
    title="Azerbaijani and Armenian ministers meet",
    text="Talks on the South Caucasian corridor; Iranian observers attended.",
    source="RIA-Novosti",
    language="ru_RU",
)

MATCHES = [
    # words and word boundaries
    ("Peskov", PESKOV, True, "word-in-title"),
    ("reporters", PESKOV, True, "word-in-text"),
    ("peskov", PESKOV, True, "case-folded"),
    ("Turkey", doc(text="Turkeyfest opens"), False, "no-match-inside-word"),
    ("Turkey", doc(text="in Turkey’s capital"), True, "curly-apostrophe-s"),
    ("Turkey", doc(text="in Turkey's capital"), True, "straight-apostrophe-s"),
    ("Turkey’s", doc(text="in Turkey's capital"), True, "apostrophe-in-query"),
    ("Iran", CAUCASUS, False, "iran-not-iranian"),
    ("Iran*", CAUCASUS, True, "prefix-iranian"),
    ("Iran*", doc(text="Iran said"), True, "prefix-matches-exact-word"),
    ("Azerbaij*", CAUCASUS, True, "prefix-azerbaijani"),
    ("Azerbaijan", CAUCASUS, False, "azerbaijan-not-azerbaijani"),
    ("zerbaij*", CAUCASUS, False, "prefix-anchored-at-word-start"),
    # diacritics, both ways
    ("Erdogan", PESKOV, True, "diacritics-in-doc"),
    ("Erdoğan", doc(text="Erdogan spoke"), True, "diacritics-in-query"),
    ("Cavusoglu", PESKOV, True, "cedilla-and-breve"),
    ("Türkiye", PESKOV, True, "umlaut-both-sides"),
    ("Turkiye", PESKOV, True, "umlaut-in-doc"),
    # phrases
    ('"Kremlin spokesman"', PESKOV, True, "phrase"),
    ('"spokesman Dmitry Peskov"', PESKOV, True, "phrase-across-comma"),
    ('"Peskov said"', PESKOV, True, "phrase-across-trailing-comma"),
    ('"Dmitry spokesman"', PESKOV, False, "phrase-order-matters"),
    ('"Kremlin Peskov"', PESKOV, False, "phrase-words-must-be-adjacent"),
    ('"Dmitry Pesk*"', PESKOV, True, "phrase-last-word-prefix"),
    ('"South Cauc*"', CAUCASUS, True, "phrase-prefix-caucasian"),
    ('" South  Cauc* "', CAUCASUS, True, "phrase-prefix-spaces-inside-quotes"),
    ('"South Caucasus"', CAUCASUS, False, "phrase-no-prefix"),
    ('"talks went"', PESKOV, True, "phrase-in-title"),
    ('"well Erdogan"', PESKOV, False, "phrase-not-across-fields"),
    ("ria-novosti", doc(text="RIA Novosti reported"), True, "punctuated-word-as-phrase"),
    # boolean logic
    ("Peskov AND Erdogan", PESKOV, True, "and-across-title-and-text"),
    ("Peskov Lavrov", PESKOV, False, "implicit-and-false"),
    ("Lavrov OR Peskov", PESKOV, True, "or"),
    ("NOT Lavrov", PESKOV, True, "only-not"),
    ("NOT Peskov", PESKOV, False, "only-not-false"),
    ("Lavrov OR Peskov AND Erdogan", PESKOV, True, "precedence-or-of-and"),
    ("Lavrov AND Peskov OR Nobody", PESKOV, False, "precedence-and-first"),
    ("(Lavrov OR Peskov) AND Erdogan", PESKOV, True, "parens"),
    ("NOT Lavrov AND Peskov", PESKOV, True, "not-then-and"),
    ("NOT (Lavrov OR Peskov)", PESKOV, False, "not-of-group"),
    # scopes
    ("title:Peskov", PESKOV, True, "title-scope"),
    ("title:Erdogan", PESKOV, False, "title-scope-excludes-text"),
    ("text:Erdogan", PESKOV, True, "text-scope"),
    ("text:Peskov", PESKOV, False, "text-scope-excludes-title"),
    ("title:(Putin OR Peskov)", PESKOV, True, "scoped-group"),
    ("title:(Putin OR Erdogan)", PESKOV, False, "scoped-group-false"),
    ("title:(text:Erdogan)", PESKOV, True, "inner-scope-wins"),
    ("title:(NOT Erdogan)", PESKOV, True, "scoped-not"),
    ('title:"Kremlin spokesman"', PESKOV, True, "scoped-phrase"),
    ("Aliyev", PESKOV, False, "author-not-searched-by-default"),
    ("author:Aliyev", PESKOV, True, "author-scope"),
    ("author:Ilham", PESKOV, True, "author-diacritics"),
    ("author:Ali*", PESKOV, True, "author-prefix"),
    ("author:Ali", PESKOV, False, "author-word-boundary"),
    ("author:x", doc(author=None), False, "author-missing"),
    ("source:tass", PESKOV, True, "source"),
    ("source:TASS", PESKOV, True, "source-case-folded"),
    ("source:ria", CAUCASUS, False, "source-whole-name"),
    ("source:ria*", CAUCASUS, True, "source-prefix"),
    ("source:ria-novosti", CAUCASUS, True, "source-punctuated"),
    ("source:(tass OR interfax)", PESKOV, True, "source-group"),
    ("tass", PESKOV, False, "source-not-searched-by-default"),
    ("lang:en", PESKOV, True, "lang-en-matches-en-us"),
    ("lang:en-us", PESKOV, True, "lang-exact"),
    ("lang:en", doc(language="eng"), False, "lang-subtag-boundary"),
    ("lang:e*", doc(language="eng"), True, "lang-explicit-prefix"),
    ("lang:ru", CAUCASUS, True, "lang-underscore-region"),
    ("lang:ru-ru", CAUCASUS, True, "lang-underscore-read-as-hyphen"),
    ("lang:en", doc(language=None), False, "lang-missing"),
    ("NOT lang:en", doc(language=None), True, "not-lang-missing"),
    # aliases
    ("@kremlin", PESKOV, True, "alias"),
    ("@kremlin", doc(text="The Kremlin’s line"), True, "alias-word-apostrophe"),
    ("@kremlin", doc(text="Kremlinology"), False, "alias-word-boundary"),
    ("@kremlin AND reporters", PESKOV, True, "alias-and"),
    ("title:@kremlin", doc(text="Putin spoke"), False, "scoped-alias"),
    ("@caucasus", CAUCASUS, True, "alias-phrase-prefix"),
    ("@caucasus", doc(text="the southern Caucasus"), False, "alias-phrase-prefix-false"),
]


# title: peskov0 talks1 in2 baku3 went4 well5
# text:  kremlin0 spokesman1 dmitry2 peskov3 on4 monday5 said6 that7 the8 south9 caucasus10
#        talks11 were12 useful13 putin14 told15 reporters16
NEAR_DOC = doc(
    title="Peskov: talks in Baku went well",
    text="Kremlin spokesman Dmitry Peskov on Monday said that the South Caucasus talks were useful,"
    " Putin told reporters",
    author="İlham Heydar oglu Aliyev",
)

NEAR_MATCHES = [
    # single words: |pos(a) - pos(b)| <= n, either order
    ("Peskov NEAR/3 said", NEAR_DOC, True, "near-at-distance"),
    ("Peskov NEAR/2 said", NEAR_DOC, False, "near-beyond-distance"),
    ("said NEAR/3 Peskov", NEAR_DOC, True, "near-reversed-at-distance"),
    ("said NEAR/2 Peskov", NEAR_DOC, False, "near-reversed-beyond-distance"),
    ("Peskov NEAR/1 reporters", NEAR_DOC, False, "near-far-apart"),
    ("Kremlin NEAR/100 reporters", NEAR_DOC, True, "near-large-distance"),
    ("Peskov NEAR/3 Lavrov", NEAR_DOC, False, "near-missing-term"),
    ("Peskov near/3 said", NEAR_DOC, True, "near-lowercase"),
    # phrases: distance between the nearest ends
    ('"Kremlin spokesman" NEAR/5 said', NEAR_DOC, True, "near-phrase-end-to-word"),
    ('"Kremlin spokesman" NEAR/4 said', NEAR_DOC, False, "near-phrase-beyond"),
    ('said NEAR/5 "Kremlin spokesman"', NEAR_DOC, True, "near-word-to-phrase-end"),
    ('"Dmitry Peskov" NEAR/6 "South Caucasus"', NEAR_DOC, True, "near-phrase-to-phrase"),
    ('"South Caucasus" NEAR/5 "Dmitry Peskov"', NEAR_DOC, False, "near-phrase-to-phrase-beyond"),
    ('"Dmitry Peskov" NEAR/1 Peskov', NEAR_DOC, True, "near-overlapping"),
    ('"Peskov Dmitry" NEAR/10 said', NEAR_DOC, False, "near-phrase-not-found"),
    # prefixes: every word with the prefix, in any field position
    ("Pesk* NEAR/3 said", NEAR_DOC, True, "near-prefix"),
    ("Pesk* NEAR/2 said", NEAR_DOC, False, "near-prefix-beyond"),
    ("t* NEAR/1 reporters", NEAR_DOC, True, "near-prefix-many-words"),
    ("tal* NEAR/1 Baku", NEAR_DOC, False, "near-prefix-title-beyond"),
    ("tal* NEAR/2 Baku", NEAR_DOC, True, "near-prefix-title"),
    ('"South Cauc*" NEAR/1 talks', NEAR_DOC, True, "near-phrase-prefix"),
    ('that NEAR/1 "South Cauc*"', NEAR_DOC, False, "near-phrase-prefix-beyond"),
    # aliases: any of their terms
    ("@kremlin NEAR/1 told", NEAR_DOC, True, "near-alias"),
    ("@kremlin NEAR/2 said", NEAR_DOC, False, "near-alias-beyond"),
    ("@kremlin NEAR/3 said", NEAR_DOC, True, "near-alias-nearest-term"),
    ("reporters NEAR/2 @kremlin", NEAR_DOC, True, "near-alias-on-the-right"),
    ("@kremlin NEAR/4 @caucasus", NEAR_DOC, True, "near-alias-both-sides"),
    ("@kremlin NEAR/3 @caucasus", NEAR_DOC, False, "near-alias-both-sides-beyond"),
    ("@caucasus NEAR/1 talks", NEAR_DOC, True, "near-alias-phrase-prefix"),
    # precedence, boolean context
    ("@kremlin NEAR/1 told AND Baku", NEAR_DOC, True, "near-and"),
    ("@kremlin NEAR/1 said AND Baku", NEAR_DOC, False, "near-and-false"),
    ("Lavrov OR Peskov NEAR/2 said", NEAR_DOC, False, "near-or-false"),
    ("NOT Peskov NEAR/2 said", NEAR_DOC, True, "not-near"),
    # fields: both ends in one field, never across; a scope picks the field
    ("Baku NEAR/20 said", NEAR_DOC, False, "near-never-across-fields"),
    ("well NEAR/1 Kremlin", NEAR_DOC, False, "near-not-across-title-end"),
    ("Peskov NEAR/3 Baku", NEAR_DOC, True, "near-in-title"),
    ("title:(Peskov NEAR/3 Baku)", NEAR_DOC, True, "near-title-scope"),
    ("text:(Peskov NEAR/3 Baku)", NEAR_DOC, False, "near-text-scope-excludes-title"),
    ("title:(Peskov NEAR/3 said)", NEAR_DOC, False, "near-title-scope-excludes-text"),
    ("text:(Peskov NEAR/3 said)", NEAR_DOC, True, "near-text-scope"),
    ("Ilham NEAR/3 Aliyev", NEAR_DOC, False, "near-author-not-searched-by-default"),
    ("author:(Ilham NEAR/3 Aliyev)", NEAR_DOC, True, "near-author-scope"),
    ("author:(Ilham NEAR/2 Aliyev)", NEAR_DOC, False, "near-author-scope-beyond"),
    ("source:(tass NEAR/1 tass)", NEAR_DOC, False, "near-never-in-source"),
    ("lang:(en NEAR/1 en)", NEAR_DOC, False, "near-never-in-lang"),
    ("title:(x OR Peskov NEAR/1 talks)", NEAR_DOC, True, "near-inside-scoped-group"),
    ("Peskov NEAR/1 talks", doc(), False, "near-empty-doc"),
]
ALL_MATCHES = MATCHES + NEAR_MATCHES


@pytest.mark.parametrize(
    ("query", "document", "expected"), [m[:3] for m in ALL_MATCHES], ids=[m[3] for m in ALL_MATCHES]
)
def test_matches(query: str, document: MatchDoc, expected: bool) -> None:
    assert matches(compile_query(query, ALIASES), document) is expected


# --- the production topics --------------------------------------------------------------------

TOPIC_DOCS = [
    (PESKOV, ("kremlin-statements", "turkey"), "peskov"),
    (CAUCASUS, ("caucasus",), "caucasus"),
    (doc(title="Kremlin spokesperson Peskov declined to comment"), (), "kremlin-without-verb"),
    (
        doc(text="Putin stressed the point", title="Baku talks"),
        ("kremlin-statements", "caucasus"),
        "putin-baku",
    ),
    (doc(text="Peskov told reporters"), ("kremlin-statements",), "kremlin-told"),
    (doc(text="Tbilisi, Georgia’s capital"), ("caucasus",), "georgia-apostrophe"),
    (doc(text="Georgian wine in the Caucasus"), ("caucasus",), "georgian-prefix"),
    (doc(text="A Turkish Airlines flight to Ankara"), ("turkey",), "turkish"),
    (doc(text="Erdoğan met Aliyev in Baku"), ("caucasus", "turkey"), "erdogan-baku"),
    (doc(text="Turkeyfest and Armenians"), ("caucasus",), "turkeyfest-armenians"),
    (doc(text="Thanksgiving turkey recipes"), ("turkey",), "lowercase-turkey-matches"),
    (doc(text="Nothing to see here"), (), "nothing"),
    (doc(), (), "empty-doc"),
]


def compiled_topics() -> list[tuple[str, Query]]:
    return [(name, compile_query(q, ALIASES)) for name, q in TOPICS.items()]


@pytest.mark.parametrize(("document", "expected"), [t[:2] for t in TOPIC_DOCS], ids=[t[2] for t in TOPIC_DOCS])
def test_topic_matcher(document: MatchDoc, expected: tuple[str, ...]) -> None:
    topics = compiled_topics()
    assert TopicMatcher(topics).match(document) == expected
    assert expected == tuple(name for name, q in topics if matches(q, document))


@pytest.mark.parametrize(("query", "document"), [m[:2] for m in ALL_MATCHES], ids=[m[3] for m in ALL_MATCHES])
def test_topic_matcher_agrees_with_matches(query: str, document: MatchDoc) -> None:
    # every query of the matching table as a topic, beside the production topics,
    # so the shared per-document term cache is exercised across topics and scopes
    topics = [
        *compiled_topics(),
        ("q", compile_query(query, ALIASES)),
        ("k", compile_query("@kremlin", ALIASES)),
        ("kn", compile_query("@kremlin NEAR/3 said", ALIASES)),
        ("tn", compile_query("title:(@kremlin NEAR/3 said)", ALIASES)),
    ]
    expected = tuple(name for name, q in topics if matches(q, document))
    assert TopicMatcher(topics).match(document) == expected


def test_topic_matcher_tokenises_each_field_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting_words(text: str) -> tuple[str, ...]:
        calls.append(text)
        return words(text)

    monkeypatch.setattr(match_module, "words", counting_words)
    table = [(name, compile_query(q, ALIASES), expected) for q, d, expected, name in NEAR_MATCHES if d is NEAR_DOC]
    matched = TopicMatcher([(name, query) for name, query, _ in table]).match(NEAR_DOC)
    assert len(calls) == 3  # title, text, author: once for all topics, NEAR included
    assert matched == tuple(name for name, _, expected in table if expected)


def test_shipped_config_topics_compile_and_agree() -> None:
    config = tomllib.loads((Path(__file__).parent.parent / "config.toml").read_text("utf-8"))
    aliases = config.get("aliases", {})
    topics = [(t["name"], compile_query(t["query"], aliases)) for t in config.get("topics", [])]
    assert topics, "config.toml has no [[topics]]"
    matcher = TopicMatcher(topics)
    for document, _, _ in TOPIC_DOCS:
        assert matcher.match(document) == tuple(n for n, q in topics if matches(q, document))
    assert matcher.match(PESKOV) == ("kremlin-statements", "turkey")


def test_topic_matcher_keeps_given_order() -> None:
    topics = [(n, compile_query("Peskov")) for n in ("zeta", "alpha", "mid")]
    assert TopicMatcher(topics).match(PESKOV) == ("zeta", "alpha", "mid")
    assert TopicMatcher([]).match(PESKOV) == ()


# --- errors -----------------------------------------------------------------------------------

WILDCARD_INSIDE = 'wildcard "*" is only allowed at the end of a word'
WILDCARD_ALONE = 'wildcard "*" must follow a letter or digit'
FIELDS = "title:, text:, source:, lang:, author:"
NEAR_NO_DISTANCE = "NEAR needs a distance in words, like NEAR/10"
NEAR_NOT_POSITIVE = "NEAR distance must be a positive whole number, not"
NEAR_GROUP = "needs a word, phrase or @alias on each side, not a group: combine NEARs instead, as in"
NEAR_SCOPE = "needs a word, phrase or @alias on each side, not a scope: scope the whole of it, as in"
ERRORS = [
    ("Kremlin AND (said", 17, 'missing ")" (to close "(" at 12)', "unclosed-paren-at-end"),
    ("Kremlin )", 8, 'unexpected ")"', "stray-close-paren"),
    ("@nope", 0, "unknown alias @nope (known: @caucasus, @kremlin)", "unknown-alias"),
    ("Putin OR @kremlim", 9, "unknown alias @kremlim (known: @caucasus, @kremlin)", "alias-typo"),
    ("", 0, "empty query", "empty"),
    ("   ", 0, "empty query", "blank"),
    ('Kremlin "spokes', 8, "unclosed quote", "unclosed-quote"),
    ('""', 0, "empty phrase", "empty-phrase"),
    ("Kremlin AND", 11, 'nothing after "AND"', "trailing-and"),
    ("a OR", 4, 'nothing after "OR"', "trailing-or"),
    ("NOT", 3, 'nothing after "NOT"', "only-not-keyword"),
    ("title:", 6, 'nothing after "title:"', "field-without-term"),
    ("a (", 3, 'nothing after "("', "trailing-open-paren"),
    ("AND Kremlin", 0, 'unexpected "AND"', "leading-and"),
    ("a OR OR b", 5, 'unexpected "OR"', "double-or"),
    ("()", 1, 'unexpected ")"', "empty-parens"),
    ("x AND ()", 7, 'unexpected ")"', "empty-parens-later"),
    ("Kre*lin", 3, WILDCARD_INSIDE, "inner-wildcard"),
    ('"So* Caucasus"', 3, WILDCARD_INSIDE, "phrase-inner-wildcard"),
    ('"South *"', 7, WILDCARD_ALONE, "phrase-lone-wildcard"),
    ("*", 0, WILDCARD_ALONE, "lone-wildcard"),
    ("--", 0, '"--" has no letters or digits to match', "no-letters"),
    ("foo:bar", 0, f'unknown field "foo:" (known: {FIELDS})', "unknown-field"),
    ("a title:title:b", 8, 'unexpected "title:"', "double-field"),
    ("a @", 2, 'alias name missing after "@"', "bare-at"),
    ("a : b", 2, 'unexpected ":"', "lone-colon"),
    ("title:NOT x", 6, 'unexpected "NOT"', "scope-needs-group-for-not"),
    # NEAR/n
    ("a NEAR b", 2, NEAR_NO_DISTANCE, "near-without-distance"),
    ("a near b", 2, NEAR_NO_DISTANCE, "near-lowercase-without-distance"),
    ("a NEAR/ b", 2, NEAR_NO_DISTANCE, "near-slash-without-distance"),
    ("a NEAR/0 b", 7, f'{NEAR_NOT_POSITIVE} "0"', "near-zero"),
    ("a NEAR/x b", 7, f'{NEAR_NOT_POSITIVE} "x"', "near-not-a-number"),
    ("a NEAR/-1 b", 7, f'{NEAR_NOT_POSITIVE} "-1"', "near-negative"),
    ("a NEAR/1.5 b", 7, f'{NEAR_NOT_POSITIVE} "1.5"', "near-fraction"),
    ("a NEAR/5", 8, 'nothing after "NEAR/5"', "near-without-right"),
    ("NEAR/5 a", 0, 'unexpected "NEAR/5"', "near-without-left"),
    ("a NEAR/5 NOT b", 9, 'unexpected "NOT"', "near-not-operand"),
    ("(a OR b) NEAR/5 c", 0, f"NEAR/5 {NEAR_GROUP} (a NEAR/5 c) OR (b NEAR/5 c)", "near-group-left"),
    ("x AND a NEAR/5 (b c)", 15, f"NEAR/5 {NEAR_GROUP} (a NEAR/5 c) OR (b NEAR/5 c)", "near-group-right"),
    ("a near/2 ((b))", 9, f"near/2 {NEAR_GROUP} (a near/2 c) OR (b near/2 c)", "near-parenthesised-term"),
    ("title:a NEAR/5 b", 0, f"NEAR/5 {NEAR_SCOPE} title:(a NEAR/5 b)", "near-scoped-left"),
    ("a NEAR/5 text:b", 9, f"NEAR/5 {NEAR_SCOPE} text:(a NEAR/5 b)", "near-scoped-right"),
    ("a NEAR/2 b NEAR/3 c", 11, "NEAR/3 cannot follow another NEAR: join NEAR expressions with AND/OR", "near-chain"),
    ("a NEAR/5 @nope", 9, "unknown alias @nope (known: @caucasus, @kremlin)", "near-unknown-alias"),
]


@pytest.mark.parametrize(("query", "position", "message"), [e[:3] for e in ERRORS], ids=[e[3] for e in ERRORS])
def test_errors(query: str, position: int, message: str) -> None:
    with pytest.raises(QueryError) as info:
        compile_query(query, ALIASES)
    assert (info.value.position, info.value.message) == (position, message)
    assert info.value.query == query
    assert isinstance(info.value, ConfigError)


def test_error_text_points_at_the_problem() -> None:
    with pytest.raises(QueryError) as info:
        compile_query("Kremlin )")
    assert str(info.value) == 'unexpected ")" at position 8\n    Kremlin )\n            ^'


def test_near_error_caret_points_at_the_distance() -> None:
    with pytest.raises(QueryError) as info:
        compile_query("Peskov NEAR/0 said")
    assert str(info.value).endswith("\n    Peskov NEAR/0 said\n                ^")


ALIAS_ERRORS = [
    ({}, "unknown alias @x (no aliases are defined)", "no-aliases"),
    ({"x": []}, "alias @x has no terms", "empty-alias"),
    ({"x": ["ok", "K*n"]}, f"alias @x: {WILDCARD_INSIDE}", "bad-term"),
    ({"x": ["ok", "  "]}, 'alias @x: "" has no letters or digits to match', "blank-term"),
]


@pytest.mark.parametrize(("aliases", "message"), [a[:2] for a in ALIAS_ERRORS], ids=[a[2] for a in ALIAS_ERRORS])
def test_alias_errors(aliases: dict[str, list[str]], message: str) -> None:
    with pytest.raises(QueryError) as info:
        compile_query("a OR @x", aliases)
    assert (info.value.position, info.value.message) == (5, message)


def test_alias_given_as_one_string_is_one_term() -> None:
    query = compile_query("@k", {"k": "Kremlin spokesman"})
    assert str(query) == '"kremlin spokesman"'


def test_alias_terms_may_be_quoted_and_names_may_carry_at() -> None:
    query = compile_query("@k", {"@k": ['"Kremlin spokesman"', " Pesk* "]})
    assert str(query) == '("kremlin spokesman" OR pesk*)'
