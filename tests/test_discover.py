"""Feed autodiscovery from realistic page heads (pure: no server needed)."""

from __future__ import annotations

import pytest

from topicwire.sources.discover import FoundFeed, discover_feeds

RSS, ATOM, JSON_FEED = "application/rss+xml", "application/atom+xml", "application/feed+json"

# What WordPress 6.x prints in <head>: posts and comments feeds, two oEmbed links,
# the REST API root and the page's REST resource (rel="alternate" application/json).
WORDPRESS = """<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8" />
<title>Hello world! &#8211; Example Blog</title>
<link rel="alternate" type="application/rss+xml" title="Example Blog &raquo; Feed" href="https://blog.example.com/feed/" />
<link rel="alternate" type="application/rss+xml" title="Example Blog &raquo; Comments Feed" href="https://blog.example.com/comments/feed/" />
<link rel="alternate" type="application/rss+xml" title="Example Blog &raquo; Hello world! Comments Feed" href="https://blog.example.com/2024/03/hello-world/feed/" />
<link rel="https://api.w.org/" href="https://blog.example.com/wp-json/" />
<link rel="alternate" title="JSON" type="application/json" href="https://blog.example.com/wp-json/wp/v2/posts/1" />
<link rel="EditURI" type="application/rsd+xml" title="RSD" href="https://blog.example.com/xmlrpc.php?rsd" />
<link rel="canonical" href="https://blog.example.com/2024/03/hello-world/" />
<link rel="alternate" title="oEmbed (JSON)" type="application/json+oembed" href="https://blog.example.com/wp-json/oembed/1.0/embed?url=https%3A%2F%2Fblog.example.com%2F2024%2F03%2Fhello-world%2F" />
<link rel="alternate" title="oEmbed (XML)" type="text/xml+oembed" href="https://blog.example.com/wp-json/oembed/1.0/embed?url=https%3A%2F%2Fblog.example.com%2F2024%2F03%2Fhello-world%2F&#038;format=xml" />
</head>
<body class="post-template-default single single-post"><p>Welcome to WordPress.</p></body>
</html>
"""  # noqa: E501 (verbatim markup)

GHOST = """<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="utf-8">
    <title>Ghost News</title>
    <link rel="icon" href="https://news.example.org/favicon.png" type="image/png">
    <link rel="canonical" href="https://news.example.org/">
    <meta name="referrer" content="no-referrer-when-downgrade">
    <meta property="og:site_name" content="Ghost News">
    <link rel="alternate" type="application/rss+xml" title="Ghost News" href="https://news.example.org/rss/">
    <script defer src="https://cdn.jsdelivr.net/ghost/portal@~2.37/umd/portal.min.js"></script>
</head>
<body class="home-template"></body>
</html>
"""

JSON_FEED_SITE = """<html><head>
<title>Micro</title>
<link rel="alternate" type="application/feed+json" title="JSON Feed" href="/feed.json">
<link rel="alternate" type="application/atom+xml" title="Atom" href="/feed.atom">
</head><body></body></html>
"""

# Before application/feed+json was registered, JSON Feeds were linked as application/json.
OLD_JSON_FEED = """<head>
<link rel="alternate" type="application/json" title="My JSON Feed" href="https://micro.example.net/posts.json">
<link rel="alternate" type="application/json" href="https://micro.example.net/feed.json">
<link rel="alternate" type="application/json" href="https://micro.example.net/api/page/3">
<link rel="alternate" type="application/json" title="JSON" href="https://micro.example.net/wp-json/wp/v2/pages/3">
</head>"""

RELATIVE = """<html><head>
<link rel="alternate" type="application/atom+xml" title="Atom" href="feed.atom">
<link rel="alternate" type="application/rss+xml" title="RSS" href="/rss.xml">
<link rel="alternate" type="application/rdf+xml" title="RDF" href="../index.rdf">
<link rel="alternate" type="application/rss+xml" title="Other site" href="//cdn.example.net/x.rss">
</head></html>"""

BASE_TAG = """<html><head>
<base href="https://static.example.com/blog/">
<link rel="alternate" type="application/rss+xml" title="RSS" href="rss.xml">
</head></html>"""

RELATIVE_BASE_TAG = """<html><head>
<base href="/archive/">
<link rel="alternate" type="application/rss+xml" href="rss.xml">
</head></html>"""

ODD_RELS = """<html><head>
<link rel="Alternate" type="Application/RSS+XML" title="  Upper\n   case  " href="/a.rss">
<link rel="alternate feed" type="application/atom+xml" href="/b.atom">
<link rel="ALTERNATE" type="application/rss+xml; charset=utf-8" href="/c.rss">
<link rel="feed" type="application/rss+xml" href="/no-alternate.rss">
<link rel="alternate stylesheet" type="text/css" href="/dark.css">
<link rel="alternate" hreflang="de" href="/de/">
<link type="application/rss+xml" href="/no-rel.rss">
</head></html>"""

DUPLICATES = """<html><head>
<link rel="alternate" type="application/rss+xml" title="First" href="/feed/">
<link rel="alternate" type="application/rss+xml" title="Again" href="https://site.example/feed/">
<link rel="alternate" type="application/atom+xml" title="Atom" href="/atom/">
<link rel="alternate" type="application/rss+xml" title="Third time" href="feed/">
</head></html>"""

SCHEMES = """<html><head>
<link rel="alternate" type="application/rss+xml" href="feed://site.example/rss">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="alternate" type="application/rss+xml" href="mailto:me@site.example">
<link rel="alternate" type="application/rss+xml" href="">
<link rel="alternate" type="application/rss+xml" href="http://[::1">
<link rel="alternate" type="application/rss+xml">
<link rel="alternate" type="application/rss+xml" href="  https://site.example/ok.rss  ">
</head></html>"""

