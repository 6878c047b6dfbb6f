"""Stories (issue 5): is the same news from many outlets one story, and what does placing cost?

    python bench/dedup.py [CORPUS_DIR] [--sizes 1000,10000,100000] [--similarity 0.5]

Part 1, the merge decision. Base articles are the Zyte benchmark's expected texts
(pages/article-extraction-benchmark/ground-truth.json) and, since the trafilatura eval
pages come with snippets only, topicwire's own extraction of those pages (at least 120
words; near-identical bases are dropped). Each base is published by one of eight
synthetic outlets and republished by 1-4 others, each page wrapped in its outlet's
template (header, headline sidebar, disclaimer, related links, newsletter promo) and
read back by the real extractor and the outlet's learned template, as the pipeline
does, so leaked boilerplate is part of the test. Variants: verbatim, re-written title,
the same outlet under a new GUID (half of them also under a new URL), trimmed last
paragraph, prepended dateline, both. Distinct-but-similar: "same topic" texts (the
base's first and last paragraphs cut in 4-word runs and reordered around a new body),
"follow-ups" (a new body ending with the base's background paragraph verbatim), and
real corpus pairs from one site. Every page goes through Pipeline.place in its own
transaction, in publication order, on a temp-dir Store and a Pipeline built from a
config.toml. Prints pairwise precision/recall/F1 of "same story" per category, the
wrong merges and the missed joins with their similarity.

Part 2, cost. A store pre-filled through place() (1,000 per transaction) with N
generated articles (200-800 words drawn from the corpus vocabulary by frequency, all
within the dedup window so the near index holds every one), then a batch of 200 new
articles (half near-duplicates of stored ones, half new) placed one transaction each,
including KeyedArticle.of; ms/article at each N (best of --repeat batches) and the ratio of
the largest N to the smallest (goal: within 2x).

The labelled set is built in bench/dedup_set.py. Measured on the shared 2-core machine
(3 min): pairwise F1 1.0000 for the verbatim-body kinds and 0.9997 for the edited ones,
0 wrong merges, 1 copy missed (see bench/README.md). Cost 1.19 / 1.33 / 1.53 ms per
article at 1.6k / 11k / 102k stored, 1.28x.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dedup_set import (  # noqa: E402
    DISTRACTORS,
    EDITED,
    OUTLETS,
    T0,
    VERBATIM,
    Base,
    Page,
    TextGen,
    articles_for,
    dateline,
    generated,
    generated_article,
    load_bases,
    make_pages,
    paragraphs,
)

from topicwire.config import load_config  # noqa: E402
from topicwire.dedup.desk import KeyedArticle  # noqa: E402
from topicwire.dedup.lsh import band_keys  # noqa: E402
from topicwire.dedup.near import shingles, similarity  # noqa: E402
from topicwire.pipeline import Pipeline, make_fetcher  # noqa: E402
from topicwire.store import Store  # noqa: E402
from topicwire.types import Article  # noqa: E402
from topicwire.upkeep import Upkeep  # noqa: E402


# -- running through the pipeline -------------------------------------------------------
def open_pipeline(folder: Path, similarity_: float | None) -> tuple[Store, Pipeline]:
    dedup = f"[dedup]\nsimilarity = {similarity_}\n" if similarity_ is not None else ""
    (folder / "config.toml").write_text(f'[store]\npath = "store.sqlite3"\n[output]\ndir = "feeds"\n{dedup}')
    config = load_config(folder / "config.toml")
    store = Store.open(config.store_path, T0)
    pipeline = Pipeline(config, store, make_fetcher(config), lambda: T0)
    Upkeep.of(pipeline).prepare()
    return store, pipeline


@dataclass(frozen=True)
class Placed:
    page: Page
    article: Article
    uid: str
    decision: str
    story: str = ""


def place_all(store: Store, pipeline: Pipeline, pages: list[Page], articles: list[Article]) -> list[Placed]:
    placed = []
    for page, article in zip(pages, articles, strict=True):
        with store.transaction() as tx:
            uid, d = pipeline.place(tx, KeyedArticle.of(article), (), page.published + timedelta(minutes=5))
        placed.append(Placed(page, article, uid, f"{d.action} {d.reason} {d.similarity:.2f}".strip()))
    return [replace(p, story=_story_of(store, p.uid)) for p in placed]


def _story_of(store: Store, uid: str) -> str:
    found = store.article(uid)
    if found is None:
        raise SystemExit(f"placed article {uid} is not in the store")
    return found.story_id


# -- scoring ----------------------------------------------------------------------------
def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def prf(placed: list[Placed]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of "same story" against the labels."""
    both = Counter((p.page.label, p.story) for p in placed)
    tp = sum(_pairs(n) for n in both.values())
    said = sum(_pairs(n) for n in Counter(p.story for p in placed).values())
    true = sum(_pairs(n) for n in Counter(p.page.label for p in placed).values())
    precision = tp / said if said else 1.0
    recall = tp / true if true else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def subset(placed: list[Placed], kinds: tuple[str, ...]) -> list[Placed]:
    """Originals, the copies of ``kinds`` and every distractor: that category's decisions."""
    return [p for p in placed if p.page.kind in ("original", *kinds, *DISTRACTORS)]


