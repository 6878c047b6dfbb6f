"""Evaluate compiled queries against a document.

A document is indexed once (``index_doc``): each word field is folded and split
into words exactly as query terms are (query.fold / query.words), so a term
matches whole words only: ``Turkey`` is not found in "Turkeyfest", ``Iran``
not in "Iranian" (``Iran*`` is). ``NEAR/n`` reads word positions from the same
index, so proximity costs no second tokenisation.

``TopicMatcher`` decides many topics in one pass (issue 6): at construction each
query yields its *triggers*, words of which a document must contain at least one
for the query to be true (``triggers``), inverted into word -> topics. Per
document, the document's own vocabulary is looked up in that inverted index, so
the cost depends on the document, not on the number of topics; only topics that
were triggered, and those no word can rule out (``NOT x``, ``source:tass``),
have their trees evaluated. Each distinct term is evaluated at most once per
document, since aliases repeat the same terms across topics.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import assert_never

from topicwire.topics.query import (
    DEFAULT_FIELDS,
    Alias,
    And,
    Field,
    Near,
    Node,
    Not,
    Or,
    Query,
    Scoped,
    Term,
    fold,
    words,
)
from topicwire.types import MatchDoc


@dataclass(frozen=True)
class WordIndex:
    """The words of one field, with where each word starts and a sorted vocabulary."""

    tokens: tuple[str, ...]
    starts: Mapping[str, tuple[int, ...]]
    vocab: tuple[str, ...]  # sorted, for prefix look-ups by bisection


@dataclass(frozen=True)
class DocIndex:
    title: WordIndex
    text: WordIndex
    author: WordIndex
    source: str  # folded
    language: str  # folded, "_" read as "-" (en_US is en-US)


def index_words(text: str) -> WordIndex:
    tokens = words(text)
    starts: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        starts.setdefault(token, []).append(i)
    return WordIndex(tokens, {w: tuple(p) for w, p in starts.items()}, tuple(sorted(starts)))


def index_doc(doc: MatchDoc) -> DocIndex:
    return DocIndex(
        title=index_words(doc.title),
        text=index_words(doc.text),
        author=index_words(doc.author or ""),
        source=" ".join(fold(doc.source).split()),
        language=fold(doc.language or "").strip().replace("_", "-"),
    )


# --- evaluation ------------------------------------------------------------------------------

Cache = MutableMapping[tuple[tuple[Field, ...], Term | Near], bool]


def matches(query: Query, doc: MatchDoc) -> bool:
    """True if ``doc`` satisfies ``query``."""
    return evaluate(query.root, index_doc(doc), DEFAULT_FIELDS, {})


def evaluate(node: Node, doc: DocIndex, fields: tuple[Field, ...], cache: Cache) -> bool:
    """``node`` against ``doc``, terms looked up in ``fields``; ``cache`` memoizes terms."""
    if isinstance(node, Term):
        key = (fields, node)
        if key not in cache:
            cache[key] = any(term_in_field(node, doc, f) for f in fields)
        return cache[key]
    if isinstance(node, And):
        return all(evaluate(c, doc, fields, cache) for c in node.children)
    if isinstance(node, Or):
        return any(evaluate(c, doc, fields, cache) for c in node.children)
    if isinstance(node, Not):
        return not evaluate(node.child, doc, fields, cache)
    if isinstance(node, Scoped):
        return evaluate(node.child, doc, (node.field,), cache)
    if isinstance(node, Near):
        near_key = (fields, node)
        if near_key not in cache:
            cache[near_key] = any(near_in_field(node, doc, f) for f in fields)
        return cache[near_key]
    assert_never(node)


def term_in_field(term: Term, doc: DocIndex, field: Field) -> bool:
    if field == "source":
        return _value_matches(term, doc.source)
    if field == "lang":
        return _language_matches(term, doc.language)
    index = {"title": doc.title, "text": doc.text, "author": doc.author}[field]
    return term_in_words(term, index)


def near_in_field(near: Near, doc: DocIndex, field: Field) -> bool:
    """``source:`` and ``lang:`` are whole values, not words: NEAR never matches there."""
    index = {"title": doc.title, "text": doc.text, "author": doc.author}.get(field)
    return index is not None and near_in_words(near, index)


def unknown_values(query: Query, field: Field, values: Iterable[str]) -> tuple[str, ...]:
    """The ``field:`` terms of ``query`` that match none of ``values``, as written
    (``source:gamma`` when no source is named gamma): config refuses them as it refuses
    an unknown name in a topic's ``sources`` list (issue 14)."""
    folded = [" ".join(fold(v).split()) for v in values]
    return tuple(
        f"{term.text}{'*' if term.prefix else ''}"
        for term in _scoped_terms(query.root, field, DEFAULT_FIELDS)
        if not any(_value_matches(term, v) for v in folded)
    )


