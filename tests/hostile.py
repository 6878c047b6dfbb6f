"""A harness for hostile-source tests (issue 13): one bad source next to a good one.

    with FixtureServer() as bad:
        bad.route("/x.xml", ...)
        run = run_beside_good(tmp_path, {"drip": bad.url + "/x.xml"})
        run.assert_contained("drip", error="timed out")

``run_beside_good`` runs the real ``python -m topicwire once`` (or ``run`` for a
while, then SIGTERM) in a child process next to the healthy fixture site, then
``topicwire sources``. The child is watched with ``os.wait4``, so its own peak
resident memory is known (``RUSAGE_CHILDREN`` would report the largest child the
test process ever had). ``assert_contained`` checks what issue 13 asks of every
case: the good source's articles are in its feed, the bad source is named in the
log and in ``sources``, no traceback was printed, and time and memory stayed
within their bounds.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from crashlog import CRASH_DUMP_CHARS, failure_log
from fixture_server import FixtureServer

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "tests" / "fixtures" / "site"
GOOD = "healthy"
# The fixture site's RSS feed lists these pages; each must reach the good topic's feed.
GOOD_FEED = "/feeds/rss.xml"
GOOD_MIN_ENTRIES = 4
# The goal of issue 13: `once` and `run` stay under 500 MB resident with the defaults.
RSS_LIMIT_MB = 500
# With two worker processes (issue 16), the daemon and both workers together: each worker
# is a Python with trafilatura and lxml loaded (~90 MB idle) plus one bounded extraction.
WORKERS_RSS_LIMIT_MB = 800
# A native crash (lxml, libxml2): the child's exit code is minus the signal.
CRASH_SIGNALS = frozenset({signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS, signal.SIGFPE, signal.SIGILL})


@dataclass(frozen=True)
class HostileRun:
    code: int
    seconds: float
    peak_rss_mb: float
    log: str  # the child's stderr
    sources: str  # `topicwire sources` output
    feeds: Path  # output.dir
    good_url: str

    def feed_items(self, topic: str) -> list[dict[str, object]]:
        path = self.feeds / f"{topic}.json"
        return list(json.loads(path.read_text(encoding="utf-8"))["items"]) if path.exists() else []

    def source_line(self, name: str) -> str:
        lines = [line for line in self.sources.splitlines() if line.split(" ", 1)[0] == name]
        assert len(lines) == 1, f"{name} not in `sources`:\n{self.sources}"
        return lines[0]

    def assert_good_published(self) -> None:
        urls = [str(item.get("url", "")) for item in self.feed_items(GOOD)]
        mine = [u for u in urls if u.startswith(self.good_url)]
        assert len(mine) >= GOOD_MIN_ENTRIES, f"good source not published: {urls}\n{self.log[-3000:]}"

    def crash_dump(self) -> str:
        """faulthandler's whole dump (every thread's stack, the crashing one first), not the
        log's tail: a native crash in one run of many printed only the main thread's stack."""
        return failure_log(self.log, CRASH_DUMP_CHARS)

    def assert_contained(
        self,
        *bad: str,
        error: str | None = None,
        seconds: float = 60.0,
        rss_mb: float = RSS_LIMIT_MB,
    ) -> None:
        """The good source published; each bad one named (with ``error`` in `sources`); bounded."""
        assert -self.code not in CRASH_SIGNALS, f"exited on signal {-self.code}:\n{self.crash_dump()}"
        assert "Traceback" not in self.log, self.log[-5000:]
        self.assert_good_published()
        for name in bad:
            assert f"source={name}" in self.log, f"{name} not named in the log:\n{self.log[-3000:]}"
            line = self.source_line(name)
            if error is not None:
                assert error in line, line
        assert self.seconds < seconds, f"took {self.seconds:.1f} s (bound {seconds} s)"
        assert self.peak_rss_mb < rss_mb, f"peak RSS {self.peak_rss_mb:.0f} MB (bound {rss_mb} MB)"


def config_text(
    good_url: str,
    bad: Mapping[str, str],
    *,
    fetch: str = "",
    extra: str = "",
    fulltext: bool = False,
    bad_kind: str = "auto",
    output: str = "",
    workers: int = 1,
) -> str:
    """Loopback-friendly settings; the topic ``healthy`` takes every article of the good source.
    ``workers``: ``[daemon] workers``; 1 (everything in the daemon's process, whose own
    memory the bounds below were set for) unless a case asks for worker processes.

    ``fetch`` and ``output``: more lines for those tables; a key ``fetch`` sets replaces
    the default below (TOML refuses a key set twice), e.g. ``respect_robots = true``.
    """
    fetch_defaults = _without_keys(FETCH_DEFAULTS, fetch)
    blocks = "".join(f'[[sources]]\nname = "{n}"\nurl = "{u}"\nkind = "{bad_kind}"\n' for n, u in bad.items())
    return f"""
