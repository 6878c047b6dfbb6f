"""Review of issue 15: one date parser with one pair of year bounds (datetimes.py).

schedule.http_date took any year before; datetimes.http_date drops one past MAX_YEAR. For
``Expires`` that turned "never expires" (``Fri, 31 Dec 9999 23:59:59 GMT``, a common way to
say it) into "unreadable, already expired": no freshness floor, so the source was polled at
its interval instead of at most once a day (MAX_FLOOR), as a ``max-age`` of a year gets.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from topicwire.schedule import MAX_FLOOR, freshness_floor, http_freshness

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expires",
    ["Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 2300 00:00:00 GMT"],
    ids=["year-9999", "year-2300"],
)
def test_an_expires_far_in_the_future_floors_like_a_year_of_max_age(expires: str) -> None:
    headers = {"Expires": expires, "Date": "Fri, 01 Mar 2024 12:00:00 GMT"}
    assert freshness_floor(headers, None, NOW) == MAX_FLOOR
    assert freshness_floor({"Cache-Control": "max-age=31536000"}, None, NOW) == MAX_FLOOR  # the same ask
    assert (http_freshness(headers, NOW) or 0) > MAX_FLOOR


def test_a_date_header_out_of_bounds_still_reads_as_now() -> None:
    headers = {"Expires": "Fri, 01 Mar 2024 13:00:00 GMT", "Date": "Wed, 01 Jan 1700 00:00:00 GMT"}
    assert http_freshness(headers, NOW) == 3600.0
