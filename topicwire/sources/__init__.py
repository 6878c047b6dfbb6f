"""Where articles come from: HTTP fetching with deadlines and caps (fetch.py, deadline.py),
per-host politeness and robots.txt (hosts.py, polite.py, robots.py), what a document is
(sniff.py, discover.py), and parsing feeds and pages into RawItems (feed.py, page.py)."""
