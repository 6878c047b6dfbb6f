"""Review 2: /api/statements?since= a time whose UTC form is out of datetime's range."""
import sys, tempfile
from pathlib import Path
sys.path.insert(0, "tests")
from test_cli import config_text
from topicwire.config import load_config
from topicwire.feeds.api import Api
from topicwire.store import Store
from topicwire.pipeline import utc_now

tmp = Path(tempfile.mkdtemp())
(tmp / "c.toml").write_text(config_text("http://x.test"))
config = load_config(tmp / "c.toml")
store = Store.open(config.store_path, utc_now())
api = Api(config, store)
for since in ("2026-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
    for path in ("/api/statements", "/api/topics/kremlin/entries"):
        try:
            status, body = api.answer(path, f"speaker=kremlin&since={since}".replace("+", "%2B"))
            print(path, since, status, body[:80])
        except Exception as e:
            print(path, since, "RAISED", type(e).__name__, e)
