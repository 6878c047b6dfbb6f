"""Issue 13: settings `check` accepted that broke the run. Every key has bounds, `check`
enforces them, every command refuses the same config with the same message (exit 2), and
the README's reference table shows them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_config import MINIMAL, problems

from topicwire.config import KEYS, load_config, show_duration
from topicwire.topics.query import MAX_NESTING

ROOT = Path(__file__).resolve().parents[1]


def source(**keys: str) -> str:
    extra = "".join(f"{k} = {v}\n" for k, v in keys.items())
    return f'[[sources]]\nname = "b"\nurl = "https://x.org/"\n{extra}'


def topic(query: str) -> str:
    return f"[[topics]]\nname = \"u\"\nquery = '''{query}'''\n"


BAD = [
    # Each of these passed `check` and then failed `once` (issue 13) or could have.
    ('[fetch]\ntimeout = "' + "9" * 400 + 's"\n', "fetch.timeout: ", "must be between 100ms and 10m"),
    ('[fetch]\ntimeout = "inf"\n', "fetch.timeout: ", "is not a duration"),
    ('[fetch]\ntimeout = "1ms"\n', "fetch.timeout: ", "must be between 100ms and 10m"),
    ('[fetch]\nconnect_timeout = "1d"\n', "fetch.connect_timeout: ", "must be between 100ms and 10m"),
    ('[store]\nkeep = "99999999999w"\n', "store.keep: ", "must be between 1h and 36500d"),
    ("[fetch]\nmax_redirects = -1\n", "fetch.max_redirects: -1 ", "must be a whole number from 0 to 20"),
    ("[fetch]\nmax_bytes = 10\n", "fetch.max_bytes: 10 ", "must be a whole number from 1024"),
    ("[fetch]\nconcurrency = 100000\n", "fetch.concurrency: ", "from 1 to 256"),
    ("[store]\npool_size = 2\n", "store.pool_size: 2 ", "must be a whole number from 4 to 1000"),
    ("[fetch]\nper_host_concurrency = 0\n", "fetch.per_host_concurrency: ", "from 1 to 64"),
    ("[fetch]\nfailing_after = 0\n", "fetch.failing_after: ", "from 1 to 1000"),
    ('[fetch]\nper_host_delay = "2d"\n', "fetch.per_host_delay: ", "must be between 0s and 1h"),
    ('[fetch]\nmax_backoff = "400d"\n', "fetch.max_backoff: ", "must be between 1s and 30d"),
    ('[fetch]\nmax_interval = "1000000d"\n', "fetch.max_interval: ", "must be between 1s and 30d"),
    ('[fetch]\nuser_agent = "topicwire\\r\\nX-Evil: 1"\n', "fetch.user_agent: ", "must be printable ASCII"),
    ('[fetch]\nuser_agent = "topicwire ☃"\n', "fetch.user_agent: ", "must be printable ASCII"),
    ('[fetch]\nuser_agent = ""\n', "fetch.user_agent: ", "must be printable ASCII"),
    ('[fetch]\nuser_agent = "' + "x" * 600 + '"\n', "fetch.user_agent: ", "is longer than 512 characters"),
    ('[defaults]\ninterval = "100000d"\n', "defaults.interval: ", "must be between 1s and 30d"),
    ('[dedup]\nwindow = "100000d"\n', "dedup.window: ", "must be between 1m and 365d"),
    ("[dedup]\nsimilarity = nan\n", "dedup.similarity: ", "must be a number in (0, 1]"),
    ("[output]\nmax_items = 1000000\n", "output.max_items: ", "from 1 to 10000"),
    ('[output]\ntitle = "a\\u0000b"\n', "output.title: ", "contains a control character"),
    ('[output]\nbase_url = "http://x.org/a b/"\n', "output.base_url: ", "contains a space or a control character"),
    ('[output]\nwebsub_hub = "http://x.org:99999/"\n', "output.websub_hub: ", "is not a valid URL"),
    ('[store]\npath = "a\\u0000b"\n', "store.path: ", "contains a control character"),
    ('[server]\nlisten = "127.0.0.1:٨٠"\n', "server.listen: ", 'is not "host:port"'),
    (source(interval='"9999999999d"'), "sources[1].interval: ", "must be between 1s and 30d"),
    ('[[sources]]\nname = "b"\nurl = "https://x.org/\\u0001"\n', "sources[1].url: ", "contains a space or a control"),
    ('[[sources]]\nname = "b"\nurl = "https://x.org:70000/"\n', "sources[1].url: ", "is not a valid URL"),
    (topic("(" * 1000 + "x" + ")" * 1000), "topics[1].query: ", f"nested more than {MAX_NESTING} levels deep"),
    (topic("NOT " * 1000 + "x"), "topics[1].query: ", f"nested more than {MAX_NESTING} levels deep"),
    (topic("x OR " * 30000 + "y"), "topics[1].query: ", "is longer than 100000 characters"),
    ('[[topics]]\nname = "u"\nquery = "x"\nlanguages = ["en", "e n"]\n', "topics[1].languages: ", "not a language"),
    ("[aliases]\nbig = [" + '"w", ' * 1001 + '"w"]\n', "aliases.big: ", "must have at most 1000 terms"),
    # "^...$" with match() took a trailing newline: a feed file "u\n.rss", a header
    # "X-Topicwire-Topic: u\n" (review of the merged change)
    ('[[topics]]\nname = "u\\n"\nquery = "x"\n', "topics[1].name: ", "is not a valid name"),
    ('[[sources]]\nname = "b\\n"\nurl = "https://x.org/"\n', "sources[1].name: ", "is not a valid name"),
]


@pytest.mark.parametrize(
    ("extra", "where", "hint"), BAD, ids=[f"{w.split(':')[0]}-{i}" for i, (_, w, _) in enumerate(BAD)]
)
def test_out_of_bounds_values_are_named(tmp_path: Path, extra: str, where: str, hint: str) -> None:
    found = problems(tmp_path, MINIMAL + extra)
    assert any(p.startswith(where) and hint in p for p in found), found


@pytest.mark.parametrize(
    ("extra", "seconds"),
    [
        ('[fetch]\ntimeout = "100ms"\n', 0.1),
        ('[fetch]\ntimeout = "10m"\n', 600),
        ('[fetch]\nper_host_delay = "0s"\n', 0),
        ('[store]\nkeep = "36500d"\n', 36500 * 86400),
        ("[fetch]\nmax_redirects = 0\n", 0),
    ],
    ids=["timeout-low", "timeout-high", "delay-zero", "keep-high", "redirects-zero"],
)
def test_bounds_are_inclusive(tmp_path: Path, extra: str, seconds: float) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL + extra, encoding="utf-8")
    config = load_config(path)
    values = {"timeout": config.fetch.timeout, "per_host_delay": config.fetch.per_host_delay}
    values |= {"keep": config.keep, "max_redirects": config.fetch.max_redirects}
    key = extra.split("\n")[1].split(" ")[0]
    assert values[key] == seconds


DEEP_TOML = {
    "arrays": "x = " + "[" * 5000 + "]" * 5000 + "\n",
    "inline-tables": "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n",
}


@pytest.mark.parametrize("shape", DEEP_TOML, ids=list(DEEP_TOML))
def test_deeply_nested_toml_is_a_config_error(tmp_path: Path, shape: str) -> None:
    found = problems(tmp_path, DEEP_TOML[shape] + MINIMAL)
    assert found == (f"{tmp_path / 'config.toml'}: not valid TOML: arrays or inline tables nested too deeply",)


def test_readme_shows_every_keys_bounds() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for section, keys in KEYS.items():
        for name, key in keys.items():
            assert key.bounds, f"{section}.{name} has no bounds"
            row = re.search(rf"^\| `{section}\.{name}` \|.*$", readme, re.M)
            assert row is not None and f"| {key.bounds.replace('|', chr(92) + '|')} |" in row.group(0), (name, row)


def test_default_values_are_within_their_bounds(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    load_config(path)  # every default goes through its key's parser
    assert show_duration(0.1) == "100ms" and show_duration(36500 * 86400) == "36500d"


CLI_CASES = {
    "deep-query": (topic("(" * 1000 + "x" + ")" * 1000), "topics[1].query: nested more than 32 levels deep"),
    "not-chain": (topic("NOT " * 1000 + "x"), "topics[1].query: nested more than 32 levels deep"),
    "deep-toml": (DEEP_TOML["arrays"], "not valid TOML: arrays or inline tables nested too deeply"),
    "user-agent": ('[fetch]\nuser_agent = "a\\nb"\n', 'fetch.user_agent: "a\nb" must be printable ASCII'),
}


@pytest.mark.parametrize("case", CLI_CASES, ids=list(CLI_CASES))
def test_every_command_refuses_the_same_way(tmp_path: Path, case: str) -> None:
    """`check`, `once` and `run`: exit 2, the same message, no traceback, nothing started."""
    text, message = CLI_CASES[case]
    path = tmp_path / "config.toml"
    path.write_text((text + MINIMAL) if case == "deep-toml" else (MINIMAL + text), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outputs = []
    for command in ("check", "once", "run"):
        done = subprocess.run(
            [sys.executable, "-m", "topicwire", "-c", str(path), command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert done.returncode == 2, (command, done.stderr[-2000:])
        assert "Traceback" not in done.stderr and message in done.stderr, (command, done.stderr[-2000:])
        outputs.append(done.stderr)
    assert outputs[0] == outputs[1] == outputs[2]
    assert not (tmp_path / "var").exists()  # nothing was created
