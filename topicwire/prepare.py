"""A full-text poll's pure work between extraction and the store, in one call (issue 16).

    prepare_poll(articles, template, layouts, same_story)  -> PreparedPoll

The source's template learned from the whole poll and each page stripped with it
(sitetemplate.clean_poll), then each article's dedup keys (its MinHash) and its statements
as written (no aliases: they are the config's, resolved by the caller). One call per poll so
that pipeline.py can run it in a worker process (cpu.py) like an extraction: bench/scale.py
found these three a third of the daemon's own CPU once extraction had left it, and one
process (one GIL) doing them for every poll kept a second core half idle. Shipping them one
article at a time cost more than it saved (pipeline.OFFLOAD_BYTES); a poll's articles and
template cross in one pickle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from topicwire.dedup.desk import KeyedArticle
from topicwire.extract.layout import Layout
from topicwire.extract.template import Template
from topicwire.sitetemplate import clean_poll
from topicwire.statements import extract_statements
from topicwire.types import Article, Statement


@dataclass(frozen=True)
class Keys:
    """What an article's placement needs computed before the store's lock."""

    keyed: KeyedArticle
    statements: tuple[Statement, ...]  # speakers as written: aliases are resolved by the caller


@dataclass(frozen=True)
class PreparedPoll:
    """A full-text poll after its pure work."""

    articles: tuple[Article, ...]  # stripped of the template, in the poll's order
    template: Template  # what the poll taught
    keys: tuple[Keys, ...]  # one per article, in order


def prepare_poll(
    articles: Sequence[Article], template: Template, layouts: Sequence[Layout], same_story: float
) -> PreparedPoll:
    cleaned, learned = clean_poll(articles, template, layouts, same_story)
    return PreparedPoll(cleaned, learned, tuple(keys_of(a) for a in cleaned))


def keys_of(article: Article) -> Keys:
    return Keys(KeyedArticle.of(article), extract_statements(article.text))
