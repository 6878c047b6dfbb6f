"""Topic matching cost against the number of topics: one pass per article, not one per topic.

    python bench/topics.py [CORPUS_DIR] [--repeat 5]

Articles are the expected texts of the Zyte benchmark in CORPUS_DIR
(pages/article-extraction-benchmark/ground-truth.json; default ../shared/corpus).
Topics are generated deterministically from the articles' own vocabulary: each
is an OR of words and prefixes, an AND with a phrase, and a NOT, like real
rules; a 4-letter prefix of a common word fires often, so ~15% of topics match
an article and ~19% have to be evaluated. Prints articles/s (the fastest of
--repeat passes) for 5, 50 and 500 topics and the ratio of the slowest to the
fastest (goal: within 2x), then one summary line.

Measured on the shared 2-core development machine, 3 runs each, same method:
before the trigger index (every topic's tree walked per article)
890-935 / 652-676 / 174-176 articles/s, 4.7-5.4x; with it (issue 6: the
article's words looked up in a word -> topics index, only triggered topics'
compiled trees evaluated) 902-926 / 889-892 / 605-710 articles/s, 1.27-1.53x.
The topic-match counts are identical. Most of the remaining cost at 5 topics is
folding and splitting the text (index_doc), which every topic count pays once.
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
    """Articles/s of the fastest of ``repeat`` passes (the machine is shared: slower passes
    measure other work), and the topic matches of all passes."""
    matched, best = 0, float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for doc in docs:
            matched += len(rules.match(doc))
        best = min(best, time.perf_counter() - started)
    return len(docs) / best, matched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=5)
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
