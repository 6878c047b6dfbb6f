"""Config validation: every error names the key path and the bad value."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from topicwire.config import KEYS, SECTIONS, Config, SourceConfig, load_config, parse_duration, reference_table
from topicwire.config.keys import field_of
from topicwire.config.reference import BEGIN, END
from topicwire.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

MINIMAL = """
[[sources]]
name = "a"
url = "https://example.org/rss.xml"

[[topics]]
name = "t"
query = "Kremlin"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return info.value.problems


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1w", 604800),
        ("500ms", 0.5),
        ("1.5h", 5400),
    ],
    ids=["s", "m", "h+m", "d", "w", "ms", "fraction"],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_repo_config_is_valid_and_covers_the_use_case() -> None:
    config = load_config(ROOT / "config.toml")
    assert {t.name for t in config.topics} >= {"kremlin-statements", "caucasus", "turkey"}
    kinds = {s.kind for s in config.sources}
    assert "feed" in kinds and "page" in kinds
    assert config.store_path == ROOT / "var" / "topicwire.sqlite3"
    assert config.fetch.allow_private_addresses is False


def test_defaults_apply(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert config.sources[0].interval == 900 and config.sources[0].fulltext is True
    assert config.sources[0].kind == "auto"
    assert config.max_items == 100 and config.listen == ("127.0.0.1", 8080)
    assert config.fetch.timeout == 20 and config.fetch.max_bytes == 10485760
    assert config.output_dir == tmp_path / "var" / "feeds"
    assert config.topics[0].title == "t"


BAD = [
    ('[fetch]\ntimeout = "5 minutes"\n', 'fetch.timeout: "5 minutes" is not a duration'),
    ("[fetch]\ntimeout = 20\n", "fetch.timeout: 20 must be a string"),
    ('[fetch]\nmax_bytes = "big"\n', 'fetch.max_bytes: "big" must be a whole number'),
    ("[fetch]\nmax_bytes = true\n", "fetch.max_bytes: true must be a whole number"),
    (
        '[fetch]\nallow_private_addresses = "yes"\n',
        'fetch.allow_private_addresses: "yes" must be true or false',
    ),
    ("[fetch]\nretries = 3\n", "fetch.retries: 3 is not a known key"),
    ("[fetcher]\nx = 1\n", "fetcher: {...} is not a known section"),
    ('[server]\nlisten = "localhost"\n', 'server.listen: "localhost" is not "host:port"'),
    ('[output]\nbase_url = "ftp://x/"\n', 'output.base_url: "ftp://x/" is not an http(s) URL'),
    ("[output]\nmax_items = 0\n", "output.max_items: 0 must be a whole number from 1 to 10000"),
    ('[aliases]\nk = "Kremlin"\n', 'aliases.k: "Kremlin" must be a non-empty list of strings'),
    (
        '[[sources]]\nname = "b"\nurl = "https://x.org/"\nkind = "rss"\n',
        'sources[1].kind: "rss" must be "feed", "page" or "auto"',
    ),
    (
        '[[sources]]\nname = "b"\nurl = "https://x.org/"\ninterval = "5 minutes"\n',
        'sources[1].interval: "5 minutes" is not a duration (try',
    ),
    (
        '[[sources]]\nname = "a"\nurl = "https://x.org/"\n',
        'sources[1].name: "a" is already used by sources[0]',
    ),
    (
        '[[sources]]\nname = "b"\nurl = "x.org/feed"\n',
        'sources[1].url: "x.org/feed" is not an http(s) URL',
    ),
    ('[[sources]]\nurl = "https://x.org/"\n', "sources[1].name: is required"),
    (
        '[[sources]]\nname = "Bad Name"\nurl = "https://x.org/"\n',
        'sources[1].name: "Bad Name" is not a valid name',
    ),
    ('[[topics]]\nname = "u"\nquery = "Kremlin AND ("\n', "topics[1].query:"),
    ('[[topics]]\nname = "u"\nquery = "@kremlim"\n', "topics[1].query:"),
    ('[[topics]]\nname = "t"\nquery = "x"\n', 'topics[1].name: "t" is already used by topics[0]'),
]


@pytest.mark.parametrize(("extra", "message"), BAD, ids=[m.split(":")[0] + f"-{i}" for i, (_, m) in enumerate(BAD)])
def test_bad_values_are_named(tmp_path: Path, extra: str, message: str) -> None:
    found = problems(tmp_path, MINIMAL + extra)
    assert any(p.startswith(message) for p in found), found


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, MINIMAL + '[fetch]\ntimeout = "x"\nmax_bytes = -1\n[defaults]\ninterval = "y"\n')
    assert len(found) == 3


