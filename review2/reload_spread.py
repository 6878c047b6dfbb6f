"""Review 2 (issue 19): a SIGHUP reload re-runs first_runs/spreads over the sources whose
stored due time has passed -- in steady state, the ones being polled or queued for a
worker right then. Each gets a start-up "spread" added to its *next* next-due time, up
to min(interval, SPREAD_WINDOW): a daily source that happened to be due at the reload
is next polled up to an hour late, a 5-minute one up to 5 minutes late (jitter is
documented as at most 2 minutes)."""
from datetime import UTC, datetime, timedelta
from topicwire.config import SourceConfig
from topicwire.daemon.scheduler import spreads

now = datetime(2026, 12, 2, 12, tzinfo=UTC)
daily = tuple(SourceConfig(f"d{i}", f"http://x/{i}", "feed", 86400.0, True) for i in range(4))
fivemin = tuple(SourceConfig(f"f{i}", f"http://y/{i}", "feed", 300.0, True) for i in range(4))
# steady state: every source has a stored due time; the first of each group is due (being polled) now
due = {s.name: now + timedelta(seconds=100 * (i + 1)) for i, s in enumerate(daily + fivemin)}
due["d0"] = now - timedelta(seconds=1)
due["f0"] = now - timedelta(seconds=1)
due["d1"] = now - timedelta(seconds=2)
print({k: round(v) for k, v in spreads(daily + fivemin, due, now, batch=4).items()})
