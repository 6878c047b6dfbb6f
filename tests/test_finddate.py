"""htmldate's date search with its dateparser calls bounded (extract/finddate.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import lxml.html
import pytest
from hostile import odd_date_lines
from htmldate import extractors

from topicwire.extract import finddate
from topicwire.extract.article import extract_article
from topicwire.extract.finddate import MAX_EXTERNAL_PARSES, find_page_date

READ_BY_DATEPARSER = "3 сентября 2019 года"  # htmldate's own patterns miss it; dateparser reads it


def _page(lines: list[str]) -> str:
    body = "".join(f"<p>{line}</p>" for line in lines)
    prose = "<p>" + "The minister said the talks would continue next week in the capital. " * 6 + "</p>"
    return f"<html><head><title>A page</title></head><body><article>{prose}{body}</article></body></html>"


@pytest.fixture
def external_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The strings that reached dateparser (htmldate's own function, behind the budget)."""
    calls: list[str] = []
    real: Callable[[str], datetime | None] = finddate._external_date

    def counted(string: str) -> datetime | None:
        calls.append(string)
        return real(string)

    monkeypatch.setattr(finddate, "_external_date", counted)
    extractors.try_date_expr.cache_clear()
    return calls


def test_the_budget_wraps_the_one_place_htmldate_calls_dateparser() -> None:
    """Fails when an htmldate release renames or stops using ``_external_date``: the bound
    would then silently be gone."""
    assert extractors._external_date is finddate._bounded_external_date
    assert callable(finddate._external_date) and finddate._external_date is not finddate._bounded_external_date


def test_a_page_of_odd_dates_calls_dateparser_within_the_budget(external_calls: list[str]) -> None:
    """3,000 distinct date-like lines: without the budget each went to dateparser (25 s on
    the development machine); now at most MAX_EXTERNAL_PARSES do, the rest read as no date."""
    tree = lxml.html.document_fromstring(_page(list(odd_date_lines(3000))))
    find_page_date(tree, "http://site.test/story")
    assert 0 < len(external_calls) <= MAX_EXTERNAL_PARSES


def test_the_whole_extraction_of_such_a_page_is_bounded(external_calls: list[str]) -> None:
    article = extract_article(_page(list(odd_date_lines(3000))), "http://site.test/story")
    assert "The minister said the talks" in article.text
    assert len(external_calls) <= MAX_EXTERNAL_PARSES


def test_a_date_only_dateparser_reads_is_still_found(external_calls: list[str]) -> None:
    tree = lxml.html.document_fromstring(_page([READ_BY_DATEPARSER]))
    found = find_page_date(tree, "http://site.test/story")
    assert found is not None and found.date() == datetime(2019, 9, 3).date()
    assert len(external_calls) == 1


def test_a_spent_budget_leaves_no_false_answer_for_later_pages(external_calls: list[str]) -> None:
    """The line after the budget ran out was read as no date and htmldate cached that; the
    next page holding the same line gets its date."""
    spent = lxml.html.document_fromstring(_page([*odd_date_lines(MAX_EXTERNAL_PARSES + 5), READ_BY_DATEPARSER]))
    find_page_date(spent, "http://site.test/one")
    alone = lxml.html.document_fromstring(_page([READ_BY_DATEPARSER]))
    found = find_page_date(alone, "http://site.test/two")
    assert found is not None and found.date() == datetime(2019, 9, 3).date()


def test_outside_a_page_search_htmldate_is_not_bounded(external_calls: list[str]) -> None:
    """Another caller of htmldate (trafilatura's metadata, a script) keeps htmldate as it is."""
    for line in odd_date_lines(MAX_EXTERNAL_PARSES + 3):
        extractors._external_date(line)
    assert len(external_calls) == MAX_EXTERNAL_PARSES + 3
