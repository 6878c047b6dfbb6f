"""Attributed statements (issue 18): extraction (extract.py, patterns.py, languages.py) and
speakers resolved to the config's ``[aliases]`` (speakers.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

from topicwire.statements.extract import extract_statements, with_aliases
from topicwire.statements.speakers import Speakers
from topicwire.types import Statement

__all__ = ["StatementExtractor", "extract_statements", "text_sha"]


def text_sha(text: str) -> str:
    """The key of the text a set of statements was extracted from."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class StatementExtractor:
    """Statements of a text with their speakers' aliases; ``signature`` changes with the aliases,
    so statements stored under other aliases are extracted again."""

    def __init__(self, aliases: Mapping[str, Sequence[str]]) -> None:
        self.speakers = Speakers(aliases)
        canonical = json.dumps(sorted((name, list(terms)) for name, terms in aliases.items()), ensure_ascii=False)
        self.signature = hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def extract(self, text: str) -> tuple[Statement, ...]:
        return self.resolve(extract_statements(text))

    def resolve(self, statements: tuple[Statement, ...]) -> tuple[Statement, ...]:
        """``statements`` as ``extract_statements`` found them, with their speakers' aliases."""
        return with_aliases(statements, self.speakers.resolve)
