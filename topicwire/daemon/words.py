"""Counts in the command line's human output: "1 article", "2 articles" (issue 14)."""

from __future__ import annotations


def noun(n: int, singular: str, plural: str | None = None) -> str:
    """The form of ``singular`` that goes with ``n``; English plural by "s" unless given."""
    return singular if n == 1 else plural or singular + "s"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """``counted(1, "new article")`` -> "1 new article"; ``counted(0, "source")`` -> "0 sources"."""
    return f"{n} {noun(n, singular, plural)}"
