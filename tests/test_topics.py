"""The topic query language: parsing, matching, errors, and TopicMatcher == matches."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from topicwire.errors import ConfigError, QueryError
from topicwire.topics import Query, TopicMatcher, compile_query, matches
from topicwire.topics.query import And, Not, Or, Scoped, Term, fold, words
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


@pytest.mark.parametrize(("query", "document", "expected"), [m[:3] for m in MATCHES], ids=[m[3] for m in MATCHES])
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


@pytest.mark.parametrize(("query", "document"), [m[:2] for m in MATCHES], ids=[m[3] for m in MATCHES])
def test_topic_matcher_agrees_with_matches(query: str, document: MatchDoc) -> None:
    # every query of the matching table as a topic, beside the production topics,
    # so the shared per-document term cache is exercised across topics and scopes
    topics = [
        *compiled_topics(),
        ("q", compile_query(query, ALIASES)),
        ("k", compile_query("@kremlin", ALIASES)),
    ]
    expected = tuple(name for name, q in topics if matches(q, document))
    assert TopicMatcher(topics).match(document) == expected


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
