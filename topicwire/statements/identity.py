"""A statement's permanent id: the story's id and the statement's folded words, so re-polls,
re-extraction and new outlets never change it. The statements feeds, the JSON API and
``topicwire explain`` all name a statement by it."""

from __future__ import annotations

import hashlib

from topicwire.topics.query import words

PREFIX = "urn:topicwire:statement:"


def statement_id(story_id: str, text: str) -> str:
    digest = hashlib.sha256(" ".join(words(text)).encode()).hexdigest()[:20]
    return f"{PREFIX}{story_id}:{digest}"


def story_of_statement(entry: str) -> str:
    """The story id inside a statement id; "" when ``entry`` is not one."""
    if not entry.startswith(PREFIX):
        return ""
    story_id, _, digest = entry[len(PREFIX) :].rpartition(":")
    return story_id if digest else ""
