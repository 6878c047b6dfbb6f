"""What topicwire gives out: feed documents from the store (doc_cache.py, entries.py), rendering
(render.py) and atomic writes (publish.py) driven by the Publisher (publisher.py), the
status page, the feed server and JSON API (serve.py, api.py), WebSub and webhooks."""
