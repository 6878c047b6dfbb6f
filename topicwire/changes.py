"""Which stories changed since the feeds last read them: the placer marks, the publisher takes.

One object, owned by whoever runs both (the daemon, ``once``) and handed to each, so it
outlives a reload: the polls of the old pipeline still saving mark where the new
publisher looks (review 2: else a cached entry of an edited or joined story stayed
stale until the story changed again). ``mark_all`` is for changes to topic membership
wholesale (a rule re-evaluated, a topic removed, retention): every kept entry is read again.
"""

from __future__ import annotations

import threading


class StoryChanges:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: set[str] = set()
        self._all = False

    def mark(self, story_id: str) -> None:
        with self._lock:
            self._ids.add(story_id)

    def mark_all(self) -> None:
        with self._lock:
            self._all = True

    def pending(self) -> bool:
        """Whether a change is waiting for a publish to take it."""
        with self._lock:
            return bool(self._ids) or self._all

    def take(self) -> tuple[frozenset[str], bool]:
        """The stories changed since the last call, and whether everything did."""
        with self._lock:
            taken = frozenset(self._ids), self._all
            self._ids, self._all = set(), False
        return taken
