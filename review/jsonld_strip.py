"""Repro: bound.strip_heavy keeps a JSON-LD <script> 'whole' by copying its start tag and
then scanning its text like page markup: a "<style", "<script" or "<!--" inside the JSON
(articleBody with embedded HTML) starts a strip that eats the JSON-LD's own </script>, so
the page after it becomes script text and the article is lost (pages over MAX_PAGE_CHARS)."""
from topicwire.extract.bound import strip_heavy, bound_page
from topicwire.extract.article import extract_article
story = "<p>" + "The minister said the talks would resume next week in Geneva. " * 20 + "</p>"
jsonld = '<script type="application/ld+json">{"@type":"NewsArticle","headline":"Talks","articleBody":"how to use <script> tags"}</script>'
page = "<html><head><title>Talks</title>" + jsonld + "<script>" + "var x=1;" * 300_000 + "</script></head><body><article><h1>Talks resume</h1>" + story * 3 + "</article></body></html>"
print("page chars", len(page))
html, cut = bound_page(page)
print("after bound:", len(html), "cut", cut, "| '<article>' kept:", "<article>" in html, "| JSON-LD closed:", html.count("</script>"))
a = extract_article(html, "https://x.example/a/1", cut=cut)
print("extracted text chars:", len(a.text or ""))
