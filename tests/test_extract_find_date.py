"""extract_article(find_date=False): the pipeline skips htmldate's search when the feed
entry already dates the article; with it, a page that declares no date is still dated."""

from __future__ import annotations

from topicwire.extract.article import extract_article

BODY = "".join(
    f"<p>Paragraph {n}: officials in Baku and Yerevan met again to discuss the border, and both sides "
    f"described the talks as constructive, the foreign ministry said in a statement on its website.</p>"
    for n in range(6)
)
PAGE = f"<html><head><title>Talks</title></head><body><article><h1>Talks</h1>{BODY}</article></body></html>"
URL = "https://news.test/2021/09/21/talks-resume.html"  # the date is only in the URL


def test_date_search_runs_only_when_asked() -> None:
    found = extract_article(PAGE, URL)
    assert found.published is not None and found.published.date().isoformat() == "2021-09-21"
    assert ("published", "htmldate") in found.provenance
    skipped = extract_article(PAGE, URL, find_date=False)
    assert skipped.published is None and skipped.text == found.text
