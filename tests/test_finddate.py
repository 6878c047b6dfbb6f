"""htmldate's date search with its dateparser calls bounded (extract/finddate.py)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import dateparser
import htmldate
import htmldate.meta  # trafilatura imports it; it must be among the holders below
import lxml.html
import pytest
from hostile import odd_date_lines
from htmldate import extractors
from htmldate.utils import Extractor
from htmldate.validators import get_max_date, get_min_date

from topicwire.extract import finddate
from topicwire.extract.article import extract_article
from topicwire.extract.finddate import MAX_EXTERNAL_PARSES, find_page_date

READ_BY_DATEPARSER = "3 сентября 2019 года"  # htmldate's own patterns miss it; dateparser reads it


def _page(lines: list[str]) -> str:
    body = "".join(f"<p>{line}</p>" for line in lines)
    prose = "<p>" + "The minister said the talks would continue next week in the capital. " * 6 + "</p>"
    return f"<html><head><title>A page</title></head><body><article>{prose}{body}</article></body></html>"


def _htmldate_options() -> Extractor:
    """find_page_date's settings, as htmldate.find_date makes them (the same cache keys)."""
    return Extractor(True, get_max_date(None), get_min_date(None), True, "%Y-%m-%d")


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


@pytest.fixture
def dateparser_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The strings dateparser itself was asked to read (htmldate keeps one DateDataParser)."""
    calls: list[str] = []
    real = dateparser.DateDataParser.get_date_data

    def counted(self: dateparser.DateDataParser, date_string: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(date_string)
        return real(self, date_string, *args, **kwargs)

    monkeypatch.setattr(dateparser.DateDataParser, "get_date_data", counted)
    extractors.try_date_expr.cache_clear()  # a string read before must reach dateparser again
    return calls


def test_the_budget_holds_at_dateparser_itself(dateparser_calls: list[str]) -> None:
    """Counted where dateparser reads, not where this module wraps: fails when an htmldate
    release renames or stops using ``_external_date`` (the bound would then silently be gone;
    without it this page sends all 200 lines to dateparser)."""
    tree = lxml.html.document_fromstring(_page(list(odd_date_lines(200))))
    find_page_date(tree, "http://site.test/story")
    assert 0 < len(dateparser_calls) <= MAX_EXTERNAL_PARSES


def test_htmldate_calls_its_string_reader_through_the_search_memo() -> None:
    """Every htmldate module holding ``try_date_expr`` by name holds the stand-in (meta.py
    only empties its cache). Fails when a release imports it by name somewhere new: that
    module would read and fill the shared cache inside a search, budget-cut answers and all."""
    holders = {
        name
        for name, module in sys.modules.items()
        if name.startswith("htmldate.") and hasattr(module, "try_date_expr")
    }
    routed = {name for name in holders if sys.modules[name].try_date_expr is finddate._routed_try_date_expr}
    assert {"htmldate.extractors", "htmldate.core"} <= routed
    assert holders - routed <= {"htmldate.meta"}


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


def test_a_search_past_its_budget_gives_no_false_answer_to_another_thread(
    external_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One thread's search reads READ_BY_DATEPARSER's line as no date (its budget is spent);
    a second thread searching a page with that line while the first is still inside its
    search finds the date. htmldate's string cache is shared by all threads: had the first
    answer entered it, the second search would have read "no date" there."""
    real_find_date = htmldate.find_date
    searched, checked = threading.Event(), threading.Event()

    def find_date_then_wait(*args: Any, **kwargs: Any) -> str | None:
        found: str | None = real_find_date(*args, **kwargs)
        if threading.current_thread() is spender:  # still inside find_page_date
            searched.set()
            checked.wait(timeout=60)
        return found

    monkeypatch.setattr(htmldate, "find_date", find_date_then_wait)
    spent = lxml.html.document_fromstring(_page([*odd_date_lines(MAX_EXTERNAL_PARSES + 5), READ_BY_DATEPARSER]))
    spender = threading.Thread(target=find_page_date, args=(spent, "http://site.test/one"))
    spender.start()
    try:
        assert searched.wait(timeout=60)
        alone = lxml.html.document_fromstring(_page([READ_BY_DATEPARSER]))
        found = find_page_date(alone, "http://site.test/two")
    finally:
        checked.set()
        spender.join()
    assert found is not None and found.date() == datetime(2019, 9, 3).date()


def test_a_search_leaves_htmldate_shared_cache_alone(external_calls: list[str]) -> None:
    """A search past its budget neither reads nor fills htmldate's string cache (nor empties
    it for other threads), and a caller outside find_page_date (trafilatura) then reads the
    line the search skipped as the date it is."""
    extractors.try_date_expr_opts(READ_BY_DATEPARSER.replace("2019", "2018"), _htmldate_options())
    before = extractors.try_date_expr.cache_info()
    spent = lxml.html.document_fromstring(_page([*odd_date_lines(MAX_EXTERNAL_PARSES + 5), READ_BY_DATEPARSER]))
    find_page_date(spent, "http://site.test/one")
    assert READ_BY_DATEPARSER not in external_calls  # skipped: the budget was spent before it
    assert extractors.try_date_expr.cache_info() == before
    assert extractors.try_date_expr_opts(READ_BY_DATEPARSER, _htmldate_options()) == "2019-09-03"


def test_outside_a_page_search_htmldate_is_not_bounded(external_calls: list[str]) -> None:
    """Another caller of htmldate (trafilatura's metadata, a script) keeps htmldate as it is."""
    for line in odd_date_lines(MAX_EXTERNAL_PARSES + 3):
        extractors._external_date(line)
    assert len(external_calls) == MAX_EXTERNAL_PARSES + 3