def wrong_merges(placed: list[Placed], hosts: dict[str, str]) -> list[tuple[str, Placed, Placed]]:
    by_story: dict[str, list[Placed]] = defaultdict(list)
    for p in placed:
        by_story[p.story].append(p)
    out = []
    for members in by_story.values():
        for a, b in combinations(members, 2):
            if a.page.label != b.page.label:
                out.append((_why_similar(a, b, hosts), a, b))
    return out


def _why_similar(a: Placed, b: Placed, hosts: dict[str, str]) -> str:
    for x in (a, b):
        if x.page.kind in DISTRACTORS:
            return x.page.kind
    ha, hb = hosts.get(a.page.label), hosts.get(b.page.label)
    return "same-site" if ha and ha == hb else "unrelated"


def missed(placed: list[Placed]) -> list[tuple[Placed, Placed]]:
    """(copy, original) pairs of one label placed in different stories."""
    originals = {p.page.label: p for p in placed if p.page.kind == "original"}
    return [
        (p, originals[p.page.label])
        for p in placed
        if p.page.label in originals and p.story != originals[p.page.label].story
    ]


def _sim(a: Placed, b: Placed) -> float:
    return similarity(shingles(a.article.text), shingles(b.article.text))


def _lsh(a: Placed, b: Placed) -> str:
    """Would the LSH index propose this pair (a band in common)?"""
    sa, sb = KeyedArticle.of(a.article).sig, KeyedArticle.of(b.article).sig
    if not (sa and sb):
        return "no signature"
    common = band_keys(np.frombuffer(sa, dtype=np.uint32)) == band_keys(np.frombuffer(sb, dtype=np.uint32))
    return f"{int(common.sum())} LSH bands shared"


