"""Every field extract_article gives on every corpus page, written to one file to diff.

    python bench/identical.py OUT [CORPUS_DIR] [--stages]

For changes meant to make the chain cheaper without changing its output (issue 17): run
it before and after, then ``cmp`` the two files. ``--stages`` also writes what the
stages in front of trafilatura give on their own (layout.page_blocks, prune.prune_page's
page size and the pruned tree), so a difference shows where it starts. Pages are loaded
as bench/extraction.py loads them (both sets).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from extraction import load  # noqa: E402
from lxml import etree  # noqa: E402

from topicwire.errors import ParseError  # noqa: E402
from topicwire.extract.article import extract_article, parse_html  # noqa: E402
from topicwire.extract.layout import page_blocks  # noqa: E402
from topicwire.extract.prune import prune_page  # noqa: E402

FIELDS = (
    "text",
    "html",
    "title",
    "author",
    "published",
    "updated",
    "language",
    "canonical_url",
    "method",
    "provenance",
    "declared_article",
    "layout",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--stages", action="store_true", help="also the stages before trafilatura")
    args = parser.parse_args()
    pages = load(args.corpus / "pages" / "trafilatura", "expectations.json", None) + load(
        args.corpus / "pages" / "article-extraction-benchmark", "ground-truth.json", None
    )
    with args.out.open("w", encoding="utf-8") as out:
        for page in pages:
            url = page.url or "http://corpus.test/"
            out.write(f"== {page.key}\n")
            try:
                found = extract_article(page.html, url)
            except ParseError as e:
                out.write(f"ParseError {e}\n")
            else:
                for name in FIELDS:
                    out.write(f"{name}: {getattr(found, name)!r}\n")
            if args.stages:
                _stages(page.html, url, out)
    print(f"{len(pages)} pages -> {args.out}")


def _stages(html: str, url: str, out) -> None:  # type: ignore[no-untyped-def]
    try:
        tree = parse_html(html, url)
    except ParseError as e:
        out.write(f"stages: ParseError {e}\n")
        return
    out.write(f"page_blocks: {page_blocks(tree)!r}\n")
    out.write(f"prune_page: {prune_page(tree)}\n")
    pruned = hashlib.sha256(etree.tostring(tree, encoding="unicode").encode()).hexdigest()
    out.write(f"pruned tree: {pruned}\n")


if __name__ == "__main__":
    main()
