"""htmldate's search for the publication date of a page that declares none, its cost bounded.

htmldate's extensive search reads every short text run of the page and hands each that
looks like a date but fits none of its own patterns ("3 Shawwal 2019 AH 15") to
dateparser, which guesses its language among some 200 locales: 5-15 ms a string, about
1 s for the first in a process. A page of 3,000 such distinct lines (84 KB) took 25 s of
one worker; a page within extract/bound.py's 2 MB, about ten minutes. Real pages need
few: over the 815 pages of ../shared/corpus/pages, 795 needed none, 15 one and 5 two.

So each search may call dateparser ``MAX_EXTERNAL_PARSES`` times; past that, a string
is read as no date (htmldate's own answer for a string dateparser cannot read), and
htmldate's string cache, which then holds answers that are no reading of the text, is
emptied. The budget is per thread (worker threads search at the same time) and applies
only inside ``find_page_date``.

htmldate has no option for this: the module wraps its private ``_external_date``, the one
place that calls dateparser (htmldate 1.11; 1.9 and 1.10 have no such function, hence the
pin in pyproject.toml); tests/test_finddate.py fails when a release moves it.
"""

from __future__ import annotations

import threading
from datetime import datetime

import htmldate
import lxml.html
from htmldate import extractors as _extractors

from topicwire.extract.dates import parse_date

MAX_EXTERNAL_PARSES = 8  # the corpus needs 2 at most; 8 cost ~0.1 s once warm
_state = threading.local()  # .left: the calls this thread's search may still make; None outside one
_external_date = _extractors._external_date


def _bounded_external_date(string: str) -> datetime | None:
    left = getattr(_state, "left", None)
    if left is None:  # not inside find_page_date: htmldate called by someone else (trafilatura)
        return _external_date(string)
    if left <= 0:
        _state.spent = True
        return None
    _state.left = left - 1
    return _external_date(string)


_extractors._external_date = _bounded_external_date


def find_page_date(tree: lxml.html.HtmlElement, url: str) -> datetime | None:
    """htmldate's reading of ``tree`` (it searches a copy): its URL, <time> elements, dated
    text near the title (trafilatura's own settings: extensive, original date), within
    ``MAX_EXTERNAL_PARSES`` calls of dateparser."""
    _state.left, _state.spent = MAX_EXTERNAL_PARSES, False
    try:
        found = htmldate.find_date(tree, extensive_search=True, original_date=True, url=url)
    except (ValueError, TypeError):  # htmldate's own bugs on odd markup are not the page's fault
        return None
    finally:
        _state.left = None
        if _state.spent:
            _extractors.try_date_expr.cache_clear()
    return parse_date(found) if isinstance(found, str) else None
