from topicwire.sources.feed import parse_feed
from topicwire.types import FetchResult
doc = '''<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://x.example/blog/">
<title type="html">A &amp;amp; B</title><id>urn:x</id><updated>2026-01-01T00:00:00Z</updated>
<entry><title type="html"><![CDATA[Q&amp;A: <em>Путин</em> & co]]></title><link href="posts/1"/><id>urn:1</id><updated>2026-01-02T00:00:00Z</updated>
<author><name>Jane &amp; John</name></author><content type="html">&lt;p&gt;Body &amp;amp; more &lt;a href="/x"&gt;rel&lt;/a&gt;&lt;/p&gt;</content></entry>
<entry><title>Plain 3 &lt; 4</title><link href="/abs/2"/><id>urn:2</id><updated>2026-01-03T00:00:00Z</updated><summary>s</summary></entry>
</feed>'''.encode()
p = parse_feed(FetchResult(requested_url="https://x.example/f", url="https://x.example/f", status=200, content=doc, content_type="application/atom+xml", charset="utf-8"), "s")
print(repr(p.title))
for i in p.items: print(repr(i.title), i.url, repr(i.author), repr(i.content[:100]))
