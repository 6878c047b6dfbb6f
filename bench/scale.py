"""Scale out (issue 16): ``topicwire run`` on SQLite with 1 and 2 processes, on PostgreSQL with 1, 2, 4 daemons.

    python bench/scale.py [CORPUS_DIR] [--feeds 2000] [--items 20] [--runs sqlite1,sqlite2,pg1,pg2,pg4]
                          [--no-kill] [--lease 60s] [--concurrency 8] [--keep DIR]

A local ``http.server`` (a thread of this process; TCP_NODELAY, HTTP/1.1 keep-alive) serves
``--feeds`` RSS feeds of ``--items`` items, each linking to a full-text page made of a real
corpus page's template around a body drawn from corpus sentences; 1 story in 5 is carried
by 2-4 feeds as near-copies (bench/scale_site.py), so the stories and which URLs belong
together are known. Every feed request is recorded with its time and the daemon that made
it (each daemon has its own User-Agent).

Runs, each on a fresh store, one after the other (``--runs``):
    sqlite1  one ``run --workers 1`` (everything in one process)
    sqlite2  one ``run --workers 2`` (extraction and each poll's prepare.py in 2 worker processes)
    pgN      N ``run --workers 1`` daemons sharing a throwaway PostgreSQL cluster (tests/pg_cluster.py)
    pgNxW    the same with ``--workers W`` in each daemon (pg1x2: one daemon, 2 worker processes)
For each: the wall time from start until every expected article is stored (the store read
every 0.5 s, read-only), articles/s, CPU seconds of every topicwire process (the daemons'
process trees, /proc; bench/steady.py's cpu_of) and CPU ms per article, peak RSS (all
processes together, sampled), the PostgreSQL server's CPU apart, and this process's own apart
("+bench": the page server, the store reads; on a 2-core machine it runs on the daemons'
cores). The wall time includes ``run``'s start-up spread (sources overdue at start begin
over the first minute, daemon/scheduler.STARTUP_SPREAD), so runs shorter than a few minutes
understate the rate; the "middle half" rate is taken from when 25% to when 75% of the
articles were stored, and its ratios are printed too (at 150 feeds a run's whole wall time
was ~64 s, the spread's 60 s).

Checks over every run, printed and counted:
    double polls    a feed requested more than once in the run (every source's interval is a day)
    retaken         ... except a feed the SIGKILLed daemon requested whose one later request is
                    another daemon's, after the kill and about the lease after the first (CLAIM_LAG):
                    shown apart; double polls whose later request came a lease after a live
                    daemon's are shown as such (a poll that outlived the lease; leases are renewed since e7f9ac0)
    split stories   a story of 2+ feeds whose articles ended in more than one story
    merged          a story holding articles of more than one expected story
    lost            expected article URLs missing from the store at the end
With kills (on for pg2 and pg4 unless ``--no-kill``): the first daemon is SIGKILLed once 80% of
the articles are stored (after the middle half, so its rate is that of all N daemons; at 30%,
as before, pg2's rates were mostly one daemon's); every daemon runs with ``[daemon] lease =
--lease`` (short, yet longer than the slowest poll: the longest ``source.updated`` ms is
printed beside it).
Ends with one ``summary:`` line. No timed assertions: numbers and ratios only.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pg_cluster import PgCluster, create_database, drop_database, find_bin  # noqa: E402
from scale_site import Site, SiteServer  # noqa: E402
from scale_watch import Reader, Sampler, server_cpu  # noqa: E402
from steady import free_port, log_events, rss_of  # noqa: E402

from topicwire.config import parse_duration  # noqa: E402

KILL_AT = 0.8  # share of the expected articles stored when a daemon is killed: after MIDDLE
POLL = 0.5  # seconds between two reads of the store
# A claim comes before its feed request by a tick's work and the poll's first store reads: at
# 200 x 20 with 4 daemons under load ~8, two sources claimed in one tick were requested 1.4 s
# later and retaken 58.6 s after the request, both in one tick 60 s (the lease) after the claim.
CLAIM_LAG = 5.0
MIDDLE = (0.25, 0.75)  # the share of the articles stored between which the middle rate is taken
STALL = 180.0  # seconds without a new article (after every feed was requested) ending a run


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


# -- one run ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    daemons: int
    articles: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    db_cpu: float = 0.0  # the PostgreSQL server's, for the pg runs (not in cpu)
    bench_cpu: float = 0.0  # this process's: the page server, the store reads, the sampling (not in cpu)
    peak_rss: int = 0
    double_polls: int = 0
    outlived: int = 0  # of them: another daemon's request a lease after a live daemon's (its poll outlived the lease)
    examples: list[str] = field(default_factory=list)  # a few double polls: feed, then who asked when
    retaken: int = 0
    retake_gap: float = 0.0  # the shortest time from the killed daemon's request to the retake
    split: int = 0
    split_groups: set[int] = field(default_factory=set)  # which expected stories split
    merged: int = 0
    lost: int = 0
    longest_poll_ms: int = 0
    killed: bool = False
    exits: list[int] = field(default_factory=list)
    reached: dict[float, float] = field(default_factory=dict)  # share of MIDDLE -> when (monotonic)

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0

    def middle_rate(self, expected: int) -> float:
        """Articles per second while the middle half of them was stored: without the start
        (imports, the start-up spread's first seconds) and the tail (the last slow polls)."""
        low, high = (self.reached.get(share) for share in MIDDLE)
        return (MIDDLE[1] - MIDDLE[0]) * expected / (high - low) if low is not None and high and high > low else 0.0


def run_one(name: str, args: argparse.Namespace, server: SiteServer, cluster: PgCluster | None, tmp: Path) -> Outcome:
    pg = name.startswith("pg")
    base, _, per_daemon = name.partition("x")  # pg2x2: two daemons with --workers 2 each
    count = int(base.removeprefix("pg").removeprefix("sqlite") or 1)
    daemons, workers = (count, int(per_daemon or 1)) if pg else (1, count)
    kill = pg and daemons >= 2 and args.kill
    lease = args.lease if kill else ""
    pg_url = create_database(cluster.url) if pg and cluster else None
    db_path = tmp / name / "store.db"
    store = f"url = {json.dumps(pg_url)}" if pg_url else f"path = {json.dumps(str(db_path))}"
    configs = [write_config(tmp / name / f"w{k}", args, store, f"bench-{name}-w{k}", lease) for k in range(daemons)]
    reader = Reader(None if pg_url else db_path, pg_url)
    first_hit = len(server.feed_hits)
    db_before = server_cpu(cluster) if pg else 0.0
    started, own_cpu = time.monotonic(), time.process_time()
    procs = [start(c, workers) for c in configs]
    sampler = Sampler(procs)
    sampler.start()
    out = Outcome(name, daemons)
    try:
        killed_at, ended = wait_stored(reader, server, args, sampler, out, kill, first_hit)
        out.seconds = ended - started
        out.bench_cpu = time.process_time() - own_cpu
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
        for config, code in zip(configs, out.exits, strict=True):
            print_crash(config.parent / "run.log", code)
    check_polls(out, server.feed_hits, Window(first_hit, started, killed_at, parse_duration(args.lease) if kill else 0))
    check_stories(out, server.site, server.url, stories)
    polls = [int(e.get("ms", 0)) for c in configs for e in log_events(c.parent / "run.log", "source.updated")]
    out.longest_poll_ms = max(polls, default=0)
    return out


def print_crash(log: Path, code: int) -> None:
    """A daemon killed by a fatal signal (the SIGABRT of a runaway, scale_watch.RUNAWAY_BYTES):
    the stacks faulthandler wrote to its log, printed here, since the run's folder goes."""
    if code not in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS):
        return
    text = log.read_text(errors="replace")
    start = text.find("Fatal Python error")
    print(f"{log.parent.name} exited with {code}:\n{text[start:] if start >= 0 else text[-4000:]}", file=sys.stderr)


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
        for share in MIDDLE:
            if n >= share * expected:
                out.reached.setdefault(share, now)
        if kill and killed_at is None and n >= KILL_AT * expected:
            sampler.kill(0)
            killed_at, out.killed = time.monotonic(), True
        polled = len({h[1] for h in server.feed_hits[first_hit:]}) >= args.feeds
        stalled = polled and now - last_change > STALL + (parse_duration(args.lease) if kill else 0)
        dead = all(p.poll() is not None for i, p in enumerate(sampler.procs) if i not in sampler.frozen)
        if n >= expected or stalled or dead:
            return killed_at, last_change


