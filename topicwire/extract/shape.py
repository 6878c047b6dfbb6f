"""A page's tree bounded for the extractor: at most ``MAX_ELEMENTS`` elements, none of them
holding more than ``MAX_CHILDREN`` children (in place).

Past its first ``MAX_ELEMENTS`` elements (in document order) a page is cut, as
extract/bound.py cuts one past 2 MB of markup. The extractor's cost grows faster than the
number of elements: trafilatura asks ``//p//text()`` of its tree and of its result, which
libxml2 answers in time that grows with the cube of the paragraphs (12,000 <p> 0.04 s,
24,000 0.3 s, 48,000 3.4 s; a 2 MB page holds 200,000 of the shortest). An article page of
../shared/corpus/pages has at most 6,749 elements (median 712).

libxml2's XPath sorts what a query finds into document order, and it orders two elements
under one parent by walking the sibling list from one to the other, to its end when the
other comes first. trafilatura and htmldate ask unions (``.//input|.//time|...``) and
searches over the whole page, so an element with tens of thousands of children makes
each of them quadratic: a 2 MB page of one <div> holding <input> and <time> elements
took over 2 minutes, one table row of 110,000 cells 57 s (trafilatura's table code also
counts the row's cells once per cell). Real pages have few: an element of the 815
../shared/corpus/pages holds at most 391 children, the 99th percentile 208.

An element over the limit is cut into pieces of ``MAX_CHILDREN`` children each, every
child and its text kept in order:

- a paragraph, list, table, row, heading or inline element becomes several of its kind,
  one after another, each with its tag and attributes (a table counts the rows of its
  row groups, which trafilatura strips: they go first);
- a container (the body, a <div>, an <article>, a cell, a list item, ...) keeps its
  place and holds its children in <div> groups: several <article>s or cells would be
  several articles or columns to an extractor.

Only pages that cross a limit change; no corpus page does.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

MAX_ELEMENTS = 20_000  # three times the corpus's largest page; 20,000 <p> cost ~0.1 s a query
MAX_CHILDREN = 500  # the corpus's largest is 391
# Kept whole, children grouped: more than one of them means something else to an extractor.
_CONTAINERS = frozenset(
    {
        *("body", "div", "section", "article", "main", "aside", "nav", "header", "footer", "form"),
        *("td", "th", "li", "dd", "dt", "figure", "details", "center", "noscript", "fieldset", "blockquote"),
    }
)
_ROW_GROUPS = ("tbody", "thead", "tfoot")


def bound_tree(tree: etree._Element) -> bool:
    """Bound the <head> and the <body> of ``tree`` (a page, in place): each cut after its
    first ``MAX_ELEMENTS`` elements, no element of the body holding more than
    ``MAX_CHILDREN`` children. True when anything was cut."""
    head, body = tree.find("head"), tree.find("body")
    cut = False
    for part in (head, body) if body is not None else (head, tree):
        if part is not None:
            cut = cut_after(part, MAX_ELEMENTS) or cut
    bound_shape(body if body is not None else tree)
    return cut


def within_bounds(tree: etree._Element, elements: Sequence[etree._Element]) -> bool:
    """Whether ``bound_tree`` would leave ``tree`` as it is, told from ``elements`` (its
    ``tree.iter()`` as a list, held by the caller) without its XPath scans (0.24 ms a corpus
    page): at most ``MAX_ELEMENTS`` nodes in all, no element of more than ``MAX_CHILDREN``
    children, no table of more rows. False when it may not (then ask ``bound_tree``)."""
    return (
        len(elements) <= MAX_ELEMENTS
        and max(map(len, elements), default=0) <= MAX_CHILDREN
        and all(_rows(table) <= MAX_CHILDREN for table in tree.iter("table"))
    )


def cut_after(root: etree._Element, count: int) -> bool:
    """Remove from ``root`` everything after its first ``count`` elements in document order
    (``root`` counts; the text after the last one kept goes too). True when any was there."""
    if root.xpath("count(descendant-or-self::*)") <= count:  # in C: most pages stop here
        return False
    first = next(element for i, element in enumerate(root.iter("*")) if i == count)
    node = first
    while node is not root:
        parent = node.getparent()
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)  # with its tail
        if node is first:
            parent.remove(node)
        else:
            node.tail = None  # the text after an ancestor's end comes after the cut too
        node = parent
    return True


def bound_shape(tree: etree._Element, limit: int = MAX_CHILDREN) -> int:
    """Cut every element of ``tree`` with more than ``limit`` children into pieces of
    ``limit``; return how many elements were cut (0 on any page of ../shared)."""
    # Found in C (a walk in Python cost 1-2% of a corpus page's extraction); a table
    # counts the rows of its row groups.
    found = tree.xpath(
        f"descendant-or-self::*[*[{limit + 1}]]"
        f" | descendant-or-self::table[count(*) + count(tbody/* | thead/* | tfoot/*) > {limit}]"
    )
    # Descendants before ancestors (reverse document order): the pieces an element is cut
    # into are its parent's children; a parent they take over the limit is cut in turn.
    pending = list(found)
    cut = 0
    while pending:
        element = pending.pop()
        if _in_table(element) or not _too_wide(element, limit):
            continue  # a table's row group is its table's to cut (found with it); or cut already
        parent = element.getparent()
        if element.tag == "table":
            for group in [child for child in element if child.tag in _ROW_GROUPS]:
                group.drop_tag()  # its own groups only (trafilatura strips them anyway); texts joined as strings
        if element.tag in _CONTAINERS or parent is None or element is tree:
            _group(element, limit)
        else:
            _split(element, limit)
            if _in_table(parent):  # a row cut into rows: its table counts them
                parent = parent.getparent()
            if _too_wide(parent, limit) and parent not in pending:
                pending.append(parent)
        cut += 1
    return cut


def _in_table(element: etree._Element) -> bool:
    """A row group of a table; libxml2 keeps a <tbody> or <thead> found elsewhere (in a
    <div>) where it is, and there it is cut like any other element."""
    parent = element.getparent()
    return element.tag in _ROW_GROUPS and parent is not None and parent.tag == "table"


def _too_wide(element: etree._Element, limit: int) -> bool:
    return (_rows(element) if element.tag == "table" else len(element)) > limit


def _rows(table: etree._Element) -> int:
    return sum(len(child) if child.tag in _ROW_GROUPS else 1 for child in table)


def _split(element: etree._Element, limit: int) -> None:
    """``element`` followed by copies of itself (tag and attributes but its id, which names
    one element), each holding the next ``limit`` of its children; its tail after the last."""
    children = list(element)
    tail, element.tail = element.tail, None
    attributes = {name: value for name, value in element.attrib.items() if name != "id"}
    last = element
    for start in range(limit, len(children), limit):
        piece = element.makeelement(element.tag, attributes)
        piece.extend(children[start : start + limit])  # moves them, with their tails
        last.addnext(piece)
        last = piece
    last.tail = tail


def _group(element: etree._Element, limit: int) -> None:
    """``element``'s children moved into <div> groups of ``limit``, in order."""
    children = list(element)
    groups = []
    for start in range(0, len(children), limit):
        group = element.makeelement("div", {})
        group.extend(children[start : start + limit])
        groups.append(group)
    element.extend(groups)
