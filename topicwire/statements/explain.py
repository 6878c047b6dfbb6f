"""Why a statements topic takes or leaves a statement (``topicwire explain``, issue 18; pure).

For each statement: its entry id, whether the topic's speaker query takes it, which of the
query's terms were found in the speaker (as written, or the name a pronoun stands for),
and the reporting verb that made it a statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from topicwire.statements.identity import statement_id
from topicwire.statements.speakers import SpeakerQuery, speaker_index, stem_node
from topicwire.topics.match import term_in_words
from topicwire.topics.query import Alias, And, Near, Node, Not, Or, Scoped, Term, render
from topicwire.types import Statement


@dataclass(frozen=True)
class StatementVerdict:
    statement: Statement
    entry_id: str
    taken: bool
    terms: tuple[str, ...]  # the query's terms found in the speaker


def explain_statements(
    query: SpeakerQuery, story_id: str, statements: tuple[Statement, ...]
) -> tuple[StatementVerdict, ...]:
    return tuple(
        StatementVerdict(s, statement_id(story_id, s.text), query.takes(s), found_terms(query, s)) for s in statements
    )


def found_terms(query: SpeakerQuery, statement: Statement) -> tuple[str, ...]:
    names = {statement.speaker, statement.resolved}
    indexes = [speaker_index(name).text for name in names if name]
    out = []
    for shown, term in _terms(query.query.root):
        stemmed = stem_node(term)
        assert isinstance(stemmed, Term)
        if any(term_in_words(stemmed, index) for index in indexes) and shown not in out:
            out.append(shown)
    return tuple(out)


def _terms(node: Node) -> Iterator[tuple[str, Term]]:
    if isinstance(node, Term):
        yield render(node), node
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from _terms(child)
    elif isinstance(node, Not | Scoped):
        yield from _terms(node.child)
    elif isinstance(node, Near):
        for side in (node.left, node.right):
            yield from (_terms(side) if isinstance(side, Term) else ((render(t), t) for t in side.terms))
    elif isinstance(node, Alias):
        yield from ((render(t), t) for t in node.terms)


def render_statements(query: SpeakerQuery, verdicts: tuple[StatementVerdict, ...]) -> str:
    lines = [f"statements (speaker query {query.query.source}  ->  {render(query.query.root)}):"]
    if not verdicts:
        lines.append("  none found in this article's text")
    for v in verdicts:
        s = v.statement
        who = s.speaker if s.resolved == s.speaker else f"{s.speaker} -> {s.resolved}"
        why = f"terms found: {', '.join(v.terms)}" if v.terms else "no term of the query in the speaker"
        verb = f'verb "{s.verb}"' if s.verb else "continues the speaker's quote"
        lines += [
            f"  {'TAKEN' if v.taken else 'left':<6} {v.entry_id}",
            f'         speaker "{who}" ({why}); {verb}; {s.kind}, {s.language}, line {s.paragraph}',
            f"         {_short(s.text)}",
        ]
    return "\n".join(lines)


def _short(text: str, limit: int = 160) -> str:
    return f'"{text}"' if len(text) <= limit else f'"{text[:limit].rstrip()}…"'
