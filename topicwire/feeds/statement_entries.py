"""A statements topic's entries (issue 18, pure): one entry per statement per story.

A story's articles are read in the order they were first seen; a statement whose words
mostly repeat one already taken from the story (another outlet's copy of the same quote,
or a shortened one) is left out. The entry id is made of the story's id and the
statement's folded words, so re-polls, re-extraction and new outlets never change it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from html import escape

from topicwire.feeds.entries import also_reported_html
from topicwire.statements.extract import sentence_context
from topicwire.statements.identity import statement_id
from topicwire.topics.query import words
from topicwire.types import FeedEntry, Statement, StoredStory, StoryMember

SAME_STATEMENT = 0.8  # share of the shorter statement's words found in the other one
TITLE_WORDS = 10


def story_statements(
    story: StoredStory,
    texts: Mapping[str, str],
    found: Mapping[str, tuple[Statement, ...]],
    wanted: Callable[[Statement], bool],
) -> list[FeedEntry]:
    """The entries of ``story``'s statements that ``wanted`` takes; ``texts`` and ``found``
    hold each member article's text and statements by uid."""
    taken: list[tuple[frozenset[str], Statement, StoryMember]] = []
    for member in sorted(story.members, key=lambda m: (m.first_seen, m.uid)):
        for statement in found.get(member.uid, ()):
            if not wanted(statement):
                continue
            bag = frozenset(words(statement.text))
            if bag and not any(_same(bag, other) for other, _, _ in taken):
                taken.append((bag, statement, member))
    return [statement_entry(story, s, m, texts.get(m.uid, ""), i) for i, (_, s, m) in enumerate(taken)]


def _same(a: frozenset[str], b: frozenset[str]) -> bool:
    return len(a & b) >= SAME_STATEMENT * min(len(a), len(b))


def statement_entry(
    story: StoredStory, statement: Statement, member: StoryMember, text: str, order: int = 0
) -> FeedEntry:
    """``order``: the statement's place in its story. Entries of one article would all carry its
    publication time; a second per place keeps them apart (Atom readers and the W3C validator
    want distinct updated times) and in reading order."""
    speaker = short_name(statement.resolved or statement.speaker)
    before, middle, after = sentence_context(text, statement.start, statement.end) if text else ("", statement.text, "")
    others = _other_outlets(story, member)
    quoted = f"“{statement.text}”" if statement.kind == "direct" else statement.text
    content = (
        (f"<p>{escape(before)}</p>" if before else "")
        + f"<blockquote><p>{escape(middle or quoted)}</p></blockquote>"
        + (f"<p>{escape(after)}</p>" if after else "")
        + f'<p>{escape(statement.resolved or statement.speaker)}, in <a href="{escape(member.url, quote=True)}">'
        + f"{escape(member.source)}</a></p>"
        + also_reported_html(others)
    )
    return FeedEntry(
        id=statement_id(story.id, statement.text),
        title=f"{speaker}: {first_words(statement.text)}",
        link=member.url,
        published=member.published + timedelta(seconds=order),
        updated=member.published + timedelta(seconds=order),
        summary=quoted[:500],
        content_html=content,
        categories=story.topics,
        source=member.source,
        also=tuple((m.source, m.url) for m in others),
    )


def _other_outlets(story: StoredStory, quoted: StoryMember) -> tuple[StoryMember, ...]:
    """One article per outlet other than the quoted one's, the earliest of each."""
    seen = {quoted.source}
    out = []
    for m in sorted(story.members, key=lambda m: (m.first_seen, m.uid)):
        if m.source not in seen:
            seen.add(m.source)
            out.append(m)
    return tuple(out)


def short_name(speaker: str) -> str:
    """ "Kremlin spokesman Dmitry Peskov" -> "Peskov"; "the Kremlin" -> "the Kremlin"."""
    head = speaker.split(",")[0].strip()
    return head.split()[-1] if len(head.split()) > 3 else head


def first_words(text: str) -> str:
    parts = text.split()
    return " ".join(parts[:TITLE_WORDS]) + ("…" if len(parts) > TITLE_WORDS else "")
