"""Fetch benchmark: many small feeds behind a slow server, polled twice.

    python bench/fetch.py [--feeds 500] [--latency-ms 100] [--concurrency 64] [--reader-workers N]

A local ``http.server`` on 127.0.0.1 (TCP_NODELAY, a listen backlog of 1024)
serves N distinct RSS 2.0 feeds of 20 items each (about 5 KB), waits
``--latency-ms`` before every response, and answers conditional requests with
304 (strong ETag, Last-Modified). topicwire polls every feed as ``topicwire
once`` does (``fulltext = false``: one request per feed; the per-host budget
lifted to ``--concurrency``, since every feed is on one host), then polls
again: nothing changed, so the second poll should transfer no body bytes.

The baseline, run in the same process against the same server, is
lemon24/reader (``pip install -e '.[bench]'``) updating the same feeds with
``update_feeds(workers=W, scheduled=False)``, twice, into a fresh database.
The ratio is first-poll throughput, topicwire over reader (goal: >= 5x).
Columns: cpu s = CPU seconds of the whole process (client, server threads
and all) during the poll, which on a shared machine moves less than the wall
time; conns = TCP connections the server accepted; poolfull = urllib3
"Connection pool is full, discarding connection" warnings (a keep-alive
connection thrown away).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import socket
import socketserver
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

try:
    from reader import __version__ as reader_version
    from reader import make_reader
except ImportError as e:  # reader 3.26's vendored feedparser also needs sgmllib3k
    sys.exit(f"bench/fetch.py needs reader: pip install -e '.[bench]' ({e})")

from topicwire.config import KEYS, load_config  # noqa: E402
from topicwire.feeds.publisher import Publisher  # noqa: E402
from topicwire.pipeline import Pipeline, make_fetcher  # noqa: E402
from topicwire.store import Store  # noqa: E402
from topicwire.upkeep import Upkeep  # noqa: E402

ITEMS = 20
WORDS = (
    "minister parliament budget vote coalition election court ruling appeal police inquiry "
    "storm flood wildfire heatwave drought harvest prices inflation bank rates markets shares "
    "exports tariffs strike union workers wages hospital doctors vaccine outbreak study "
    "researchers climate emissions energy grid solar wind nuclear pipeline talks ceasefire "
    "border refugees summit treaty sanctions army drone missile port railway airport airline "
    "council mayor housing rents schools teachers students university festival museum film "
    "championship final coach transfer season record league club fans stadium report warns "
    "announces rejects approves delays confirms denies launches expands cuts raises opens"
).split()
POOL_FULL = "Connection pool is full"
POLITENESS = ", per_host_concurrency=same, per_host_delay=0s" if "per_host_concurrency" in KEYS["fetch"] else ""


# -- the feeds ---------------------------------------------------------------------------


def sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize()


def rss(base: str, n: int) -> bytes:
    """Feed ``n``: 20 items, newest first, distinct titles and links (the link is the id)."""
    rng = random.Random(n)
    newest = datetime(2025, 3, 1, tzinfo=UTC) - timedelta(minutes=n)
    items = "".join(
        f"<item><title>{escape(sentence(rng, 4, 8))}</title>"
        f"<link>{base}/n/{n}/{i}</link>"
        f"<pubDate>{format_datetime(newest - timedelta(hours=i))}</pubDate>"
        f"<description>{escape(sentence(rng, 5, 10))}.</description></item>"
        for i in range(ITEMS)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench feed {n}</title><link>{base}/</link><description>bench</description>"
        f"{items}</channel></rss>"
    ).encode()


# -- the server --------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    body: bytes
    etag: str
    last_modified: str


@dataclass(frozen=True)
class Tally:
    requests: int = 0
    not_modified: int = 0
    body_bytes: int = 0
    connections: int = 0

    def __sub__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) - getattr(other, f.name) for f in fields(self)))


class FeedServer(ThreadingHTTPServer):
    """One thread per connection; counts what it serves."""

    daemon_threads = True
    # socketserver's default backlog is 5: with dozens of clients connecting
    # at once the accept queue overflows, Linux drops the SYNs and each
    # client retries after its 1 s SYN timeout (measured: 65 of 500 requests
    # over 1 s at 100 workers). tests/fixture_server.py keeps the default.
    request_queue_size = 1024

    def __init__(self, resources: dict[str, Resource], delay: float) -> None:
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.resources, self.delay = resources, delay
        self._lock = threading.Lock()
        self._tally = Tally()

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skip HTTPServer's reverse DNS lookup
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        # Nagle + delayed ACK would add ~40 ms per keep-alive response (RFC 896).
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.count(connections=1)
        return conn, addr

    def count(self, **counts: int) -> None:
        with self._lock:
            t = self._tally
            self._tally = replace(t, **{k: getattr(t, k) + n for k, n in counts.items()})

    def tally(self) -> Tally:
        with self._lock:
            return self._tally


class FeedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FeedServer

    def do_GET(self) -> None:
        time.sleep(self.server.delay)
        res = self.server.resources.get(self.path)
        if res is None:
            self.send_error(404)
            return
        if self.not_modified(res):
            self.send_response(304)
            self.send_validators(res)
            self.end_headers()
            self.server.count(requests=1, not_modified=1)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(res.body)))
        self.send_validators(res)
        self.end_headers()
        self.wfile.write(res.body)
        self.server.count(requests=1, body_bytes=len(res.body))

    def not_modified(self, res: Resource) -> bool:
        # RFC 9110 13.2.2: If-None-Match wins; If-Modified-Since only without it.
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return res.etag in {t.strip() for t in if_none_match.split(",")}
        return self.headers.get("If-Modified-Since") == res.last_modified

    def send_validators(self, res: Resource) -> None:
        self.send_header("ETag", res.etag)
        self.send_header("Last-Modified", res.last_modified)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def make_resources(base: str, feeds: int) -> dict[str, Resource]:
    modified = format_datetime(datetime(2025, 3, 1, tzinfo=UTC), usegmt=True)
    out = {}
    for n in range(feeds):
        body = rss(base, n)
        out[f"/feed/{n}.xml"] = Resource(body, f'"{hashlib.sha1(body).hexdigest()[:16]}"', modified)
    return out


# -- measuring ---------------------------------------------------------------------------


class PoolFullCounter(logging.Handler):
    """Counts urllib3's "Connection pool is full, discarding connection" warnings.

    Each one is a keep-alive connection thrown away because more threads than
    the pool's maxsize (requests' default: 10 per host) used the host at once.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += POOL_FULL in record.getMessage()


