"""Scale out (issue 16): ``topicwire run`` on SQLite with 1 and 2 processes, on PostgreSQL with 1, 2, 4 daemons.

    python bench/scale.py [CORPUS_DIR] [--feeds 2000] [--items 20] [--runs sqlite1,sqlite2,pg1,pg2,pg4]
                          [--no-kill] [--lease 30s] [--concurrency 8]

A local ``http.server`` (a thread of this process; TCP_NODELAY, HTTP/1.1 keep-alive) serves
``--feeds`` RSS feeds of ``--items`` items, each linking to a full-text page made of a real
corpus page's template around a body drawn from corpus sentences; 1 story in 5 is carried
by 2-4 feeds as near-copies (bench/scale_site.py), so the stories and which URLs belong
together are known. Every feed request is recorded with its time and the daemon that made
it (each daemon has its own User-Agent).

Runs, each on a fresh store, one after the other (``--runs``):
    sqlite1  one ``run --workers 1`` (everything in one process)
    sqlite2  one ``run --workers 2`` (extraction in 2 worker processes)
    pgN      N ``run --workers 1`` daemons sharing a throwaway PostgreSQL cluster (tests/pg_cluster.py)
For each: the wall time from start until every expected article is stored (the store read
every 0.5 s, read-only), articles/s, CPU seconds of every topicwire process (the daemons'
process trees, /proc; bench/steady.py's cpu_of) and CPU ms per article, peak RSS (all
processes together, sampled). The wall time includes ``run``'s start-up spread (sources
overdue at start begin over the first minute, daemon/scheduler.STARTUP_SPREAD), so runs
shorter than a few minutes understate the rate.

Checks over every run, printed and counted:
    double polls    a feed requested more than once in the run (every source's interval is a day)
    retaken         ... except a feed the SIGKILLed daemon requested whose one later request is
                    another daemon's, after the kill and at least the lease after the first: shown apart
    split stories   a story of 2+ feeds whose articles ended in more than one story
    merged          a story holding articles of more than one expected story
    lost            expected article URLs missing from the store at the end
With kills (on for pg2 and pg4 unless ``--no-kill``): the first daemon is SIGKILLed once 30% of
the articles are stored; every daemon runs with ``[daemon] lease = --lease`` (short, yet longer
than the slowest poll: the longest ``source.updated`` ms is printed beside it).
Ends with one ``summary:`` line. No timed assertions: numbers and ratios only.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import psycopg  # noqa: E402
from pg_cluster import PgCluster, create_database, drop_database, find_bin  # noqa: E402
from scale_site import Site  # noqa: E402
from steady import FeedServer, _tree, cpu_of, free_port, log_events, rss_of  # noqa: E402

from topicwire.config import parse_duration  # noqa: E402

KILL_AT = 0.3  # share of the expected articles stored when a daemon is killed
POLL = 0.5  # seconds between two reads of the store
STALL = 180.0  # seconds without a new article (after every feed was requested) ending a run


# -- the server ---------------------------------------------------------------------------


class SiteServer(FeedServer):
    """bench/steady.py's server (TCP_NODELAY, backlog, no reverse DNS) serving a Site."""

    def __init__(self, site: Site) -> None:
        super().__init__()
        self.RequestHandlerClass = SiteHandler
        self.site = site
        site.build_feeds(self.url)
        self.feed_hits: list[tuple[float, int, str]] = []  # (monotonic time, feed, User-Agent)

    def hit(self, feed: int, agent: str) -> None:
        with self._lock:
            self.feed_hits.append((time.monotonic(), feed, agent))


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SiteServer

    def do_GET(self) -> None:
        body, kind = self._find()
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _find(self) -> tuple[bytes | None, str]:
        site, parts = self.server.site, self.path.strip("/").split("/")
        try:
            if parts[0] == "f" and len(parts) == 2:
                feed = int(parts[1].removesuffix(".xml"))
                self.server.hit(feed, self.headers.get("User-Agent", ""))
                return site.feed_bytes[feed], "application/rss+xml; charset=utf-8"
            if parts[0] == "p" and len(parts) == 3:
                feed, item = int(parts[1]), int(parts[2].removesuffix(".html"))
                if item < site.items:
                    return site.page(feed, item), "text/html; charset=utf-8"
        except (ValueError, IndexError):
            pass
        return None, ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