def _scoped_terms(node: Node, field: Field, fields: tuple[Field, ...]) -> Iterator[Term]:
    """The terms looked up in ``field`` (an inner scope overrides an outer one, as in evaluate)."""
    if isinstance(node, Term):
        if fields == (field,):
            yield node
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from _scoped_terms(child, field, fields)
    elif isinstance(node, Not):
        yield from _scoped_terms(node.child, field, fields)
    elif isinstance(node, Scoped):
        yield from _scoped_terms(node.child, field, (node.field,))
    # Near: never matches in source:/lang: (near_in_field), nothing to look up


def _value_matches(term: Term, value: str) -> bool:
    """``source:`` compares the whole name: ``source:tass``, ``source:ria*``."""
    return value.startswith(term.text) if term.prefix else value == term.text


def _language_matches(term: Term, language: str) -> bool:
    """``lang:en`` matches "en", "en-US" and "en_GB", not "eng" (RFC 4647 basic filtering)."""
    code = term.text.replace("_", "-")
    if term.prefix:
        return language.startswith(code)
    return language == code or language.startswith(code + "-")


# --- words -----------------------------------------------------------------------------------


def term_in_words(term: Term, index: WordIndex) -> bool:
    """Does ``term`` occur as consecutive whole words (last one a prefix if so marked)?"""
    if len(term.words) == 1:
        if term.prefix:
            return next(_with_prefix(index.vocab, term.words[0]), None) is not None
        return term.words[0] in index.starts
    return any(_phrase_at(term, index.tokens, i) for i in index.starts.get(term.words[0], ()))


def near_in_words(near: Near, index: WordIndex) -> bool:
    """Is an occurrence of ``near.left`` within ``near.distance`` words of one of ``near.right``?

    Occurrences are spans of word positions; two spans are ``d`` apart when ``d``
    words separate their nearest ends (0 if they touch or overlap), in either order.
    """
    rights = [(len(t.words), term_starts(t, index)) for t in _alternatives(near.right)]
    for left in _alternatives(near.left):
        left_len = len(left.words)
        for start in term_starts(left, index):
            for right_len, right_starts in rights:
                # a right span starting in [lo, hi] ends at most `distance` words before
                # this left span starts, or starts at most `distance` words after it ends
                lo = start - (right_len - 1) - near.distance
                hi = start + (left_len - 1) + near.distance
                i = bisect_left(right_starts, lo)
                if i < len(right_starts) and right_starts[i] <= hi:
                    return True
    return False


def _alternatives(operand: Term | Alias) -> tuple[Term, ...]:
    return operand.terms if isinstance(operand, Alias) else (operand,)


def term_starts(term: Term, index: WordIndex) -> list[int]:
    """Sorted word positions where ``term`` occurs (as ``term_in_words`` finds it)."""
    first = term.words[0]
    if len(term.words) > 1:
        return [i for i in index.starts.get(first, ()) if _phrase_at(term, index.tokens, i)]
    if not term.prefix:
        return list(index.starts.get(first, ()))
    return sorted(i for word in _with_prefix(index.vocab, first) for i in index.starts[word])


def _phrase_at(term: Term, tokens: Sequence[str], start: int) -> bool:
    end = start + len(term.words)
    if end > len(tokens):
        return False
    *exact, last = term.words
    if tuple(tokens[start : end - 1]) != tuple(exact):
        return False
    return tokens[end - 1].startswith(last) if term.prefix else tokens[end - 1] == last