@dataclass(frozen=True)
class Phase:
    seconds: float
    cpu_seconds: float
    served: Tally
    pool_full: int
    result: str  # what the client says it did

    def row(self, name: str) -> str:
        s = self.served
        return (
            f"{name:<20} {self.seconds:7.2f} {self.cpu_seconds:6.2f} {s.requests / self.seconds:8.1f} {s.requests:5d} "
            f"{s.not_modified:5d} {s.body_bytes:10d} {s.connections:6d} {self.pool_full:6d}  {self.result}"
        )


def measure(server: FeedServer, pool_full: PoolFullCounter, run: Callable[[], str]) -> Phase:
    before, warned = server.tally(), pool_full.count
    started, cpu_started = time.perf_counter(), time.process_time()
    result = run()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return Phase(seconds, cpu_seconds, server.tally() - before, pool_full.count - warned, result)


def write_config(folder: Path, base: str, feeds: int, concurrency: int) -> Path:
    lines = [
        "[defaults]",
        "fulltext = false",
        "[fetch]",
        "allow_private_addresses = true",
        f"concurrency = {concurrency}",
    ]
    if "per_host_concurrency" in KEYS["fetch"]:
        # Every feed here is on one host: lift the per-host politeness budget
        # (default 2 at a time, 1 s apart) so that fetch.concurrency is what is measured.
        lines += [f"per_host_concurrency = {concurrency}", 'per_host_delay = "0s"']
    for n in range(feeds):
        lines += ["[[sources]]", f'name = "f{n}"', f'url = "{base}/feed/{n}.xml"', 'kind = "feed"']
    lines += ["[[topics]]", 'name = "all"', 'query = "NOT zzzqqq"']
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def topicwire_polls(
    server: FeedServer, pool_full: PoolFullCounter, folder: Path, feeds: int, concurrency: int
) -> tuple[Phase, Phase]:
    config = load_config(write_config(folder, server_url(server), feeds, concurrency))
    store = Store.open(config.store_path, datetime.now(UTC))
    fetcher = make_fetcher(config)
    pipeline = Pipeline(config, store, fetcher)
    publisher = Publisher(config, store, pipeline.changes)  # not `feeds`: that is the feed count
    Upkeep.of(pipeline).prepare(publisher.unpublish)

    def poll_all() -> str:
        # As topicwire/daemon/once.py (OncePolls) does for `topicwire once`.
        with ThreadPoolExecutor(max_workers=config.fetch.concurrency) as pool:
            outcomes = list(pool.map(pipeline.poll, config.sources))
        publisher.publish()
        status = {s: sum(o.status == s for o in outcomes) for s in ("ok", "not_modified", "error")}
        new = sum(o.new for o in outcomes)
        return f"new={new} " + " ".join(f"{k}={v}" for k, v in status.items())

    try:
        return measure(server, pool_full, poll_all), measure(server, pool_full, poll_all)
    finally:
        fetcher.close()
        store.close()


