"""Steady-state benchmark: ``topicwire run`` on N local feeds for two rounds, against ``once``.

    python bench/steady.py [--feeds 1000] [--interval 5m] [--concurrency 16] [--topics 1]
                           [--publish-delay 3s]

A local ``http.server`` on 127.0.0.1 (TCP_NODELAY, keep-alive, a listen backlog of 1024)
serves N distinct RSS 2.0 feeds of 20 items (as bench/fetch.py's) and answers conditional
requests with 304, recording when each request came. ``fulltext = false``: one request per
feed a round; the per-host budget is lifted to ``--concurrency`` (every feed is on one host).

1. Baseline: ``topicwire once`` on a fresh store, as a child process; its CPU from wait4.
2. ``topicwire run`` on another fresh store, as a child process, for two rounds: its CPU
   (utime + stime of every thread) is sampled from /proc/PID/stat twice a second.
   - First round: from start until every feed was polled once and a publish followed
     the last poll. Goal: CPU within 1.2x of ``once``'s.
   - Steady round: [start + interval, start + 2 x interval), every feed a 304. CPU as a
     share of one core; goal < 2% for 1,000 sources at 5 minutes.
   - Spread: each feed's second request; the most requests in any 30 s window (sliding)
     against the mean (N x 30 s / interval). Goal <= 2x.
   The log gives the publishes of the first round and their store-to-feed delays.
Then SIGTERM; ``run`` must exit 0.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import signal
import socket
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from topicwire.config import parse_duration  # noqa: E402

ITEMS = 20
WORDS = (
    "minister parliament budget vote coalition election court ruling appeal police inquiry "
    "storm flood wildfire heatwave drought harvest prices inflation bank rates markets shares "
    "exports tariffs strike union workers wages hospital doctors vaccine outbreak study "
    "researchers climate emissions energy grid solar wind nuclear pipeline talks ceasefire "
    "border refugees summit treaty sanctions army drone missile port railway airport airline"
).split()
TICK = os.sysconf("SC_CLK_TCK")
WINDOW = 30.0  # seconds: the spread is judged on the busiest 30 s of a round


# -- the feeds and their server -----------------------------------------------------------


def rss(base: str, n: int) -> bytes:
    rng = random.Random(n)
    newest = datetime(2025, 3, 1, tzinfo=UTC) - timedelta(minutes=n)

    def sentence(low: int, high: int) -> str:
        return " ".join(rng.choices(WORDS, k=rng.randint(low, high))).capitalize()

    items = "".join(
        f"<item><title>{escape(sentence(4, 8))}</title><link>{base}/n/{n}/{i}</link>"
        f"<pubDate>{format_datetime(newest - timedelta(hours=i))}</pubDate>"
        f"<description>{escape(sentence(5, 10))}.</description></item>"
        for i in range(ITEMS)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {n}</title>'
        f"<link>{base}/</link><description>bench</description>{items}</channel></rss>"
    ).encode()


@dataclass(frozen=True)
class Hit:
    at: float  # time.monotonic()
    path: str
    status: int


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default 5 drops SYNs when many clients connect at once

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.feeds: dict[str, tuple[bytes, str]] = {}
        self.modified = format_datetime(datetime(2025, 3, 1, tzinfo=UTC), usegmt=True)
        self.hits: list[Hit] = []
        self._lock = threading.Lock()

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # no reverse DNS lookup
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def get_request(self) -> tuple[socket.socket, object]:
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add(self, n: int) -> str:
        body = rss(self.url, n)
        path = f"/feed/{n}.xml"
        self.feeds[path] = (body, f'"{hashlib.sha1(body).hexdigest()[:16]}"')
        return path

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FeedServer

    def do_GET(self) -> None:
        found = self.server.feeds.get(self.path)
        if found is None:
            self.send_error(404)
            return
        body, etag = found
        fresh = self.headers.get("If-None-Match") == etag
        self.send_response(304 if fresh else 200)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", self.server.modified)
        if not fresh:
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not fresh:
            self.wfile.write(body)
        self.server.record(Hit(time.monotonic(), self.path, 304 if fresh else 200))

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


# -- the child processes ------------------------------------------------------------------


def write_config(folder: Path, args: argparse.Namespace, paths: list[str], base: str, port: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    c = args.concurrency
    lines = [
        "[server]",
        f'listen = "127.0.0.1:{port}"',
        "[fetch]",
        "allow_private_addresses = true",
        f"concurrency = {c}",
        f"per_host_concurrency = {c}",  # every feed is on one host: lift the per-host budget
        'per_host_delay = "0s"',
        "[defaults]",
        "fulltext = false",
        f'interval = "{args.interval}"',
    ]
    if args.publish_delay:
        lines[0:0] = ["[output]", f'publish_delay = "{args.publish_delay}"']
    for n, feed in enumerate(paths):
        lines += ["[[sources]]", f'name = "f{n}"', f'url = "{base}{feed}"', 'kind = "feed"']
    lines += ["[[topics]]", 'name = "all"', 'query = "NOT zzzqqq"']
    for k in range(1, args.topics):
        lines += ["[[topics]]", f'name = "t{k}"', f'query = "{WORDS[k % len(WORDS)]}"']
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def command(config: Path, verb: str) -> list[str]:
    return [sys.executable, "-m", "topicwire", "-c", str(config), verb]


@dataclass(frozen=True)
class Once:
    seconds: float
    cpu: float
    code: int


def run_once(config: Path) -> Once:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    with open(config.parent / "once.log", "w") as log:
        proc = subprocess.Popen(command(config, "once"), stderr=log, stdout=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Once(time.monotonic() - started, usage.ru_utime + usage.ru_stime, proc.returncode)


def cpu_of(pid: int) -> float:
    """utime + stime of every thread of ``pid`` and of its live worker processes
    ([daemon] workers), plus what its reaped children used, in seconds (/proc/PID/stat
    fields 14-17)."""
    total = 0.0
    for each in _tree(pid):
        try:
            with open(f"/proc/{each}/stat") as f:
                after_name = f.read().rsplit(")", 1)[1].split()
        except OSError:  # ended between the listing and the read
            continue
        total += sum(int(x) for x in after_name[11:15]) / TICK
    return total


def _tree(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return found


def rss_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Sampler(threading.Thread):
    """(monotonic time, CPU seconds) of a process, twice a second, until it exits."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, float]] = []
        self.peak_rss = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            try:
                self.samples.append((time.monotonic(), cpu_of(self.pid)))
                self.peak_rss = max(self.peak_rss, rss_of(self.pid))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                return

    def at(self, when: float) -> float:
        """CPU seconds at ``when``, interpolated between the two samples around it."""
        before = [s for s in self.samples if s[0] <= when]
        after = [s for s in self.samples if s[0] >= when]
        if not before or not after:
            return (before or after)[-1 if before else 0][1]
        (t0, c0), (t1, c1) = before[-1], after[0]
        return c0 if t1 == t0 else c0 + (c1 - c0) * (when - t0) / (t1 - t0)


