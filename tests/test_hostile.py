"""Hostile servers (issue 7): one `topicwire once` against every way a server can misbehave.

Each hostile source must end within the fetch bounds with a named error in the
store (or parse safely where that is right), the healthy source must still get
its articles, and the process must not balloon while it all happens.

Three loopback servers: the hostile one, a 429 storm (its own host:port,
because 429s from two URLs of one host pause that host on purpose; see
sources/hosts.py) and the healthy site.
"""

from __future__ import annotations

import gzip
import io
import random
import resource
import sqlite3
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fixture_server import FixtureServer

from topicwire.clock import utc_now
from topicwire.daemon.cli import main
from topicwire.store import Store
from topicwire.types import SourceState

SITE = Path(__file__).resolve().parent / "fixtures" / "site"
MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_S = 2
# Measured: the whole `once` takes ~2.1 s (the slow drip holds it for the 2 s
# timeout); the module, with the 1 GB bomb compressed and a second run, ~10 s.
RUN_BOUND_S = 60
# Measured: peak RSS during the run ~50 MB above the RSS before it (a few
# 5 MB-capped bodies in flight at once, threads). A gzip bomb or an entity
# expansion that got through would add 1 GB or more.
RSS_CEILING_MB = 300
STORM_RETRY_AFTER = 3600

RSS_OPEN = '<?xml version="1.0" encoding="{enc}"?>\n<rss version="2.0"><channel><title>{title}</title>'


def rss(title: str, items: list[tuple[str, str]], encoding: str = "utf-8") -> str:
    body = "".join(
        f"<item><title>{t}</title><guid>{g}</guid><link>http://example.org/{g}</link>"
        f"<description>{t}</description></item>"
        for g, t in items
    )
    return RSS_OPEN.format(enc=encoding, title=title) + body + "</channel></rss>"


def billion_laughs() -> bytes:
    # Ten levels of ten: 10^9 "lol"s, 3 GB if a parser expanded it.
    levels = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = "<!DOCTYPE rss [" + "".join(levels) + "]>\n"
    feed = rss("Laughs", [("laughs-1", "&lol9;")])
    head, _, rest = feed.partition("\n")
    return (head + "\n" + doctype + rest).encode()


def gzip_bomb(megabytes: int = 1024) -> bytes:
    """1 GB of zeros, gzip-compressed to ~1 MB, built without holding the 1 GB."""
    out = io.BytesIO()
    zeros = bytes(1024 * 1024)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        for _ in range(megabytes):
            gz.write(zeros)
    return out.getvalue()


