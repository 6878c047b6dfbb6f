"""justext's context pass, linear (extract/justext_linear.py): the same classes as justext's own."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trafilatura import external

from topicwire.extract import justext_linear
from topicwire.extract.article import extract_article

CLASSES = ("short", "neargood", "good", "bad")


class Paragraph:
    """What justext's revise pass reads of a paragraph: its context-free class, whether it
    is a heading, its text, and the class it holds (set before the pass or not)."""

    def __init__(self, cf_class: str, heading: bool, text: str, class_type: str) -> None:
        self.cf_class, self.heading, self.text, self.class_type = cf_class, heading, text, class_type


paragraphs = st.lists(
    st.builds(
        Paragraph,
        st.sampled_from(CLASSES),
        st.booleans(),
        st.sampled_from(("", "x", "a few words", "a sentence of more words than a label " * 3)),
        st.sampled_from(("", *CLASSES)),  # a fresh paragraph holds ""; one passed twice, a class
    ),
    max_size=40,
)


@settings(max_examples=2_000, deadline=None)
@given(paragraphs, st.sampled_from((0, 10, 150, 200)))
def test_the_classes_are_justexts(given_paragraphs: list[Paragraph], distance: int) -> None:
    theirs, ours = copy.deepcopy(given_paragraphs), copy.deepcopy(given_paragraphs)
    justext_linear.ORIGINAL(theirs, distance)
    justext_linear.revise_paragraph_classification(ours, distance)
    assert [p.class_type for p in ours] == [p.class_type for p in theirs]


def test_trafilatura_calls_the_linear_pass() -> None:
    assert external.revise_paragraph_classification is justext_linear.revise_paragraph_classification


def test_a_long_run_of_short_paragraphs_costs_a_walk_each_not_a_run_each() -> None:
    """10,000 short paragraphs between two good ones: justext walked the run from each of
    them (10,000 x 5,000 steps on average). Counted: the class of each paragraph is read a
    constant number of times."""
    reads = 0

    class Counted(Paragraph):
        def __getattribute__(self, name: str) -> object:
            nonlocal reads
            if name == "class_type":
                reads += 1
            return object.__getattribute__(self, name)

    good = "a sentence of more words than a label " * 3
    run = [Counted("good", False, good, "")] + [Counted("short", False, "x", "") for _ in range(10_000)]
    run.append(Counted("good", False, good, ""))
    justext_linear.revise_paragraph_classification(run, 150)
    assert {p.class_type for p in run} == {"good"}
    assert reads <= 12 * len(run)


def test_a_long_list_of_short_items_goes_through_the_linear_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reviewer's page: a short article over 10,000 short list items sends trafilatura's
    balanced mode into its recall escalation and justext (12.6 s with justext's own pass,
    ~1 s now: bench/shapes.py "short items"). The pass it runs is the linear one, on every item."""
    seen: list[int] = []

    def recording(paragraphs: list[Any], distance: int = 200) -> None:
        seen.append(len(paragraphs))
        justext_linear.revise_paragraph_classification(paragraphs, distance)

    monkeypatch.setattr(external, "revise_paragraph_classification", recording)
    items = "".join(f"<li><span>Story headline number {i} here today</span></li>" for i in range(10_000))
    body = "".join(f"<p>Paragraph {i} of the story says what the council decided today.</p>" for i in range(6))
    head = "<head><meta property='og:type' content='article'></head>"
    html = f"<html>{head}<body><article>{body}</article><ul>{items}</ul></body></html>"
    text = extract_article(html, "http://example.test/a.html", find_date=False).text
    assert "Paragraph 5 of the story" in text
    assert seen and max(seen) >= 10_000
