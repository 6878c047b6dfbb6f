"""Time, one home for it: the wall clock every stage is handed, and the epoch.

Stages decide with an explicit ``now`` (STYLE: decide purely); whoever runs them
passes ``clock()``, so tests inject a fixed one. ``EPOCH`` is the one Unix epoch:
a stored date that cannot be read decodes to it, and templates print it for an
empty date field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)