def test_not_toml(tmp_path: Path) -> None:
    found = problems(tmp_path, "[store\npath = 1")
    assert "not valid TOML" in found[0]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.toml")


def test_readme_documents_every_key() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f"{s}.{k}" for s, keys in KEYS.items() for k in keys if f"`{s}.{k}`" not in readme]
    assert not missing, f"README's configuration reference lacks: {missing}"
    assert "`[aliases]`" in readme


def test_readme_reference_is_the_generated_one() -> None:
    """The README's table is `python -m topicwire.config`'s output, between its markers:
    a key declared without its README line, or a README line edited by hand, fails here."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(BEGIN) == 1 and readme.count(END) == 1
    shown = readme.split(BEGIN + "\n")[1].split("\n" + END)[0]
    assert shown == reference_table(), "regenerate it: python -m topicwire.config"
    printed = subprocess.run([sys.executable, "-m", "topicwire.config"], capture_output=True, text=True, check=True)
    assert printed.stdout == reference_table()


# Attributes that no single key fills: the file's path, the nested sections, the item lists,
# and a source's `adaptive` (from interval = "auto").
DERIVED = {Config: {"path", "fetch", "dedup", "webhooks", "aliases", "sources", "topics"}, SourceConfig: {"adaptive"}}


def test_every_key_fills_one_attribute_and_every_attribute_has_its_key() -> None:
    filled: dict[type, list[str]] = {}
    for section in SECTIONS:
        if section.fills is not None:
            filled.setdefault(section.fills, []).extend(field_of(n, k) for n, k in section.keys.items())
    for cls, names in filled.items():
        assert len(names) == len(set(names)), cls
        assert set(names) | DERIVED.get(cls, set()) == {f.name for f in dataclasses.fields(cls)}, cls


def test_readme_documents_every_command() -> None:
    from topicwire.daemon.cli import _parser

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in _parser()._actions if a.dest == "command")
    commands = list(sub.choices)  # type: ignore[attr-defined]
    assert commands and all(re.search(rf"\| `{c}( [^`]+)?` \|", readme) for c in commands), commands


def test_topic_filters(tmp_path: Path) -> None:
    extra = '[[topics]]\nname = "u"\nquery = "Baku"\nexclude = "football"\nsources = ["a"]\nlanguages = ["EN"]\n'
    topic = load_config(write(tmp_path, MINIMAL + extra)).topics[1]
    assert topic.exclude is not None and topic.sources == ("a",) and topic.languages == ("en",)
    found = problems(tmp_path, MINIMAL + '[[topics]]\nname = "u"\nquery = "x"\nsources = ["nope"]\nexclude = "("\n')
    assert any(p.startswith('topics[1].sources: "nope" is not a configured source') for p in found), found
    assert any(p.startswith("topics[1].exclude:") for p in found), found
    found = problems(tmp_path, MINIMAL + '[[topics]]\nname = "u"\nquery = "x"\nlanguages = "en"\n')
    assert any(p.startswith('topics[1].languages: "en" must be a list') for p in found), found


def test_link_selector(tmp_path: Path) -> None:
    extra = '[[sources]]\nname = "p"\nurl = "https://example.org/tags/x"\nkind = "page"\nlink_selector = "h2 > a"\n'
    assert load_config(write(tmp_path, MINIMAL + extra)).sources[1].link_selector == "h2 > a"
    found = problems(tmp_path, MINIMAL.replace('rss.xml"', 'rss.xml"\nlink_selector = "h2 >"'))
    assert any(p.startswith('sources[0].link_selector: "h2 >" is not a valid CSS selector') for p in found), found
    feed = MINIMAL.replace('rss.xml"', 'rss.xml"\nkind = "feed"\nlink_selector = "a"')
    found = problems(tmp_path, feed)
    assert any(p.startswith('sources[0].link_selector: "a" applies to page sources only') for p in found), found


def test_a_webhook_on_a_statements_topic_is_accepted(tmp_path: Path) -> None:
    """Issue 18: it pushes the topic's statements (tests/test_statements_feed.py); it was
    refused while the outbox could only send stories."""
    extra = (
        '[aliases]\nkremlin = ["Peskov"]\n[[topics]]\nname = "s"\nquery = "Kremlin"\nstatements = "@kremlin"\n'
        'webhook = "http://127.0.0.1:9/hook"\n'
    )
    (tmp_path / "c.toml").write_text(MINIMAL + extra, encoding="utf-8")
    assert load_config(tmp_path / "c.toml").topic("s").webhook == "http://127.0.0.1:9/hook"  # type: ignore[union-attr]