# -- the daemons --------------------------------------------------------------------------


def write_config(folder: Path, args: argparse.Namespace, store: str, agent: str, lease: str) -> Path:
    folder.mkdir(parents=True)
    c = args.concurrency
    lines = [
        "[store]",
        store,
        "[output]",
        f"dir = {json.dumps(str(folder / 'feeds'))}",
        "[server]",
        f'listen = "127.0.0.1:{free_port()}"',
        "[fetch]",
        "allow_private_addresses = true",
        f"concurrency = {c}",
        f"per_host_concurrency = {min(c, 64)}",  # every feed and page is on 127.0.0.1
        'per_host_delay = "0s"',
        "respect_robots = false",
        f'user_agent = "{agent}"',
        "[defaults]",
        "fulltext = true",
        'interval = "1d"',  # each feed is due once in a run: a second request is a double poll
    ]
    if lease:
        lines += ["[daemon]", f'lease = "{lease}"']
    base = args.base
    for n in range(args.feeds):
        lines += ["[[sources]]", f'name = "f{n}"', f'url = "{base}/f/{n}.xml"', 'kind = "feed"']
    lines += ["[[topics]]", 'name = "all"', 'query = "NOT zzzqqq"']
    lines += ["[[topics]]", 'name = "government"', 'query = "government OR minister"']
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start(config: Path, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "topicwire", "-c", str(config), "run", "--workers", str(workers)]
    with open(config.parent / "run.log", "w") as log:
        return subprocess.Popen(command, stderr=log, stdout=subprocess.DEVNULL, env=env)


class Sampler(threading.Thread):
    """CPU of each daemon's process tree (the last value read) and the peak RSS of all."""

    def __init__(self, procs: list[subprocess.Popen[bytes]]) -> None:
        super().__init__(daemon=True)
        self.procs = procs
        self.cpu = [0.0] * len(procs)
        self.frozen: set[int] = set()  # killed: its CPU stays what was read just before
        self.peak_rss = 0
        self.done = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self.done.wait(POLL):
            self.sample()

    def sample(self) -> None:
        with self._lock:
            rss = 0
            for i, proc in enumerate(self.procs):
                if i in self.frozen or proc.poll() is not None:
                    continue
                self.cpu[i] = max(self.cpu[i], cpu_of(proc.pid))
                rss += sum(_rss(p) for p in _tree(proc.pid))
            self.peak_rss = max(self.peak_rss, rss)

    def kill(self, i: int) -> None:
        self.sample()
        with self._lock:
            self.frozen.add(i)
            self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()


def _rss(pid: int) -> int:
    try:
        return rss_of(pid)
    except OSError:
        return 0


# -- the store, read from outside -------------------------------------------------------------


class Reader:
    """Read-only: the article count, and every article's (url, story)."""

    def __init__(self, sqlite_path: Path | None, pg_url: str | None) -> None:
        self.sqlite_path, self.pg_url = sqlite_path, pg_url

    def query(self, sql: str) -> list[tuple[object, ...]]:
        try:
            if self.pg_url:
                with psycopg.connect(self.pg_url, autocommit=True) as pg:
                    return list(pg.execute(sql).fetchall())
            assert self.sqlite_path is not None
            db = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=5)
            try:
                return db.execute(sql).fetchall()
            finally:
                db.close()
        except (sqlite3.Error, psycopg.Error):  # not made yet, or busy migrating
            return []

    def count(self) -> int:
        rows = self.query("SELECT COUNT(*) FROM articles")
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    def stories_of(self) -> dict[str, str]:
        return {str(url): str(story) for url, story in self.query("SELECT url, story_id FROM articles")}


# -- one run ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    daemons: int
    articles: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    db_cpu: float = 0.0  # the PostgreSQL server's, for the pg runs (not in cpu)
    peak_rss: int = 0
    double_polls: int = 0
    retaken: int = 0
    retake_gap: float = 0.0  # the shortest time from the killed daemon's request to the retake
    split: int = 0
    merged: int = 0
    lost: int = 0
    longest_poll_ms: int = 0
    killed: bool = False
    exits: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0