def reader_polls(
    server: FeedServer, pool_full: PoolFullCounter, folder: Path, feeds: int, workers: int
) -> tuple[Phase, Phase]:
    reader = make_reader(str(folder / "reader.sqlite"))
    for n in range(feeds):
        reader.add_feed(f"{server_url(server)}/feed/{n}.xml")

    def update() -> str:
        # scheduled=False: update every feed now, not only the ones due.
        reader.update_feeds(workers=workers, scheduled=False)
        counts = reader.get_feed_counts()
        return f"entries={reader.get_entry_counts().total} broken={counts.broken}"

    try:
        return measure(server, pool_full, update), measure(server, pool_full, update)
    finally:
        reader.close()


def server_url(server: FeedServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


# -- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--latency-ms", type=int, default=100)
    # 64, not 32: at 32 the latency floor alone (500 x 0.1 s / 32 = 1.56 s) is more than a
    # fifth of reader's best first poll (7.4 s), so ">= 5x" could not be met however little
    # CPU topicwire used. reader gets the same 64 workers; its CPU per feed is the same at 32
    # and 64 (bench/README.md), so the larger pool does not handicap it.
    parser.add_argument("--concurrency", type=int, default=64, help="topicwire fetch.concurrency")
    parser.add_argument("--reader-workers", type=int, help="reader's workers (default: --concurrency)")
    args = parser.parse_args()
    workers = args.reader_workers or args.concurrency
    pool_full = PoolFullCounter()
    logging.getLogger("urllib3.connectionpool").addHandler(pool_full)
    logging.getLogger("urllib3.connectionpool").propagate = False  # counted, not printed

    server = FeedServer({}, args.latency_ms / 1000)
    server.resources = make_resources(server_url(server), args.feeds)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "tw").mkdir()
            (Path(tmp) / "reader").mkdir()
            tw = topicwire_polls(server, pool_full, Path(tmp) / "tw", args.feeds, args.concurrency)
            rd = reader_polls(server, pool_full, Path(tmp) / "reader", args.feeds, workers)
    finally:
        server.shutdown()
        server.server_close()
    report(args, workers, server.resources, tw, rd)


def report(
    args: argparse.Namespace,
    workers: int,
    resources: dict[str, Resource],
    tw: tuple[Phase, Phase],
    rd: tuple[Phase, Phase],
) -> None:
    sizes = [len(r.body) for r in resources.values()]
    ideal = args.feeds * args.latency_ms / 1000 / args.concurrency
    print(
        f"feeds: {args.feeds} x {ITEMS} items, {min(sizes)}-{max(sizes)} bytes each "
        f"({sum(sizes) / 1e6:.2f} MB), server latency {args.latency_ms} ms per response"
    )
    print(
        f"topicwire: concurrency={args.concurrency}{POLITENESS} (latency floor {ideal:.2f} s)   "
        f"reader {reader_version}: workers={workers}"
    )
    print(
        f"{'':<20} {'wall s':>7} {'cpu s':>6} {'req/s':>8} {'reqs':>5} {'304s':>5} {'body bytes':>10} {'conns':>6} "
        f"{'poolfull':>6}"
    )
    for name, phase in zip(
        ("topicwire first", "topicwire second", "reader first", "reader second"), (*tw, *rd), strict=True
    ):
        print(phase.row(name))
    first = rd[0].seconds / tw[0].seconds
    second = rd[1].seconds / tw[1].seconds
    cpu = rd[0].cpu_seconds / tw[0].cpu_seconds
    print(
        f"throughput topicwire / reader: first poll {first:.2f}x (goal >= 5x), second poll {second:.2f}x; "
        f"first-poll CPU per feed {1000 * tw[0].cpu_seconds / args.feeds:.1f} ms vs "
        f"{1000 * rd[0].cpu_seconds / args.feeds:.1f} ms ({cpu:.2f}x)"
    )
    print(
        f"summary: feeds={args.feeds} latency_ms={args.latency_ms} concurrency={args.concurrency} "
        f"reader_workers={workers} topicwire_first_s={tw[0].seconds:.2f} reader_first_s={rd[0].seconds:.2f} "
        f"speedup={first:.2f}x cpu_speedup={cpu:.2f}x topicwire_first_cpu_s={tw[0].cpu_seconds:.2f} "
        f"reader_first_cpu_s={rd[0].cpu_seconds:.2f} "
        f"topicwire_second_s={tw[1].seconds:.2f} reader_second_s={rd[1].seconds:.2f} "
        f"second_speedup={second:.2f}x topicwire_second_bytes={tw[1].served.body_bytes} "
        f"reader_second_bytes={rd[1].served.body_bytes}"
    )


if __name__ == "__main__":
    main()