def _with_prefix(vocab: tuple[str, ...], prefix: str) -> Iterator[str]:
    for word in vocab[bisect_left(vocab, prefix) :]:
        if not word.startswith(prefix):
            return
        yield word


# --- many topics at once --------------------------------------------------------------------

Trigger = tuple[str, bool]  # a folded word, and whether it is a prefix
_VALUE_FIELDS: frozenset[Field] = frozenset({"source", "lang"})


def triggers(node: Node, fields: tuple[Field, ...] = DEFAULT_FIELDS) -> frozenset[Trigger] | None:
    """Words of which a document must contain one, in any word field, for ``node`` to be true.

    ``None`` when no such set exists: ``NOT x`` and ``source:``/``lang:`` terms can
    be true without any word. An AND needs only one of its children's sets (the
    one least likely to fire), an OR the union of all of them.
    """
    if isinstance(node, Term):
        return None if _VALUE_FIELDS.intersection(fields) else frozenset({_term_trigger(node)})
    if isinstance(node, Near):  # both sides occur, in a word field, whatever the scope
        return min(_operand_triggers(node.left), _operand_triggers(node.right), key=_cost)
    if isinstance(node, Scoped):
        return triggers(node.child, (node.field,))
    if isinstance(node, Not):
        return None
    found = [triggers(child, fields) for child in node.children]
    known = [t for t in found if t is not None]
    if isinstance(node, Or):
        return frozenset().union(*known) if len(known) == len(found) else None
    return min(known, key=_cost) if known else None


def _term_trigger(term: Term) -> Trigger:
    """A word every occurrence of ``term`` contains: its longest whole word, else its prefix."""
    whole = term.words[:-1] if term.prefix else term.words
    if not whole:
        return (term.words[0], True)
    return (max(whole, key=len), False)


def _operand_triggers(operand: Term | Alias) -> frozenset[Trigger]:
    return frozenset(_term_trigger(t) for t in _alternatives(operand))


def _cost(found: frozenset[Trigger]) -> int:
    """How often a trigger set may fire, roughly: a prefix takes many words."""
    return sum(3 if prefix else 1 for _, prefix in found)


class TriggerIndex:
    """Which of many queries a document can satisfy, found from the document's words alone."""

    def __init__(self, roots: Sequence[Node]) -> None:
        self.always: list[int] = []  # no word can rule these out: always evaluated
        self.words: dict[str, list[int]] = {}
        self.prefixes: dict[str, list[int]] = {}
        for i, root in enumerate(roots):
            found = triggers(root)
            if found is None:
                self.always.append(i)
            for word, prefix in found or ():
                (self.prefixes if prefix else self.words).setdefault(word, []).append(i)
        self.lengths = tuple(sorted({len(p) for p in self.prefixes}))

    def candidates(self, doc: DocIndex) -> list[int]:
        """Sorted positions of the queries that may be true for ``doc``.

        One look-up per distinct word of the document, plus one per word and
        prefix length in use: the number of queries does not enter.
        """
        vocab = doc.title.starts.keys() | doc.text.starts.keys() | doc.author.starts.keys()
        found = set(self.always)
        for word in vocab & self.words.keys():
            found.update(self.words[word])
        for length in self.lengths:
            for stem in {word[:length] for word in vocab} & self.prefixes.keys():
                found.update(self.prefixes[stem])
        return sorted(found)


# --- compiled evaluation ----------------------------------------------------------------------

Memo = list[bool | None]  # per document: each atom's value once computed
Predicate = Callable[[DocIndex, Memo], bool]
_WORD_FIELDS: frozenset[Field] = frozenset({"title", "text", "author"})


