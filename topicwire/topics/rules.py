"""A topic's whole rule: its query, minus its ``exclude`` query, limited to some sources
and languages. All topics are decided in one pass over a document: one TopicMatcher
holds every include and exclude query, and only evaluates those the document's words
can satisfy (see match.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from topicwire.topics.match import TopicMatcher
from topicwire.topics.query import Query
from topicwire.types import MatchDoc

_EXCLUDE = "\x00exclude:"  # cannot clash: topic names are [a-z0-9._-]


@dataclass(frozen=True)
class TopicRule:
    name: str
    query: Query
    exclude: Query | None = None
    sources: tuple[str, ...] = ()  # empty: every source
    languages: tuple[str, ...] = ()  # empty: every language; "en" also takes "en-US"

    @property
    def signature(self) -> str:
        """Changes whenever what the topic selects may change (stored; triggers re-evaluation)."""
        exclude = self.exclude.source if self.exclude else ""
        return f"{self.query.source}\x1f{exclude}\x1f{','.join(self.sources)}\x1f{','.join(self.languages)}"

    def admits(self, doc: MatchDoc) -> bool:
        return self.admits_source(doc) and self.admits_language(doc)

    def admits_source(self, doc: MatchDoc) -> bool:
        return not self.sources or doc.source in self.sources

    def admits_language(self, doc: MatchDoc) -> bool:
        if not self.languages:
            return True
        lang = (doc.language or "").lower().replace("_", "-")
        return any(lang == want or lang.startswith(want + "-") for want in self.languages)


class TopicRules:
    def __init__(self, rules: Sequence[TopicRule]) -> None:
        self._rules = tuple(rules)
        queries = [(r.name, r.query) for r in rules]
        # rule i's exclude query sits after every include query; _excludes maps i to its position
        self._excludes: dict[int, int] = {}
        for i, r in enumerate(rules):
            if r.exclude is not None:
                self._excludes[i] = len(queries)
                queries.append((_EXCLUDE + r.name, r.exclude))
        self._matcher = TopicMatcher(queries)

    def match(self, doc: MatchDoc) -> tuple[str, ...]:
        """Names of the rules that take ``doc``; costs what the matched rules cost, not all of them."""
        hits = self._matcher.positions(doc)
        found, rules = set(hits), self._rules
        return tuple(
            rules[i].name
            for i in hits
            if i < len(rules) and self._excludes.get(i) not in found and rules[i].admits(doc)
        )
