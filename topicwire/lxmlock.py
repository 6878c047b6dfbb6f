"""lxml runs in one thread at a time in this process: ``with LXML:`` around every entry.

A libxml2 document keeps its element and attribute names in a dictionary (a hash table)
that belongs to the parser that made it, and lxml 6 shares one per parser across threads:
lxml.html's, trafilatura's and htmldate's module-level parsers, our own, and the default
parser ``etree.Element`` uses. libxml2 parses, evaluates XPath and serializes without
Python's GIL, so one thread parsing a page while another renames or creates elements of a
document from the same parser writes one hash table from two threads at once. The daemon
then dies on SIGSEGV, or SIGABRT from glibc's heap checks: twice in CI (test_hostile_cost,
test_two_workers, each once in a dozen full runs), and within seconds in
bench/lxml_threads.py, which also shows one parser per parse does not crash. The parsers
are not all ours to replace, so every thread that touches lxml beside others holds this
lock instead: the CPU stages run inline (cpu.py), feed rendering (feeds/publish.py) and
feed discovery (pipeline.py). Little is lost: trafilatura is Python, so extractions mostly
waited on the GIL for each other already (bench/README.md). Worker processes run one call
at a time and take it uncontended.

Reentrant: a stage that calls another entry point (discovery inside a poll's parse) nests.
Enter it with ``holding_lxml()``, which also frees the trees an error's frames hold.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

LXML = threading.RLock()


@contextmanager
def holding_lxml() -> Iterator[None]:
    """LXML held around lxml work. An error leaves without the frames it passed through:
    they hold the work's trees (a page that was "no article"), which would be freed outside
    the lock where the caller drops the error. Its message and lines stay; an error from a
    worker process arrives without frames too."""
    with LXML:
        try:
            yield
        except BaseException as e:
            _drop_frames(e)
            raise


def _drop_frames(error: BaseException) -> None:
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        traceback.clear_frames(e.__traceback__)
        todo += [e.__cause__, e.__context__]
