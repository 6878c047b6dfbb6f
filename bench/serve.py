"""The built-in feed server under load while ingestion runs (loopback only).

    python bench/serve.py [--requests 4000] [--clients 32] [--topics 20]

Starts topicwire's FeedServer (waitress) on 127.0.0.1 over an output folder of
real rendered feeds, runs an ingestion loop in the background (a pipeline
polling a loopback feed site whose entries change every round, republishing
the feeds), and drives the server with a bounded number of requests from
many threads: half unconditional GETs, half conditional (If-None-Match with
the last ETag seen). Prints requests/s, p50/p99 latency, 200/304 counts and
errors, and the same figures for a baseline run without ingestion, in the same
process. Ends with one summary line.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fixture_server import FixtureServer  # noqa: E402

from topicwire.config import load_config  # noqa: E402
from topicwire.feeds.publisher import Publisher  # noqa: E402
from topicwire.feeds.serve import FeedServer  # noqa: E402
from topicwire.pipeline import Pipeline, make_fetcher  # noqa: E402
from topicwire.store import Store  # noqa: E402
from topicwire.upkeep import Upkeep  # noqa: E402

BASE = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    status: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0


def feed(round_: int, count: int = 40) -> str:
    items = "".join(
        f"<item><title>Topic{n % 20} story {n}</title><link>http://x.test/{n}</link><guid>g{n}</guid>"
        f"<description>Story {n} about Topic{n % 20} and its consequences.</description>"
        f"<pubDate>{format_datetime(BASE + timedelta(minutes=n))}</pubDate></item>"
        for n in range(round_ * 5, round_ * 5 + count)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Load</title>{items}</channel></rss>'


def write_config(folder: Path, base: str, topics: int) -> Path:
    lines = ["[fetch]", "allow_private_addresses = true", 'per_host_delay = "0s"', "[defaults]", "fulltext = false"]
    lines += ["[[sources]]", 'name = "load"', f'url = "{base}/feed.xml"', 'kind = "feed"']
    for t in range(topics):
        lines += ["[[topics]]", f'name = "topic{t}"', f'query = "Topic{t}"']
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ingest_forever(pipeline: Pipeline, feeds: Publisher, site: FixtureServer, stop: threading.Event) -> int:
    rounds = 0
    while not stop.is_set():
        rounds += 1
        site.route("/feed.xml", feed(rounds), headers={"Content-Type": "application/rss+xml"})
        pipeline.poll(pipeline.config.sources[0])
        feeds.publish()
    return rounds


def drive(url: str, names: list[str], total: int, clients: int, seed: int) -> Load:
    load = Load()
    lock = threading.Lock()
    etags: dict[str, str] = {}
    rng = random.Random(seed)
    plan = [(rng.choice(names), rng.random() < 0.5) for _ in range(total)]
    local = threading.local()

    def one(job: tuple[str, bool]) -> None:
        name, conditional = job
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        headers = {"If-None-Match": etags[name]} if conditional and name in etags else {}
        started = time.perf_counter()
        try:
            response = session.get(f"{url}{name}", headers=headers, timeout=10)
        except requests.RequestException:
            with lock:
                load.errors += 1
            return
        elapsed = time.perf_counter() - started
        with lock:
            load.latencies.append(elapsed)
            load.status[response.status_code] = load.status.get(response.status_code, 0) + 1
            if response.headers.get("ETag"):
                etags[name] = response.headers["ETag"]
            if response.status_code not in (200, 304):
                load.errors += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, plan))
    load.seconds = time.perf_counter() - started
    return load


def show(label: str, load: Load) -> tuple[str, str]:
    lat = sorted(load.latencies) or [0.0]
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    rate = len(load.latencies) / load.seconds if load.seconds else 0.0
    codes = " ".join(f"{k}={v}" for k, v in sorted(load.status.items()))
    print(f"{label:<18} {rate:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  {codes}  errors={load.errors}")
    return f"{rate:.0f}", f"{p99:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--topics", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FixtureServer() as site:
        site.route("/feed.xml", feed(0), headers={"Content-Type": "application/rss+xml"})
        config = load_config(write_config(Path(tmp), site.url, args.topics))
        store = Store.open(config.store_path, datetime.now(UTC))
        pipeline = Pipeline(config, store, make_fetcher(config))
        feeds = Publisher(config, store, pipeline.changes)
        Upkeep.of(pipeline).prepare(feeds.unpublish)
        pipeline.poll(config.sources[0])
        feeds.publish()
        names = [f"topic{t}.{ext}" for t in range(args.topics) for ext in ("rss", "atom", "json")] + ["index.opml"]
        server = FeedServer("127.0.0.1:0", config.output_dir)
        server.start()
        try:
            idle = drive(server.url, names, args.requests, args.clients, seed=1)
            stop = threading.Event()
            with ThreadPoolExecutor(max_workers=1) as background:
                rounds = background.submit(ingest_forever, pipeline, feeds, site, stop)
                busy = drive(server.url, names, args.requests, args.clients, seed=2)
                stop.set()
                ingest_rounds = rounds.result()
        finally:
            server.stop()
            pipeline.fetcher.close()
            store.close()
    print(f"{args.requests} requests per run, {args.clients} client threads, {len(names)} files")
    idle_rate, idle_p99 = show("idle (baseline)", idle)
    busy_rate, busy_p99 = show("while ingesting", busy)
    print(f"ingestion rounds during the loaded run: {ingest_rounds} (poll + republish of {args.topics} topics)")
    ratio = float(busy_rate) / float(idle_rate) if float(idle_rate) else 0.0
    print(
        f"summary: busy_rps={busy_rate} busy_p99_ms={busy_p99} idle_rps={idle_rate} idle_p99_ms={idle_p99} "
        f"busy_vs_idle={ratio:.2f} errors={idle.errors + busy.errors} ingest_rounds={ingest_rounds}"
    )


if __name__ == "__main__":
    main()