@dataclass(frozen=True)
class Window:
    """One run's place in the server's feed requests and its kill, for check_polls."""

    first_hit: int  # index of the run's first request in SiteServer.feed_hits
    started: float  # time.monotonic() when the daemons were started
    killed_at: float | None
    lease: float  # seconds; 0 when no daemon was killed


def check_polls(out: Outcome, hits: list[tuple[float, int, str]], window: Window) -> None:
    """Double polls, and the killed daemon's sources retaken after their lease."""
    requests: dict[int, list[tuple[float, str]]] = {}
    for at, feed, agent in hits[window.first_hit :]:
        requests.setdefault(feed, []).append((at, agent))
    gaps = []
    for feed, times in requests.items():
        if len(times) < 2:
            continue
        if _retaken(times, f"bench-{out.name}-w0", window):
            out.retaken += 1
            gaps.append(times[-1][0] - times[-2][0])
            continue
        out.double_polls += 1
        (t0, a0), (t1, a1) = times[-2:]
        out.outlived += a1 != a0 and t1 - t0 >= window.lease > 0
        if len(out.examples) < 3:
            asked = ", ".join(f"{a.rsplit('-', 1)[-1]} at {t - window.started:.1f} s" for t, a in times)
            out.examples.append(f"/f/{feed}.xml: {asked}")
    out.retake_gap = min(gaps, default=0.0)


