"""Review 2 (merge of issue 18's statements topics with its webhooks): a statements
topic's webhook is sent the *story* (kind "story", the story id as entry), for a story
that holds no statement of the topic's speakers, so the receiver gets an entry the
topic's feed never shows; statement entries themselves are never pushed."""
import sys, tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
sys.path.insert(0, "tests")
from test_cli import config_text
from topicwire.config import load_config
from topicwire.daemon.service import Daemon
from topicwire.dedup.desk import Keyed
from topicwire.types import Article

tmp = Path(tempfile.mkdtemp())
extra = '[[topics]]\nname = "kstatements"\nquery = "@kremlin"\nstatements = "@kremlin"\nwebhook = "http://127.0.0.1:9/hook"\n'
(tmp / "c.toml").write_text(config_text("http://x.test", extra=extra))
d = Daemon(load_config(tmp / "c.toml"))
d.pipeline.prepare_store()
now = datetime.now(UTC)
text = "The Kremlin building was repainted this week in a pale yellow. " + " ".join(f"w{i}" for i in range(60))
a = Article("site", "g1", "https://news.test/1", "Kremlin repainted", text, f"<p>{text}</p>", text[:80], now, now)
with d.store.transaction() as s:
    uid, _ = d.pipeline.place(s, Keyed.of(a), d.pipeline.matcher.match(__import__("topicwire.pipeline", fromlist=["_match_doc"])._match_doc(a)), now)
print("statements of the article:", d.store.statements_of([uid]))
d.publish()
feed = (d.config.output_dir / "kstatements.atom").read_text()
print("entries in kstatements feed:", feed.count("<entry>"))
rows = d.store.due_deliveries("kstatements", now + timedelta(days=1), 10)
print("outbox rows for kstatements:", [(r.kind, r.entry if hasattr(r, "entry") else r) for r in rows])
d.pipeline.fetcher.close(); d.store.close(); d.lock.release()