[store]
path = "var/store.sqlite3"
[output]
dir = "var/feeds"
base_url = "http://feeds.test/"
{output}
[daemon]
workers = {workers}
[fetch]
{fetch_defaults}
{fetch}
[defaults]
fulltext = {str(fulltext).lower()}
[[topics]]
name = "{GOOD}"
query = "source:{GOOD}"
{extra}
[[sources]]
name = "{GOOD}"
url = "{good_url}{GOOD_FEED}"
{blocks}"""


FETCH_DEFAULTS = """\
timeout = "3s"
connect_timeout = "3s"
allow_private_addresses = true
per_host_delay = "0s"
per_host_concurrency = 8
respect_robots = false"""


def _without_keys(defaults: str, overrides: str) -> str:
    keys = {line.partition("=")[0].strip() for line in overrides.splitlines() if "=" in line}
    return "\n".join(line for line in defaults.splitlines() if line.partition("=")[0].strip() not in keys)


def run_child(
    args: list[str], cwd: Path, limit_s: float, *, stop_after: float | None = None
) -> tuple[int, float, float, str]:
    """Run ``python -m topicwire ARGS``; return (exit code, seconds, peak RSS MB, stderr).

    ``stop_after``: send SIGTERM after that many seconds (for ``run``). A child
    still alive at ``limit_s`` is killed and reported with code -9.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("JOURNAL_STREAM", "NOTIFY_SOCKET")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    err_path = cwd / f"stderr-{time.monotonic_ns()}.log"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "topicwire", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    started = time.monotonic()
    status, peak_kb = _watch(proc, started, limit_s, stop_after)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen
    seconds = time.monotonic() - started
    return proc.returncode, seconds, peak_kb / 1024, err_path.read_text(encoding="utf-8", errors="replace")


def _watch(proc: subprocess.Popen[bytes], started: float, limit_s: float, stop_after: float | None) -> tuple[int, int]:
    """Wait for the child, SIGTERM/SIGKILL it on time; return (wait status, peak RSS in kB).

    The peak is the child's own VmHWM, read every 50 ms: ``ru_maxrss`` of a child
    includes its parent's resident size at fork (Linux folds the old mm's high-water
    mark into it at exec), so a 300 MB pytest made ``python -c pass`` report 311 MB.
    Its worker processes (``[daemon] workers``, topicwire/cpu.py) count too: the peak is
    the larger of the child's own VmHWM and the most the whole tree held at one sample
    (the sum of every process's VmRSS then).
    """
    termed, peak = False, 0
    while True:
        tree = _tree(proc.pid)
        together = sum(_vm_kb(pid, "VmRSS:") for pid in tree)
        peak = max(peak, _vm_kb(proc.pid, "VmHWM:"), together)
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return status, peak
        elapsed = time.monotonic() - started
        if stop_after is not None and not termed and elapsed >= stop_after:
            proc.send_signal(signal.SIGTERM)
            termed = True
        if elapsed >= limit_s:
            proc.kill()
            _, status, _ = os.wait4(proc.pid, 0)
            return status, peak
        time.sleep(0.05)


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc/PID/task/*/children."""
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


def _vm_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError):  # gone, or a zombie without memory
        pass
    return 0


def run_beside_good(
    tmp: Path,
    bad: Mapping[str, str],
    *,
    command: str = "once",
    limit_s: float = 120.0,
    run_for: float = 10.0,
    **config: object,
) -> HostileRun:
    """``once`` (or ``run`` for ``run_for`` seconds) over ``bad`` and the good fixture site."""
    with FixtureServer() as good:
        good.serve_dir("/", SITE)
        path = tmp / "config.toml"
        path.write_text(config_text(good.url, bad, **config), encoding="utf-8")  # type: ignore[arg-type]
        stop_after = run_for if command == "run" else None
        code, seconds, rss, log = run_child(["-c", str(path), command], tmp, limit_s, stop_after=stop_after)
        return HostileRun(code, seconds, rss, log, list_sources(path, tmp), tmp / "var" / "feeds", good.url)


def list_sources(config: Path, cwd: Path) -> str:
    """What `topicwire sources` prints for ``config``."""
    return subprocess.run(
        [sys.executable, "-m", "topicwire", "-c", str(config), "sources"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout


def odd_date_lines(n: int) -> Iterator[str]:
    """``n`` distinct lines that look like dates ("3 Shawbbbc 2001 AH 12") which htmldate hands
    to dateparser and dateparser cannot read; distinct, so htmldate's string cache spares none
    (extract/finddate.py bounds how many reach dateparser)."""
    names = ("".join(t) for t in itertools.product("bcdfghjklmnpqrstvwxz", repeat=4))
    for i in range(n):
        yield f"{i % 28 + 1} Shaw{next(names)} {2000 + i % 20} AH {10 + i % 50}"
