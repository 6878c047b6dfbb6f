"""A topic's whole rule: query, exclude, sources, languages; one pass for all topics."""

from __future__ import annotations

import pytest

from topicwire.topics.query import compile_query
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