def _containment(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def separation(placed: list[Placed], hosts: dict[str, str]) -> None:
    """How far apart the true pairs and the distinct-but-similar pairs are, by Jaccard
    (what decides today) and by containment (shared shingles over the smaller set)."""
    grams = {id(p): shingles(p.article.text) for p in placed}
    originals = {p.page.base: p for p in placed if p.page.kind == "original"}
    pos = [(grams[id(p)], grams[id(originals[p.page.base])]) for p in placed if p.page.kind in VERBATIM + EDITED]
    neg = [(grams[id(p)], grams[id(originals[p.page.base])]) for p in placed if p.page.kind in DISTRACTORS]
    by_host: dict[str, list[Placed]] = defaultdict(list)
    for o in originals.values():
        by_host[hosts[o.page.base]].append(o)
    neg += [(grams[id(a)], grams[id(b)]) for group in by_host.values() for a, b in combinations(group, 2)]
    for name, f in (("Jaccard", similarity), ("containment", _containment)):
        p = np.array([f(a, b) for a, b in pos])
        n = np.array([f(a, b) for a, b in neg])
        q = " ".join(f"p{k}={np.percentile(p, k):.3f}" for k in (0, 1, 5, 50))
        cuts = " ".join(f"{t}: {int((p < t).sum())}/{int((n >= t).sum())}" for t in (0.4, 0.5, 0.6, 0.7, 0.8))
        print(f"  {name:<11} copy~original {q}; similar-distinct max={n.max():.3f}; below/above at {cuts}")


def report_quality(placed: list[Placed], bases: list[Base], same_site_pairs: int) -> dict[str, float]:
    hosts = {b.key: b.host for b in bases}
    print(f"{'category':<22} {'pages':>6} {'pairs':>7} {'precision':>9} {'recall':>7} {'F1':>6}")
    rows = [(k, (k,)) for k in VERBATIM + EDITED] + [("verbatim (all 3)", VERBATIM), ("edited (all 3)", EDITED)]
    scores = {}
    for name, kinds in [*rows, ("all", VERBATIM + EDITED)]:
        sub = subset(placed, kinds)
        pages = sum(p.page.kind in kinds for p in placed)
        pairs = sum(_pairs(n) for n in Counter(p.page.label for p in sub).values())
        scores[name] = (f1 := prf(sub))[2]
        print(f"{name:<22} {pages:>6} {pairs:>7} {f1[0]:>9.4f} {f1[1]:>7.4f} {f1[2]:>6.4f}")
    wrong = wrong_merges(placed, hosts)
    counts = Counter(why for why, _, _ in wrong)
    distract = Counter(p.page.kind for p in placed if p.page.kind in DISTRACTORS)
    print(
        f"wrong merges (pairs): {dict(counts) or 0}; distinct-but-similar pages: {dict(distract)}, "
        f"same-site corpus pairs: {same_site_pairs}"
    )
    for why, a, b in wrong[:20]:
        print(
            f"  WRONG {why}: {a.page.kind} {a.page.label} ({a.decision}) + {b.page.kind} {b.page.label} "
            f"({b.decision}) J={_sim(a, b):.3f}"
        )
    misses = missed(placed)
    for copy, orig in misses[:30]:
        print(
            f"  MISSED {copy.page.kind} {copy.page.outlet.name} {copy.page.label}: {copy.decision}; "
            f"J to original={_sim(copy, orig):.3f}, {_lsh(copy, orig)} ({len(copy.article.text.split())} vs "
            f"{len(orig.article.text.split())} words, original by {orig.page.outlet.name})"
        )
    print(f"separation over {len(placed)} pages (copies missed / distinct pairs merged, if that were the rule):")
    separation(placed, hosts)
    scores["wrong"] = float(len(wrong))
    scores["missed"] = float(len(misses))
    return scores


# -- cost -------------------------------------------------------------------------------
def prefill(store: Store, pipeline: Pipeline, articles: Iterable[Article], chunk: int = 1000) -> int:
    n = 0
    batch: list[Article] = []
    for a in [*articles, None]:
        if a is not None:
            batch.append(a)
        if len(batch) == chunk or (a is None and batch):
            keyed = [KeyedArticle.of(x) for x in batch]
            with store.transaction() as tx:
                for k in keyed:
                    pipeline.place(tx, k, (), T0)
            n, batch = n + len(batch), []
    return n


def batch_cost(
    store: Store,
    pipeline: Pipeline,
    gen: TextGen,
    stored: list[Article],
    start: int,
    rng: random.Random,
    size: int = 200,
) -> tuple[float, int]:
    """ms per article for ``size`` new articles, one transaction each; and how many joined."""
    new = list(generated(gen, size // 2, start, rng))
    dupes = []
    for i, a in enumerate(rng.sample(stored, size - len(new))):
        paras = dateline(paragraphs(a.text), OUTLETS[0], T0, rng)
        dupes.append(generated_article(f"copies-{start}", start + size + i, paras, a.published + timedelta(hours=2)))
    todo = [x for pair in zip(new, dupes, strict=False) for x in pair]
    joined = 0
    started = time.perf_counter()
    for a in todo:
        keyed = KeyedArticle.of(a)
        with store.transaction() as tx:
            _, d = pipeline.place(tx, keyed, (), T0)
        joined += d.action == "join"
    return (time.perf_counter() - started) * 1000 / len(todo), joined


def report_cost(folder: Path, gen: TextGen, sizes: list[int], repeat: int) -> float:
    store, pipeline = open_pipeline(folder, None)
    rng = random.Random(7)
    stored: list[Article] = []
    per: dict[int, float] = {}
    print(f"\n{'stored':>8} {'indexed':>8} {'prefill ms/art':>14} {'place ms/art':>12} {'joined':>7}")
    for size in sizes:
        more = list(generated(gen, size - len(stored), len(stored), rng))
        started = time.perf_counter()
        prefill(store, pipeline, more)
        fill_ms = (time.perf_counter() - started) * 1000 / max(1, len(more))
        stored += more
        runs = [batch_cost(store, pipeline, gen, stored, 10_000_000 * (size + r), rng) for r in range(repeat)]
        per[size] = min(ms for ms, _ in runs)
        joined = "/".join(str(j) for _, j in runs)
        indexed = store.near_indexed(T0 - pipeline.desk.window)  # the near-duplicate index, in the store
        print(f"{store.article_count():>8} {indexed:>8} {fill_ms:>14.2f} {per[size]:>12.2f} {joined:>7}")
    store.close()
    ratio = per[sizes[-1]] / per[sizes[0]]
    print(f"cost ratio {sizes[-1]}/{sizes[0]}: {ratio:.2f}x (goal <= 2x)")
    return ratio


def _same_site_pairs(bases: list[Base]) -> int:
    return sum(_pairs(n) for n in Counter(b.host for b in bases).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--sizes", default="1000,10000,100000", help="stored articles for the cost part")
    parser.add_argument("--repeat", type=int, default=3, help="batches per size (the fastest counts)")
    parser.add_argument("--similarity", type=float, default=None, help="[dedup] similarity (default: config's)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool, tempfile.TemporaryDirectory() as tmp:
        bases, dropped = load_bases(args.corpus, pool)
        gen = TextGen(("\n".join(b.paragraphs) for b in bases), args.seed)
        pages = make_pages(bases, gen, rng)
        articles = articles_for(pages, pool, rng)
        folder = Path(tmp) / "labelled"
        folder.mkdir()
        store, pipeline = open_pipeline(folder, args.similarity)
        print(
            f"{len(bases)} bases ({dropped} near-identical corpus pages dropped), {len(pages)} pages, "
            f"threshold {pipeline.desk.threshold}, {time.perf_counter() - started:.0f} s to build\n"
        )
        placed = place_all(store, pipeline, pages, articles)
        store.close()
        scores = report_quality(placed, bases, _same_site_pairs(bases))
        cost_dir = Path(tmp) / "cost"
        cost_dir.mkdir()
        ratio = report_cost(cost_dir, gen, [int(s) for s in args.sizes.split(",")], args.repeat)
    print(
        f"summary: f1_verbatim={scores['verbatim (all 3)']:.4f} f1_edited={scores['edited (all 3)']:.4f} "
        f"f1_all={scores['all']:.4f} wrong_merges={scores['wrong']:.0f} missed={scores['missed']:.0f} "
        f"cost_ratio={ratio:.2f}x seconds={time.perf_counter() - started:.0f}"
    )


if __name__ == "__main__":
    main()
