"""End-to-end ingest benchmark: real article pages behind RSS feeds on loopback.

    python bench/ingest.py [CORPUS_DIR] [--feeds N]

CORPUS_DIR defaults to ../shared/corpus; any folder with the same layout works
(pages/article-extraction-benchmark/ground-truth.json + html/*.html.gz). The
pages are split over N RSS feeds served by a local http.server (TCP_NODELAY);
topicwire polls them all with full-text extraction, then polls again (every
feed answers 304). The baseline, run in the same process on the same pages, is
bare ``trafilatura.extract`` with no fetching, storing or feeds: the ratio
shows what the rest of the pipeline costs on top of extraction.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import trafilatura  # noqa: E402
from fixture_server import FixtureServer  # noqa: E402

from topicwire.config import load_config  # noqa: E402
from topicwire.feeds.publisher import Publisher  # noqa: E402
from topicwire.pipeline import Pipeline, make_fetcher  # noqa: E402
from topicwire.store import Store  # noqa: E402
from topicwire.upkeep import Upkeep  # noqa: E402


def load_pages(corpus: Path) -> list[tuple[str, bytes]]:
    folder = corpus / "pages" / "article-extraction-benchmark"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    return [(key, gzip.open(folder / meta["stored_as"], "rb").read()) for key, meta in sorted(truth.items())]


def rss(base: str, keys: list[str]) -> bytes:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    items = "".join(
        f"<item><title>Article {escape(k[:12])}</title><link>{base}/a/{k}.html</link>"
        f"<guid>{k}</guid><pubDate>{format_datetime(start + timedelta(minutes=i))}</pubDate></item>"
        for i, k in enumerate(keys)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title>{items}</channel></rss>'.encode()


def write_config(folder: Path, base: str, feeds: int) -> Path:
    lines = [
        "[fetch]",
        "allow_private_addresses = true",
        "concurrency = 4",
        'per_host_delay = "0s"',
        "per_host_concurrency = 4",
    ]
    for n in range(feeds):
        lines += ["[[sources]]", f'name = "f{n}"', f'url = "{base}/feed/{n}.xml"', 'kind = "feed"']
    lines += ["[[topics]]", 'name = "all"', 'query = "NOT zzzqqq"']
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def poll_all(pipeline: Pipeline, feeds: Publisher) -> tuple[float, int]:
    started = time.perf_counter()
    outcomes = [pipeline.poll(s) for s in pipeline.config.sources]
    feeds.publish()
    return time.perf_counter() - started, sum(o.new for o in outcomes)


def baseline(pages: list[tuple[str, bytes]]) -> float:
    started = time.perf_counter()
    for _, html in pages:
        trafilatura.extract(html)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--feeds", type=int, default=10)
    args = parser.parse_args()
    pages = load_pages(args.corpus)
    keys = [k for k, _ in pages]
    with FixtureServer() as server, tempfile.TemporaryDirectory() as tmp:
        for key, html in pages:
            server.route(f"/a/{key}.html", html, headers={"Content-Type": "text/html; charset=utf-8"})
        for n in range(args.feeds):
            body = rss(server.url, keys[n :: args.feeds])
            server.route(
                f"/feed/{n}.xml",
                body,
                headers={"Content-Type": "application/rss+xml"},
                etag=f'"f{n}"',
            )
        config = load_config(write_config(Path(tmp), server.url, args.feeds))
        store = Store.open(config.store_path, datetime.now(UTC))
        pipeline = Pipeline(config, store, make_fetcher(config))
        feeds = Publisher(config, store, pipeline.changes)
        Upkeep.of(pipeline).prepare(feeds.unpublish)
        first, new = poll_all(pipeline, feeds)
        seen = len(server.requests)
        second, again = poll_all(pipeline, feeds)
        second_requests = len(server.requests) - seen
        store.close()
    base = baseline(pages)
    print(f"pages: {len(pages)} in {args.feeds} feeds from {args.corpus}")
    per_page = first / len(pages) * 1000
    print(f"first poll:  {first:7.2f} s  {new} new articles  {new / first:6.1f} articles/s  {per_page:6.1f} ms/page")
    print(f"second poll: {second:7.2f} s  {again} new  {second_requests} requests (all conditional, 304)")
    print(f"baseline (bare trafilatura.extract, no I/O): {base:6.2f} s  {base / len(pages) * 1000:6.1f} ms/page")
    ratio = first / base
    print(f"summary: first_poll_s={first:.2f} articles={new} ratio_vs_bare_trafilatura={ratio:.2f}x", end="")
    print(f" second_poll_s={second:.3f}")


if __name__ == "__main__":
    main()
