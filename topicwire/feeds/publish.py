"""Write rendered feeds to the output folder, atomically and only on change.

A reader (or the feed server) must never see a half-written file, and a
feed whose bytes did not change must keep its mtime, so Last-Modified and
conditional GETs stay valid across runs that found nothing new.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from topicwire.errors import PublishError
from topicwire.feeds.render import EntryCache, render_atom, render_json, render_opml, render_rss
from topicwire.lxmlock import holding_lxml
from topicwire.types import FeedDoc

INDEX_NAME = "index.opml"
STATUS_NAME = "index.html"
# Feeds are public by nature and are often served by another user's web
# server straight from the folder; mkstemp's 0600 would hide them.
FILE_MODE = 0o644

_WRITERS = 8  # files written (and fsynced) at once by publish_topics
_RENDERERS: tuple[tuple[str, Callable[[FeedDoc, str, EntryCache | None], bytes]], ...] = (
    ("rss", render_rss),
    ("atom", render_atom),
    ("json", render_json),
)


def _unchanged(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False  # missing or unreadable: write it (and report errors there)


def _fsync_dir(folder: Path) -> None:
    # The rename is only durable once the directory entry is on disk.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(folder: Path, name: str, data: bytes) -> Path:
    """Write data to a hidden temp file in ``folder`` (so the server skips it)."""
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fchmod(out.fileno(), FILE_MODE)
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return Path(temp)


def write_atomic(path: Path, data: bytes, *, sync_dir: bool = True) -> bool:
    """Replace ``path`` with ``data`` atomically; False if it already held them.

    Temp file in the same folder (``os.replace`` is only atomic within one
    file system), fsync of the file, rename, fsync of the folder (unless the
    caller does that once for many files). Raises PublishError naming the path; no temp file is left behind.
    """
    if _unchanged(path, data):
        return False
    temp: Path | None = None
    try:
        temp = _write_temp(path.parent, path.name, data)
        os.replace(temp, path)
        temp = None
        if sync_dir:
            _fsync_dir(path.parent)
    except OSError as e:
        raise PublishError(f"cannot write {path}: {e.strerror or e}") from e
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink()
    return True


def _ensure_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise PublishError(f"cannot create output folder {out_dir}: {e.strerror or e}") from e


def _plain_name(name: str) -> bool:
    # The stem comes from the config; a "/" or ".." would write outside the
    # folder and a leading "." would be hidden from the server.
    return bool(name) and name == Path(name).name and not name.startswith(".")


def _check_name(name: str) -> None:
    if not _plain_name(name):
        raise PublishError(f"topic name {name!r} is not a plain file name")


def publish_topic(out_dir: Path, doc: FeedDoc, hub: str = "", cache: EntryCache | None = None) -> tuple[Path, ...]:
    """Write ``<name>.rss``, ``<name>.atom`` and ``<name>.json``, advertising ``hub`` if set.

    Returns the paths that were actually rewritten (empty when the topic did
    not change), so the caller can log what changed and ping the WebSub hub.
    """
    return publish_topics(out_dir, (doc,), hub, cache)


def publish_topics(
    out_dir: Path, docs: Sequence[FeedDoc], hub: str = "", cache: EntryCache | None = None
) -> tuple[Path, ...]:
    """``publish_topic`` for many topics: render all, then write the changed files
    together and fsync the folder once.

    The fsyncs dominated a publish (150 files, each fsynced with its folder: ~0.8 s
    of 1.2 s in bench/render.py); issued from several threads, the file system
    commits them together, and one folder fsync covers every rename.
    """
    for doc in docs:
        _check_name(doc.name)
    _ensure_dir(out_dir)
    with holding_lxml():  # feedgen builds with lxml, one thread at a time (lxmlock.py)
        files = [(out_dir / f"{doc.name}.{ext}", render(doc, hub, cache)) for doc in docs for ext, render in _RENDERERS]
    with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
        changed = list(pool.map(lambda f: write_atomic(f[0], f[1], sync_dir=False), files))
    written = tuple(path for (path, _), did in zip(files, changed, strict=True) if did)
    if written:
        try:
            _fsync_dir(out_dir)
        except OSError as e:
            raise PublishError(f"cannot sync output folder {out_dir}: {e.strerror or e}") from e
    return written


def publish_index(out_dir: Path, docs: Sequence[FeedDoc], title: str) -> Path:
    """Write ``index.opml`` listing every topic; returns its path."""
    _ensure_dir(out_dir)
    path = out_dir / INDEX_NAME
    with holding_lxml():  # OPML is built with the standard library's ElementTree, but render.py is lxml's
        opml = render_opml(docs, title)
    write_atomic(path, opml)
    return path


def publish_status_page(out_dir: Path, page: bytes) -> bool:
    """Write ``index.html`` (the status page); False when it already held these bytes."""
    _ensure_dir(out_dir)
    return write_atomic(out_dir / STATUS_NAME, page)


def unpublish_topics(out_dir: Path, names: Sequence[str]) -> tuple[Path, ...]:
    """Delete the feed files of topics removed from the config; returns the paths deleted.

    Deleted rather than left stale: a file nobody updates any more would keep answering
    200 with old news (issue 14). A name that is not a plain file name (the store holds
    whatever an older config said) is left alone: nothing outside the folder is touched.
    """
    gone = []
    for name in names:
        if not _plain_name(name):
            continue
        for ext, _ in _RENDERERS:
            path = out_dir / f"{name}.{ext}"
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as e:
                raise PublishError(f"cannot delete {path}: {e.strerror or e}") from e
            gone.append(path)
    if gone:
        _fsync_dir(out_dir)
    return tuple(gone)
