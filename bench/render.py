"""Feed regeneration on a big store: 1,000,000 articles, 50 topics.

    python bench/render.py [--articles 1000000] [--topics 50] [--new 100] [--store PATH] [--rounds 3]

Builds (once; reused when ``--store`` points at an existing file built with the
same sizes) a store of N generated articles spread over the 90-day retention
period, ~1.4 topics each, through the Store API (the bench writes no SQL). Then,
in one process like the daemon: opens the store, prepares the pipeline (the
near-duplicate index loads the articles seen within `dedup.window`), and for
after the start-up publish ``run`` does, each round places ``--new`` new articles through the real dedup and topic
matching path (`Pipeline.place`) and regenerates every feed (`Pipeline.publish`:
50 topics x RSS, Atom, JSON Feed, OPML, index.html). Prints the regeneration
time per round and the process's peak resident memory (goal: under 1 s and
under 300 MB), and, as the baseline in the same run, the same regeneration on
an empty-but-for-the-new-articles store, so the ratio shows what the store's
size costs. Ends with one summary line.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from topicwire.config import Config, load_config  # noqa: E402
from topicwire.dedup.desk import KeyedArticle  # noqa: E402
from topicwire.dedup.fingerprint import article_uid, fingerprint  # noqa: E402
from topicwire.extract.clean import paragraphs_to_html, summarize  # noqa: E402
from topicwire.feeds.publisher import Publisher  # noqa: E402
from topicwire.pipeline import Pipeline, make_fetcher  # noqa: E402
from topicwire.store import Store  # noqa: E402
from topicwire.types import Article, MatchDoc  # noqa: E402
from topicwire.upkeep import Upkeep  # noqa: E402

NOW = datetime(2026, 11, 1, tzinfo=UTC)
KEEP_DAYS = 90
WORDS = (
    "minister parliament budget vote coalition election court ruling appeal police inquiry storm flood "
    "wildfire heatwave drought harvest prices inflation bank rates markets shares exports tariffs strike "
    "union workers wages hospital doctors vaccine outbreak study university students teachers schools "
    "railway airport bridge port shipping grain corridor pipeline gas oil energy grid solar wind nuclear "
    "army troops border ceasefire talks summit treaty sanctions embassy envoy spokesman statement"
).split()


def topic_words(topics: int) -> list[str]:
    return [f"zq{n}topic" for n in range(topics)]


def write_config(folder: Path, topics: int) -> Config:
    lines = ["[store]", 'path = "store.sqlite3"', "[output]", 'dir = "feeds"', "[fetch]", 'user_agent = "bench"']
    for n, word in enumerate(topic_words(topics)):
        lines += ["[[topics]]", f'name = "topic-{n}"', f'query = "{word}"']
    lines += ["[[sources]]", 'name = "wire"', 'url = "http://127.0.0.1:9/feed"']
    (folder / "config.toml").write_text("\n".join(lines) + "\n")
    return load_config(folder / "config.toml")


def make_article(rng: random.Random, n: int, tags: list[str], published: datetime, words: int = 60) -> Article:
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    text = f"Report {n}: {body} {' '.join(tags)}."
    return Article(
        source="wire",
        guid=f"g{n}",
        url=f"https://wire.test/{n}",
        title=f"Report {n} on {rng.choice(WORDS)}",
        text=text,
        html=paragraphs_to_html((text,)),
        summary=summarize(text),
        published=published,
        updated=published,
    )


def build(config: Config, articles: int, topics: int, seed: int = 7) -> None:
    """N articles over the retention period through the Store API, in big transactions."""
    rng = random.Random(seed)
    words = topic_words(topics)
    store = Store.open(config.store_path, NOW)
    with store.transaction() as tx:
        tx.sync_sources((("wire", "http://127.0.0.1:9/feed", "feed"),))
    with store.transaction() as tx:
        for t in config.topics:  # rules recorded as current: Upkeep.prepare re-evaluates nothing
            tx.replace_topic(t.name, t.rule.signature, [], NOW)
    started = time.perf_counter()
    batch = 20_000
    for start in range(0, articles, batch):
        with store.transaction() as tx:
            for n in range(start, min(start + batch, articles)):
                when = NOW - timedelta(seconds=KEEP_DAYS * 86400 * (1 - n / articles))
                names = rng.sample(range(topics), rng.choice((1, 1, 1, 2, 2)))
                a = make_article(rng, n, [words[i] for i in names], when)
                fp = fingerprint(a)
                uid = article_uid(fp)
                tx.insert_article(uid, a, fp, when)
                tx.add_topics(uid, uid, tuple(f"topic-{i}" for i in names), when)
        done = min(start + batch, articles)
        print(f"\r  built {done:,} / {articles:,} articles ({time.perf_counter() - started:.0f} s)", end="", flush=True)
    print()
    store.close()


def rounds(config: Config, rounds: int, new: int, topics: int, seed: int) -> tuple[float, list[float]]:
    """The start-up publish, then ``rounds`` times: place ``new`` articles and regenerate
    every feed. Returns (start-up seconds, seconds per regeneration)."""
    rng = random.Random(seed)
    words = topic_words(topics)
    clock = NOW
    store = Store.open(config.store_path, clock)
    pipeline = Pipeline(config, store, make_fetcher(config), lambda: clock)
    feeds = Publisher(config, store, pipeline.changes, clock=lambda: clock)
    Upkeep.of(pipeline).prepare(feeds.unpublish)
    started = time.perf_counter()
    feeds.publish()  # `run` publishes at start, before the first poll: every entry rendered once
    first = time.perf_counter() - started
    times = []
    for r in range(rounds):
        clock = NOW + timedelta(minutes=15 * (r + 1))
        with store.transaction() as tx:
            for i in range(new):
                n = 10_000_000 * (seed + 1) + r * new + i
                tags = [words[j] for j in rng.sample(range(topics), rng.choice((1, 2)))]
                a = make_article(rng, n, tags, clock, words=250)
                keyed = KeyedArticle.of(a)
                pipeline.place(tx, keyed, pipeline.matcher.match(MatchDoc.of(a)), clock)
        started = time.perf_counter()
        feeds.publish()
        times.append(time.perf_counter() - started)
    pipeline.fetcher.close()
    store.close()
    return first, times


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--store", type=Path, help="folder to keep the built store in (reused if present)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="topicwire-render-") as tmp:
        folder = args.store or Path(tmp) / "big"
        folder.mkdir(parents=True, exist_ok=True)
        config = write_config(folder, args.topics)
        marker = folder / f".built-{args.articles}-{args.topics}"
        if not marker.exists():
            config.store_path.unlink(missing_ok=True)
            print(f"building a store of {args.articles:,} articles and {args.topics} topics in {folder}")
            build(config, args.articles, args.topics)
            marker.touch()
        size_mb = sum(p.stat().st_size for p in folder.glob("store.sqlite3*")) / 1e6

        small = Path(tmp) / "small"
        small.mkdir()
        _, baseline = rounds(write_config(small, args.topics), args.rounds, args.new, args.topics, seed=1)
        startup, big = rounds(config, args.rounds, args.new, args.topics, seed=2)
        peak = peak_mb()

    print(f"{'store':<28} {'articles':>10} {'regenerate (s) per round':>30}")
    print(f"{'baseline: only new articles':<28} {args.new * args.rounds:>10,} {_fmt(baseline):>30}")
    print(f"{f'big ({size_mb:,.0f} MB on disk)':<28} {args.articles:>10,} {_fmt(big):>30}")
    worst = max(big)
    print(f"start-up publish of the big store (every entry rendered once): {startup:.3f} s")
    print(f"peak resident memory of this process: {peak:.0f} MB (goal < 300 MB)")
    print(
        f"summary: render articles={args.articles} topics={args.topics} new={args.new} "
        f"regen_s={worst:.3f} (goal <1) startup_s={startup:.3f} baseline_s={max(baseline):.3f} "
        f"ratio={worst / max(baseline):.2f}x "
        f"peak_rss_mb={peak:.0f} (goal <300)"
    )


def _fmt(times: list[float]) -> str:
    return " / ".join(f"{t:.3f}" for t in times)


if __name__ == "__main__":
    main()
