"""A config.toml for the loopback fixture site: the shipped topics and aliases (so tests
run the rules users get), the given sources, and loopback-friendly fetch settings."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def toml_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else json.dumps(value, ensure_ascii=False)


def write_site_config(
    folder: Path,
    base: str,
    sources: Sequence[tuple[str, str, str]],
    *,
    output: Sequence[str] = (),
    fetch: Sequence[str] = (),
    store: Sequence[str] = ('path = "var/store.sqlite3"',),
) -> Path:
    """``sources`` are (name, path on the site, kind); ``output``/``fetch`` extra TOML lines;
    ``store`` the [store] lines (a PostgreSQL ``url = ...`` in place of the SQLite path)."""
    shipped = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    lines = [
        "[store]",
        *store,
        "[output]",
        'dir = "var/feeds"',
        'base_url = "http://feeds.test/"',
        *output,
        "[fetch]",
        "allow_private_addresses = true",
        'per_host_delay = "0s"',  # one loopback host serves every page; spacing would only slow the test
        "per_host_concurrency = 4",
        *fetch,
        "[aliases]",
        *(f"{k} = {toml_value(v)}" for k, v in shipped["aliases"].items()),
    ]
    for name, path, kind in sources:
        lines += ["[[sources]]", f"name = {toml_value(name)}", f"url = {toml_value(base + path)}"]
        lines.append(f"kind = {toml_value(kind)}")
    for topic in shipped["topics"]:
        lines += ["[[topics]]", *(f"{k} = {toml_value(v)}" for k, v in topic.items())]
    config = folder / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config
