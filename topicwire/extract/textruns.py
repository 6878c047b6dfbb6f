"""trafilatura's tag stripping, with the text it leaves merged (its cost bounded on hostile pages).

``lxml.etree.strip_tags`` takes elements out and leaves their text and tails in the tree
as separate, adjacent text nodes. libxml2 orders text nodes by the element before them,
so XPath orders a run of adjacent ones by walking it: a query over a run of n nodes costs
n² log n. trafilatura strips <span>, <font>, <abbr>, links and the like, then asks
``//p//text()`` of the tree: a paragraph of 16,000 ``<span>`` and links (400 KB) took
41 s, and 256 paragraphs of 250 took 120 s (a 2 MB page: hours). Real pages strip little
(an element of ../shared/corpus/pages has at most 198 inline children), and the cost
grows with the run: the fix is no runs, not a cap.

So the ``strip_tags`` that trafilatura's modules call (each imported the name from
lxml.etree) is rebound here to one that, after stripping, sets anew the text and the
children's tails of each element that took in stripped text: lxml reads a text as the
concatenation of its run and writes it back as one node. The strings are the same, so
trafilatura's result is too (all 815 corpus pages give the same text). A module that no
longer imports the name is left as it is, and tests/test_shape.py fails.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from lxml import etree
from trafilatura import core, external, htmlprocessing, main_extractor

_strip_tags = etree.strip_tags
PATCHED: tuple[ModuleType, ...] = (core, external, htmlprocessing, main_extractor)


def strip_tags_merged(tree: Any, *tag_names: Any) -> None:
    """``lxml.etree.strip_tags(tree, *tag_names)``, each run of text it leaves one node.

    Only the elements that receive a stripped element's text are rewritten (its nearest
    ancestor that stays): a walk of the whole tree after every strip cost 5% of a corpus
    page's extraction time."""
    if not tag_names:  # lxml strips nothing; iter() would walk every node (main_extractor asks it)
        return
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    stripped = [element for element in root.iter(*tag_names) if element is not root]
    if not stripped:
        return  # strip_tags would change nothing
    doomed = set(stripped)
    hosts: dict[etree._Element, None] = {}
    for element in stripped:
        parent = element.getparent()
        while parent in doomed:
            parent = parent.getparent()
        if parent is not None:
            hosts[parent] = None
    _strip_tags(tree, *tag_names)
    for host in hosts:
        merge_children_text(host)


def merge_children_text(element: etree._Element) -> None:
    """``element``'s text and its children's tails each rewritten as one text node."""
    if isinstance(element.tag, str) and (text := element.text):
        element.text = text
    for child in element:
        if tail := child.tail:
            child.tail = tail


for _module in PATCHED:
    if getattr(_module, "strip_tags", None) is _strip_tags:  # a release that moves it: tested
        _module.strip_tags = strip_tags_merged  # type: ignore[attr-defined]
