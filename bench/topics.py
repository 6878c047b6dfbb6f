"""Topic matching cost against the number of topics: one pass per article, not one per topic.

    python bench/topics.py [CORPUS_DIR] [--repeat 3]

Articles are the expected texts of the Zyte benchmark in CORPUS_DIR
(pages/article-extraction-benchmark/ground-truth.json; default ../shared/corpus).
Topics are generated deterministically from the articles' own vocabulary: each
is an OR of words and prefixes, an AND with a phrase, and a NOT, like real
rules. Prints articles/s for 5, 50 and 500 topics and the ratio of the slowest
to the fastest (goal: within 2x), then one summary line.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from topicwire.topics.query import compile_query  # noqa: E402
from topicwire.topics.rules import TopicRule, TopicRules  # noqa: E402
from topicwire.types import MatchDoc  # noqa: E402


def load_docs(corpus: Path) -> list[MatchDoc]:
    truth = json.loads((corpus / "pages" / "article-extraction-benchmark" / "ground-truth.json").read_text("utf-8"))
    return [MatchDoc(title=meta["url"], text=meta["articleBody"], source="zyte") for meta in truth.values()]


def make_topics(docs: list[MatchDoc], count: int, seed: int = 1) -> list[TopicRule]:
    words = Counter(w.lower() for d in docs for w in re.findall(r"[A-Za-z]{5,}", d.text))
    vocab = [w for w, _ in words.most_common(3000)[100:]]  # skip the commonest words
    rng = random.Random(seed)
    rules = []
    for n in range(count):
        a, b, c, d, e = rng.sample(vocab, 5)
        query = f'({a} OR {b[:4]}* OR "{c} {d}") AND NOT {e}'
        rules.append(TopicRule(f"t{n}", compile_query(query)))
    return rules


def rate(rules: TopicRules, docs: list[MatchDoc], repeat: int) -> tuple[float, int]:
    matched = 0
    started = time.perf_counter()
    for _ in range(repeat):
        for doc in docs:
            matched += len(rules.match(doc))
    return len(docs) * repeat / (time.perf_counter() - started), matched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    docs = load_docs(args.corpus)
    rates = {}
    for count in (5, 50, 500):
        rules = TopicRules(make_topics(docs, count))
        rates[count], matched = rate(rules, docs, args.repeat)
        print(f"{count:>4} topics: {rates[count]:8.1f} articles/s  ({matched} topic matches)")
    spread = max(rates.values()) / min(rates.values())
    print(f"{len(docs)} articles x {args.repeat}; slowest/fastest = {spread:.2f}x (goal <= 2x)")
    print(f"summary: rate_5={rates[5]:.0f} rate_50={rates[50]:.0f} rate_500={rates[500]:.0f} spread={spread:.2f}x")


if __name__ == "__main__":
    main()
