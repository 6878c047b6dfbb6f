"""sitetemplate.py (issue 17), pure: a whole poll is learned before any page is stripped, and
re-cleaning stored articles is bounded per poll and settles the template only when done."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from topicwire.extract.template import Template, learn, template_blocks, unsettled
from topicwire.sitetemplate import RECLEAN_MAX, clean_poll, from_page, reclean_plan
from topicwire.types import Article, StoredArticle

NOW = datetime(2026, 3, 1, tzinfo=UTC)
WIDGET = "Weather in Gyumri today: 12 degrees"


def article(n: int, *lines: str, method: str = "trafilatura") -> Article:
    text = "\n\n".join((f"Story {n} begins with its own words.", *lines, f"Story {n} ends here."))
    return Article("s", f"g{n}", f"http://x/{n}", f"T{n}", text, "", "", NOW, NOW, method=method)


def stored(n: int, *lines: str, method: str = "trafilatura") -> StoredArticle:
    a = article(n, *lines, method=method)
    return StoredArticle(f"u{n}", "s", a.url, a.title, a.text, "", "", NOW, NOW, NOW, method=method, story_id=f"u{n}")


def test_a_poll_is_learned_whole_before_any_page_is_stripped() -> None:
    poll = tuple(article(n, WIDGET) for n in range(3)) + (article(3, "A line on this page only"),)
    cleaned, template = clean_poll(poll, Template("s"))
    assert [WIDGET in a.text for a in cleaned] == [False, False, False, False]
    assert "A line on this page only" in cleaned[3].text
    assert all(f"Story {n} begins" in a.text for n, a in enumerate(cleaned))
    assert [a.method for a in cleaned] == ["trafilatura+template"] * 3 + ["trafilatura"]
    assert unsettled(template) == template_blocks(template) != frozenset()


def test_two_pages_are_not_enough_and_feed_text_is_left_alone() -> None:
    poll = (article(0, WIDGET), article(1, WIDGET), article(2, WIDGET, method="feed"))
    cleaned, template = clean_poll(poll, Template("s"))
    assert all(WIDGET in a.text for a in cleaned) and template_blocks(template) == frozenset()
    assert not from_page("feed") and not from_page("teaser") and from_page("trafilatura:precision+template")


def test_recleaning_is_bounded_and_settles_only_when_done() -> None:
    template = Template("s")
    for n in range(3):
        template = learn(template, article(1000 + n, WIDGET).text.split("\n\n"), f"http://new/{n}")
    held = [stored(n, WIDGET) for n in range(RECLEAN_MAX + 20)] + [stored(-1, WIDGET, method="feed")]
    first, after_first = reclean_plan(template, held, frozenset({held[0].url}))
    assert len(first) == RECLEAN_MAX and unsettled(after_first)  # more next poll
    assert held[0].uid not in {r.uid for r in first}  # saved with the poll instead
    assert all(WIDGET not in r.article.text and r.article.text.startswith("Story") for r in first)
    done = {r.uid for r in first}
    rest = [replace(s, text=s.text.replace(f"\n\n{WIDGET}", "")) if s.uid in done else s for s in held]
    second, after_second = reclean_plan(after_first, rest, frozenset({held[0].url}))
    assert len(second) == 19 and unsettled(after_second) == frozenset()
    assert reclean_plan(after_second, rest, frozenset()) == ((), after_second)  # nothing new: nothing read