# Not well-formed, no <head>, an XML declaration lxml refuses in a str: still read.
SLOPPY = """<?xml version="1.0" encoding="utf-8"?>
<link rel=alternate type=application/rss+xml href=/sloppy.rss title=Sloppy>
<p>unclosed <b>tags"""

DISCOVER_CASES = [
    (
        WORDPRESS,
        "https://blog.example.com/2024/03/hello-world/",
        (
            FoundFeed("https://blog.example.com/feed/", RSS, "Example Blog » Feed"),
            FoundFeed("https://blog.example.com/comments/feed/", RSS, "Example Blog » Comments Feed"),
            FoundFeed(
                "https://blog.example.com/2024/03/hello-world/feed/",
                RSS,
                "Example Blog » Hello world! Comments Feed",
            ),
        ),
    ),
    (GHOST, "https://news.example.org/", (FoundFeed("https://news.example.org/rss/", RSS, "Ghost News"),)),
    (
        JSON_FEED_SITE,
        "https://micro.example.net/",
        (
            FoundFeed("https://micro.example.net/feed.json", JSON_FEED, "JSON Feed"),
            FoundFeed("https://micro.example.net/feed.atom", ATOM, "Atom"),
        ),
    ),
    (
        OLD_JSON_FEED,
        "https://micro.example.net/",
        (
            FoundFeed("https://micro.example.net/posts.json", "application/json", "My JSON Feed"),
            FoundFeed("https://micro.example.net/feed.json", "application/json", ""),
        ),
    ),
    (
        RELATIVE,
        "https://site.example/blog/post/",
        (
            FoundFeed("https://site.example/blog/post/feed.atom", ATOM, "Atom"),
            FoundFeed("https://site.example/rss.xml", RSS, "RSS"),
            FoundFeed("https://site.example/blog/index.rdf", "application/rdf+xml", "RDF"),
            FoundFeed("https://cdn.example.net/x.rss", RSS, "Other site"),
        ),
    ),
    (BASE_TAG, "https://site.example/page", (FoundFeed("https://static.example.com/blog/rss.xml", RSS, "RSS"),)),
    (RELATIVE_BASE_TAG, "http://site.example/x/y", (FoundFeed("http://site.example/archive/rss.xml", RSS, ""),)),
    (
        ODD_RELS,
        "https://site.example/",
        (
            FoundFeed("https://site.example/a.rss", RSS, "Upper case"),
            FoundFeed("https://site.example/b.atom", ATOM, ""),
            FoundFeed("https://site.example/c.rss", RSS, ""),
        ),
    ),
    (
        DUPLICATES,
        "https://site.example/",
        (
            FoundFeed("https://site.example/feed/", RSS, "First"),
            FoundFeed("https://site.example/atom/", ATOM, "Atom"),
        ),
    ),
    (SCHEMES, "https://site.example/", (FoundFeed("https://site.example/ok.rss", RSS, ""),)),
    (SLOPPY, "https://site.example/a/", (FoundFeed("https://site.example/sloppy.rss", RSS, "Sloppy"),)),
]
DISCOVER_IDS = [
    "wordpress",
    "ghost",
    "json-feed",
    "json-feed-as-application-json",
    "relative-hrefs",
    "base-tag",
    "relative-base-tag",
    "odd-rels-and-types",
    "duplicates",
    "schemes-and-empty-hrefs",
    "sloppy-markup",
]


@pytest.mark.parametrize(("html", "url", "expected"), DISCOVER_CASES, ids=DISCOVER_IDS)
def test_discover_feeds(html: str, url: str, expected: tuple[FoundFeed, ...]) -> None:
    assert discover_feeds(html, url) == expected


@pytest.mark.parametrize("charset", ["utf-8", "windows-1252"], ids=["utf-8", "windows-1252"])
def test_bytes_read_with_the_declared_charset(charset: str) -> None:
    html = GHOST.replace("utf-8", charset).replace("Ghost News", "Caf\u00e9 News")
    url = "https://news.example.org/"
    assert discover_feeds(html.encode(charset), url) == discover_feeds(html, url)
    assert discover_feeds(html, url)[0].title == "Caf\u00e9 News"


def test_relative_hrefs_need_a_base_url() -> None:
    # Even "//cdn.example.net/x.rss" has no scheme without one: nothing to fetch.
    assert discover_feeds(RELATIVE, "") == ()
    assert discover_feeds(GHOST, "") == (FoundFeed("https://news.example.org/rss/", RSS, "Ghost News"),)


JUNK = [
    "",
    "   \n\t ",
    "no markup at all",
    "\x00\x01\x02\xff\xfe garbage",
    "\ud800 lone surrogate",
    "<",
    "<html><head></head><body><p>no feeds</p></body></html>",
    "<html><body><a rel='alternate' type='application/rss+xml' href='/a.rss'>RSS</a></body></html>",
    b"",
    b"\xff\xfe\x00\x00\x80\x81garbage\x00",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
    b'<?xml version="1.0"?><rss version="2.0"><channel><link>https://x.example/</link></channel></rss>',
]
JUNK_IDS = [
    "empty",
    "whitespace",
    "text",
    "control-chars",
    "lone-surrogate",
    "lone-lt",
    "no-links",
    "anchor-not-link",
    "empty-bytes",
    "binary",
    "png",
    "json",
    "rss-document",
]


@pytest.mark.parametrize("html", JUNK, ids=JUNK_IDS)
def test_junk_finds_nothing(html: str | bytes) -> None:
    assert discover_feeds(html, "https://site.example/") == ()
