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
"""

from __future__ import annotations

import threading

LXML = threading.RLock()