class _EndlessHandler(BaseHTTPRequestHandler):
    """A chunked RSS body that never ends: items forever until the client hangs up."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        item = b"<item><title>again</title><description>" + b"x" * 8000 + b"</description></item>"
        chunk = b"%x\r\n%s\r\n" % (len(item), item)
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(RSS_OPEN), RSS_OPEN.encode()))
            for _ in range(200_000):  # 1.6 GB: a safety stop, not an end the client may wait for
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def script_hostile(server: FixtureServer) -> dict[str, str]:
    """Route every hostile case on ``server``; returns source name -> URL."""
    xml = {"Content-Type": "application/rss+xml"}
    slow = rss("Slow", [(f"slow-{i}", "x" * 200) for i in range(50)]).encode()
    server.route("/slow.xml", slow, headers=xml, drip=200)  # 10 kB at 200 B/s: 50 s
    server.route("/bomb.xml", gzip_bomb(), headers={**xml, "Content-Encoding": "gzip"})
    server.redirect("/loop/a", "/loop/b")
    server.redirect("/loop/b", "/loop/a")
    cyrillic = rss("Кремль", [("wrong-1", "Песков ответил журналистам")]).encode("utf-8")
    server.route("/wrong-charset.xml", cyrillic, headers={"Content-Type": "text/xml; charset=windows-1251"})
    # Its own entry: the same entry in two sources would be stored once (dedup), leaving one with 0 articles.
    mislabelled = rss("Кремль", [("utf16-1", "Ушаков ответил журналистам")]).encode("utf-8")
    server.route("/utf16-label.xml", mislabelled, headers={"Content-Type": "text/xml; charset=utf-16"})
    bogus = rss("Bogus", [("bogus-1", "Zoë’s café")], encoding="x-no-such-charset").encode("utf-8")
    server.route("/bogus-charset.xml", bogus, headers={"Content-Type": "application/rss+xml; charset=klingon"})
    server.route("/laughs.xml", billion_laughs(), headers=xml)
    line = b"<html><body><p>" + b"word " * (10 * 1024 * 1024) + b"</p></body></html>"  # 50 MB, no newline
    server.route("/huge.html", line, headers={"Content-Type": "text/html; charset=utf-8"})
    noise = random.Random(7).randbytes(200_000)
    server.route("/binary.html", noise, headers={"Content-Type": "text/html"})
    return {
        "slow-drip": server.url + "/slow.xml",
        "gzip-bomb": server.url + "/bomb.xml",
        "redirect-loop": server.url + "/loop/a",
        "wrong-charset": server.url + "/wrong-charset.xml",
        "utf16-label": server.url + "/utf16-label.xml",
        "bogus-charset": server.url + "/bogus-charset.xml",
        "billion-laughs": server.url + "/laughs.xml",
        "huge-line": server.url + "/huge.html",
        "binary": server.url + "/binary.html",
        "tls-less": server.url.replace("http://", "https://") + "/slow.xml",
        "dns-failure": "http://feeds.topicwire.invalid/rss.xml",
    }


# name -> (status, words the stored error must contain; None: no error)
EXPECTED: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "slow-drip": ("error", ("timed out after 2 s",)),
    "gzip-bomb": ("error", (f"larger than {MAX_BYTES} bytes",)),
    "endless": ("error", (f"larger than {MAX_BYTES} bytes",)),
    "huge-line": ("error", (f"larger than {MAX_BYTES} bytes",)),
    "redirect-loop": ("error", ("redirect loop",)),
    "binary": ("error", ("binary content, not an HTML page",)),
    "tls-less": ("error", ("TLS error",)),
    "dns-failure": ("error", ("cannot resolve host feeds.topicwire.invalid",)),
    "storm-1": ("error", ("HTTP 429",)),
    "storm-2": ("error", ("HTTP 429",)),
    # A wrong or unknown charset is the server's mistake, not a reason to drop the
    # feed: it parses (with replacement characters at worst) and the item is kept.
    "wrong-charset": ("ok", None),
    "utf16-label": ("ok", None),
    "bogus-charset": ("ok", None),
    # feedparser reads the entity as literal text and never expands it.
    "billion-laughs": ("ok", None),
}


def current_rss_kb() -> int:
    """Resident set size now (ru_maxrss is a high-water mark the set-up already raised)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def config_text(sources: dict[str, str], extra: str = "") -> str:
    blocks = "".join(f'[[sources]]\nname = "{n}"\nurl = "{u}"\n' for n, u in sources.items())
    return f"""
[fetch]
timeout = "{TIMEOUT_S}s"
connect_timeout = "{TIMEOUT_S}s"
max_bytes = {MAX_BYTES}
allow_private_addresses = true
per_host_delay = "0s"
per_host_concurrency = 32
concurrency = {len(sources) + 2}
respect_robots = false
[defaults]
fulltext = false
[[topics]]
name = "all"
query = "Turkey OR Песков OR café OR lol OR again"
{extra}{blocks}"""


@dataclass(frozen=True)
class Run:
    code: int
    seconds: float
    growth_mb: float
    states: dict[str, SourceState]  # after the first run
    longest: dict[str, int]  # source -> longest title + text stored
    second_code: int
    second: dict[str, int]  # requests each server got in the second run