def log_events(path: Path, name: str) -> list[dict[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = dict(part.partition("=")[::2] for part in line.split())
        if fields.get("event") == name:
            out.append(fields)
    return out


# -- the measurement ----------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    round1_seconds: float
    round1_cpu: float
    round1_publishes: int
    delays_ms: list[int]
    steady_cpu: float
    steady_requests: int
    steady_304: int
    busiest: int
    mean: float
    span: float
    gaps: tuple[float, float]
    peak_rss: int
    code: int


def wait_until(ready: object, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while not ready():  # type: ignore[operator]
        if proc.poll() is not None:
            sys.exit(f"run exited early with {proc.returncode}")
        if time.monotonic() > deadline:
            sys.exit("run did not get there in time")
        time.sleep(0.2)


def run_daemon(config: Path, server: FeedServer, feeds: int, interval: float) -> Result:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log_path = config.parent / "run.log"
    hits_before = len(server.hits)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(command(config, "run"), stderr=log, stdout=subprocess.DEVNULL, env=env)
    started = time.monotonic()
    sampler = Sampler(proc.pid)
    sampler.start()
    hits = lambda: server.hits[hits_before:]  # noqa: E731

    def first_round_published() -> bool:
        if len({h.path for h in hits()}) < feeds:
            return False
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        polled = [i for i, line in enumerate(lines) if "event=source.updated" in line]
        published = [i for i, line in enumerate(lines) if "event=feeds.published" in line and "delay_ms=" in line]
        return len(polled) >= feeds and bool(published) and published[-1] > polled[feeds - 1]

    wait_until(first_round_published, proc, started + interval + 600)
    round1_end = time.monotonic()
    round1_cpu = cpu_of(proc.pid)
    round1_lines = len(log_events(log_path, "feeds.published"))

    def second_round_done() -> bool:
        return time.monotonic() >= started + 2 * interval and _second_requests(hits(), feeds) is not None

    wait_until(second_round_done, proc, started + 3 * interval + 300)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=120)
    sampler.done.set()
    sampler.join()

    steady_from, steady_to = started + interval, started + 2 * interval
    steady = [h for h in hits() if steady_from <= h.at < steady_to]
    second = _second_requests(hits(), feeds) or []
    published = log_events(log_path, "feeds.published")
    delays = [int(f["delay_ms"]) for f in published[:round1_lines] if "delay_ms" in f]
    return Result(
        round1_seconds=round1_end - started,
        round1_cpu=round1_cpu,
        round1_publishes=round1_lines,
        delays_ms=delays,
        steady_cpu=sampler.at(steady_to) - sampler.at(steady_from),
        steady_requests=len(steady),
        steady_304=sum(h.status == 304 for h in steady),
        busiest=_busiest(sorted(second)),
        mean=feeds * WINDOW / interval,
        span=max(second) - min(second) if second else 0.0,
        gaps=_gaps(hits()),
        peak_rss=sampler.peak_rss,
        code=code,
    )


def _second_requests(hits: list[Hit], feeds: int) -> list[float] | None:
    """When each feed was requested the second time; None until every feed was."""
    seen: dict[str, list[float]] = {}
    for h in hits:
        seen.setdefault(h.path, []).append(h.at)
    second = [times[1] for times in seen.values() if len(times) >= 2]
    return second if len(second) >= feeds else None


def _busiest(times: list[float]) -> int:
    """The most requests in any WINDOW-second span (sliding)."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= WINDOW:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def _gaps(hits: list[Hit]) -> tuple[float, float]:
    """Shortest and longest time between one feed's first and second request."""
    seen: dict[str, list[float]] = {}
    for h in hits:
        seen.setdefault(h.path, []).append(h.at)
    gaps = [t[1] - t[0] for t in seen.values() if len(t) >= 2]
    return (min(gaps), max(gaps)) if gaps else (0.0, 0.0)


# -- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--interval", default="5m", help="every source's poll interval (a duration)")
    parser.add_argument("--concurrency", type=int, default=16, help="fetch.concurrency (and per-host)")
    parser.add_argument("--topics", type=int, default=1, help="topic feeds: one matching all, others one word")
    parser.add_argument("--publish-delay", default="", help="output.publish_delay (default: the config default)")
    args = parser.parse_args()
    interval = parse_duration(args.interval)

    server = FeedServer()
    paths = [server.add(n) for n in range(args.feeds)]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            once = run_once(write_config(Path(tmp) / "once", args, paths, server.url, free_port()))
            result = run_daemon(
                write_config(Path(tmp) / "run", args, paths, server.url, free_port()), server, args.feeds, interval
            )
    finally:
        server.shutdown()
        server.server_close()
    report(args, interval, once, result)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def report(args: argparse.Namespace, interval: float, once: Once, r: Result) -> None:
    n = args.feeds
    ratio = r.round1_cpu / once.cpu
    share = 100 * r.steady_cpu / interval
    spread = r.busiest / r.mean
    delays = sorted(r.delays_ms) or [0]
    print(
        f"feeds: {n} x {ITEMS} items, interval {args.interval}, concurrency {args.concurrency}, "
        f"topics {args.topics}, publish_delay {args.publish_delay or 'default'}"
    )
    print(
        f"once:        wall {once.seconds:7.2f} s  cpu {once.cpu:6.2f} s ({1000 * once.cpu / n:.1f} ms/feed)"
        f"  exit {once.code}"
    )
    print(
        f"run round 1: wall {r.round1_seconds:7.2f} s  cpu {r.round1_cpu:6.2f} s "
        f"({1000 * r.round1_cpu / n:.1f} ms/feed)"
        f"  {ratio:.2f}x once (goal <= 1.2x); {r.round1_publishes} publishes (start-up included), "
        f"store-to-feed delay median {statistics.median(delays)} ms, max {max(delays)} ms"
    )
    print(
        f"run steady:  cpu {r.steady_cpu:6.2f} s over {interval:.0f} s = {share:.2f}% of a core (goal < 2%); "
        f"{r.steady_requests} requests, {r.steady_304} of them 304; peak RSS {r.peak_rss / 2**20:.0f} MiB; "
        f"exit {r.code}"
    )
    print(
        f"spread:      second requests over {r.span:.0f} s; busiest {WINDOW:.0f} s window {r.busiest} vs mean "
        f"{r.mean:.1f} = {spread:.2f}x (goal <= 2x); first-to-second gap {r.gaps[0]:.1f}-{r.gaps[1]:.1f} s"
    )
    print(
        f"summary: feeds={n} interval={args.interval} concurrency={args.concurrency} topics={args.topics} "
        f"once_cpu_s={once.cpu:.2f} round1_cpu_s={r.round1_cpu:.2f} round1_ratio={ratio:.2f}x "
        f"round1_publishes={r.round1_publishes} delay_ms_max={max(delays)} steady_cpu_pct={share:.2f} "
        f"busiest_30s={spread:.2f}x run_exit={r.code}"
    )


if __name__ == "__main__":
    main()
