"""extract/shape.py and extract/textruns.py: the page tree bounded before the extractor sees it.

The cost they bound is libxml2's (measured in their docstrings and in
tests/test_hostile_cost.py); here, what they do to a tree: every text kept in order,
no element over the limits, nothing changed on a page within them.
"""

from __future__ import annotations

import lxml.html
import pytest
from lxml import etree

from topicwire.extract import shape, textruns
from topicwire.extract.article import extract_article, parse_html

PARAGRAPH = "<p>" + "The minister said the talks would continue next week in the capital city. " * 4 + "</p>"


def _page(body: str) -> str:
    head = "<html><head><title>T</title></head><body><article><h1>Head line</h1>"
    return f"{head}{PARAGRAPH * 3}{body}</article></body></html>"


def _text(tree: etree._Element) -> str:
    return "".join(tree.itertext())


def _widest(tree: etree._Element) -> int:
    return max(len(element) for element in tree.iter())


def test_a_page_within_the_limits_is_left_as_it_is() -> None:
    html = _page("<ul>" + "".join(f"<li><a href='/{i}'>item {i}</a></li>" for i in range(300)) + "</ul>")
    tree = lxml.html.document_fromstring(html)
    before = etree.tostring(tree)
    assert shape.bound_tree(tree) is False
    assert etree.tostring(tree) == before


def test_a_paragraph_of_many_inline_elements_becomes_paragraphs_of_the_limit() -> None:
    spans = "".join(f"<span>w{i}</span> <a href='/{i}'>l{i}</a> " for i in range(600))
    tree = lxml.html.document_fromstring(_page(f"<p class='x'>Lead {spans}</p>after"))
    text = _text(tree)
    shape.bound_shape(tree.find("body"))
    pieces = [p for p in tree.iter("p") if p.get("class") == "x"]
    assert [len(p) for p in pieces] == [500, 500, 200]  # 1,200 children
    assert pieces[0].text == "Lead " and pieces[-1].tail == "after"
    assert _text(tree) == text


def test_a_container_keeps_its_place_and_groups_its_children() -> None:
    inputs = "".join(f"<input>tail {i} <time>t{i}</time> more " for i in range(700))
    tree = lxml.html.document_fromstring(_page(f"<div id='box'>{inputs}</div>"))
    text = _text(tree)
    shape.bound_shape(tree.find("body"))
    [box] = [d for d in tree.iter("div") if d.get("id") == "box"]
    assert [child.tag for child in box] == ["div", "div", "div"] and _widest(tree) <= shape.MAX_CHILDREN
    assert _text(tree) == text


def test_a_row_of_many_cells_and_a_table_of_many_rows_are_cut_into_rows_and_tables() -> None:
    row = "<tr>" + "".join(f"<td>c{i}</td>" for i in range(1_100)) + "</tr>"
    rows = "<tbody>" + "".join(f"<tr><td>r{i}</td></tr>" for i in range(1_200)) + "</tbody>"
    tree = lxml.html.document_fromstring(_page(f"<table id='wide'>{row}</table><table class='long'>{rows}</table>"))
    text = _text(tree)
    shape.bound_shape(tree.find("body"))
    wide = [t for t in tree.iter("table") if t.get("id") == "wide"]
    assert len(wide) == 1 and [len(r) for r in wide[0].iter("tr")] == [500, 500, 100]
    long = [t for t in tree.iter("table") if t.get("class") == "long"]
    assert [len(t) for t in long] == [500, 500, 200] and all(r.tag == "tr" for t in long for r in t)
    assert all(len(t.xpath("text()")) <= len(t) + 1 for t in long)  # no run of text nodes left
    assert _text(tree) == text and _widest(tree) <= shape.MAX_CHILDREN


def test_a_body_of_many_children_is_grouped() -> None:
    paragraphs = "".join(f"<p>p{i}</p>" for i in range(1_001))
    tree = lxml.html.document_fromstring(f"<html><body>{paragraphs}</body></html>")
    text = _text(tree)
    assert shape.bound_tree(tree) is False  # grouped, not cut
    assert [len(group) for group in tree.find("body")] == [500, 500, 1] and _text(tree) == text