def run_one(name: str, args: argparse.Namespace, server: SiteServer, cluster: PgCluster | None, tmp: Path) -> Outcome:
    pg = name.startswith("pg")
    count = int(name.removeprefix("pg").removeprefix("sqlite") or 1)
    daemons, workers = (count, 1) if pg else (1, count)
    kill = pg and daemons >= 2 and args.kill
    lease = args.lease if kill else ""
    pg_url = create_database(cluster.url) if pg and cluster else None
    db_path = tmp / name / "store.db"
    store = f"url = {json.dumps(pg_url)}" if pg_url else f"path = {json.dumps(str(db_path))}"
    configs = [write_config(tmp / name / f"w{k}", args, store, f"bench-{name}-w{k}", lease) for k in range(daemons)]
    reader = Reader(None if pg_url else db_path, pg_url)
    first_hit = len(server.feed_hits)
    db_before = server_cpu(cluster) if pg else 0.0
    started = time.monotonic()
    procs = [start(c, workers) for c in configs]
    sampler = Sampler(procs)
    sampler.start()
    out = Outcome(name, daemons)
    try:
        killed_at, ended = wait_stored(reader, server, args, sampler, out, kill, first_hit)
        out.seconds = ended - started
        sampler.sample()
        out.cpu, out.peak_rss = sum(sampler.cpu), sampler.peak_rss
        out.db_cpu = server_cpu(cluster) - db_before if pg else 0.0
        stories = reader.stories_of()
    finally:
        sampler.done.set()
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        out.exits = [proc.wait(timeout=300) for proc in procs]
        if pg_url and cluster:
            drop_database(cluster.url, pg_url)
    check(out, server, stories, first_hit, killed_at, parse_duration(args.lease) if kill else 0.0)
    polls = [int(e.get("ms", 0)) for c in configs for e in log_events(c.parent / "run.log", "source.updated")]
    out.longest_poll_ms = max(polls, default=0)
    return out


def server_cpu(cluster: PgCluster | None) -> float:
    """CPU seconds of the PostgreSQL server so far: the postmaster and its backends (it reaps
    them, so ended ones count too)."""
    if cluster is None:
        return 0.0
    return cpu_of(int((cluster.data / "postmaster.pid").read_text().split()[0]))


def wait_stored(
    reader: Reader,
    server: SiteServer,
    args: argparse.Namespace,
    sampler: Sampler,
    out: Outcome,
    kill: bool,
    first_hit: int,
) -> tuple[float | None, float]:
    """Until every expected article is stored (or nothing new came for STALL seconds after
    every feed was requested); kills the first daemon on the way if asked. The kill's time,
    and when the last article came."""
    expected = args.feeds * args.items
    killed_at, last, last_change = None, -1, time.monotonic()
    while True:
        time.sleep(POLL)
        n = reader.count()
        now = time.monotonic()
        if n != last:
            last, last_change = n, now
        out.articles = n
        if kill and killed_at is None and n >= KILL_AT * expected:
            sampler.kill(0)
            killed_at, out.killed = time.monotonic(), True
        polled = len({h[1] for h in server.feed_hits[first_hit:]}) >= args.feeds
        stalled = polled and now - last_change > STALL + (parse_duration(args.lease) if kill else 0)
        dead = all(p.poll() is not None for i, p in enumerate(sampler.procs) if i not in sampler.frozen)
        if n >= expected or stalled or dead:
            return killed_at, last_change


def check(
    out: Outcome, server: SiteServer, stories: dict[str, str], first_hit: int, killed_at: float | None, lease: float
) -> None:
    site, base = server.site, server.url
    requests: dict[int, list[tuple[float, str]]] = {}
    for at, feed, agent in server.feed_hits[first_hit:]:
        requests.setdefault(feed, []).append((at, agent))
    killed_agent = f"bench-{out.name}-w0"
    gaps = []
    for times in requests.values():
        if len(times) < 2:
            continue
        *before, (at, agent) = times
        retake = (
            killed_at is not None
            and agent != killed_agent
            and at >= killed_at
            and all(a == killed_agent and t < killed_at for t, a in before)
            and at - before[0][0] >= lease - 1.0  # the claim came before its request, by < 1 s
        )
        if retake:
            out.retaken += 1
            gaps.append(at - before[-1][0])
        else:
            out.double_polls += 1
    out.retake_gap = min(gaps, default=0.0)
    for slots in site.groups().values():
        urls = [site.url(base, f, i) for f, i in slots]
        found = {stories[u] for u in urls if u in stories}
        out.lost += sum(u not in stories for u in urls)
        out.split += len(found) > 1
    group_of = {site.url(base, f, i): g for g, slots in site.groups().items() for f, i in slots}
    holders: dict[str, set[int]] = {}
    for url, story in stories.items():
        if url in group_of:
            holders.setdefault(story, set()).add(group_of[url])
    out.merged = sum(len(g) > 1 for g in holders.values())