class Compiler:
    """Turns trees into closures, so evaluating a triggered topic costs a few calls, not a tree walk.

    Agrees with ``evaluate`` (tests/test_rules.py checks it on generated queries):
    a phrase, prefix or NEAR under the same fields is one *atom*, computed at most
    once per document into the ``Memo`` (the role of ``evaluate``'s cache); a
    single word is a dict look-up per field, cheaper than the memo.
    """

    def __init__(self) -> None:
        self._atoms: dict[tuple[tuple[Field, ...], Term | Near], int] = {}
        self.checks: list[Callable[[DocIndex], bool]] = []

    def compile(self, node: Node, fields: tuple[Field, ...] = DEFAULT_FIELDS) -> Predicate:
        if isinstance(node, Term | Near):
            return self._atom(node, fields)
        if isinstance(node, Scoped):
            return self.compile(node.child, (node.field,))
        if isinstance(node, Not):
            child = self.compile(node.child, fields)
            return lambda doc, memo: not child(doc, memo)
        children = tuple(self.compile(c, fields) for c in node.children)
        return _all_of(children) if isinstance(node, And) else _any_of(children)

    def _atom(self, node: Term | Near, fields: tuple[Field, ...]) -> Predicate:
        if isinstance(node, Term) and len(node.words) == 1 and not node.prefix and _WORD_FIELDS.issuperset(fields):
            return _has_word(node.words[0], _getters(fields))  # a dict look-up: cheaper than the memo
        key = (fields, node)
        if key not in self._atoms:
            self._atoms[key] = len(self.checks)
            self.checks.append(_check(node, fields))
        i, check = self._atoms[key], self.checks[self._atoms[key]]

        def atom(doc: DocIndex, memo: Memo) -> bool:
            found = memo[i]
            if found is None:
                found = memo[i] = check(doc)
            return found

        return atom


def _all_of(children: tuple[Predicate, ...]) -> Predicate:
    def all_of(doc: DocIndex, memo: Memo) -> bool:
        for child in children:
            if not child(doc, memo):
                return False
        return True

    return all_of


def _any_of(children: tuple[Predicate, ...]) -> Predicate:
    def any_of(doc: DocIndex, memo: Memo) -> bool:
        for child in children:
            if child(doc, memo):
                return True
        return False

    return any_of


def _check(node: Term | Near, fields: tuple[Field, ...]) -> Callable[[DocIndex], bool]:
    if isinstance(node, Near):
        return lambda doc: any(near_in_field(node, doc, f) for f in fields)
    if not _WORD_FIELDS.issuperset(fields):
        return lambda doc: any(term_in_field(node, doc, f) for f in fields)
    getters = _getters(fields)
    if len(node.words) == 1:
        return _has_prefix(node.words[0], getters)
    return lambda doc: any(term_in_words(node, get(doc)) for get in getters)


def _getters(fields: tuple[Field, ...]) -> tuple[Callable[[DocIndex], WordIndex], ...]:
    return tuple(attrgetter(f) for f in fields)


def _has_word(word: str, getters: tuple[Callable[[DocIndex], WordIndex], ...]) -> Predicate:
    def has_word(doc: DocIndex, memo: Memo) -> bool:
        for get in getters:
            if word in get(doc).starts:
                return True
        return False

    return has_word


def _has_prefix(stem: str, getters: tuple[Callable[[DocIndex], WordIndex], ...]) -> Callable[[DocIndex], bool]:
    """Some word starts with ``stem``: then the first word not sorted before it does."""

    def has_prefix(doc: DocIndex) -> bool:
        for get in getters:
            vocab = get(doc).vocab
            i = bisect_left(vocab, stem)
            if i < len(vocab) and vocab[i].startswith(stem):
                return True
        return False

    return has_prefix


class TopicMatcher:
    """All topics' queries, decided together against one document at a time."""

    def __init__(self, topics: Sequence[tuple[str, Query]]) -> None:
        self.topics: tuple[tuple[str, Query], ...] = tuple(topics)
        self._triggers = TriggerIndex([query.root for _, query in self.topics])
        compiler = Compiler()
        self._predicates = tuple(compiler.compile(query.root) for _, query in self.topics)
        self._atoms = len(compiler.checks)

    def match(self, doc: MatchDoc) -> tuple[str, ...]:
        """Names of the topics ``doc`` matches, in the order they were given."""
        return tuple(self.topics[i][0] for i in self.positions(doc))

    def positions(self, doc: MatchDoc) -> list[int]:
        """Where the topics ``doc`` matches are in the given sequence, in order."""
        index = index_doc(doc)
        memo: Memo = [None] * self._atoms
        predicates = self._predicates
        return [i for i in self._triggers.candidates(index) if predicates[i](index, memo)]
