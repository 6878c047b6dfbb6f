"""Per-source template learning (topicwire/extract/template.py) on the fixture site.

Each outlet of tests/fixtures/site has one real page (Caucasus Wire has ten); more pages
of an outlet are made here by keeping its template markup and swapping the article
(the headline and the paragraphs of the element holding most of them) for one of the
ten Caucasus Wire teasers in expected.json. The template is learned from the FULL text
of the other pages (every line of the page, not the extractor's output), then applied
to the real page.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import lxml.html
import pytest

from topicwire.extract.article import extract_article
from topicwire.extract.clean import element_paragraphs
from topicwire.extract.template import (
    HALF_LIFE,
    Template,
    from_json,
    learn,
    settle,
    strip,
    template_blocks,
    to_json,
    unsettled,
)

SITE = Path(__file__).resolve().parent / "fixtures" / "site"
EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))
TEASERS = EXPECTED["listing"]["items"]
BASE = "http://news.test"

# The template text of each outlet: navigation, blurbs, disclaimers, comment rules,
# headline sidebars and footers (the fixture README lists them per seed).
OUTLETS = {
    "articles/000.html": ["Greta Thunberg", "Barerar.am", "14.11.2024 | 17:08", "Armenian Herald", "Politics"],
    "articles/001.html": ["About Us", "who are we", "copyright by Almasirah", "Contact Us", "Close gallery"],
    "articles/003.html": [
        "Legal Disclaimer",
        "MENAFN provides the information",
        "Most popular stories",
        "Market Research",
        "Baby Food",
        "No comment",
    ],
    "articles/004.html": ["WARNING: Comments", "Anka Daily", "Privacy Policy", "Last update"],
}


def read_page(path: str) -> lxml.html.HtmlElement:
    html = (SITE / path).read_text(encoding="utf-8").replace("{{BASE}}", BASE)
    return lxml.html.document_fromstring(html)


def page_lines(page: lxml.html.HtmlElement) -> tuple[str, ...]:
    """Every line of text on the page, as a reader would see it."""
    return element_paragraphs(copy.deepcopy(page).body)


def with_article(page: lxml.html.HtmlElement, title: str, paragraphs: list[str]) -> lxml.html.HtmlElement:
    """The same template around another article."""
    page = copy.deepcopy(page)
    body = max(page.iter("div"), key=lambda div: sum(len(p.text_content()) for p in div.iterchildren("p")))
    for p in list(body.iterchildren("p")):
        body.remove(p)
    for text in paragraphs:
        lxml.etree.SubElement(body, "p").text = text
    next(page.iter("h1")).text = title
    return page


def outlet_template(path: str, pages: int = 10) -> Template:
    """Learned from ``pages`` made-up pages of the outlet of ``path`` (not ``path`` itself)."""
    page, template = read_page(path), Template(path)
    for teaser in TEASERS[:pages]:
        other = with_article(page, teaser["title"], teaser["teaser"])
        template = learn(template, page_lines(other), BASE + teaser["path"])
    return template


def text_of(paragraphs: tuple[str, ...]) -> str:
    return "\n".join(paragraphs)


@pytest.mark.parametrize("path", sorted(OUTLETS), ids=lambda p: p.split("/")[-1])
def test_outlet_template_is_stripped_from_full_page_text(path: str) -> None:
    template = outlet_template(path)
    before = text_of(page_lines(read_page(path)))
    after = text_of(strip(template, page_lines(read_page(path))))
    for boilerplate in OUTLETS[path]:
        assert boilerplate in before
        assert boilerplate not in after, boilerplate
    for snippet in EXPECTED["articles"][path]["with"]:
        assert snippet in after


def test_caucasus_wire_sidebars_are_stripped_and_every_body_is_kept() -> None:
    pages = {item["path"]: read_page(item["path"].lstrip("/")) for item in TEASERS}
    for item in TEASERS:
        template = Template("caucasus-wire")
        for path, page in pages.items():
            if path != item["path"]:
                template = learn(template, page_lines(page), BASE + path)
        after = text_of(strip(template, page_lines(pages[item["path"]])))
        for boilerplate in ("Most read", "Read also", "Reproduction of materials", "Privacy policy"):
            assert boilerplate not in after
        for paragraph in item["teaser"]:
            assert paragraph.removesuffix("\u00a0…") in after


def test_extractor_output_loses_template_it_kept_and_nothing_else() -> None:
    # Learned from full pages, the template leaves the extractor's article text whole.
    template = outlet_template("articles/003.html")
    html = (SITE / "articles/003.html").read_text(encoding="utf-8").replace("{{BASE}}", BASE)
    paragraphs = tuple(extract_article(html, BASE + "/articles/003.html").text.split("\n\n"))
    assert strip(template, paragraphs) == paragraphs


def test_text_seen_on_fewer_than_k_pages_is_never_stripped() -> None:
    template = Template("s")
    for n in range(200):
        page = ["Home", "About Us", f"Story {n} happened.", f"Follow-up of story {n // 2}."]
        template = learn(template, page, f"/p/{n}")
    lines = ("Home", "About Us", "Story 7 happened.", "Follow-up of story 3.", "Never seen before.")
    assert strip(template, lines) == ("Story 7 happened.", "Follow-up of story 3.", "Never seen before.")
    assert strip(template, lines, min_pages=1) == strip(template, lines)  # 2 is the floor


def test_long_paragraph_needs_most_pages_short_line_a_few() -> None:
    disclaimer = " ".join(["We accept no liability for the content of this article."] * 6)
    wire = " ".join(["The war began in February 2022 when Russian troops crossed the border."] * 5)
    template = Template("s")
    for n in range(30):
        page = [f"Body {n}.", disclaimer, "Share this article"]
        page += [wire] if n % 10 == 0 else []  # a background paragraph in 3 of 30 articles
        page += ["Breaking: markets fall"] if n < 5 else []  # a sidebar headline for a day
        template = learn(template, page, f"/p/{n}")
    lines = ("Body 99.", disclaimer, wire, "Share this article", "Breaking: markets fall")
    assert strip(template, lines) == ("Body 99.", wire)


def test_template_adapts_when_the_site_changes() -> None:
    old, new = ["Old menu", "Old footer"], ["New menu", "New footer"]
    template = Template("s")
    for n in range(40):
        template = learn(template, [*old, f"Body {n}."], f"/a/{n}", half_life=8)
    assert strip(template, ["Old menu", "New menu", "x"]) == ("New menu", "x")
    for n in range(40):
        template = learn(template, [*new, f"Body b{n}."], f"/b/{n}", half_life=8)
    assert strip(template, ["Old menu", "New menu", "x"]) == ("Old menu", "x")
    hashes = {key for key, _ in learn(Template("t"), old, "/").blocks}
    assert not hashes & {key for key, _ in template.blocks}  # forgotten, not only below the bar
    assert len(template.blocks) <= 2 + 8  # the new template, and bodies of the last 8 pages


def test_old_template_block_fades_out_of_the_counts() -> None:
    template = Template("s")
    for n in range(HALF_LIFE * 2):
        template = learn(template, ["Old menu", f"Body {n}."], f"/a/{n}")
    for n in range(HALF_LIFE * 6):
        template = learn(template, ["New menu", f"Body b{n}."], f"/b/{n}")
    assert len(template_blocks(template)) == 1
    assert strip(template, ["Old menu", "New menu", "x"]) == ("Old menu", "x")


def test_same_page_learned_twice_counts_once() -> None:
    once = learn(Template("s"), ["a", "b", "a"], "/p/1")
    assert learn(once, ["a", "b"], "/p/1") == once
    assert once.blocks[0][1] == 1 and len(once.blocks) == 2


def test_blocks_are_bounded() -> None:
    template = Template("s")
    for n in range(100):
        template = learn(template, ["Menu", *(f"line {n}-{i}" for i in range(30))], f"/p/{n}", max_blocks=500)
    assert len(template.blocks) <= 500
    assert strip(template, ["Menu", "line 99-1"]) == ("line 99-1",)


def test_all_template_page_is_returned_whole() -> None:
    template = Template("s")
    for n in range(5):
        template = learn(template, ["Menu", "Same article text."], f"/p/{n}?utm={n}")
    assert strip(template, ["Menu", "Same article text."]) == ("Menu", "Same article text.")


def test_json_round_trip() -> None:
    template = outlet_template("articles/003.html")
    assert from_json(to_json(template)) == template
    for bad in ('{"format": 99}', '{"format": 1, "source": "s"}', '{"format": 1, "blocks": [["a"]]}', "[]"):
        with pytest.raises(ValueError):
            from_json(bad)


def test_settled_blocks_round_trip_and_follow_the_template() -> None:
    # Issue 17: the blocks already cleaned out of stored articles are saved with the template;
    # one saved before that existed has none settled, so its stored articles get cleaned once.
    template = outlet_template("articles/003.html")
    assert unsettled(template) == template_blocks(template) and template.settled == frozenset()
    settled = settle(template)
    assert unsettled(settled) == frozenset() and from_json(to_json(settled)) == settled
    older = json.loads(to_json(settled))
    del older["settled"]
    assert from_json(json.dumps(older)) == template
    # A settled block that decays out of the template must be cleaned again when it is back.
    fading = settle(
        learn(learn(learn(Template("s"), ["Widget line"], "/1"), ["Widget line"], "/2"), ["Widget line"], "/3")
    )
    assert fading.settled
    for n in range(4, 40):
        fading = learn(fading, [f"Story {n}"], f"/{n}")  # 3 of 39 pages: under SHORT_SHARE
    assert fading.settled == frozenset()
    for n in range(40, 44):
        fading = learn(fading, ["Widget line", f"Story {n}"], f"/{n}")
    assert unsettled(fading) == template_blocks(fading) != frozenset()
