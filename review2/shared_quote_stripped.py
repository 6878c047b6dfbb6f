"""Review 2 (issue 17 x 18): a quote paragraph that three reports of one story repeat
verbatim (an agency's flash, its expanded story and a follow-up: common at TASS/RIA) is
taken for template and stripped from every copy, including, by the re-clean, the copies
stored before the third arrived. The story then has no statement and leaves the topic
the quote alone matched. Before issue 17 the first two copies kept it."""
import sys
sys.path.insert(0, "tests")
from test_sitetemplate import article, stored
from topicwire.extract.template import Template
from topicwire.sitetemplate import clean_poll, reclean_plan
from topicwire.statements.extract import extract_statements

QUOTE = "\u00abWe are not going to comment on this,\u00bb Kremlin spokesman Dmitry Peskov told reporters."
# (a) one first poll of 12 pages of which 3 report the same statement
poll = tuple(article(n, QUOTE if n < 3 else f"Other news {n} of the day, told at length.") for n in range(12))
cleaned, template = clean_poll(poll, Template("s"))
print("(a) first poll: copies keeping the quote:", sum(QUOTE in a.text for a in cleaned[:3]), "of 3;",
      "statements found in copy 0:", len(extract_statements(cleaned[0].text)), "(before cleaning:", len(extract_statements(poll[0].text)), ")")
# (b) two copies stored on earlier polls, the third arrives: the re-clean strips the stored ones
t = Template("s")
for n in range(12):
    _, t = clean_poll((article(100 + n, f"Filler {n} of yesterday"),), t)
for n in range(2):
    _, t = clean_poll((article(n, QUOTE),), t)
held = [stored(n, QUOTE) for n in range(2)]
_, t = clean_poll((article(2, QUOTE),), t)
plan, _ = reclean_plan(t, held, frozenset({"http://x/2"}))
print("(b) stored copies re-cleaned:", len(plan), "; quote left in them:", sum(QUOTE in r.article.text for r in plan))