def _retaken(times: list[tuple[float, str]], killed: str, window: Window) -> bool:
    """Only the killed daemon asked before the kill, and one other daemon once after it and
    at least the lease after the first request, less CLAIM_LAG."""
    *before, (at, agent) = times
    return (
        window.killed_at is not None
        and agent != killed
        and at >= window.killed_at
        and all(a == killed and t < window.killed_at for t, a in before)
        and at - before[0][0] >= window.lease - CLAIM_LAG
    )


def check_stories(out: Outcome, site: Site, base: str, stories: dict[str, str]) -> None:
    """Lost articles, expected stories split over several stored ones, and stored stories
    holding more than one expected story."""
    groups = site.groups()
    group_of = {}
    for number, slots in groups.items():
        urls = [site.url(base, f, i) for f, i in slots]
        group_of.update(dict.fromkeys(urls, number))
        out.lost += sum(u not in stories for u in urls)
        if len({stories[u] for u in urls if u in stories}) > 1:
            out.split_groups.add(number)
    out.split = len(out.split_groups)
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
    parser.add_argument("--lease", default="60s", help="[daemon] lease of the daemons of a run with a kill")
    parser.add_argument("--concurrency", type=int, default=8, help="fetch.concurrency of each daemon")
    parser.add_argument("--keep", default="", help="a new folder to keep each run's configs, logs and SQLite store in")
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
            folder = Path(args.keep or tmp)
            for name in runs:
                results.append(run_one(name, args, server, cluster, folder))
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
    cores = o.cpu / o.seconds if o.seconds else 0.0
    outlived = f" ({o.outlived} after a live poll outlived the lease)" if o.outlived else ""
    db = f" (+db {o.db_cpu:.1f} s)" if o.db_cpu else ""
    db += f" (+bench {o.bench_cpu:.1f} s)"
    kill = f" killed w0, {o.retaken} retaken (>= {o.retake_gap:.1f} s after)" if o.killed else ""
    return (
        f"{o.name:8} {o.daemons} daemon(s) {o.articles:6} articles {o.seconds:8.1f} s {o.rate:7.1f} art/s "
        f"(middle half {o.middle_rate(args.feeds * args.items):5.1f}) "
        f"cpu {o.cpu:8.1f} s = {cores:4.2f} cores {per:6.1f} ms/art{db}  peak RSS {o.peak_rss / 2**20:6.0f} MiB | "
        f"double polls {o.double_polls}{outlived} split {o.split} merged {o.merged} lost {o.lost}{kill} | "
        f"longest poll {o.longest_poll_ms} ms  exits {o.exits}" + "".join(f"\n    double poll {e}" for e in o.examples)
    )


def report(results: list[Outcome], args: argparse.Namespace) -> None:
    by = {o.name: o for o in results}

    expected = args.feeds * args.items

    def ratio(a: str, b: str, rate: Callable[[Outcome], float] = lambda o: o.rate) -> str:
        return f"{rate(by[a]) / rate(by[b]):.2f}x" if a in by and b in by and rate(by[b]) else "-"

    def middle(o: Outcome) -> float:
        return o.middle_rate(expected)

    sqlite, pg2, pg4 = ratio("sqlite2", "sqlite1"), ratio("pg2", "pg1"), ratio("pg4", "pg1")
    print(f"ratios (articles/s): sqlite 2 processes / 1 = {sqlite} (goal >= 1.8x); pg 2/1 = {pg2}, pg 4/1 = {pg4}")
    mid = ratio("sqlite2", "sqlite1", middle), ratio("pg2", "pg1", middle), ratio("pg4", "pg1", middle)
    print(f"ratios (middle half's articles/s): sqlite 2 / 1 = {mid[0]}; pg 2/1 = {mid[1]}, pg 4/1 = {mid[2]}")
    if "sqlite1" in by:  # a split the one-process run has too is dedup's decision, not a race
        alone = by["sqlite1"].split_groups
        beyond = ", ".join(f"{o.name} {len(o.split_groups - alone)}" for o in results if o.name != "sqlite1")
        print(
            f"split stories not split in sqlite1 (one process, one writer): {beyond or '-'}; sqlite1's: {sorted(alone)}"
        )
    total: Callable[[str], int] = lambda key: sum(getattr(o, key) for o in results)  # noqa: E731
    print(
        f"summary: feeds={args.feeds} items={args.items} articles={args.feeds * args.items} "
        f"runs={','.join(by)} sqlite_2_1={sqlite} pg_2_1={pg2} pg_4_1={pg4} "
        f"middle_sqlite_2_1={mid[0]} middle_pg_2_1={mid[1]} middle_pg_4_1={mid[2]} "
        + " ".join(f"{o.name}_art_s={o.rate:.1f}" for o in results)
        + f" double_polls={total('double_polls')} retaken={total('retaken')} split_stories={total('split')} "
        f"merged={total('merged')} lost={total('lost')}"
    )


if __name__ == "__main__":
    main()