# -- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--runs", default="sqlite1,sqlite2,pg1,pg2,pg4")
    parser.add_argument("--kill", action=argparse.BooleanOptionalAction, default=True, help="SIGKILL in pg2/pg4")
    parser.add_argument("--lease", default="30s", help="[daemon] lease of the daemons of a run with a kill")
    parser.add_argument("--concurrency", type=int, default=8, help="fetch.concurrency of each daemon")
    args = parser.parse_args()
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    built = time.monotonic()
    site = Site.build(args.corpus, args.feeds, args.items)
    server = SiteServer(site)
    args.base = server.url
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    print(
        f"site: {args.feeds} feeds x {args.items} items = {args.feeds * args.items} articles, {site.stories} stories "
        f"({sum(len(s) > 1 for s in site.groups().values())} carried by 2-4 feeds), {len(site.templates)} templates, "
        f"built in {time.monotonic() - built:.1f} s; bench RSS {rss_of(os.getpid()) / 2**20:.0f} MiB",
        flush=True,
    )
    cluster = start_cluster() if any(r.startswith("pg") for r in runs) else None
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="topicwire-scale-") as tmp:
            for name in runs:
                results.append(run_one(name, args, server, cluster, Path(tmp)))
                print(row(results[-1], args), flush=True)
    finally:
        if cluster:
            cluster.stop()
        server.shutdown()
        server.server_close()
    report(results, args)


def start_cluster() -> PgCluster:
    bindir = find_bin()
    if bindir is None:
        sys.exit("PostgreSQL binaries not found (apt-get install postgresql); run with --runs sqlite1,sqlite2")
    cluster = PgCluster(bindir)
    cluster.start()
    return cluster


def row(o: Outcome, args: argparse.Namespace) -> str:
    per = 1000 * o.cpu / o.articles if o.articles else 0.0
    db = f" (+db {o.db_cpu:.1f} s)" if o.db_cpu else ""
    kill = f" killed w0, {o.retaken} retaken (>= {o.retake_gap:.1f} s after)" if o.killed else ""
    return (
        f"{o.name:8} {o.daemons} daemon(s) {o.articles:6} articles {o.seconds:8.1f} s {o.rate:7.1f} art/s "
        f"cpu {o.cpu:8.1f} s {per:6.1f} ms/art{db}  peak RSS {o.peak_rss / 2**20:6.0f} MiB | "
        f"double polls {o.double_polls} split {o.split} merged {o.merged} lost {o.lost}{kill} | "
        f"longest poll {o.longest_poll_ms} ms  exits {o.exits}"
    )


def report(results: list[Outcome], args: argparse.Namespace) -> None:
    by = {o.name: o for o in results}

    def ratio(a: str, b: str) -> str:
        return f"{by[a].rate / by[b].rate:.2f}x" if a in by and b in by and by[b].rate else "-"

    sqlite, pg2, pg4 = ratio("sqlite2", "sqlite1"), ratio("pg2", "pg1"), ratio("pg4", "pg1")
    print(f"ratios (articles/s): sqlite 2 processes / 1 = {sqlite} (goal >= 1.8x); pg 2/1 = {pg2}, pg 4/1 = {pg4}")
    total: Callable[[str], int] = lambda key: sum(getattr(o, key) for o in results)  # noqa: E731
    print(
        f"summary: feeds={args.feeds} items={args.items} articles={args.feeds * args.items} "
        f"runs={','.join(by)} sqlite_2_1={sqlite} pg_2_1={pg2} pg_4_1={pg4} "
        + " ".join(f"{o.name}_art_s={o.rate:.1f}" for o in results)
        + f" double_polls={total('double_polls')} retaken={total('retaken')} split_stories={total('split')} "
        f"merged={total('merged')} lost={total('lost')}"
    )


if __name__ == "__main__":
    main()
