"""htmldate's search for the publication date of a page that declares none, its cost bounded.

htmldate's extensive search reads every short text run of the page and hands each that
looks like a date but fits none of its own patterns ("3 Shawwal 2019 AH 15") to
dateparser, which guesses its language among some 200 locales: 5-15 ms a string, about
1 s for the first in a process. A page of 3,000 such distinct lines (84 KB) took 25 s of
one worker; a page within extract/bound.py's 2 MB, about ten minutes. Real pages need
few: over the 815 pages of ../shared/corpus/pages, 795 needed none, 15 one and 5 two.

So each search may call dateparser ``MAX_EXTERNAL_PARSES`` times; past that, a string
is read as no date (htmldate's own answer for a string dateparser cannot read). The budget
is per thread (worker threads search at the same time) and applies only inside
``find_page_date``.

Such an answer is no reading of the text, so it must not reach htmldate's string cache
(``try_date_expr``'s lru_cache, shared by all threads): another thread, within its
budget, would read it for a page holding the same string and find no date. Inside a
search, htmldate's calls of ``try_date_expr`` go to the uncached function through a memo
of that search's own; outside one (trafilatura, a script) they go to the cached function
as before. Within the budget the answers are the same: the function is pure.

htmldate has no option for this: the module wraps its private ``_external_date``, the one
place that calls dateparser (htmldate 1.11; 1.9 and 1.10 have no such function, hence the
pin in pyproject.toml), and replaces ``try_date_expr`` where htmldate looks it up by name
(extractors.py, core.py; meta.py only empties its cache). tests/test_finddate.py fails
when a release moves either.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from datetime import datetime
from typing import Any

import htmldate
import lxml.html
from htmldate import core as _core
from htmldate import extractors as _extractors

from topicwire.extract.dates import parse_date

MAX_EXTERNAL_PARSES = 8  # the corpus needs 2 at most; 8 cost ~0.1 s once warm
# .left: the dateparser calls this thread's search may still make; .memo: its answers of
# try_date_expr. Both None outside a search.
_state = threading.local()
_external_date = _extractors._external_date
_try_date_expr = _extractors.try_date_expr  # lru_cache'd, shared by every thread


def _bounded_external_date(string: str) -> datetime | None:
    left = getattr(_state, "left", None)
    if left is None:  # not inside find_page_date: htmldate called by someone else (trafilatura)
        return _external_date(string)
    if left <= 0:
        return None
    _state.left = left - 1
    return _external_date(string)


class _RoutedTryDateExpr:
    """htmldate's ``try_date_expr`` as its modules call it: outside a search the cached
    function; inside one the uncached function (``__wrapped__``), each answer kept for the
    rest of that search only, so one cut short by the budget reaches no other search."""

    cache_clear = staticmethod(_try_date_expr.cache_clear)  # htmldate.meta.reset_caches
    cache_info = staticmethod(_try_date_expr.cache_info)

    def __call__(self, *args: Any, **kwargs: Any) -> str | None:
        memo: dict[Hashable, str | None] | None = getattr(_state, "memo", None)
        if memo is None:
            return _try_date_expr(*args, **kwargs)
        key = (args, tuple(sorted(kwargs.items())))
        if key not in memo:
            memo[key] = _try_date_expr.__wrapped__(*args, **kwargs)
        return memo[key]


_extractors._external_date = _bounded_external_date
_routed_try_date_expr = _RoutedTryDateExpr()
_extractors.try_date_expr = _core.try_date_expr = _routed_try_date_expr  # type: ignore[assignment]


def find_page_date(tree: lxml.html.HtmlElement, url: str) -> datetime | None:
    """htmldate's reading of ``tree`` (it searches a copy): its URL, <time> elements, dated
    text near the title (trafilatura's own settings: extensive, original date), within
    ``MAX_EXTERNAL_PARSES`` calls of dateparser."""
    _state.left, _state.memo = MAX_EXTERNAL_PARSES, {}
    try:
        found = htmldate.find_date(tree, extensive_search=True, original_date=True, url=url)
    except (ValueError, TypeError):  # htmldate's own bugs on odd markup are not the page's fault
        return None
    finally:
        _state.left = _state.memo = None
    return parse_date(found) if isinstance(found, str) else None