def read_states(path: Path, names: tuple[str, ...]) -> dict[str, SourceState]:
    store = Store.open(path, utc_now())
    try:
        return {state.name: state for state in store.source_states(names)}
    finally:
        store.close()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One `once` over every hostile source, the storm and the healthy site; then a second `once`."""
    tmp = tmp_path_factory.mktemp("hostile")
    with FixtureServer() as hostile, FixtureServer() as storm, FixtureServer() as healthy:
        endless_server = ThreadingHTTPServer(("127.0.0.1", 0), _EndlessHandler)
        endless_server.daemon_threads = True
        threading.Thread(target=endless_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        sources = script_hostile(hostile)
        sources["endless"] = f"http://127.0.0.1:{endless_server.server_address[1]}/endless.xml"
        for i in (1, 2):
            # The delay keeps both requests in flight together: the first 429 back
            # must not pause the host before the second one was even sent.
            storm.route(f"/s{i}.xml", status=429, headers={"Retry-After": str(STORM_RETRY_AFTER)}, delay=0.3)
            sources[f"storm-{i}"] = f"{storm.url}/s{i}.xml"
        healthy.serve_dir("/", SITE)
        sources["healthy"] = healthy.url + "/feeds/rss.xml"
        config = tmp / "c.toml"
        config.write_text(config_text(sources))
        rss_before = current_rss_kb()
        started = time.monotonic()
        code = main(["-c", str(config), "once"])
        seconds = time.monotonic() - started
        growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
        first = {"storm": len(storm.requests), "healthy": len(healthy.requests)}
        states = read_states(tmp / "var" / "topicwire.sqlite3", tuple(sources))
        second_code = main(["-c", str(config), "once"])
        second = {"storm": len(storm.requests) - first["storm"], "healthy": len(healthy.requests) - first["healthy"]}
        endless_server.shutdown()
        endless_server.server_close()
    db = sqlite3.connect(tmp / "var" / "topicwire.sqlite3")
    longest = dict(db.execute("SELECT source, max(length(title) + length(text)) FROM articles GROUP BY source"))
    db.close()
    return Run(code, seconds, growth_mb, states, longest, second_code, second)


def test_the_run_ends_within_its_bound_and_memory_stays_low(run: Run) -> None:
    assert run.code == 0  # some sources succeeded
    assert run.seconds < RUN_BOUND_S, run.seconds
    assert run.growth_mb < RSS_CEILING_MB, run.growth_mb


# An ASCII "<?xml" cannot be UTF-16 (XML 1.0 appendix F), yet the header's label wins
# and the feed is refused as "not well-formed"; reported for sources/feed.py.
KNOWN_BUGS: dict[str, str] = {}
CASES = [
    pytest.param(n, id=n, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[n])] if n in KNOWN_BUGS else [])
    for n in sorted(EXPECTED)
]


@pytest.mark.parametrize("name", CASES)
def test_each_hostile_source_ends_with_a_named_error(run: Run, name: str) -> None:
    state = run.states[name]
    status, words = EXPECTED[name]
    assert state is not None and state.status == status, state
    if words is None:
        assert state.error is None and state.articles == 1, state
    else:
        assert state.error and all(w in state.error for w in words), state.error
        assert state.articles == 0


def test_billion_laughs_is_not_expanded(run: Run) -> None:
    assert run.longest["billion-laughs"] < 100


def test_the_healthy_source_gets_its_articles(run: Run) -> None:
    state = run.states["healthy"]
    assert state is not None and state.status == "ok" and state.error is None
    assert state.articles >= 4


def test_the_storm_is_obeyed_while_the_others_are_polled_again(run: Run) -> None:
    for name in ("storm-1", "storm-2"):
        state = run.states[name]
        assert state is not None and state.retry_until is not None
        assert (state.retry_until - utc_now()).total_seconds() > STORM_RETRY_AFTER - 120
    assert run.second_code == 0
    assert run.second == {"storm": 0, "healthy": 1}  # one conditional GET of the healthy feed
