"""Author and publication date against the trafilatura evaluation set's expectations (issue 17).

    python bench/metadata.py [CORPUS_DIR] [--errors dev]

The eval set (pages/trafilatura/expectations.json) records, besides its snippets, the
author (384 pages), the publication date (506 pages) and the title (600 pages) its annotators read off each page.
Per page, in one process:

- topicwire: ``extract_article(html, url)``: its ``author`` and ``published`` (as a page
  source stores them);
- baseline:  ``trafilatura.extract_metadata(html)``: its ``author`` and ``date`` (htmldate).

Scores, on the pages whose expectation has the field, split dev/held out exactly as
bench/extraction.py splits them (dev to read errors on, held out to check a change on):

- author: the names compared as a set (folded, accents kept, split at "," ";" "/" "&"
  and "and"/"und"/"y"/"et"); ``right`` = the same set, ``part`` = a name shared,
  ``wrong`` = none shared, ``none`` = no author given. Precision = right / given,
  recall = right / expected.
- title: the words compared (folded); ``part`` = one holds the other (a site name left on,
  a kicker left off), ``wrong`` = neither.
- date: ``right`` = the same calendar day, or one day off: topicwire stores UTC and the
  annotators wrote the page's local date (an evening story in Buenos Aires is the next
  day in UTC); ``wrong`` = further off; ``none`` = no date.

Pages whose expectation lacks the field are not scored (the annotators left many
authors out that the page shows). The run ends with one ``summary:`` line.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import trafilatura  # noqa: E402
from extraction import Page, load, split  # noqa: E402

from topicwire.extract.article import extract_article  # noqa: E402

_NAME_SPLIT = re.compile(r"\s*(?:[,;/&]|\s(?:and|und|y|et)\s)\s*")
_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def names(value: object) -> frozenset[str]:
    text = "; ".join(v for v in value if isinstance(v, str)) if isinstance(value, list) else str(value or "")
    text = unicodedata.normalize("NFKC", text).casefold()
    return frozenset(" ".join(re.findall(r"\w+", part)) for part in _NAME_SPLIT.split(text) if part.strip())


def day(value: str | None) -> date | None:
    match = _DAY.search(value or "")
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def verdict(given: object, expected: object, shared: bool) -> str:
    """none, right (equal), part (``shared``: a name in common, one title inside the other), wrong."""
    if not given:
        return "none"
    if given == expected:
        return "right"
    return "part" if shared else "wrong"


def author_verdict(given: object, expected: object) -> str:
    ours, truth = names(given), names(expected)
    return verdict(ours, truth, bool(ours & truth))


def date_verdict(given: date | None, expected: date) -> str:
    if given is None:
        return "none"
    return "right" if abs((given - expected).days) <= 1 else "wrong"


def topicwire_fields(page: Page) -> tuple[str, date | None, str]:
    article = extract_article(page.html, page.url or "http://corpus.test/")
    return article.author or "", article.published.date() if article.published else None, article.title or ""


def baseline_fields(page: Page) -> tuple[str, date | None, str]:
    found = trafilatura.extract_metadata(page.html, default_url=page.url or None)
    return (found.author or "", day(found.date), found.title or "") if found else ("", None, "")


def title_verdict(given: str, expected: str) -> str:
    ours, truth = _words(given), _words(expected)
    return verdict(ours, truth, ours in truth or truth in ours)


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


def score(pages: list[Page], part: str, tally: Counter[tuple[str, ...]], errors: bool) -> None:
    for page in pages:
        expected_author, expected_day = page.truth.get("author"), day(str(page.truth.get("date") or ""))
        expected_title = str(page.truth.get("title") or "")
        for who, (author, published, title) in (
            ("topicwire", topicwire_fields(page)),
            ("trafilatura", baseline_fields(page)),
        ):
            if _words(expected_title):
                verdict = title_verdict(title, expected_title)
                tally[(part, "title", who, verdict)] += 1
                if errors and who == "topicwire" and verdict != "right":
                    print(f"title  {verdict:5} {page.key}: expected {expected_title!r}, got {title!r}")
            if names(expected_author):
                verdict = author_verdict(author, expected_author)
                tally[(part, "author", who, verdict)] += 1
                if errors and who == "topicwire" and verdict != "right":
                    print(f"author {verdict:5} {page.key}: expected {expected_author!r}, got {author!r}")
            if expected_day is not None:
                verdict = date_verdict(published, expected_day)
                tally[(part, "date", who, verdict)] += 1
                if errors and who == "topicwire" and verdict != "right":
                    print(f"date   {verdict:5} {page.key}: expected {expected_day}, got {published}")


def rates(tally: Counter[tuple[str, ...]], part: str, field: str, who: str) -> tuple[float, float, int]:
    counts = {v: tally[(part, field, who, v)] for v in ("right", "part", "wrong", "none")}
    expected = sum(counts.values())
    given = expected - counts["none"]
    return (counts["right"] / given if given else 0.0), (counts["right"] / expected if expected else 0.0), expected


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--errors", choices=("dev",), help="print the dev pages topicwire gets wrong")
    args = parser.parse_args()
    folder = args.corpus / "pages" / "trafilatura"
    if not folder.is_dir():
        sys.exit(f"bench/metadata.py: {folder} is missing (the trafilatura eval pages of ../shared/corpus)")
    dev, held = split(load(folder, "expectations.json", None))
    tally: Counter[tuple[str, ...]] = Counter()
    score(dev, "dev", tally, args.errors == "dev")
    score(held, "held", tally, False)
    columns = " ".join(f"{name:>5}" for name in ("pages", "right", "part", "wrong", "none"))
    print(f"{'part':5} {'field':7} {'extractor':12} {columns} {'P':>6} {'R':>6}")
    summary = []
    for part in ("dev", "held"):
        for field in ("author", "date", "title"):
            for who in ("topicwire", "trafilatura"):
                precision, recall, n = rates(tally, part, field, who)
                cells = " ".join(f"{tally[(part, field, who, v)]:5d}" for v in ("right", "part", "wrong", "none"))
                print(f"{part:5} {field:7} {who:12} {n:5d} {cells} {precision:6.3f} {recall:6.3f}")
                short = "tw" if who == "topicwire" else "bare"
                summary.append(f"{part}_{field}_{short}=P{precision:.3f},R{recall:.3f}")
    print("summary: " + " ".join(summary))


if __name__ == "__main__":
    main()
