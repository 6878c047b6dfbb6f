"""A story as one feed entry (pure).

The entry shows the story's representative article and ends with "Also reported
by" links to the other outlets' copies. Its id is the story's, which is the uid
of the story's first article, so the id a reader saw before other outlets joined
(or before stories existed at all) never changes.
"""

from __future__ import annotations

from html import escape

from topicwire.types import FeedEntry, StoredStory, StoryMember


def entry_id(story_id: str) -> str:
    return f"urn:topicwire:article:{story_id}"


def also_reported(story: StoredStory) -> tuple[StoryMember, ...]:
    """One article per other outlet (the earliest of each), in the order they were seen."""
    rep = story.representative
    seen = {rep.source}
    out = []
    for m in story.members:
        if m.uid != rep.uid and m.source not in seen:
            seen.add(m.source)
            out.append(m)
    return tuple(out)


def also_reported_html(others: tuple[StoryMember, ...]) -> str:
    if not others:
        return ""
    links = ", ".join(f'<a href="{escape(m.url, quote=True)}">{escape(m.source)}</a>' for m in others)
    return f'<p class="also-reported">Also reported by: {links}</p>'


def story_entry(story: StoredStory) -> FeedEntry:
    rep = story.representative
    others = also_reported(story)
    return FeedEntry(
        id=entry_id(story.id),
        title=rep.title,
        link=rep.url,
        published=story.published,
        updated=max(story.updated, story.published),
        summary=rep.summary,
        content_html=rep.html + also_reported_html(others),
        author=rep.author,
        categories=story.topics,
        source=rep.source,
        also=tuple((m.source, m.url) for m in others),
    )
