"""Which ``[aliases]`` set a speaker belongs to, and speaker queries (``statements = "@kremlin"``).

Speakers go through the topic query language's folding (query.words: case and
diacritics), plus one step topic queries do not need: Russian names are
inflected ("по словам Пескова", "с Песковым"), so Cyrillic words on *both* sides
lose a case ending (``stem``) before they are compared. "Песков", "Пескова" and
"Песковым" all become "песков"; English words are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from topicwire.topics.match import DocIndex, evaluate, index_words
from topicwire.topics.query import Alias, And, Near, Node, Not, Or, Query, Scoped, Term, compile_query, words
from topicwire.types import Statement

# Longest first, so "ого" is tried before "о". Noun and adjective case endings; a stem keeps
# at least 3 letters so short words ("мид", "суд") are never cut to nothing.
_ENDINGS = tuple(
    sorted(
        (
            "ами",
            "ями",
            "ого",
            "его",
            "ому",
            "ему",
            "ыми",
            "ими",
            "ой",
            "ей",
            "ом",
            "ем",
            "ым",
            "им",
            "ую",
            "юю",
            "ая",
            "яя",
            "ое",
            "ее",
            "ые",
            "ие",
            "ых",
            "их",
            "ов",
            "ев",
            "ах",
            "ях",
            "а",
            "я",
            "у",
            "ю",
            "е",
            "ы",
            "и",
            "о",
            "ь",
        ),
        key=len,
        reverse=True,
    )
)
_CYRILLIC = re.compile(r"[а-я]")


def stem(word: str) -> str:
    """A folded word without its Russian case ending; other words unchanged."""
    if not _CYRILLIC.search(word):
        return word
    # "Песков" itself ends in "ов", a plural genitive ending: strip it only from words
    # long enough that the remainder is still a name ("песков" stays "песков").
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)] if ending not in ("ов", "ев") else word
    return word


def speaker_words(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(text))


def stem_node(node: Node) -> Node:
    """``node`` with every Cyrillic word stemmed like speakers are (prefixes kept as written)."""
    if isinstance(node, Term):
        if node.prefix:
            return replace(node, words=(*map(stem, node.words[:-1]), node.words[-1]))
        return replace(node, words=tuple(map(stem, node.words)))
    if isinstance(node, And | Or):
        return type(node)(tuple(stem_node(c) for c in node.children))
    if isinstance(node, Not):
        return Not(stem_node(node.child))
    if isinstance(node, Scoped):
        return Scoped(node.field, stem_node(node.child))
    return Near(_stem_operand(node.left), _stem_operand(node.right), node.distance)


def _stem_operand(operand: Term | Alias) -> Term | Alias:
    if isinstance(operand, Alias):
        return Alias(operand.name, tuple(stem_node(t) for t in operand.terms))  # type: ignore[misc]
    return stem_node(operand)  # type: ignore[return-value]


def speaker_index(speaker: str) -> DocIndex:
    """A speaker as a document whose title and text are its stemmed words."""
    index = index_words(" ".join(speaker_words(speaker)))
    return DocIndex(title=index, text=index, author=index_words(""), source="", language="")


class SpeakerQuery:
    """A compiled speaker query (a topic's ``statements`` key): does a speaker satisfy it?"""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.root = stem_node(query.root)

    def matches(self, speaker: str) -> bool:
        return bool(speaker) and evaluate(self.root, speaker_index(speaker), ("text",), {})

    def takes(self, statement: Statement) -> bool:
        """Does the statement's speaker, as written or as a pronoun resolved, satisfy the query?"""
        return self.matches(statement.resolved) or self.matches(statement.speaker)


class Speakers:
    """Resolves a speaker as written to the first alias whose terms it contains."""

    def __init__(self, aliases: Mapping[str, Sequence[str]]) -> None:
        self.aliases = tuple(
            (name, SpeakerQuery(compile_query(f"@{name}", aliases))) for name in aliases if aliases[name]
        )

    def resolve(self, speaker: str) -> str | None:
        for name, query in self.aliases:
            if query.matches(speaker):
                return name
        return None

    def terms(self, speaker: str, name: str) -> tuple[str, ...]:
        """The words of ``speaker`` that made it ``@name`` (for ``explain``)."""
        found = dict(self.aliases).get(name)
        if found is None:
            return ()
        return tuple(w for w in speaker.split() if found.matches(w))
