"""Schema text and numbered migrations (reader's ``_schema.py``).

Migration N brings a database from version N-1 to N. The version lives in the
portable ``schema_version`` table, not in a SQLite pragma, so the same
migrations run on PostgreSQL: they are written in SQLite's DDL and the dialect
translates each statement (store/dialect.py: BLOB -> BYTEA...), so a new migration
is written once. A database newer than the code is refused, on both.
"""

from __future__ import annotations

from topicwire.errors import StoreError
from topicwire.store.dialect import DB, Dialect

# Timestamps are ISO 8601 strings in UTC ("2024-11-14T17:08:00+00:00"): they sort
# as text and mean the same on every database.
MIGRATIONS: tuple[str, ...] = (
    # 1: sources, HTTP cache, articles, item keys, topic membership
    """
    CREATE TABLE sources (
        name         TEXT PRIMARY KEY,
        url          TEXT NOT NULL,
        kind         TEXT NOT NULL DEFAULT 'auto',
        title        TEXT NOT NULL DEFAULT '',
        status       TEXT NOT NULL DEFAULT 'never',
        error        TEXT,
        error_count  INTEGER NOT NULL DEFAULT 0,
        last_polled  TEXT,
        last_success TEXT,
        next_due     TEXT
    );
    CREATE TABLE http_cache (
        url           TEXT PRIMARY KEY,
        etag          TEXT,
        last_modified TEXT,
        checked       TEXT NOT NULL
    );
    CREATE TABLE articles (
        uid        TEXT PRIMARY KEY,
        source     TEXT NOT NULL,
        guid_key   TEXT NOT NULL UNIQUE,
        url        TEXT NOT NULL,
        text_hash  TEXT NOT NULL DEFAULT '',
        title      TEXT NOT NULL,
        text       TEXT NOT NULL,
        html       TEXT NOT NULL,
        summary    TEXT NOT NULL,
        author     TEXT,
        language   TEXT,
        method     TEXT NOT NULL,
        published  TEXT NOT NULL,
        updated    TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen  TEXT NOT NULL
    );
    CREATE INDEX articles_url ON articles (url);
    CREATE INDEX articles_text_hash ON articles (text_hash);
    CREATE INDEX articles_published ON articles (published);
    CREATE TABLE item_keys (
        source   TEXT NOT NULL,
        item_key TEXT NOT NULL,
        -- NULL once retention pruned the article: the key stays known, so an
        -- entry still listed in its feed is not ingested again as new.
        uid      TEXT REFERENCES articles (uid) ON DELETE SET NULL,
        seen     TEXT NOT NULL,
        PRIMARY KEY (source, item_key)
    );
    CREATE TABLE topic_articles (
        topic   TEXT NOT NULL,
        uid     TEXT NOT NULL REFERENCES articles (uid) ON DELETE CASCADE,
        matched TEXT NOT NULL,
        PRIMARY KEY (topic, uid)
    );
    CREATE INDEX topic_articles_uid ON topic_articles (uid);
    CREATE TABLE topic_rules (
        topic TEXT PRIMARY KEY,
        rule  TEXT NOT NULL
    );
    """,
    # 2: scheduling state that survives restarts, moved and retired sources
    """
    ALTER TABLE sources ADD COLUMN config_url TEXT;
    ALTER TABLE sources ADD COLUMN interval_s REAL;
    ALTER TABLE sources ADD COLUMN retry_after TEXT;
    ALTER TABLE sources ADD COLUMN retired TEXT;
    UPDATE sources SET config_url = url;
    CREATE INDEX articles_source ON articles (source);
    CREATE TABLE source_templates (
        source  TEXT PRIMARY KEY,
        data    TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    """,
    # 3: stories (issue 5): every article belongs to one; topic feeds list stories
    """
    CREATE TABLE stories (
        id             TEXT PRIMARY KEY,  -- the uid of the article that started it, never changed
        representative TEXT NOT NULL,     -- uid of the article the feed entry shows
        published      TEXT NOT NULL,     -- the earliest member's publication time
        updated        TEXT NOT NULL,     -- the feed entry's updated time
        first_seen     TEXT NOT NULL,
        last_seen      TEXT NOT NULL
    );
    ALTER TABLE articles ADD COLUMN story_id TEXT;
    ALTER TABLE articles ADD COLUMN joined TEXT NOT NULL DEFAULT '';
    ALTER TABLE articles ADD COLUMN minhash BLOB;
    ALTER TABLE articles ADD COLUMN provenance TEXT NOT NULL DEFAULT '';
    UPDATE articles SET story_id = uid;
    INSERT INTO stories (id, representative, published, updated, first_seen, last_seen)
        SELECT uid, uid, published, updated, first_seen, last_seen FROM articles;
    CREATE INDEX articles_story ON articles (story_id);
    CREATE INDEX articles_first_seen ON articles (first_seen);
    -- Which stories a topic feed lists, with the story's time for ordering: a feed
    -- is one indexed range read, however many articles the store holds.
    CREATE TABLE topic_stories (
        topic     TEXT NOT NULL,
        story_id  TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
        published TEXT NOT NULL,
        PRIMARY KEY (topic, story_id)
    );
    CREATE INDEX topic_stories_order ON topic_stories (topic, published);
    CREATE INDEX topic_stories_story ON topic_stories (story_id);
    INSERT INTO topic_stories (topic, story_id, published)
        SELECT t.topic, t.uid, a.published FROM topic_articles t JOIN articles a ON a.uid = t.uid;
    """,
    # 4: the webhook outbox (issue 18): one row per new entry of a topic with a webhook,
    # written in the transaction that makes the entry, so no crash can lose one
    """
    CREATE TABLE deliveries (
        id         INTEGER PRIMARY KEY,
        topic      TEXT NOT NULL,
        kind       TEXT NOT NULL,              -- 'story' (statements later)
        entry      TEXT NOT NULL,              -- the story id
        created    TEXT NOT NULL,
        status     TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | dead
        attempts   INTEGER NOT NULL DEFAULT 0,
        next_try   TEXT NOT NULL,
        last_try   TEXT,
        last_error TEXT,
        body       BLOB,                       -- the JSON sent, frozen at the first attempt
        UNIQUE (topic, kind, entry)
    );
    CREATE INDEX deliveries_due ON deliveries (status, topic, next_try);
    """,
    # 5: attributed statements (issue 18), extracted from each article's text
    """
    CREATE TABLE statements (
        uid       TEXT NOT NULL REFERENCES articles (uid) ON DELETE CASCADE,
        position  INTEGER NOT NULL,  -- order in the article
        speaker   TEXT NOT NULL,     -- as written
        resolved  TEXT NOT NULL,     -- the name a pronoun refers to, else the speaker
        alias     TEXT,              -- the [aliases] set the speaker belongs to
        kind      TEXT NOT NULL,     -- direct or reported
        language  TEXT NOT NULL,
        paragraph INTEGER NOT NULL,
        start     INTEGER NOT NULL,  -- character span in the article text
        stop      INTEGER NOT NULL,
        verb      TEXT NOT NULL,
        text      TEXT NOT NULL,
        PRIMARY KEY (uid, position)
    );
    CREATE INDEX statements_alias ON statements (alias);
    -- Which text and which aliases an article's statements were extracted with: an
    -- article missing here, or with other aliases, is extracted again.
    CREATE TABLE statement_sources (
        uid       TEXT PRIMARY KEY REFERENCES articles (uid) ON DELETE CASCADE,
        text_hash TEXT NOT NULL,     -- the article's text_hash and text length when extracted
        text_len  INTEGER NOT NULL,
        aliases   TEXT NOT NULL      -- signature of the [aliases] the speakers were resolved with
    );
    CREATE INDEX statement_sources_aliases ON statement_sources (aliases, uid);
    """,
    # 6: the schedule lives in the store (issue 16): a worker claims the sources that are due,
    # with a lease, and releases each with its next due time; a worker that dies loses its
    # claims when their leases run out. `active`: the config names the source (removed
    # sources keep their rows and articles but are never claimed).
    """
    ALTER TABLE sources ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE sources ADD COLUMN lease_owner TEXT;
    ALTER TABLE sources ADD COLUMN lease_until TEXT;
    CREATE INDEX sources_due ON sources (next_due);
    """,
    # 7: the feed files the publishing worker wrote, for the other workers of a shared
    # store (store/feed_files.py)
    """
    CREATE TABLE feed_files (
        name    TEXT PRIMARY KEY,  -- file name in the output folder: kremlin.rss, index.opml
        data    BLOB NOT NULL,
        digest  TEXT NOT NULL,     -- sha256 of data, hex
        updated TEXT NOT NULL
    );
    """,
    # 8: per-host politeness shared by every worker (issue 16 point 1, store/hosts.py). Times
    # are unix seconds (REAL), not ISO text: the spacing is added to them in SQL.
    """
    CREATE TABLE hosts (
        host       TEXT PRIMARY KEY,  -- host[:port], lower-cased
        next_start REAL NOT NULL      -- no request to the host starts before this
    );
    CREATE TABLE host_pauses (
        host         TEXT NOT NULL,
        url          TEXT NOT NULL,   -- '' : every URL of the host (429s from several of them)
        until        REAL NOT NULL,   -- Retry-After: no request before this
        struck_at    REAL,            -- the URL's last 429: the host-wide pause counts these
        struck_until REAL,            -- the end that 429 asked for
        PRIMARY KEY (host, url)
    );
    """,
    # 9: the workers sharing the store (issue 16 point 5): each running daemon heartbeats its
    # row ("host:pid", the id it leases sources under) and removes it on a clean stop, so
    # `topicwire stats` shows who is alive and what it holds.
    """
    CREATE TABLE workers (
        id        TEXT PRIMARY KEY,  -- host:pid, sources.lease_owner
        started   TEXT NOT NULL,
        heartbeat TEXT NOT NULL
    );
    """,
    # 10: the near-duplicate index lives in the store (issue 16 point 3): the LSH band hashes of
    # each recent article's MinHash (store/bands.py), so a copy placed by one worker finds the
    # story another worker started. Filled for the articles of the dedup window at start-up
    # (placement.Placer.load), then written with each article.
    """
    CREATE TABLE bands (
        uid       TEXT NOT NULL REFERENCES articles (uid) ON DELETE CASCADE,
        band      INTEGER NOT NULL,  -- 0..41 (dedup/lsh.py)
        band_hash INTEGER NOT NULL,  -- the band's 58-bit hash
        published TEXT NOT NULL,     -- the article's: candidates are published within the window
        seen      TEXT NOT NULL,     -- when its text was last set: rows a window old expire
        PRIMARY KEY (uid, band)
    );
    CREATE INDEX bands_key ON bands (band, band_hash);
    CREATE INDEX bands_seen ON bands (seen);
    """,
    # 11: a robots.txt Crawl-delay one worker read spaces every worker's requests to the host
    # (issue 16 point 1, store/hosts.py): a reservation adds the larger of its own spacing and
    # this, and workers that never read the host's robots.txt (feed polls) learn it from here.
    """
    -- seconds, NULL: none, and when that reading lapses (unix seconds)
    ALTER TABLE hosts ADD COLUMN crawl_delay REAL;
    ALTER TABLE hosts ADD COLUMN crawl_delay_until REAL;
    """,
)

VERSION = len(MIGRATIONS)


def current_version(db: DB, dialect: Dialect) -> int:
    if not dialect.has_table(db, "schema_version"):
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(db: DB, now: str, dialect: Dialect) -> int:
    """Apply every pending migration, each in its own transaction; return the version."""
    version = current_version(db, dialect)
    if version > VERSION:
        raise StoreError(
            f"database schema version {version} is newer than this topicwire "
            f"(knows up to {VERSION}); upgrade topicwire or use another store (store.path or store.url)"
        )
    if version == 0:
        with dialect.transaction(db):
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
    for number in range(version + 1, VERSION + 1):
        with dialect.transaction(db):
            for statement in _statements(MIGRATIONS[number - 1]):
                db.execute(dialect.ddl(statement))
            db.execute("INSERT INTO schema_version (version, applied) VALUES (?, ?)", (number, now))
    return VERSION


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT on its own; one statement at a time keeps
    # each migration inside its transaction.
    return [s.strip() for s in script.split(";") if s.strip()]