def test_a_tree_is_cut_after_its_first_elements_in_document_order() -> None:
    tree = lxml.html.fromstring("<div>a<p>b<b>c</b>d</p>e<p>f<i>g</i>h</p>i</div>")
    assert shape.cut_after(tree, 3) is True  # div, p, b
    assert etree.tostring(tree) == b"<div>a<p>b<b>c</b>d</p>e</div>"
    assert shape.cut_after(tree, 3) is False


def test_the_text_after_an_ancestor_of_the_cut_goes_too() -> None:
    tree = lxml.html.fromstring("<div><p>a<b>x</b><i>y</i>after i</p>after p</div>")
    assert shape.cut_after(tree, 3) is True  # div, p, b
    assert etree.tostring(tree) == b"<div><p>a<b>x</b></p></div>"


def test_pieces_of_a_cut_element_do_not_repeat_its_id() -> None:
    items = "".join(f"<li>item {i}</li>" for i in range(1_200))
    tree = lxml.html.document_fromstring(_page(f"<ul id='list' class='items'>{items}</ul>"))
    shape.bound_shape(tree.find("body"))
    pieces = [u for u in tree.iter("ul") if u.get("class") == "items"]
    assert [u.get("id") for u in pieces] == ["list", None, None]


def test_a_long_table_keeps_the_row_groups_of_the_tables_in_its_cells() -> None:
    inner = "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>in</td></tr></tbody></table>"
    rows = (
        "<tbody>" + f"<tr><td>{inner}</td></tr>" + "".join(f"<tr><td>r{i}</td></tr>" for i in range(1_200)) + "</tbody>"
    )
    tree = lxml.html.document_fromstring(_page(f"<table class='long'>{rows}</table>"))
    text = _text(tree)
    shape.bound_shape(tree.find("body"))
    assert [len(list(t.iter("thead"))) for t in tree.iter("table") if t.get("class") == "long"] == [1, 0, 0]
    assert _text(tree) == text


def test_a_page_of_too_many_elements_is_cut_and_says_so() -> None:
    paragraphs = "".join(f"<p>Paragraph number {i} of a page with far too many of them.</p>" for i in range(25_000))
    article = extract_article(_page(paragraphs), "http://x.test/a", find_date=False)
    assert ("text", article.provenance[-1][1]) == ("text", "trafilatura:balanced:cut")
    assert "Paragraph number 0 of" in article.text and "Paragraph number 24999" not in article.text
    tree = parse_html(_page(paragraphs), "http://x.test/a")
    # The first MAX_ELEMENTS of the body: itself, <article>, <h1> and then paragraphs only.
    assert sum(1 for _ in tree.find("body").iter("p")) == shape.MAX_ELEMENTS - 3


def test_a_page_within_the_limits_is_not_marked_cut() -> None:
    article = extract_article(_page(""), "http://x.test/a", find_date=False)
    assert not article.provenance[-1][1].endswith(":cut")


@pytest.mark.parametrize("module", textruns.PATCHED, ids=lambda m: m.__name__)
def test_trafilatura_strips_tags_with_the_text_merged(module: object) -> None:
    """Fails when a trafilatura release stops importing strip_tags by name: the rebinding
    would then do nothing, and a page of stripped tags would cost minutes again."""
    assert module.strip_tags is textruns.strip_tags_merged  # type: ignore[attr-defined]


def test_stripping_leaves_one_text_node_where_lxml_leaves_a_run() -> None:
    html = "<div><p>a" + "".join(f"<span>w{i}</span> <b>x</b>" for i in range(50)) + "z</p></div>"
    plain, merged = lxml.html.fromstring(html), lxml.html.fromstring(html)
    etree.strip_tags(plain, "span")
    textruns.strip_tags_merged(merged, "span")
    assert len(plain.xpath("//p/text()")) > 51  # the run lxml leaves: a text node per piece
    assert len(merged.xpath("//p/text()")) == 51  # one before each <b> and one after the last
    assert etree.tostring(plain) == etree.tostring(merged)


