"""Evaluate compiled queries against a document.

A document is indexed once (``index_doc``): each word field is folded and split
into words exactly as query terms are (query.fold / query.words), so a term
matches whole words only: ``Turkey`` is not found in "Turkeyfest", ``Iran``
not in "Iranian" (``Iran*`` is). ``TopicMatcher`` indexes a document once for
all topics and evaluates each distinct term at most once per document, since
aliases repeat the same terms across topics. ``NEAR/n`` reads word positions from
the same index, so proximity costs no second tokenisation.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
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


# --- many topics at once ---------------------------------------------------------------------


class TopicMatcher:
    """All topics' queries, evaluated together against one document at a time."""

    def __init__(self, topics: Sequence[tuple[str, Query]]) -> None:
        self.topics: tuple[tuple[str, Query], ...] = tuple(topics)

    def match(self, doc: MatchDoc) -> tuple[str, ...]:
        """Names of the topics ``doc`` matches, in the order they were given."""
        index = index_doc(doc)
        cache: Cache = {}
        return tuple(name for name, query in self.topics if evaluate(query.root, index, DEFAULT_FIELDS, cache))
