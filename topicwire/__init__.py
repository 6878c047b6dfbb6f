"""topicwire: a scheduled news ingestion daemon. The house, lowest floor first:

    types.py errors.py values.py clock.py datetimes.py log.py changes.py metrics.py lxmlock.py cpu.py
                  shared by all
    schedule.py   when a source is next due (pure arithmetic)
    sources/      HTTP fetching, politeness, and parsing feeds and pages into items
    extract/      an article page's full text, dates, canonical URL
    dedup/        exact and near-duplicate keys; the story desk
    topics/       the topic query language and its matcher
    statements/   who said what in an article
    store/        the only place with SQL
    config/       the config file, every key declared once (keys.py)
    feeds/        rendering and publishing feeds, the feed server, JSON API, WebSub, webhooks
    placement.py sitetemplate.py prepare.py pipeline.py   ingestion: poll -> store (pipeline.py)
    upkeep.py     the store kept in line with the config (start-up, reload) and retention
    daemon/       the CLI, the long-running service, its scheduler and signals

An import only ever points down this list (tests/test_layers.py).
"""

__version__ = "0.1.0"
