"""plain_text on hostile titles (found in review of issue 13): CPython's HTMLParser rescans
the rest of its input for every "<" it cannot finish, so 600 of "<a b='" in one title took
64 ms, and a 7 MB RSS feed of 2,000 such titles ~2 minutes of CPU on every poll
(review/hostile_titles.py). Values with more "<" than their length allows a real title
are stripped by a linear regex; the parser is not even started for them."""

from __future__ import annotations

import pytest

from topicwire import values
from topicwire.values import plain_name, plain_text

HOSTILE = ["<a b='" * 600, "<a" * 2000, "<a<" * 1333, "</" * 2000, "<!" * 2000]


class _NoParser:
    def __init__(self) -> None:
        raise AssertionError("HTMLParser started on a hostile value")


@pytest.mark.parametrize("value", HOSTILE, ids=["quote", "lt-a", "lt-a-lt", "end-tags", "bang"])
def test_hostile_values_never_reach_the_html_parser(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(values, "_TextOnly", _NoParser)
    values._plain_memo.cache_clear()
    out = plain_text(value + "x")  # not memoized from another test
    assert "<" not in out.replace("< ", "") and len(out) <= values.MAX_TITLE_CHARS
    assert plain_name(value) is None or len(plain_name(value) or "") <= values.MAX_NAME_CHARS


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<b>Breaking:</b> Putin &amp; <i>Erdogan</i> meet", "Breaking: Putin & Erdogan meet"),
        ("<script>alert(1)</script>Hello <em>world</em>", "Hello world"),
        ("AT&amp;T says 3 < 4", "AT&T says 3 < 4"),
    ],
)
def test_real_titles_still_go_through_the_parser(value: str, expected: str) -> None:
    values._plain_memo.cache_clear()
    assert plain_text(value) == expected
