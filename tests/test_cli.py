"""The command line as users meet it: exit codes, messages, and the `run` daemon."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
import requests
from fixture_server import FixtureServer

from topicwire.daemon.cli import main

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(__file__).resolve().parent / "fixtures" / "site"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def config_text(base: str, listen: str = "127.0.0.1:0", extra: str = "") -> str:
    return f"""
[server]
listen = "{listen}"
[fetch]
allow_private_addresses = true
per_host_delay = "0s"
[aliases]
kremlin = ["Kremlin", "Peskov"]
[[sources]]
name = "site"
url = "{base}/feeds/rss.xml"
[[topics]]
name = "kremlin"
query = "@kremlin"
{extra}"""


def test_check_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.toml").write_text(config_text("http://x.test"))
    assert main(["-c", str(tmp_path / "c.toml"), "check"]) == 0
    out = capsys.readouterr().out
    assert "ok" in out and "kremlin" in out and "site" in out


def test_check_reports_every_error_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = config_text("http://x.test") + '[[topics]]\nname = "b"\nquery = "@nope"\n[defaults]\ninterval = "soon"\n'
    (tmp_path / "c.toml").write_text(bad)
    assert main(["-c", str(tmp_path / "c.toml"), "check"]) == 2
    err = capsys.readouterr().err
    assert "2 errors in config" in err and "topics[1].query" in err and 'defaults.interval: "soon"' in err


def test_every_command_refuses_a_bad_config(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("[fetch]\ntimeout = 5\n")
    for command in ("check", "once", "run", "sources"):
        assert main(["-c", str(tmp_path / "c.toml"), command]) == 2


def test_config_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "elsewhere.toml").write_text(config_text("http://x.test"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOPICWIRE_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert main(["check"]) == 0


def test_once_exits_1_only_when_every_source_failed(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.route("/broken/feeds/rss.xml", status=500)
    fixture_server.serve_dir("/good/", SITE)
    (tmp_path / "c.toml").write_text(config_text(fixture_server.url + "/broken"))
    assert main(["-c", str(tmp_path / "c.toml"), "once"]) == 1
    also_good = f'[[sources]]\nname = "good"\nurl = "{fixture_server.url}/good/feeds/rss.xml"\n'
    (tmp_path / "c.toml").write_text(config_text(fixture_server.url + "/broken", extra=also_good))
    assert main(["-c", str(tmp_path / "c.toml"), "once"]) == 0


def test_sources_command(tmp_path: Path, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]) -> None:
    fixture_server.route("/feeds/rss.xml", status=503, headers={"Retry-After": "120"})
    (tmp_path / "c.toml").write_text(config_text(fixture_server.url))
    main(["-c", str(tmp_path / "c.toml"), "once"])
    capsys.readouterr()
    assert main(["-c", str(tmp_path / "c.toml"), "sources"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("site "))
    assert "error" in row and "503" in row


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_run_serves_feeds_and_stops_cleanly_on_sigterm(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.serve_dir("/", SITE)
    port = free_port()
    (tmp_path / "c.toml").write_text(config_text(fixture_server.url, listen=f"127.0.0.1:{port}"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "topicwire", "-c", str(tmp_path / "c.toml"), "run"],
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        entries = _wait_for_entries(f"http://127.0.0.1:{port}/kremlin.rss", proc)
        assert entries >= 4
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.status_code == 200
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "event=daemon.stopped" in err and "Traceback" not in err


def _wait_for_entries(url: str, proc: subprocess.Popen[str], deadline: float = 60.0) -> int:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            response = requests.get(url, timeout=2)
            if response.status_code == 200:
                parsed = feedparser.parse(response.content)
                if parsed.entries:
                    return len(parsed.entries)
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"no entries at {url} within {deadline}s")


def test_sighup_reloads_and_a_bad_config_is_kept(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.serve_dir("/", SITE)
    port = free_port()
    config = tmp_path / "c.toml"
    config.write_text(config_text(fixture_server.url, listen=f"127.0.0.1:{port}"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "topicwire", "-c", str(config), "run"], stderr=subprocess.PIPE, text=True, env=ENV
    )
    try:
        _wait_for_entries(f"http://127.0.0.1:{port}/kremlin.rss", proc)
        broken = config_text(fixture_server.url).replace("allow_private_addresses = true", 'timeout = "soon"')
        config.write_text(broken)
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        added = '[[topics]]\nname = "turkey"\nquery = "Turkey"\n'
        config.write_text(config_text(fixture_server.url, listen=f"127.0.0.1:{port}", extra=added))
        proc.send_signal(signal.SIGHUP)
        _wait_for_entries(f"http://127.0.0.1:{port}/turkey.rss", proc)  # the new topic starts full
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "event=config.invalid" in err and 'fetch.timeout: \\"soon\\"' in err and "event=config.kept" in err
    assert "event=config.reloaded" in err


PAGE_WITH_FEEDS = """<html><head><title>News</title>
<link rel="alternate" type="application/rss+xml" title="All news" href="/feeds/rss.xml">
<link rel="alternate" type="application/json+oembed" href="/oembed?x=1">
</head><body><p>Hello</p></body></html>"""


def test_discover_command(tmp_path: Path, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]) -> None:
    fixture_server.serve_dir("/feeds/", SITE / "feeds")
    fixture_server.route("/home", PAGE_WITH_FEEDS, headers={"Content-Type": "text/html; charset=utf-8"})
    fixture_server.route("/bare", "<html><body>no feeds</body></html>", headers={"Content-Type": "text/html"})
    (tmp_path / "c.toml").write_text(config_text(fixture_server.url))
    assert main(["-c", str(tmp_path / "c.toml"), "discover", f"{fixture_server.url}/home"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [f"{fixture_server.url}/feeds/rss.xml\tapplication/rss+xml\tAll news"]
    assert main(["-c", str(tmp_path / "c.toml"), "discover", f"{fixture_server.url}/feeds/rss.xml"]) == 0
    assert "is a feed" in capsys.readouterr().out
    assert main(["-c", str(tmp_path / "c.toml"), "discover", f"{fixture_server.url}/bare"]) == 1


def test_auto_source_uses_the_advertised_feed(tmp_path: Path, fixture_server: FixtureServer) -> None:
    fixture_server.serve_dir("/", SITE)
    fixture_server.route("/home", PAGE_WITH_FEEDS, headers={"Content-Type": "text/html; charset=utf-8"})
    text = config_text(fixture_server.url).replace(f"{fixture_server.url}/feeds/rss.xml", f"{fixture_server.url}/home")
    (tmp_path / "c.toml").write_text(text + "[defaults]\nfulltext = false\n")
    assert main(["-c", str(tmp_path / "c.toml"), "once"]) == 0
    from topicwire.clock import utc_now
    from topicwire.store import Store

    store = Store.open(tmp_path / "var" / "topicwire.sqlite3", utc_now())
    state = store.source_state("site")
    store.close()
    assert state and state.url == f"{fixture_server.url}/feeds/rss.xml"  # polled directly from now on
    assert len([r for r in fixture_server.requests if r.path == "/home"]) == 1
    main(["-c", str(tmp_path / "c.toml"), "once"])
    assert len([r for r in fixture_server.requests if r.path == "/home"]) == 1


def test_backtest_shows_gains_and_losses(
    tmp_path: Path, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture_server.serve_dir("/", SITE)
    (tmp_path / "c.toml").write_text(config_text(fixture_server.url))
    assert main(["-c", str(tmp_path / "c.toml"), "once"]) == 0
    before = (tmp_path / "var" / "feeds" / "kremlin.rss").read_bytes()
    capsys.readouterr()
    assert main(["-c", str(tmp_path / "c.toml"), "backtest", "kremlin", "--query", "Karabakh OR Crimea"]) == 0
    out = capsys.readouterr().out
    assert "kremlin: 4 of 4 stored articles now, 2 with --query" in out
    lost = [line for line in out.splitlines() if line.startswith("  - ")]
    assert len(lost) == 2 and any("Russia Says Open to Talks" in line for line in lost)
    assert (tmp_path / "var" / "feeds" / "kremlin.rss").read_bytes() == before  # nothing changed
    assert main(["-c", str(tmp_path / "c.toml"), "backtest", "kremlin", "--query", "Kremlin AND ("]) == 2
    assert main(["-c", str(tmp_path / "c.toml"), "backtest", "nope", "--query", "x"]) == 2


def test_a_listing_page_refused_as_unsure_says_so_in_the_log_and_in_sources(
    tmp_path: Path, fixture_server: FixtureServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 17: a page of three short links beside an about box that names the Kremlin is
    not stored as an article (it was, and matched the topic); the poll fails saying why,
    in the log (event=source.failed) and in `sources`."""
    page = (
        "<html><head><title>Caspian Post</title></head><body><header><a href='/'>Caspian Post</a></header>"
        "<div class='about'><p>The Caspian Post is an independent newspaper published in Baku since 1998, "
        "reporting what the Kremlin and Peskov say about the region.</p></div>"
        "<main><h1>Latest</h1><ul><li><a href='/s/1'>Peskov speaks</a></li><li><a href='/s/2'>Baku hosts summit</a>"
        "</li><li><a href='/s/3'>Ferry resumes</a></li></ul></main></body></html>"
    )
    fixture_server.route("/latest/", page, headers={"Content-Type": "text/html; charset=utf-8"})
    fixture_server.serve_dir("/", SITE)
    extra = f'[[sources]]\nname = "latest"\nurl = "{fixture_server.url}/latest/"\nkind = "page"\n'
    (tmp_path / "c.toml").write_text(config_text(fixture_server.url, extra=extra))
    main(["-c", str(tmp_path / "c.toml"), "once"])
    err = capsys.readouterr().err
    logged = [line for line in err.splitlines() if "event=source.failed" in line and "source=latest" in line]
    assert logged and "not stored as an article: its title 'Latest' is no headline" in logged[0]
    assert main(["-c", str(tmp_path / "c.toml"), "sources"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("latest "))
    assert "error" in row and "not stored as an article" in row
    kremlin = feedparser.parse(str(tmp_path / "var" / "feeds" / "kremlin.rss"))
    assert kremlin.entries and all("/latest/" not in entry.link for entry in kremlin.entries)
