"""What a hostile page's shape costs the extractor: each shape at a size and at a tenth of it.

Pages within extract/bound.py's 2 MB whose shape made libxml2's XPath or parser (and so
trafilatura and htmldate) superlinear: one element of tens of thousands of children,
runs of text nodes left by tag stripping, tens of thousands of paragraphs, a tag of
thousands of attributes, tens of thousands of closing headings. Each is timed through
``extract_article`` (date search on) and ``parse_page`` at ``--size`` and at a tenth of
it in the same process: the ratio of the two is ~10 when the cost is linear, ~100 when
quadratic. No baseline without the bounds: unbounded, some of these take hours.

    .venv/bin/python bench/shapes.py [--size 2000000] [SHAPE ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from topicwire.errors import ParseError  # noqa: E402
from topicwire.extract.article import extract_article  # noqa: E402
from topicwire.extract.bound import bound_page  # noqa: E402
from topicwire.sources.page import parse_page  # noqa: E402

HEAD = "<html><head><title>T</title><meta property='og:type' content='article'></head><body><article><h1>Headline</h1>"
TAIL = "</article></body></html>"
PARAGRAPH = "<p>" + "The minister said the talks would continue next week in the capital city. " * 4 + "</p>"


def _repeat(unit: str, size: int) -> str:
    return unit * max(size // len(unit), 1)


def _numbered(unit: str, size: int) -> str:
    return "".join(unit.format(i=i) for i in range(max(size // len(unit.format(i=0)), 1)))


BR_ROW = "<tr><td>a{i}<br>b<br>c</td><td>d<br>e{i}</td></tr>"
HEADLINE_ITEM = "<li><a href='/story/{i}-some-slug'>Story headline number {i} here</a></li>"
HEADLINE_LINK = "<a href='/2026/01/01/story-{i}'>Story {i}</a> "
SHAPES: dict[str, Callable[[int], str]] = {
    "spans in one <p>": lambda n: "<p>" + _repeat("<span>word</span> <a href='/x'>link</a> ", n) + "</p>",
    "cells in one row": lambda n: "<table><tr>" + _numbered("<td>cell text {i}</td>", n) + "</tr></table>",
    "<input>/<time> in one <div>": lambda n: "<div>" + _repeat("<input>tail <time>t</time> more ", n) + "</div>",
    "short paragraphs": lambda n: "<div>" + _numbered("<p>x{i}</p>", n) + "</div>",
    "distinct paragraphs": lambda n: _numbered("<p>Line number {i} with some words in it.</p>", n),
    "closing headings": lambda n: _numbered("<h2>Heading {i}</h2>", n),
    "labels": lambda n: _numbered("<p>More topics {i}:</p>", n),
    "rows of <br> cells": lambda n: "<table>" + _numbered(BR_ROW, n) + "</table>",
    "attributes on one tag": lambda n: "<p " + " ".join(f"a{i}='v'" for i in range(n // 10)) + ">x</p>",
    "headline links": lambda n: "<ul>" + _numbered(HEADLINE_ITEM, n) + "</ul>",
    # after a short article: trafilatura's recall escalation runs justext, whose context pass
    # was quadratic in a run of short paragraphs (extract/justext_linear.py)
    "short items after the article": lambda n: (
        "</article><ul>" + _numbered("<li><span>Story headline number {i} here today</span></li>", n) + "</ul><article>"
    ),
    # a brief of one sentence beside related headlines: trafilatura's baseline dumps the whole
    # page, and extract_article extracts again without the baseline (_without_page_dump)
    "a brief beside related links": lambda n: (
        "<h1>Ferry resumes</h1><p>The ferry resumed service on Monday after three weeks of storms.</p>"
        + _numbered("<div class='rel'><h3><a href='/2026/11/30/story-{i}/'>Summit in Baku ends {i}</a></h3></div>", n)
    ),
    # one list item holding every link (a comment section): each link's list-entry check
    # read the whole item (sources/teasers.in_list_entry)
    "links in one list item": lambda n: "<ul><li><span>" + _numbered(HEADLINE_LINK, n) + "</span></li></ul>",
}


def _timed(call: Callable[..., object], html: str, url: str, *args: str, cut: bool) -> float:
    started = time.perf_counter()
    try:
        call(html, url, *args, cut=cut)
    except ParseError:
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=2_000_000, help="characters of hostile markup per page")
    parser.add_argument("shapes", nargs="*", metavar="SHAPE", help=f"default: all of {', '.join(SHAPES)}")
    args = parser.parse_args()
    names = args.shapes or list(SHAPES)
    if unknown := [name for name in names if name not in SHAPES]:
        parser.error(f"unknown shapes: {', '.join(unknown)}")
    print(f"{'shape':30} {'size':>9} {'extract s':>9} {'x tenth':>8} {'page s':>8} {'x tenth':>8}")
    worst = 0.0
    for name in names:
        row = []
        for size in (args.size // 10, args.size):
            html, cut = bound_page(HEAD + PARAGRAPH * 3 + SHAPES[name](size) + TAIL)
            row.append(
                (
                    len(html),
                    _timed(extract_article, html, "http://shape.test/a", cut=cut),
                    _timed(parse_page, html, "http://shape.test/", "shape", cut=cut),
                )
            )
        (_, small_x, small_p), (chars, big_x, big_p) = row
        worst = max(worst, big_x, big_p)
        print(
            f"{name:30} {chars:>9} {big_x:>9.2f} {big_x / max(small_x, 1e-3):>8.1f}"
            f" {big_p:>8.2f} {big_p / max(small_p, 1e-3):>8.1f}",
            flush=True,
        )
    print(f"summary: {len(names)} shapes at {args.size} characters, slowest {worst:.2f} s")


if __name__ == "__main__":
    main()
