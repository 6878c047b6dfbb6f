"""A statement's permanent id: the story's id and the statement's folded words, so re-polls,
re-extraction and new outlets never change it. The statements feeds, the JSON API and
``topicwire explain`` all name a statement by it."""

from __future__ import annotations

import hashlib

from topicwire.topics.query import words


def statement_id(story_id: str, text: str) -> str:
    digest = hashlib.sha256(" ".join(words(text)).encode()).hexdigest()[:20]
    return f"urn:topicwire:statement:{story_id}:{digest}"
