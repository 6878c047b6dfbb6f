"""Why a topic does or does not take an article (``topicwire explain``, issue 6).

``explain(rule, doc)`` decides the rule exactly as ``TopicRules`` does and says
why: whether the query matched, whether the exclude query matched, whether the
source or language filter refused the article, and, for every term, phrase,
prefix and NEAR of both queries, in which field it was found and where, as
snippets of the original text with the hit in ``[[...]]``::

    ... the Kremlin spokesman [[Peskov]] said on Tuesday that ...

Positions come from the same folded words the matcher reads (query.words); each
word is mapped back to its characters in the original text, so a snippet shows
``Erdoğan`` where the query said ``Erdogan``. Pure: plain values in, a frozen
dataclass out, and ``render`` turns it into text for a terminal.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from topicwire.topics.match import (
    DocIndex,
    WordIndex,
    index_doc,
    matches,
    term_in_field,
    term_starts,
)
from topicwire.topics.query import DEFAULT_FIELDS, Alias, Field, Near, Node, Not, Scoped, Term, fold, render
from topicwire.topics.rules import TopicRule
from topicwire.types import MatchDoc

CONTEXT = 8  # words each side of a hit
MAX_SNIPPETS = 3  # per term and field

_WORD = re.compile(r"\w+")  # the pattern of query.words
Part = Literal["query", "exclude"]
Span = tuple[int, int]  # word positions, end excluded


@dataclass(frozen=True)
class Hit:
    """Where one term was found in one field: how often, and the first few places."""

    field: Field
    count: int
    snippets: tuple[str, ...]


@dataclass(frozen=True)
class TermReport:
    """One term, phrase, prefix or NEAR of a query, and where it was found (no hits: nowhere)."""

    term: str  # canonical form with its scope: peskov, title:"kremlin spokes*", (peskov NEAR/3 said)
    part: Part
    negated: bool  # under a NOT: finding it counts against its query
    fields: tuple[Field, ...]  # where it was looked for
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class Explanation:
    topic: str
    matched: bool
    query: str
    query_matched: bool
    exclude: str | None
    exclude_matched: bool
    source: str
    sources: tuple[str, ...]  # the rule's filter; empty: every source
    source_refused: bool
    language: str | None
    languages: tuple[str, ...]
    language_refused: bool
    terms: tuple[TermReport, ...]


def explain(rule: TopicRule, doc: MatchDoc) -> Explanation:
    query_matched = matches(rule.query, doc)
    exclude_matched = rule.exclude is not None and matches(rule.exclude, doc)
    source_refused, language_refused = not rule.admits_source(doc), not rule.admits_language(doc)
    located = _Located.of(doc)
    terms = _reports(rule.query.root, "query", located)
    if rule.exclude is not None:
        terms += _reports(rule.exclude.root, "exclude", located)
    return Explanation(
        topic=rule.name,
        matched=query_matched and not exclude_matched and not source_refused and not language_refused,
        query=str(rule.query),
        query_matched=query_matched,
        exclude=str(rule.exclude) if rule.exclude is not None else None,
        exclude_matched=exclude_matched,
        source=doc.source,
        sources=rule.sources,
        source_refused=source_refused,
        language=doc.language,
        languages=rule.languages,
        language_refused=language_refused,
        terms=terms,
    )


@dataclass(frozen=True)
class ArticleVerdict:
    """One article of a story and the topic's explanation for it."""

    uid: str
    source: str
    url: str
    explanation: Explanation


@dataclass(frozen=True)
class StoryExplanation:
    """A topic's verdict on a story: it is in the topic's feed when any of its articles matches
    (issue 17: the feed holds stories, so ``explain`` answers for the story, not one copy)."""

    topic: str
    story_id: str
    asked: str  # the uid of the article the user named
    articles: tuple[ArticleVerdict, ...]
    in_feed: bool  # the topics the store recorded for the story include this one

    @property
    def matched(self) -> bool:
        return any(a.explanation.matched for a in self.articles)

    def verdict(self, uid: str) -> ArticleVerdict:
        return next(a for a in self.articles if a.uid == uid)


def explain_story(
    rule: TopicRule, story_id: str, asked: str, docs: tuple[tuple[str, str, MatchDoc], ...], in_feed: bool
) -> StoryExplanation:
    """``docs``: (uid, url, doc) of every article of the story, the asked one among them."""
    verdicts = tuple(ArticleVerdict(uid, doc.source, url, explain(rule, doc)) for uid, url, doc in docs)
    return StoryExplanation(rule.name, story_id, asked, verdicts, in_feed)