ROW_GROUP_SHAPES = {
    # libxml2 keeps a row group where it finds it: a <thead> in a <div> is no table's
    "thead-in-a-div": "<div><thead>" + "<input>tail <time>t</time> more " * 700 + "</thead></div>",
    # a table's <tbody> of other elements than rows: the table counts them
    "tbody-of-inputs": "<table><tbody>" + "<input>tail <time>t</time> more " * 700 + "</tbody></table>",
    # a row of many cells cut into rows takes its <tbody> over the limit: the table is cut in turn
    "row-cut-into-rows": f"<table><tbody>{'<tr><td>r</td></tr>' * 499}<tr>{'<td>c</td>' * 1_200}</tr></tbody></table>",
}


@pytest.mark.parametrize("body", ROW_GROUP_SHAPES.values(), ids=ROW_GROUP_SHAPES.keys())
def test_row_groups_outside_tables_and_tables_of_wide_row_groups_are_cut(body: str) -> None:
    tree = lxml.html.document_fromstring(_page(body))
    text = _text(tree)
    shape.bound_shape(tree.find("body"))
    assert _widest(tree) <= shape.MAX_CHILDREN and _text(tree) == text


WITHIN_OR_NOT = {
    "a-list-of-300-items": ("<ul>" + "<li><a href='/'>item</a></li>" * 300 + "</ul>", True),
    "a-row-of-many-cells": ("<table><tr>" + "<td>c</td>" * 600 + "</tr></table>", False),
    "two-row-groups-of-300-rows": ("<table>" + f"<tbody>{'<tr><td>r</td></tr>' * 300}</tbody>" * 2 + "</table>", False),
    "too-many-elements": ("<div><p>p</p></div>" * (shape.MAX_ELEMENTS // 2), False),
    **{name: (body, False) for name, body in ROW_GROUP_SHAPES.items()},
}


@pytest.mark.parametrize(("body", "within"), WITHIN_OR_NOT.values(), ids=WITHIN_OR_NOT.keys())
def test_within_bounds_says_what_bound_tree_would_do(body: str, within: bool) -> None:
    """within_bounds lets article.py skip bound_tree's XPath scans: when it says a page is
    within them, bound_tree leaves the page as it is."""
    tree = lxml.html.document_fromstring(_page(body))
    assert shape.within_bounds(tree, list(tree.iter())) is within
    before = etree.tostring(tree)
    shape.bound_tree(tree)
    assert (etree.tostring(tree) == before) is within


def test_stripping_no_tag_names_is_as_lxml_leaves_it() -> None:
    """main_extractor strips the set of a paragraph's unexpected tags, often empty: lxml
    then does nothing, and so must the rebinding (it walked the whole element and
    rewrote its text)."""
    html = "<p>a" + "".join(f"<span>w{i}</span> <b>x</b>" for i in range(50)) + "z</p>"
    plain, merged = lxml.html.fromstring(html), lxml.html.fromstring(html)
    for tree in (plain, merged):
        etree.strip_tags(tree, "span")  # the runs lxml leaves
    etree.strip_tags(plain)
    textruns.strip_tags_merged(merged)
    assert len(merged.xpath("text()")) == len(plain.xpath("text()")) > 51


def test_stripping_an_element_tree_merges_its_root_text() -> None:
    """lxml strips under an ElementTree's root, never the root itself."""
    root = etree.fromstring("<span>x" + "<span>y</span>z" * 20 + "</span>")
    textruns.strip_tags_merged(etree.ElementTree(root), "span")
    assert etree.tostring(root) == b"<span>x" + b"yz" * 20 + b"</span>"
    assert len(root.xpath("/span/text()")) == 1
