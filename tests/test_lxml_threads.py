"""lxml runs in one thread at a time (topicwire/lxmlock.py).

Two threads in lxml at once can crash the daemon (bench/lxml_threads.py crashes within a
second; CI saw it twice in `once`). A race is not caught by running it, so this checks the
rule itself: `once` polls full-text feeds, a page source and an `auto` source that discovers
its feed, all of the fixture site, on 8 threads in this process, then feeds are published
from a thread as `run` does; no function of a module that works with lxml (ours,
trafilatura, htmldate, justext, feedgen, lxml.html) runs in those threads without LXML held.
A profile hook sees Python functions only: a tree freed outside the lock (an error's frames)
is checked on its own.
"""

from __future__ import annotations

import threading
import types
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from fixture_server import FixtureServer
from test_cli import SITE

from topicwire.changes import StoryChanges
from topicwire.config import Config, load_config
from topicwire.cpu import CpuPool
from topicwire.daemon.cli import main
from topicwire.errors import ParseError
from topicwire.feeds.publisher import Publisher
from topicwire.lxmlock import LXML, holding_lxml
from topicwire.store import Store

_LIBRARIES = ("lxml", "trafilatura", "htmldate", "justext", "feedgen", "lxml_html_clean")


class Watch:
    """A profile hook for new threads: the first call of each lxml-module function outside LXML."""

    def __init__(self) -> None:
        self.modules: dict[str, bool] = {}
        self.outside: dict[types.CodeType, str] = {}
        self.calls = 0

    def holds_lxml(self, module: dict[str, Any]) -> bool:
        name = str(module.get("__name__", ""))
        known = self.modules.get(name)
        if known is None:
            known = name.startswith(_LIBRARIES) or any(_is_lxml(v) for v in list(module.values()))
            self.modules[name] = known
        return known

    def __call__(self, frame: types.FrameType, event: str, arg: object) -> None:
        if event != "call" or not self.holds_lxml(frame.f_globals):
            return
        self.calls += 1
        if frame.f_code not in self.outside and not LXML._is_owned():  # type: ignore[attr-defined]
            self.outside[frame.f_code] = _caller_chain(frame)


def _is_lxml(value: object) -> bool:
    if isinstance(value, types.ModuleType):
        return value.__name__.startswith("lxml")
    return str(getattr(value, "__module__", "") or "").startswith("lxml")


def _caller_chain(frame: types.FrameType | None) -> str:
    names: list[str] = []
    while frame is not None and len(names) < 10:
        names.append(f"{frame.f_globals.get('__name__')}.{frame.f_code.co_name}:{frame.f_lineno}")
        frame = frame.f_back
    return " <- ".join(names)


@pytest.fixture
def watch() -> Iterator[Watch]:
    hook = Watch()
    threading.setprofile(hook)  # threads started from now on; this one is the main thread
    try:
        yield hook
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]


def _config(folder: Path, base: str) -> Path:
    feeds = ("rss.xml", "atom.xml", "caspian-post.xml", "steppe-daily.xml")
    sources = [  # full text: the articles' pages are fetched and extracted
        f'[[sources]]\nname = "f{i}"\nurl = "{base}/feeds/{f}"\nkind = "feed"\nfulltext = true\n'
        for i, f in enumerate(feeds)
    ]
    sources.append(f'[[sources]]\nname = "tagged"\nurl = "{base}/tags/turkey.html"\nkind = "page"\n')
    # auto: the page advertises a feed (Pipeline.discover), then the feed is read
    sources.append(f'[[sources]]\nname = "found"\nurl = "{base}/tags/turkey.html?found"\nkind = "auto"\n')
    (folder / "c.toml").write_text(
        f'[store]\npath = "{folder / "s.db"}"\n[output]\ndir = "{folder / "feeds"}"\n'
        '[daemon]\nworkers = 1\n[fetch]\nallow_private_addresses = true\nper_host_delay = "0s"\nconcurrency = 8\n'
        + "".join(sources)
        + '[[topics]]\nname = "turkey"\nquery = "Turkey"\n',
        encoding="utf-8",
    )
    return folder / "c.toml"


def test_poll_threads_enter_lxml_only_holding_the_lock(
    tmp_path: Path, watch: Watch, capfd: pytest.CaptureFixture[str]
) -> None:
    with FixtureServer() as server:
        server.serve_dir("/", SITE)
        config = _config(tmp_path, server.url)
        assert main(["-c", str(config), "once", "--workers", "1"]) == 0
        paths = {r.path for r in server.requests}
    assert {"/tags/turkey.html", "/tags/turkey.html?found", "/feeds/steppe-daily.xml"} <= paths
    assert any(p.startswith("/news/") for p in paths)
    assert "event=source.discovered source=found" in capfd.readouterr().err
    assert watch.calls > 1000, watch.calls  # the hook saw the polls' lxml work
    assert not watch.outside, "\n".join(watch.outside.values())
    # `run` renders the feeds in a job's thread (`once` in its main thread, not hooked).
    calls = watch.calls
    _publish_in_a_thread(load_config(config))
    assert watch.calls > calls + 100, watch.calls - calls
    assert not watch.outside, "\n".join(watch.outside.values())


def _publish_in_a_thread(config: Config) -> None:
    store = Store.open(config.store_path, datetime.now(UTC))
    try:
        publisher = Publisher(config, store, StoryChanges())
        job = threading.Thread(target=publisher.publish)
        job.start()
        job.join()
    finally:
        store.close()


def _through_holding_lxml(trees: list[weakref.ref[object]]) -> None:
    with holding_lxml():  # as the pipeline's own lxml work (a small feed's parse, discovery)
        _fails_holding_a_tree(trees)


@pytest.mark.parametrize(
    "enter",
    [lambda trees: CpuPool(1).call(_fails_holding_a_tree, trees), _through_holding_lxml],
    ids=["inline stage", "holding_lxml"],
)
def test_an_error_frees_its_trees_inside_the_lock(enter: Callable[[list[weakref.ref[object]]], None]) -> None:
    """Work that fails ("no article") leaves its page's tree in its error's frames; the
    caller drops the error outside LXML, so the frames are cleared before it leaves."""
    trees: list[weakref.ref[object]] = []
    with pytest.raises(ParseError) as failed:
        enter(trees)
    assert trees and trees[0]() is None, "the tree outlived the lock"
    assert "no main text" in str(failed.value)


def _fails_holding_a_tree(trees: list[weakref.ref[object]]) -> None:
    tree = lxml.html.document_fromstring("<p>Only a teaser</p>")
    trees.append(weakref.ref(tree))
    raise ParseError("http://x.test/a", "no main text found")


def test_the_watch_sees_lxml_work_outside_the_lock(watch: Watch) -> None:
    """The check above can fail: a thread that parses without LXML is named."""
    from topicwire.extract.clean import html_to_text

    done = threading.Thread(target=html_to_text, args=("<p>Unlocked text</p>",))
    done.start()
    done.join()
    assert any("html_to_text" in chain for chain in watch.outside.values()), watch.outside
