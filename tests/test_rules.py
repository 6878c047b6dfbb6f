"""A topic's whole rule: query, exclude, sources, languages; one pass for all topics."""

from __future__ import annotations

import random
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html

from topicwire.topics.match import TopicMatcher, TriggerIndex, index_doc, matches, triggers
from topicwire.topics.query import Query, compile_query
from topicwire.topics.rules import TopicRule, TopicRules
from topicwire.types import MatchDoc

RULES = TopicRules(
    [
        TopicRule("caucasus", compile_query("Baku OR Yerevan"), exclude=compile_query("football")),
        TopicRule("tass-only", compile_query("Kremlin"), sources=("tass",)),
        TopicRule("english", compile_query("Kremlin"), languages=("en",)),
        TopicRule("plain", compile_query("Kremlin")),
    ]
)


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (MatchDoc("Talks in Baku", "Delegations met.", "x", "en"), ("caucasus",)),
        (MatchDoc("Baku football final", "Fans came.", "x", "en"), ()),
        (MatchDoc("Kremlin said", "", "tass", "en-US"), ("tass-only", "english", "plain")),
        (MatchDoc("Kremlin said", "", "meduza", "ru"), ("plain",)),
        (MatchDoc("Kremlin said", "", "meduza", None), ("plain",)),
        (MatchDoc("Kremlin said", "", "meduza", "eng"), ("plain",)),
    ],
    ids=["included", "excluded", "source-and-language", "other-source-language", "no-language", "not-a-subtag"],
)
def test_rules(doc: MatchDoc, expected: tuple[str, ...]) -> None:
    assert RULES.match(doc) == expected


def test_signature_changes_with_every_part() -> None:
    q = compile_query("Kremlin")
    variants = {
        TopicRule("t", q).signature,
        TopicRule("t", q, exclude=compile_query("x")).signature,
        TopicRule("t", q, sources=("a",)).signature,
        TopicRule("t", q, languages=("en",)).signature,
        TopicRule("t", compile_query("Peskov")).signature,
    }
    assert len(variants) == 5


# --- one pass (issue 6): the trigger index and compiled trees agree with per-topic evaluation ---
#
# TopicMatcher only evaluates topics whose trigger words the document contains,
# through closures; `matches` walks each tree on its own. Both must say the same
# for every query and document, so queries are generated from a small vocabulary
# that documents share, with every construct of the language (scopes, NOT,
# prefixes, phrases, NEAR, aliases, source: and lang: values).

VOCAB = ["kremlin", "peskov", "said", "baku", "turkey", "iran", "iranian", "south", "caucasus", "talks"]
DOC_WORDS = [*VOCAB, "Kremlin", "Erdoğan", "Turkey’s", "IRAN", "Caucasian", "Türkiye", "Turkeyfest", "ﬁnal", "—"]
ALIASES = {"kremlin": ["Kremlin", "Peskov", "Kremlin spokesman"], "south": ["South Cauc*", "Baku"]}
SOURCES = ["tass", "RIA-Novosti", "interfax"]
LANGUAGES = [None, "en", "en-US", "ru_RU", "eng"]

words_ = st.sampled_from(VOCAB)
prefixes = st.builds(lambda w, n: w[:n] + "*", words_, st.integers(1, 6))
phrases = st.builds(
    lambda ws, star: '"' + " ".join(ws) + ("*" if star else "") + '"',
    st.lists(words_, min_size=2, max_size=3),
    st.booleans(),
)
aliases = st.sampled_from(["@kremlin", "@south"])
terms = st.one_of(words_, prefixes, phrases, aliases, st.sampled_from(["Erdogan", "türkiye", "Turkey’s"]))
values = st.one_of(
    st.builds(lambda s: f"source:{s}", st.sampled_from(["tass", "ria*", "ria-novosti", "interfax", "TASS"])),
    st.builds(lambda lang: f"lang:{lang}", st.sampled_from(["en", "en-us", "ru", "e*", "ru-ru"])),
)
nears = st.builds(lambda a, n, b: f"{a} NEAR/{n} {b}", terms, st.integers(1, 4), terms)
atoms = st.one_of(terms, terms, nears, values)


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(lambda a, b: f"({a} AND {b})", inner, inner),
        st.builds(lambda a, b: f"({a} OR {b})", inner, inner),
        st.builds(lambda a, b: f"({a} {b})", inner, inner),
        st.builds(lambda a: f"NOT {a}", inner),
        st.builds(lambda f, a: f"{f}:({a})", st.sampled_from(["title", "text", "author"]), inner),
    )


queries = st.recursive(atoms, _combine, max_leaves=6)
texts = st.lists(st.sampled_from(DOC_WORDS), max_size=14).map(" ".join)
docs = st.builds(MatchDoc, texts, texts, st.sampled_from(SOURCES), st.sampled_from(LANGUAGES), st.none() | texts)
EQUIVALENCE = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_by_one(topics: list[tuple[str, Query]], document: MatchDoc) -> tuple[str, ...]:
    return tuple(name for name, query in topics if matches(query, document))


@EQUIVALENCE
@given(st.lists(queries, min_size=1, max_size=8), st.lists(docs, min_size=1, max_size=4))
def test_matcher_agrees_with_per_topic_evaluation(sources: list[str], documents: list[MatchDoc]) -> None:
    topics = [(f"t{i}", compile_query(q, ALIASES)) for i, q in enumerate(sources)]
    matcher = TopicMatcher(topics)
    for document in documents:  # one matcher, many documents: nothing leaks between them
        assert matcher.match(document) == one_by_one(topics, document)


