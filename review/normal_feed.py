from topicwire.sources.feed import parse_feed
from topicwire.types import FetchResult
def feed(items, rss=True):
    doc = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T &amp; Co</title><link>https://x.example/news/</link>' + items + '</channel></rss>').encode()
    return parse_feed(FetchResult(requested_url="https://x.example/news/feed", url="https://x.example/news/feed", status=200, content=doc, content_type="application/rss+xml", charset="utf-8"), "s")
p = feed("""
<item><title><![CDATA[Q&A: AT&T's <b>big</b> deal — «Путин» 5 < 6]]></title><link>/a/1</link><guid>1</guid><description><![CDATA[<p>Tom &amp; Jerry &copy; 2024</p>]]></description></item>
<item><title>Tom &amp;amp; Jerry &#8212; 3 &lt; 4 &amp; R&amp;D&amp;copy</title><link>a/2?x=1&amp;y=2</link><guid>2</guid></item>
<item><title>Price: £5 &amp; up, &lt;Remastered&gt;</title><link>https://x.example/a/3</link><guid>3</guid><author>jane@example.org (Jane Doe)</author></item>
""")
for i in p.items:
    print(repr(i.title), i.url, repr(i.author), repr(i.summary[:80]))