# --- words back to characters ------------------------------------------------------------------


def word_spans(text: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """``words(text)`` and where each word is in ``text`` (character offsets, end excluded).

    ``fold`` works character by character (case folding, NFKD, dropping marks),
    so folding each character alone and keeping which one each folded
    character came from gives the same words with their origins.
    """
    folded: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        piece = fold(char)
        folded.append(piece)
        origin.extend([i] * len(piece))
    joined = "".join(folded)
    found = list(_WORD.finditer(joined))
    return (
        tuple(m.group() for m in found),
        tuple((origin[m.start()], origin[m.end() - 1] + 1) for m in found),
    )


@dataclass(frozen=True)
class _Field:
    """One word field: its original text, where its words are, and their index."""

    text: str
    spans: tuple[tuple[int, int], ...]
    index: WordIndex

    @staticmethod
    def of(text: str) -> _Field:
        tokens, spans = word_spans(text)
        starts: dict[str, list[int]] = {}
        for i, token in enumerate(tokens):
            starts.setdefault(token, []).append(i)
        index = WordIndex(tokens, {w: tuple(p) for w, p in starts.items()}, tuple(sorted(starts)))
        return _Field(text, spans, index)

    def snippet(self, marks: list[Span]) -> str:
        """The words around ``marks``, each mark in ``[[...]]``, whitespace collapsed."""
        marks = _merged(marks)
        first = max(0, marks[0][0] - CONTEXT)
        last = min(len(self.spans), marks[-1][1] + CONTEXT)
        # at either end of the field, its punctuation too: the closing quote, the full stop
        cursor, pieces = 0 if first == 0 else self.spans[first][0], []
        for start, end in marks:
            begin, stop = self.spans[start][0], self.spans[end - 1][1]
            pieces += [self.text[cursor:begin], "[[", self.text[begin:stop], "]]"]
            cursor = stop
        pieces.append(self.text[cursor : len(self.text) if last == len(self.spans) else self.spans[last - 1][1]])
        body = " ".join("".join(pieces).split())
        return ("... " if first > 0 else "") + body + (" ..." if last < len(self.spans) else "")


def _merged(marks: list[Span]) -> list[Span]:
    """Sorted, overlapping spans joined (a NEAR whose sides overlap is one mark)."""
    out: list[Span] = []
    for start, end in sorted(marks):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


@dataclass(frozen=True)
class _Located:
    doc: MatchDoc
    index: DocIndex  # for source: and lang:, compared as the matcher does
    fields: dict[Field, _Field]

    @staticmethod
    def of(doc: MatchDoc) -> _Located:
        fields: dict[Field, _Field] = {
            "title": _Field.of(doc.title),
            "text": _Field.of(doc.text),
            "author": _Field.of(doc.author or ""),
        }
        return _Located(doc, index_doc(doc), fields)


# --- terms and their hits -----------------------------------------------------------------------


def _reports(root: Node, part: Part, located: _Located) -> tuple[TermReport, ...]:
    seen: set[tuple[Term | Near, tuple[Field, ...]]] = set()
    reports = []
    for atom, fields, negated in _atoms(root, DEFAULT_FIELDS, False):
        if (atom, fields) in seen:
            continue
        seen.add((atom, fields))
        hits = tuple(hit for f in fields if (hit := _hit(atom, f, located)) is not None)
        scope = "" if fields == DEFAULT_FIELDS else f"{fields[0]}:"  # a scope is one field
        reports.append(TermReport(scope + render(atom), part, negated, fields, hits))
    return tuple(reports)


def _atoms(
    node: Node, fields: tuple[Field, ...], negated: bool
) -> Iterator[tuple[Term | Near, tuple[Field, ...], bool]]:
    """Every term and NEAR of a tree, with the fields it is looked for in and whether under a NOT."""
    if isinstance(node, Term | Near):
        yield node, fields, negated
    elif isinstance(node, Scoped):
        yield from _atoms(node.child, (node.field,), negated)
    elif isinstance(node, Not):
        yield from _atoms(node.child, fields, not negated)
    else:
        for child in node.children:
            yield from _atoms(child, fields, negated)


def _hit(atom: Term | Near, field: Field, located: _Located) -> Hit | None:
    if field in ("source", "lang"):
        if isinstance(atom, Near) or not term_in_field(atom, located.index, field):
            return None  # NEAR never matches a whole value
        value = located.doc.source if field == "source" else located.doc.language or ""
        return Hit(field, 1, (f"[[{value}]]",))
    words = located.fields[field]
    found = _near_marks(atom, words.index) if isinstance(atom, Near) else _term_marks(atom, words.index)
    if not found:
        return None
    return Hit(field, len(found), tuple(words.snippet(marks) for marks in found[:MAX_SNIPPETS]))


def _term_marks(term: Term, index: WordIndex) -> list[list[Span]]:
    return [[(start, start + len(term.words))] for start in term_starts(term, index)]


def _near_marks(near: Near, index: WordIndex) -> list[list[Span]]:
    """Each pair of occurrences within ``near.distance`` words (as match.near_in_words counts)."""
    rights = [(len(t.words), term_starts(t, index)) for t in _alternatives(near.right)]
    pairs = []
    for left in _alternatives(near.left):
        size = len(left.words)
        for start in term_starts(left, index):
            for right_size, right_starts in rights:
                lo = start - (right_size - 1) - near.distance
                hi = start + (size - 1) + near.distance
                for other in right_starts[bisect_left(right_starts, lo) :]:
                    if other > hi:
                        break
                    pairs.append([(start, start + size), (other, other + right_size)])
    return sorted(pairs)


def _alternatives(operand: Term | Alias) -> tuple[Term, ...]:
    return operand.terms if isinstance(operand, Alias) else (operand,)


# --- text for a terminal ------------------------------------------------------------------------


def render_explanation(e: Explanation) -> str:
    lines = [f"{e.topic}: {'MATCH' if e.matched else 'NO MATCH'}" + ("" if e.matched else f" ({_why_not(e)})")]
    lines.append(f"  query     {e.query}  -> {'matched' if e.query_matched else 'not matched'}")
    if e.exclude is not None:
        lines.append(f"  exclude   {e.exclude}  -> {'matched: left out' if e.exclude_matched else 'not matched'}")
    if e.sources:
        verdict = "refused" if e.source_refused else "ok"
        lines.append(f"  sources   {', '.join(e.sources)}  -> {verdict} (article: {e.source or '-'})")
    if e.languages:
        verdict = "refused" if e.language_refused else "ok"
        lines.append(f"  languages {', '.join(e.languages)}  -> {verdict} (article: {e.language or 'unknown'})")
    for part in ("query", "exclude"):
        reports = [t for t in e.terms if t.part == part]
        if reports:
            lines.append(f"{part} terms:")
            lines += [line for t in reports for line in _term_lines(t)]
    return "\n".join(lines)


def render_story_explanation(s: StoryExplanation) -> str:
    """The story's verdict, each article's, then why for the asked article and, when it does
    not match but another copy does, why for the first copy that does."""
    asked = s.verdict(s.asked)
    if len(s.articles) == 1:
        return render_explanation(asked.explanation)
    matching = [a for a in s.articles if a.explanation.matched]
    verdict = f"MATCH through {len(matching)} of {len(s.articles)} articles" if s.matched else "NO MATCH"
    lines = [f"story {s.story_id}: {s.topic}: {verdict} (in the feed now: {'yes' if s.in_feed else 'no'})"]
    for a in s.articles:
        mark = ">" if a.uid == s.asked else " "
        lines.append(f"  {mark} {a.source:<20} {'MATCH' if a.explanation.matched else 'NO MATCH':<9} {a.url}")
    lines += [
        "  (> the article asked about)",
        "",
        f"this article ({asked.source}):",
        render_explanation(asked.explanation),
    ]
    if matching and not asked.explanation.matched:
        first = matching[0]
        lines += ["", f"the story is in the feed through {first.source}'s copy ({first.url}):"]
        lines.append(render_explanation(first.explanation))
    return "\n".join(lines)


def _why_not(e: Explanation) -> str:
    reasons = [
        *(["the query does not match"] if not e.query_matched else []),
        *(["the exclude query matches"] if e.exclude_matched else []),
        *([f"source {e.source!r} is not one of the topic's sources"] if e.source_refused else []),
        *([f"language {e.language or 'unknown'} is not one of the topic's languages"] if e.language_refused else []),
    ]
    return "; ".join(reasons)


def _term_lines(t: TermReport) -> Iterator[str]:
    name = f"NOT {t.term}" if t.negated else t.term
    if not t.hits:
        yield f"  {name}: not found (looked in {', '.join(t.fields)})"
        return
    for hit in t.hits:
        times = "once" if hit.count == 1 else f"{hit.count} times"
        yield f"  {name}: {hit.field}, {times}"
        yield from (f"      {s}" for s in hit.snippets)