@EQUIVALENCE
@given(queries, docs)
def test_triggers_are_necessary(source: str, document: MatchDoc) -> None:
    # a true query is always among the candidates; one without triggers is always evaluated
    root = compile_query(source, ALIASES).root
    index = TriggerIndex([root])
    if matches(compile_query(source, ALIASES), document):
        assert index.candidates(index_doc(document)) == [0]
    if triggers(root) is None:
        assert index.always == [0]


@EQUIVALENCE
@given(
    st.lists(
        st.tuples(queries, st.none() | queries, st.sampled_from([(), ("tass",), ("tass", "interfax")])),
        min_size=1,
        max_size=5,
    ),
    docs,
)
def test_rules_agree_with_rule_by_rule(
    specs: list[tuple[str, str | None, tuple[str, ...]]], document: MatchDoc
) -> None:
    rules = [
        TopicRule(f"t{i}", compile_query(q, ALIASES), compile_query(x, ALIASES) if x else None, sources)
        for i, (q, x, sources) in enumerate(specs)
    ]
    expected = tuple(
        r.name
        for r in rules
        if matches(r.query, document) and not (r.exclude and matches(r.exclude, document)) and r.admits(document)
    )
    assert TopicRules(rules).match(document) == expected


TRIGGERS = [
    ("Peskov", {("peskov", False)}, "word"),
    ("Iran*", {("iran", True)}, "prefix"),
    ('"Kremlin spokesman"', {("spokesman", False)}, "phrase-longest-word"),
    ('"South Cauc*"', {("south", False)}, "phrase-prefix-whole-word"),
    ("Peskov OR Iran*", {("peskov", False), ("iran", True)}, "or-unites"),
    ("Iran* AND Peskov AND Baku*", {("peskov", False)}, "and-picks-least-likely"),
    ("Peskov NOT Baku", {("peskov", False)}, "and-not"),
    ("title:Peskov", {("peskov", False)}, "scoped"),
    ("author:Peskov", {("peskov", False)}, "author-scope"),
    ("Peskov NEAR/3 said*", {("peskov", False)}, "near-either-side"),
    ("@kremlin NEAR/3 said", {("said", False)}, "near-alias-side-costs-more"),
    ("source:tass AND Peskov", {("peskov", False)}, "and-with-source"),
    ("NOT Peskov", None, "only-not"),
    ("source:tass", None, "source-only"),
    ("lang:en OR Peskov", None, "or-with-lang"),
    ("source:(tass NEAR/1 tass)", {("tass", False)}, "near-in-source-still-needs-words"),
]


@pytest.mark.parametrize(("query", "expected"), [t[:2] for t in TRIGGERS], ids=[t[2] for t in TRIGGERS])
def test_triggers(query: str, expected: set[tuple[str, bool]] | None) -> None:
    found = triggers(compile_query(query, ALIASES).root)
    assert found == (None if expected is None else frozenset(expected))


# --- the fixture site's pages (text copied verbatim from the seed pages) ----------------------

SITE = Path(__file__).resolve().parent / "fixtures" / "site"


def site_docs() -> list[MatchDoc]:
    pages = sorted(SITE.rglob("*.html"))
    assert len(pages) == 17  # 15 site pages + 2 outlet copies of seed 003 (tests/test_stories.py)
    found = []
    for i, page in enumerate(pages):
        tree = html.fromstring(page.read_bytes())
        title = tree.findtext(".//title") or ""
        language = ("en", "en-GB", None)[i % 3]
        found.append(MatchDoc(title, tree.text_content(), SOURCES[i % 3], language, "Ilham Aliyev" if i % 2 else None))
    return found


def site_topics(documents: list[MatchDoc]) -> list[TopicRule]:
    """The shipped config's topics, and topics built like bench/topics.py's from the pages' words,
    with every construct, so that about as many match as not."""
    config = tomllib.loads((Path(__file__).parent.parent / "config.toml").read_text("utf-8"))
    shipped = config.get("aliases", {})
    rules = [
        TopicRule(t["name"], compile_query(t["query"], shipped), sources=tuple(t.get("sources", ())))
        for t in config["topics"]
    ]
    vocab = sorted({w for d in documents for w in re.findall(r"[A-Za-z]{5,}", d.text.lower())})
    rng = random.Random(6)
    shapes = [
        '({a} OR {b4}* OR "{c} {d}") AND NOT {e}',
        "title:{a} OR text:({b} NEAR/8 {c})",
        '"{a} {b4}*" OR ({c} AND {d} AND NOT source:tass)',
        "NOT ({a} OR {b})",
        "lang:en AND {a}",
        "{a} NEAR/20 {b4}* OR author:ilham",
    ]
    for n in range(120):
        a, b, c, d, e = rng.sample(vocab, 5)
        query = shapes[n % len(shapes)].format(a=a, b=b, b4=b[:4], c=c, d=d, e=e)
        exclude = compile_query(rng.choice(vocab)) if n % 4 == 0 else None
        rules.append(TopicRule(f"g{n}", compile_query(query), exclude, languages=("en",) if n % 5 == 0 else ()))
    return rules


def test_site_pages_agree_with_per_topic_evaluation() -> None:
    documents = site_docs()
    rules = site_topics(documents)
    combined = TopicRules(rules)
    decided = 0
    for document in documents:
        expected = tuple(
            r.name
            for r in rules
            if matches(r.query, document) and not (r.exclude and matches(r.exclude, document)) and r.admits(document)
        )
        assert combined.match(document) == expected
        decided += len(expected)
    # the comparison means something only if topics both match and miss
    assert 0.1 < decided / (len(rules) * len(documents)) < 0.9
